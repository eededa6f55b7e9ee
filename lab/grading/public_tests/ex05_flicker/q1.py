OK_FORMAT = True

test = {   'name': 'q1',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert temporal_mae(stable_frames) == 0\n',
                                       'failure_message': 'a clip whose frames are all identical has a temporal MAE of 0',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> ten_t, thirty_t = (np.full((1, 2, 3), 10, np.uint8), np.full((1, 2, 3), 30, np.uint8))\n>>> assert temporal_mae([ten_t, thirty_t, ten_t]) == 20\n',
                                       'failure_message': 'frames of 10, 30 and 10 levels differ by 20 levels per pair; uint8 subtraction wraps around (10 - 30 = 236), so convert to a signed or '
                                                          'float type first, and average, do not sum',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
