"""Upscalers: one registry, one call.

Every upscaler maps a uint8 or float (H, W, 3) frame to a frame of the requested size with
the same dtype, so native and upscaled frames always compare shape-for-shape.

Classical kernels run through OpenCV (uint8 input takes OpenCV's fast integer path).
Learned and generative upscalers from :mod:`lab.models` register themselves here with
:func:`register` under the same call signature (:func:`is_registered` tells whether a name is
taken).

>>> import numpy as np
>>> small = np.zeros((36, 64, 3), np.uint8)
>>> upscale(small, "bicubic", factor=4).shape
(144, 256, 3)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lab.arrays import check_frame, to_float, to_uint8
from lab.errors import LabError, LabTypeError, choice_error
from lab.memory import guard_frame
from lab.optional import opencv
from lab.resolution import Resolution, parse
from lab.validate import positive_number

cv2 = opencv()


class UpscaleFn(Protocol):
    """Signature of an upscaler: frame (H, W, 3) -> frame (height, width, 3), same dtype."""

    def __call__(self, frame: np.ndarray, size: Resolution, *, seed: int | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class Upscaler:
    """A registered upscaler.

    ``kind`` is "classical", "learned" or "generative"; ``scales`` lists the integer factors a
    fixed-scale model supports (empty = any size); ``stochastic`` means the result depends on
    ``seed``. Modules that import torch register lazily with :func:`register_lazy`.
    """

    name: str
    fn: UpscaleFn
    kind: str
    description: str
    scales: tuple[int, ...] = ()
    stochastic: bool = False


KINDS = ("classical", "learned", "generative")
_REGISTRY: dict[str, Upscaler] = {}
# Learned upscalers live in modules that import torch; they register on first use.
_LAZY: dict[str, str] = {}


def register(upscaler: Upscaler, *, replace: bool = False) -> Upscaler:
    """Add an upscaler to the registry (``replace=True`` to overwrite a name).

    >>> up = Upscaler("half-grey", lambda f, size, *, seed=None: np.full(size.shape, 128, np.uint8),
    ...               "classical", "a flat grey frame (a test double)")
    >>> register(up).name
    'half-grey'
    >>> _ = _REGISTRY.pop("half-grey")
    """
    if not isinstance(upscaler, Upscaler):
        raise LabTypeError(f"register needs an Upscaler, got {type(upscaler).__name__}")
    if upscaler.kind not in KINDS:
        raise choice_error("upscaler kind", upscaler.kind, KINDS)
    if not callable(upscaler.fn):
        raise LabTypeError(f"upscaler {upscaler.name!r}: fn must be callable")
    if upscaler.name in _REGISTRY and not replace:
        raise LabError(f"an upscaler named {upscaler.name!r} is already registered; pass replace=True")
    _REGISTRY[upscaler.name] = upscaler
    return upscaler


def is_registered(name: str) -> bool:
    """Whether an upscaler named ``name`` is in the registry now (lazy ones count once imported).

    >>> is_registered("bicubic"), is_registered("no-such-method")
    (True, False)
    """
    return name in _REGISTRY


def register_lazy(name: str, module: str) -> None:
    """Declare that importing ``module`` registers the upscaler ``name`` (on first use).

    >>> register_lazy("demo-sr", "lab.models.demo_sr")  # typically a line at the end of this file
    >>> _ = _LAZY.pop("demo-sr")
    """
    if not isinstance(name, str) or not isinstance(module, str) or not name or not module:
        raise LabTypeError(f"register_lazy needs two non-empty strings, got {name!r}, {module!r}")
    _LAZY[name] = module


def _opencv(interpolation: int) -> UpscaleFn:
    def fn(frame: np.ndarray, size: Resolution, *, seed: int | None = None) -> np.ndarray:
        return cv2.resize(frame, (size.width, size.height), interpolation=interpolation)

    return fn


for _name, _flag, _text in [
    ("nearest", cv2.INTER_NEAREST, "copy the nearest source pixel (blocky, no new values)"),
    ("bilinear", cv2.INTER_LINEAR, "2x2 tent: linear blend of the 4 nearest pixels (soft)"),
    ("bicubic", cv2.INTER_CUBIC, "Keys cubic, a=-0.75, over 4x4 pixels (sharper, slight ringing)"),
    ("area", cv2.INTER_AREA, "pixel-area resampling; when enlarging, close to nearest"),
    ("lanczos", cv2.INTER_LANCZOS4, "Lanczos windowed sinc, a=4, over 8x8 pixels (sharpest kernel)"),
]:
    register(Upscaler(_name, _opencv(_flag), "classical", _text))


def methods(kind: str | None = None) -> list[str]:
    """Names of available upscalers, optionally only one ``kind``.

    >>> methods("classical")
    ['area', 'bicubic', 'bilinear', 'lanczos', 'nearest']
    """
    _load_all()
    return sorted(n for n, u in _REGISTRY.items() if kind is None or u.kind == kind)


def get(name: str) -> Upscaler:
    """Look up an upscaler by name; unknown names raise an error listing the registry."""
    if not isinstance(name, str):
        raise LabTypeError(f"method must be a string such as 'bicubic', got {name!r}")
    key = name.strip().lower()
    if key not in _REGISTRY and key in _LAZY:
        import importlib

        try:
            importlib.import_module(_LAZY[key])
        except ImportError as err:
            raise LabError(
                f"upscaling method {key!r} needs a package that is not installed ({err}); "
                "install the optional extras with: pip install 'native4k-lab[ai]'"
            ) from err
    if key not in _REGISTRY:
        raise choice_error("upscaling method", name, methods())
    return _REGISTRY[key]


def _load_all() -> None:
    import importlib

    for module in sorted(set(_LAZY.values())):
        try:
            importlib.import_module(module)
        except ImportError:  # an optional dependency is missing: the method is just not listed
            pass
        except Exception as err:  # a broken plug-in must not hide the working methods
            warnings.warn(f"upscaler module {module} failed to load and is not listed: {err}", stacklevel=2)


def target_size(
    source: Resolution, *, factor: float | None = None, size: str | Resolution | tuple[int, int] | None = None
) -> Resolution:
    """Resolve the output size from exactly one of ``factor`` or ``size``.

    A factor must be positive and must land on whole pixels; when both are given they must agree.

    >>> target_size(Resolution(960, 540), factor=4)
    Resolution(width=3840, height=2160, name='4k')
    """
    if factor is None and size is None:
        raise LabError("give the output size: factor=4 or size='4k'")
    out = parse(size) if size is not None else None
    if factor is not None:
        positive_number(factor, "scale factor")
        w, h = source.width * factor, source.height * factor
        if abs(w - round(w)) > 1e-6 or abs(h - round(h)) > 1e-6:
            raise LabError(
                f"factor {factor} turns {source.width}x{source.height} into {w:g}x{h:g}, not whole pixels; "
                "pass size=... instead"
            )
        by_factor = Resolution(int(round(w)), int(round(h)))
        if out is not None and (out.width, out.height) != (by_factor.width, by_factor.height):
            raise LabError(
                f"factor {factor} gives {by_factor.width}x{by_factor.height} from "
                f"{source.width}x{source.height}, which is not the requested {out.width}x{out.height}"
            )
        out = by_factor
    assert out is not None
    return out


def upscale(
    frame: np.ndarray,
    method: str = "bicubic",
    *,
    factor: float | None = None,
    size: str | Resolution | tuple[int, int] | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """Upscale one (H, W, 3) frame with ``method`` to ``size`` or by ``factor``.

    uint8 in gives uint8 out, float in [0, 1] gives float32 out. Fixed-scale learned models
    reject factors they were not built for, naming the factors they support.

    >>> big = upscale(np.full((2, 2, 3), 7, np.uint8), "nearest", factor=2)
    >>> big.shape, int(big.min()), int(big.max())
    ((4, 4, 3), 7, 7)
    """
    frame = check_frame(frame)
    upscaler = get(method)
    source = Resolution(frame.shape[1], frame.shape[0])
    out_size = target_size(source, factor=factor, size=size)
    if upscaler.scales:
        exact = out_size.width / source.width
        if (
            exact != out_size.height / source.height
            or round(exact) not in upscaler.scales
            or exact != round(exact)
        ):
            raise LabError(
                f"{upscaler.name} is a fixed-scale model for factors {upscaler.scales}; "
                f"{source.width}x{source.height} -> {out_size.width}x{out_size.height} is not one of them"
            )
    guard_frame(out_size, np.dtype(np.float32 if frame.dtype != np.uint8 else np.uint8), copies=2)
    is_uint8 = frame.dtype == np.uint8
    if not is_uint8:
        frame = frame.astype(np.float32, copy=False)
    out = upscaler.fn(frame, out_size, seed=seed)
    if not isinstance(out, np.ndarray) or out.shape != out_size.shape:
        got = out.shape if isinstance(out, np.ndarray) else type(out).__name__
        raise RuntimeError(f"upscaler {upscaler.name} returned {got}, expected {out_size.shape}")
    if is_uint8:
        return out if out.dtype == np.uint8 else to_uint8(np.clip(out, 0.0, 1.0))
    if out.dtype == np.uint8:
        return to_float(out)
    # cubic and Lanczos kernels overshoot near edges; keep floats in the [0, 1] convention
    return np.clip(out, 0.0, 1.0, out=out if out.dtype == np.float32 else None).astype(np.float32, copy=False)


def downscale(frame: np.ndarray, size: str | Resolution | tuple[int, int]) -> np.ndarray:
    """Shrink a frame with pixel-area averaging (anti-aliased), the usual way to make LR inputs."""
    frame = check_frame(frame)
    out = parse(size)
    return cv2.resize(frame, (out.width, out.height), interpolation=cv2.INTER_AREA)


UpscaleCallable = Callable[..., np.ndarray]

# Neural upscalers (they import torch, so they register on first use).
for _name in ("realesrgan-x2", "realesrgan-x3", "realesrgan-x4"):
    register_lazy(_name, "lab.models.realesrgan")
register_lazy("learned-sr", "lab.models.learned_sr")
register_lazy("diffusion-sr", "lab.models.diffusion_sr")
