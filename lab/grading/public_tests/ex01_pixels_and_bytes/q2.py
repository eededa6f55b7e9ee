OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert frame_bytes_f32 == 4 * frame_bytes_u8\n',
                                       'failure_message': 'a float32 value takes 4 bytes and a uint8 value 1 byte, so the float32 frame is 4 times larger',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0},
                                   {   'code': '>>> assert frame_bytes_u8 == 3 * 3840 * 2160\n',
                                       'failure_message': 'uint8 is one byte per value and each pixel holds 3 values (R, G, B): count bytes, not bits',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
