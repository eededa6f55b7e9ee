OK_FORMAT = True

test = {   'name': 'q3',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert all((isinstance(b, np.ndarray) and b.shape == original.shape and (b.dtype == np.uint8) for b in (big_nearest, big_bicubic)))\n',
                                       'failure_message': 'both results must be uint8 arrays shaped like original, (96, 128, 3)',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
