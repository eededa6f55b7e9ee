OK_FORMAT = True

test = {   'name': 'q5',
    'points': 1,
    'suites': [   {   'cases': [   {'code': '>>> assert choice in measured\n', 'failure_message': 'choice must be one of the method names in measured', 'hidden': False, 'locked': False, 'points': 0},
                                   {   'code': '>>> assert measured[choice][1] <= 2.5 and measured[choice][0] == min((err for err, cost in measured.values() if cost <= 2.5))\n',
                                       'failure_message': 'among the methods that cost at most 2.5 GPU seconds per frame, take the one with the lowest warp error',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
