OK_FORMAT = True

test = {   'name': 'q4',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert psnr(original, original.copy()) == float('inf')\n",
                                       'failure_message': "identical frames have MSE 0: return float('inf')",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert abs(psnr(np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 100, np.uint8)) - 10 * np.log10(255 ** 2 / 100 ** 2)) < 1e-09\n',
                                       'failure_message': 'frames 0 and 100 differ by 100 levels everywhere: MSE 10,000 and about 8.13 dB. uint8 arithmetic wraps around (0 - 100 = 156, and squares '
                                                          'overflow): convert to float first',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert abs(psnr(np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 255, np.uint8))) < 1e-09\n',
                                       'failure_message': 'the peak is 255 for uint8 frames: black against white is exactly 0 dB',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
