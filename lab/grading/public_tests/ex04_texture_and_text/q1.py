OK_FORMAT = True

test = {   'name': 'q1',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert laplacian_variance(np.full((6, 9), 0.7)) == 0\n',
                                       'failure_message': 'a flat image has a Laplacian of 0 everywhere, so its variance is 0',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
