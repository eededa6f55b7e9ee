OK_FORMAT = True

test = {   'name': 'q5',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> assert sorted(psnr_by_method) == ['bicubic', 'bilinear', 'lanczos', 'nearest']\n",
                                       'failure_message': 'psnr_by_method maps each of the 4 method names to a PSNR in dB',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert best_method == max(psnr_by_method, key=psnr_by_method.get)\n',
                                       'failure_message': 'a higher PSNR means closer to the original: pick the method with the largest value',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
