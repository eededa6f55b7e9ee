OK_FORMAT = True

test = {   'name': 'q5',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> assert isinstance(sign_psnr, float) and 0 < sign_psnr < 100\n',
                                       'failure_message': 'a PSNR is a float in dB; compare the upscaled frame with the native one',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
