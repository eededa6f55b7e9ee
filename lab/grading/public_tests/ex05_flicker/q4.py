OK_FORMAT = True

test = {
    "name": "q4",
    "points": 2,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> assert pick_upscaler({'bicubic': (0.02, 1.0)}, 5.0) == 'bicubic'\n",
                    "failure_message": "with a single method that fits, return its name",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert pick_upscaler({'cheap': (0.05, 1.0), 'steady': (0.01, 10.0)}, 2.0) == 'cheap'\n",
                    "failure_message": "only methods whose cost is at most the budget count, however steady the others are",
                    "hidden": False,
                    "locked": False,
                    "points": 0,
                },
                {
                    "code": ">>> assert pick_upscaler({'exact': (0.1, 2.0)}, 2.0) == 'exact' and pick_upscaler({'dear': (0.1, 3.0)}, 2.0) is None\n",
                    "failure_message": "a method that costs exactly the budget fits; when nothing fits, the answer is None",
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
