OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert abs(render_seconds(64, 36, 20, 1.0) - 2 * render_seconds(64, 36, 10, 1.0)) < 1e-12\n'
                                               '>>> assert abs(render_seconds(64, 36, 10, 2.0) - render_seconds(64, 36, 10, 1.0) / 2) < 1e-12\n',
                                       'failure_message': 'twice as many frames take twice as long; twice the throughput takes half as long',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert abs(render_seconds(1000, 1000, 1, 1.0) - 1.0) < 1e-09\n',
                                       'failure_message': 'throughput is in megapixels (1e6 pixels) per second: one 1000 x 1000 frame at 1 MP/s takes 1 s',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
