OK_FORMAT = True

test = {   'name': 'q6',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> assert isinstance(q6_answer, str) and q6_answer.strip().lower() in {'a', 'b', 'c', 'd'}\n",
                                       'failure_message': "answer with one letter: 'a', 'b', 'c' or 'd'",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0,
                                       'success_message': 'answer recorded: one of a, b, c or d. It is graded after you submit'}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
