OK_FORMAT = True

test = {
    "name": "q1",
    "points": 2,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> assert np.allclose(keys_kernel(np.array([0.0, 1.0, 2.0, -1.0])), [1, 0, 0, 0])\n",
                    "failure_message": "w(0) must be 1 and w(1) = w(2) = 0: the curve passes through the original pixels",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert np.shape(keys_kernel(np.zeros((3, 4)))) == (3, 4)\n",
                    "failure_message": "keys_kernel must accept a numpy array and return an array of the same shape",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert abs(float(np.asarray(keys_kernel(np.array([0.5])))[0]) - 0.5625) < 1e-09\n",
                    "failure_message": "with a = -0.5 the weight half a pixel away is 0.5625 (OpenCV's a = -0.75 gives 0.59375): use the a you are given",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert np.allclose(keys_kernel(np.array([-0.5, -1.5])), keys_kernel(np.array([0.5, 1.5])))\n",
                    "failure_message": "the kernel is symmetric, w(-x) = w(x): work with |x|",
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
