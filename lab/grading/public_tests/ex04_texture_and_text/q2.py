OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert all((isinstance(v, float) and v >= 0 for v in (sharp_native, sharp_upscaled)))\n',
                                       'failure_message': 'sharpness values are floats >= 0 in (8-bit levels)^2',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert sharp_native > sharp_upscaled and 0 < waxy < 1\n',
                                       'failure_message': "native keeps the fine skin detail: it is the sharper one, and the upscale's share of it (waxy = upscaled / native) is below 1",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
