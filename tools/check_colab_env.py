"""After the lessons ran as on Colab: is Colab's own environment still what it was?

Run with the Python of a simulated Colab environment (see .ci/run) after its lessons' set-up
cell installed the course. Checks that the Python is Colab's, that the course came from a wheel
(not a checkout), that every package Colab preinstalls at a version the course meets (numpy,
torch, ipywidgets, opencv-python, ...; ``[colab.pins]`` in tools/environments.toml, the one
place those versions are kept) is still at Colab's version, that no second OpenCV distribution
was installed over Colab's ``opencv-python``, and that every file of that distribution is
unchanged (pip writes ``opencv-python`` and ``opencv-python-headless`` into the same ``cv2/``
folder). Exit status 1 after printing every problem.

``--pins`` prints Colab's pins as pip requirements (``name==version``, one a line), ``--python``
Colab's Python (``3.13``) and ``--ci-pythons`` the Python minors CI tests, for .ci/run to read.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata as metadata
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

ENVIRONMENTS = Path(__file__).resolve().with_name("environments.toml")
OPENCV = "opencv-python"
OTHER_OPENCV = ("opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless")


def environments(path: Path = ENVIRONMENTS) -> dict:
    """The tested environments: ``[ci] pythons`` and ``[colab]`` (``python``, ``list_date``, ``pins``)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


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


def pin_problems(pins: dict[str, str], version_of: Callable[[str], str]) -> list[str]:
    """One message per pinned distribution that is missing or not at its pinned version."""
    problems = []
    for name, version in pins.items():
        try:
            found = version_of(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed; Colab's {version} should have been kept")
            continue
        if found != version:
            problems.append(f"{name} is {found} now; Colab's {version} should have been kept")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--pins", action="store_true", help="print Colab's pins as name==version lines")
    group.add_argument("--python", action="store_true", help="print Colab's Python (major.minor)")
    group.add_argument("--ci-pythons", action="store_true", help="print the Python minors CI tests")
    args = parser.parse_args(argv)
    env = environments()
    colab = env["colab"]
    if args.pins:
        print("\n".join(f"{name}=={version}" for name, version in colab["pins"].items()))
        return 0
    if args.python:
        print(colab["python"])
        return 0
    if args.ci_pythons:
        print("\n".join(env["ci"]["pythons"]))
        return 0

    problems = []
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != colab["python"]:
        problems.append(f"this is Python {running}; Colab's is {colab['python']}")
    import lab

    if "site-packages" not in lab.__file__:
        problems.append(f"lab was imported from {lab.__file__}, not from the installed package")
    problems += pin_problems(colab["pins"], metadata.version)
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
        kept = ", ".join(f"{name} {version}" for name, version in colab["pins"].items())
        print(
            f"colab environment intact (Colab's list of {colab['list_date']}): Python {running}, {kept}; "
            f"cv2 {cv2.__version__}; course from {Path(lab.__file__).parent}"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
