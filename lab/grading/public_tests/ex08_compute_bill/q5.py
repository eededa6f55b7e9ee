OK_FORMAT = True

test = {   'name': 'q5',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert abs(gb_per_minute(32) - 2 * gb_per_minute(16)) < 1e-12 and gb_per_minute(16) > 0\n',
                                       'failure_message': 'the size is proportional to the bitrate',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert abs(gb_per_minute(80) - 0.6) < 1e-12\n',
                                       'failure_message': '80 Mbit/s for 60 s is 4,800 Mbit = 600 MB = 0.6 GB: divide bits by 8 to get bytes',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
