"""After the lessons ran as on Colab: is Colab's own environment still what it was?

Run with the Python of a simulated Colab environment (see .ci/run) after its lessons' set-up
cell installed the course. Checks that the course came from a wheel (not a checkout), that
ipywidgets is still Colab's 7.7.1, that no second OpenCV distribution was installed over
Colab's ``opencv-python``, and that every file of that distribution is unchanged (pip writes
``opencv-python`` and ``opencv-python-headless`` into the same ``cv2/`` folder). Exit status 1
on the first problem, with a message.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as metadata
import sys
from pathlib import Path

KEPT = {"ipywidgets": "7.7.1"}
OPENCV = "opencv-python"
OTHER_OPENCV = ("opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless")


def changed_files(distribution: str) -> list[str]:
    """Files of an installed distribution whose sha256 no longer matches its RECORD."""
    dist = metadata.distribution(distribution)
    changed = []
    for entry in dist.files or []:
        if entry.hash is None or entry.hash.mode != "sha256":
            continue
        path = Path(str(dist.locate_file(entry)))
        digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        if digest != entry.hash.value:
            changed.append(str(entry))
    return changed


def main() -> int:
    problems = []
    import lab

    if "site-packages" not in lab.__file__:
        problems.append(f"lab was imported from {lab.__file__}, not from the installed package")
    for name, version in KEPT.items():
        if metadata.version(name) != version:
            problems.append(
                f"{name} is {metadata.version(name)} now; Colab's {version} should have been kept"
            )
    for other in OTHER_OPENCV:
        try:
            problems.append(f"{other} {metadata.version(other)} was installed over Colab's {OPENCV}")
        except metadata.PackageNotFoundError:
            pass
    changed = changed_files(OPENCV)
    if changed:
        problems.append(f"{len(changed)} files of {OPENCV} were overwritten, e.g. {changed[:3]}")
    import cv2

    if not hasattr(cv2, "resize"):
        problems.append("import cv2 gives a module without cv2.resize")
    for problem in problems:
        print(f"colab environment: {problem}", file=sys.stderr)
    if not problems:
        print(
            f"colab environment intact: {OPENCV} {metadata.version(OPENCV)} (cv2 {cv2.__version__}), "
            f"ipywidgets {metadata.version('ipywidgets')}, course from {Path(lab.__file__).parent}"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
