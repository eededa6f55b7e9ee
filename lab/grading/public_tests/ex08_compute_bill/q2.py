OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert abs(render_seconds(64, 36, 20, 1.0) - 2 * render_seconds(64, 36, 10, 1.0)) < 1e-12\n'
                                               '>>> assert abs(render_seconds(64, 36, 10, 2.0) - render_seconds(64, 36, 10, 1.0) / 2) < 1e-12\n',
                                       'failure_message': 'twice as many frames take twice as long; twice the throughput takes half as long',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
