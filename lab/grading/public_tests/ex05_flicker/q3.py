OK_FORMAT = True

test = {   'name': 'q3',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> assert isinstance(noisy_clip, video.Clip) and len(noisy_clip) == 6\n',
                                       'failure_message': 'noisy_clip must be a lab.video.Clip of the 6 noisy frames',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert abs(float(library_score) - noisy_score) < 1e-09\n',
                                       'failure_message': "the library's score of your clip should equal your own noisy_score: wrap noisy_frames, not another list",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
