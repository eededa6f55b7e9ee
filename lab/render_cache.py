"""Renders cached by their parameters, so interactive tools never render the same frame twice.

A render is named by a :class:`RenderKey` (scene, motion, target size, source size, method,
seed, time). :func:`render` looks the key up in a :class:`RenderCache` (least recently used,
bounded in bytes) and only calls :mod:`lab.native` on a miss. Cached frames are ``uint8``
(H, W, 3); a 4K frame costs 24.9 MB, so the default budget holds a few dozen of them.

>>> cache = RenderCache(max_bytes=10_000)
>>> key = RenderKey("skin", 64, 36)
>>> r = cache.get_or_render(key, lambda: np.zeros((36, 64, 3), np.uint8))
>>> cache.get_or_render(key, lambda: 1 / 0) is r   # a hit: the function is not called
True
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lab.arrays import check_frame, to_uint8
from lab.errors import LabError, LabTypeError
from lab.memory import available_memory
from lab.progress import format_seconds
from lab.resolution import Resolution, parse

NATIVE = "native"  # the method name used for a frame rendered at its own resolution


@dataclass(frozen=True)
class RenderKey:
    """Everything that determines one rendered frame.

    ``width``/``height`` are the output (target) size in pixels; ``source_width``/
    ``source_height`` the low-res size rendered before upscaling (0 for native);
    ``t`` is scene time in seconds; ``seed`` seeds both the scene and a stochastic upscaler;
    ``source_model`` names how the low-res frame is made (:data:`lab.native.SOURCE_MODELS`);
    ``options`` are scene options as sorted (name, value) pairs, e.g. ``(("k", 540.0),)``.

    >>> RenderKey("zoneplate", 256, 144).label
    'native 256x144'
    """

    scene: str
    width: int
    height: int
    method: str = NATIVE
    source_width: int = 0
    source_height: int = 0
    seed: int = 0
    t: float = 0.0
    motion: str = "static"
    source_model: str = "camera"
    options: tuple = ()

    @classmethod
    def make(
        cls,
        scene: str,
        target: str | Resolution | tuple[int, int],
        *,
        method: str = NATIVE,
        source: str | Resolution | tuple[int, int] | None = None,
        seed: int = 0,
        t: float = 0.0,
        motion: str = "static",
        source_model: str = "camera",
        options: dict | None = None,
    ) -> RenderKey:
        """Build a key from resolution specs ("4k", "960x540", a Resolution...).

        >>> RenderKey.make("skin", "1080p", method="bicubic", source="540p").label
        'bicubic 960x540 -> 1920x1080'
        """
        if not isinstance(scene, str) or not scene:
            raise LabTypeError(f"scene must be a scene name such as 'skin', got {scene!r}")
        if not isinstance(method, str) or not method:
            raise LabTypeError(f"method must be 'native' or an upscaler name, got {method!r}")
        tgt = parse(target)
        method = method.strip().lower()
        if method == NATIVE:
            sw = sh = 0
        else:
            if source is None:
                raise LabError(
                    f"method {method!r} upscales from a lower resolution: give source='540p' or similar"
                )
            src = parse(source)
            if src.width > tgt.width or src.height > tgt.height:
                raise LabError(f"source {src} is larger than target {tgt}; upscaling needs a smaller source")
            sw, sh = src.width, src.height
        if not np.isfinite(t):
            raise LabError(f"time t must be a finite number of seconds, got {t!r}")
        # round time to the microsecond so 0.1 + 0.2 and 0.3 share one cache entry
        opts = tuple(sorted((str(k), v) for k, v in (options or {}).items()))
        model = source_model if method != NATIVE else "camera"
        return cls(
            scene, tgt.width, tgt.height, method, sw, sh, int(seed), round(float(t), 6), motion, model, opts
        )

    @property
    def target(self) -> Resolution:
        """Output size."""
        return Resolution(self.width, self.height)

    @property
    def source(self) -> Resolution | None:
        """Low-res size before upscaling, None for a native render."""
        return Resolution(self.source_width, self.source_height) if self.source_width else None

    @property
    def label(self) -> str:
        """Short human label: 'native 3840x2160' or 'bicubic 960x540 -> 3840x2160'."""
        if self.method == NATIVE:
            return f"native {self.width}x{self.height}"
        model = "" if self.source_model == "camera" else f" ({self.source_model} source)"
        return f"{self.method} {self.source_width}x{self.source_height}{model} -> {self.width}x{self.height}"


@dataclass(frozen=True)
class Render:
    """One rendered frame with its key and how long it took (seconds of wall time)."""

    key: RenderKey
    frame: np.ndarray = field(repr=False)
    seconds: float

    @property
    def label(self) -> str:
        """Method, resolution and render time, e.g. 'native 3840x2160 · 2.31 s'."""
        return f"{self.key.label} · {format_seconds(self.seconds)}"

    @property
    def nbytes(self) -> int:
        """Bytes the cached frame occupies."""
        return int(self.frame.nbytes)


def default_budget() -> int:
    """Default cache size in bytes: a quarter of available memory, capped at 2 GiB."""
    return int(min(2 * 1024**3, max(64 * 1024**2, available_memory() // 4)))


class RenderCache:
    """A thread-safe least-recently-used cache of :class:`Render` results, bounded in bytes.

    ``max_bytes`` bounds the sum of cached frame sizes (an entry larger than the budget is
    returned but not kept). ``hits`` and ``misses`` count lookups.
    """

    def __init__(self, max_bytes: int | None = None) -> None:
        if max_bytes is not None and (not isinstance(max_bytes, (int, np.integer)) or max_bytes <= 0):
            raise LabError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
        self.max_bytes = int(max_bytes) if max_bytes is not None else default_budget()
        self._items: OrderedDict[RenderKey, Render] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: RenderKey) -> bool:
        return key in self._items

    @property
    def nbytes(self) -> int:
        """Bytes currently held."""
        with self._lock:
            return sum(r.nbytes for r in self._items.values())

    def get(self, key: RenderKey) -> Render | None:
        """The cached render for ``key`` (marking it recently used), or None."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, render: Render) -> Render:
        """Store ``render``, evicting the least recently used entries beyond the budget."""
        if render.nbytes > self.max_bytes:
            return render
        with self._lock:
            self._items[render.key] = render
            self._items.move_to_end(render.key)
            total = sum(r.nbytes for r in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                total -= old.nbytes
        return render

    def get_or_render(self, key: RenderKey, fn: Callable[[], np.ndarray]) -> Render:
        """Return the cached render for ``key``, else time ``fn()`` and cache its frame.

        ``fn`` must return an (H, W, 3) frame (uint8, or float in [0, 1] stored as uint8).
        """
        hit = self.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        start = time.perf_counter()
        frame = fn()
        seconds = time.perf_counter() - start
        frame = to_uint8(check_frame(frame, name=f"render of {key.label}"))
        frame.setflags(write=False)  # shared between widgets: nobody may draw on it
        return self.put(Render(key, frame, seconds))

    def clear(self) -> None:
        """Drop every cached render."""
        with self._lock:
            self._items.clear()


_DEFAULT: RenderCache | None = None


def default_cache() -> RenderCache:
    """The process-wide cache used when no cache is passed."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = RenderCache()
    return _DEFAULT


def render_frame(key: RenderKey) -> np.ndarray:
    """Render the frame a key describes with :mod:`lab.native` (no caching).

    Native keys call ``native.render``; others render at the source size and upscale with
    ``native.render_upscaled``.
    """
    from lab import native, scenes

    scene = scenes.get(key.scene, seed=key.seed, motion=key.motion, **dict(key.options))
    if key.method == NATIVE:
        return native.render(scene, key.target, t=key.t)
    source = key.source
    if source is None:
        raise LabTypeError(
            f"{key.method!r} upscales from a lower resolution: the key needs source_width/height"
        )
    return native.render_upscaled(
        scene,
        key.target,
        source,
        method=key.method,
        t=key.t,
        seed=key.seed,
        source_model=key.source_model,
    )


def render(
    scene: str,
    target: str | Resolution | tuple[int, int],
    *,
    method: str = NATIVE,
    source: str | Resolution | tuple[int, int] | None = None,
    seed: int = 0,
    t: float = 0.0,
    motion: str = "static",
    cache: RenderCache | None = None,
) -> Render:
    """Render (or fetch from the cache) one frame of a built-in scene.

    ``method='native'`` renders every pixel at ``target``; any upscaler name from
    :func:`lab.upscale.methods` renders at ``source`` and upscales to ``target``.

    >>> r = render("zoneplate", "256x144", method="bicubic", source="64x36")  # doctest: +SKIP
    >>> r.frame.shape, r.label                                               # doctest: +SKIP
    ((144, 256, 3), 'bicubic 64x36 -> 256x144 · 5 ms')
    """
    key = RenderKey.make(scene, target, method=method, source=source, seed=seed, t=t, motion=motion)
    return (cache if cache is not None else default_cache()).get_or_render(key, lambda: render_frame(key))


class Cancelled(LabError):
    """Raised inside long work when the user pressed Cancel; the partial result is dropped."""
