OK_FORMAT = True

test = {   'name': 'q3',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert native_seconds > upscaled_seconds > 0\n',
                                       'failure_message': 'native generation of 16x the pixels should cost far more than generating 540p and upscaling',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert upscaled_seconds > render_seconds(qhd.width, qhd.height, frames, 0.4)\n',
                                       'failure_message': 'the upscaled route pays twice: generating the 540p clip, then upscaling every frame to 4K',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
