OK_FORMAT = True

test = {   'name': 'q1',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> assert isinstance(uhd_pixels, (int, np.integer)) and (not isinstance(uhd_pixels, bool))\n',
                                       'failure_message': 'uhd_pixels must be a whole number (an int), not text or a float',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert uhd_pixels == 4 * 1920 * 1080\n',
                                       'failure_message': '4K UHD is 3840 x 2160: twice the width and twice the height of 1080p, so 4x its pixels (multiply, do not add)',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
