OK_FORMAT = True

test = {   'name': 'q4',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert float(source_line_px) > 0 and isinstance(needs_native, (bool, np.bool_))\n',
                                       'failure_message': 'source_line_px is a positive number of pixels and needs_native a bool',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert float(source_line_px) < 1.5 and needs_native == (float(source_line_px) < 1)\n',
                                       'failure_message': 'the source is 4x smaller, so the line is 4x thinner there; a line under one pixel wide cannot be drawn crisply at the source',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
