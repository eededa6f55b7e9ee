OK_FORMAT = True

test = {   'name': 'q5',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert abs(gb_per_minute(32) - 2 * gb_per_minute(16)) < 1e-12 and gb_per_minute(16) > 0\n',
                                       'failure_message': 'the size is proportional to the bitrate',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
