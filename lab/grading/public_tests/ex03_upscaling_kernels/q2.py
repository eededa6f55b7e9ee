OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert np.shape(bicubic_weights(0.3)) == (4,) and abs(float(np.sum(bicubic_weights(0.3))) - 1) < 1e-09\n',
                                       'failure_message': 'the 4 weights must add up to 1 for any t, so a flat image stays flat',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert np.allclose(bicubic_weights(0.0), [0, 1, 0, 0])\n',
                                       'failure_message': 'at t = 0 the point sits on pixel 0, which gets all the weight; keep the order of pixels -1, 0, 1, 2',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
