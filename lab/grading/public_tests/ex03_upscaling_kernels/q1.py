OK_FORMAT = True

test = {   'name': 'q1',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert np.allclose(keys_kernel(np.array([0.0, 1.0, 2.0, -1.0])), [1, 0, 0, 0])\n',
                                       'failure_message': 'w(0) must be 1 and w(1) = w(2) = 0: the curve passes through the original pixels',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert np.shape(keys_kernel(np.zeros((3, 4)))) == (3, 4)\n',
                                       'failure_message': 'keys_kernel must accept a numpy array and return an array of the same shape',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
