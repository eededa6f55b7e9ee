"""native4k-lab: render natively or upscale at any resolution, and measure the difference.

Submodules are imported on first use, so ``import lab`` stays fast and torch is only
loaded by the parts that need it:

>>> import lab
>>> lab.resolution.parse("4k").pixels
8294400
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

__version__ = "0.1.0"

# Every public module and sub-package of lab, found on disk so a new module needs no entry here.
_SUBMODULES = {module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_")}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"lab.{name}")
    raise AttributeError(f"module 'lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
