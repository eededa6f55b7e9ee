OK_FORMAT = True

test = {   'name': 'q5',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> assert isinstance(size_for_factor((2, 1), 1), tuple) and len(size_for_factor((2, 1), 1)) == 2\n',
                                       'failure_message': 'return a tuple (width, height)',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert size_for_factor((2, 1), 3) == (6, 3)\n',
                                       'failure_message': 'sizes are (width, height): keep that order and scale both by the factor',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
