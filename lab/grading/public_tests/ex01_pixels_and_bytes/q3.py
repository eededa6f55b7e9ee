OK_FORMAT = True

test = {
    "name": "q3",
    "points": 2,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> assert raw_bytes(1, 1, 1, 1) == 3\n",
                    "failure_message": "one frame of 1 x 1 pixel, 1 byte per value, is 3 bytes (R, G, B)",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert raw_bytes(16, 9, 48, 1) == 2 * raw_bytes(16, 9, 24, 1) == raw_bytes(16, 9, 24, 2)\n",
                    "failure_message": "twice the frame rate (or twice the duration) means twice the bytes",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert raw_bytes(1, 1, 1, 1, bytes_per_value=4) == 12\n",
                    "failure_message": "bytes_per_value multiplies the size: one float32 RGB pixel is 3 x 4 = 12 bytes",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
