OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert stable_score == 1.0 and 0.9 < noisy_score < 1.0\n',
                                       'failure_message': 'the stable clip scores 1.0 and the noisy one a little less',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
