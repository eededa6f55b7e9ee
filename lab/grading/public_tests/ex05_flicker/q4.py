OK_FORMAT = True

test = {   'name': 'q4',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert pick_upscaler({'bicubic': (0.02, 1.0)}, 5.0) == 'bicubic'\n",
                                       'failure_message': 'with a single method that fits, return its name',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
