OK_FORMAT = True

test = {   'name': 'q4',
    'points': 1,
    'suites': [   {   'cases': [   {'code': '>>> assert 0 <= float(invented_share) <= 1\n', 'failure_message': 'a share is a number between 0 and 1', 'hidden': False, 'locked': False, 'points': 0},
                                   {   'code': '>>> assert float(invented_share) > 0.5\n',
                                       'failure_message': 'most pixels of the 4K frame were not in the 960 x 540 source: the share the upscaler invents is above one half',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
