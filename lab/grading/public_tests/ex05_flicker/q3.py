OK_FORMAT = True

test = {   'name': 'q3',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> assert isinstance(noisy_clip, video.Clip) and len(noisy_clip) == 6\n',
                                       'failure_message': 'noisy_clip must be a lab.video.Clip of the 6 noisy frames',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
