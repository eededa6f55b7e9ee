"""native4k-lab: render natively or upscale at any resolution, and measure the difference.

Submodules are imported on first use, so ``import lab`` stays fast and torch is only
loaded by the parts that need it:

>>> import lab
>>> lab.resolution.parse("4k").pixels
8294400
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "arrays",
    "checks",
    "config",
    "diffusion",
    "errors",
    "grading",
    "metrics",
    "models",
    "native",
    "progress",
    "resolution",
    "scenes",
    "upscale",
    "video",
    "viz",
    "widgets",
    "cost",
    "compare",
    "hub",
    "render_cache",
    "train",
    "colab_setup",
    "optional",
    "clip_report",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"lab.{name}")
    raise AttributeError(f"module 'lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
