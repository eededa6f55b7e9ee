"""Continuous procedural scenes, evaluated at any pixel grid, with exact motion.

A scene is a function of continuous world coordinates (the frame is 1 world unit tall at
zoom 1; x spans the aspect ratio) seen through a :class:`Camera` (pan, zoom, roll, sub-pixel
motion) or a :class:`ShotList` (several shots with hard cuts). The same scene renders at any
size (see :mod:`lab.native`), deterministically for a seed, and reports the exact motion
between two times with :meth:`Scene.flow`.

>>> from lab import scenes
>>> "skin" in scenes.names()
True
>>> s = scenes.get("zoneplate", motion="pan")
>>> s.flow("160x90", 0.0, 1 / 24).shape
(90, 160, 2)
"""

from __future__ import annotations

from typing import Any

from lab.errors import LabTypeError, choice_error
from lab.scenes.base import Scene
from lab.scenes.camera import MOTIONS, Camera, PixelGrid, Shot, ShotList
from lab.scenes.character import Character, Identity
from lab.scenes.charts import SlantedEdge, ZonePlate
from lab.scenes.sign import Sign
from lab.scenes.textures import Fabric, Foliage, Skin

_SCENES: dict[str, type[Scene]] = {
    cls.name: cls for cls in (Skin, Fabric, Foliage, ZonePlate, Sign, Character, SlantedEdge)
}


def names() -> list[str]:
    """Names of the built-in scenes, in a teaching order.

    >>> names()[:3]
    ['skin', 'fabric', 'foliage']
    """
    return list(_SCENES)


def describe() -> dict[str, str]:
    """One-line description of every scene, by name."""
    return {name: cls.description for name, cls in _SCENES.items()}


def motions() -> dict[str, str]:
    """The camera motion presets accepted by :func:`get`, with a description each."""
    return dict(MOTIONS)


def get(name: str, *, seed: int = 0, motion: str = "static", **options: Any) -> Scene:
    """Build scene ``name`` with a ``seed``, a camera ``motion`` preset and scene options.

    ``camera=Camera(...)`` or ``shots=[(Camera(...), seconds), ...]`` replace the preset.
    Unknown names raise an error listing the scenes.

    >>> get("skin", seed=1, motion="pan")
    <Scene 'skin' seed=1 motion='pan'>
    """
    if isinstance(name, Scene):
        raise LabTypeError("get() takes a scene name such as 'skin'; you passed a Scene already")
    if not isinstance(name, str):
        raise LabTypeError(f"scene name must be a string such as 'skin', got {name!r}")
    key = name.strip().lower()
    if key not in _SCENES:
        raise choice_error("scene", name, names())
    return _SCENES[key](seed=seed, motion=motion, **options)


__all__ = [
    "MOTIONS",
    "Camera",
    "Character",
    "Identity",
    "PixelGrid",
    "Scene",
    "Shot",
    "ShotList",
    "describe",
    "get",
    "motions",
    "names",
]
