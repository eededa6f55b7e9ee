OK_FORMAT = True

test = {   'name': 'q1',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert laplacian_variance(np.full((6, 9), 0.7)) == 0\n',
                                       'failure_message': 'a flat image has a Laplacian of 0 everywhere, so its variance is 0',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> ramp_t = np.add.outer(np.arange(6.0), np.arange(9.0) ** 2)\n'
                                               '>>> assert abs(laplacian_variance(2 * ramp_t) - 4 * laplacian_variance(ramp_t)) < 1e-06 * max(1.0, laplacian_variance(ramp_t))\n',
                                       'failure_message': 'a variance grows with the square of contrast: doubling the image must multiply it by 4 (a standard deviation would only double)',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
