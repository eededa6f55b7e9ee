OK_FORMAT = True

test = {   'name': 'q1',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> assert isinstance(pixels_per_second, (int, float)) and pixels_per_second > 24\n',
                                       'failure_message': 'a number (int or float): pixels per frame times frames per second',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert pixels_per_second > 100000000.0\n',
                                       'failure_message': 'multiply the pixels of one 3840 x 2160 frame by the 24 frames shown each second',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
