"""Shared input handling for the metrics: frames, pairs, luma and frame streams.

Every metric passes its inputs through these helpers before doing any math, so bad input
fails the same way everywhere (scikit-image's ``check_shape_equality`` habit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from lab.arrays import check_frame, describe, to_numpy
from lab.errors import LabError, LabTypeError
from lab.optional import opencv

cv2 = opencv()

# BT.601 luma as the super-resolution literature computes it (MATLAB rgb2ycbcr, BasicSR
# ``rgb2ycbcr(y_only=True)``, TecoGAN metrics.py): studio-swing Y in [16, 235] from RGB in [0, 1].
Y_WEIGHTS = np.array([65.481, 128.553, 24.966], np.float64)  # BT.601 studio-swing luma of R, G, B in [0, 1]
_Y_OFFSET = 16.0


def as_frame(image: Any, *, name: str = "image", allow_gray: bool = True) -> np.ndarray:
    """Return ``image`` as a validated numpy frame (uint8 0-255 or float 0-1).

    Torch tensors ``(1, C, H, W)`` / ``(C, H, W)`` are converted with :func:`lab.arrays.to_numpy`
    (which moves CUDA tensors to the CPU). Errors name the argument and say what arrived.
    """
    if hasattr(image, "detach"):
        image = to_numpy(image)
    if isinstance(image, (list, tuple)):
        raise LabTypeError(
            f"{name} must be one (H, W, 3) frame, got a {type(image).__name__}; pass a numpy array"
        )
    return check_frame(image, name=name, allow_gray=allow_gray)


def to_unit(frame: np.ndarray, dtype: type[np.floating] = np.float64) -> np.ndarray:
    """uint8 or float [0, 1] frame -> float array in [0, 1] of ``dtype`` (a new array)."""
    if frame.dtype == np.uint8:
        out = frame.astype(dtype)
        out *= dtype(1.0 / 255.0)
        return out
    return np.clip(frame, 0.0, 1.0).astype(dtype, copy=True)


def luma(image: Any, *, dtype: type[np.floating] = np.float64) -> np.ndarray:
    """BT.601 luma Y in [16, 235] (8-bit studio swing) of an RGB frame, as SR papers report.

    Y = 16 + 65.481 R + 128.553 G + 24.966 B with R, G, B in [0, 1] (ITU-R BT.601; MATLAB
    ``rgb2ycbcr``; the definition used for PSNR/SSIM tables in EDSR, BasicSR and TecoGAN).
    A grayscale ``(H, W)`` input is taken as Y already, mapped from [0, 1] onto [16, 235].

    >>> float(luma(np.full((1, 1, 3), 255, np.uint8))[0, 0])
    235.0
    """
    frame = as_frame(image)
    scale = 1.0 / 255.0 if frame.dtype == np.uint8 else 1.0
    if frame.ndim == 2:
        y = frame.astype(dtype) if frame.dtype == np.uint8 else np.clip(frame, 0, 1).astype(dtype)
        y *= dtype(219.0 * scale)
    else:
        if frame.dtype != np.uint8:
            frame = np.clip(frame, 0.0, 1.0)
        # channel by channel: no full-size float RGB copy of a 4K frame
        y = frame[..., 0].astype(dtype)
        y *= dtype(Y_WEIGHTS[0] * scale)
        for c in (1, 2):
            y += frame[..., c].astype(dtype) * dtype(Y_WEIGHTS[c] * scale)
    y += dtype(_Y_OFFSET)
    return y


def gray8(image: Any) -> np.ndarray:
    """8-bit gray (OpenCV ``COLOR_RGB2GRAY``: 0.299 R + 0.587 G + 0.114 B, full range 0-255).

    This is the gray the cited reference code uses (Diffusion-4K ``eval.py``, TecoGAN
    ``metrics.py``, VBench): uint8 in, uint8 out.
    """
    frame = as_frame(image)
    if frame.dtype != np.uint8:
        frame = np.clip(np.rint(frame * 255.0), 0, 255).astype(np.uint8)
    if frame.ndim == 2:
        return frame
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)


def check_pair(
    reference: Any, test: Any, *, names: tuple[str, str] = ("reference", "test")
) -> tuple[np.ndarray, np.ndarray]:
    """Validate two frames for a full-reference metric: same height, width and channels.

    Returns both as numpy frames. Mixing uint8 and float [0, 1] inputs is allowed (both are
    compared on the [0, 1] scale); a float frame holding 0-255 values is refused.
    """
    ref = as_frame(reference, name=names[0])
    tst = as_frame(test, name=names[1])
    if ref.ndim != tst.ndim:
        kinds = ["grayscale (H, W)" if a.ndim == 2 else "RGB (H, W, 3)" for a in (ref, tst)]
        raise LabError(
            f"{names[0]} is {kinds[0]} but {names[1]} is {kinds[1]}; compare like with like "
            "(convert gray to RGB with np.dstack([g, g, g]) or both to luma)"
        )
    if ref.shape != tst.shape:
        raise LabError(
            f"{names[0]} and {names[1]} must have the same shape, got {ref.shape} and {tst.shape}; "
            "upscale or crop the test image to the reference size first"
        )
    return ref, tst


# --- frame streams ----------------------------------------------------------------------------
def frame_count(clip: Any, *, name: str = "clip") -> int:
    """Number of frames of a Clip, a list of frames or an (N, H, W, 3) array / (N, 3, H, W) tensor."""
    from lab.video import Clip

    if isinstance(clip, Clip):
        return len(clip)
    if isinstance(clip, (list, tuple)):
        return len(clip)
    if hasattr(clip, "detach") or isinstance(clip, np.ndarray):
        if clip.ndim != 4:
            raise LabError(
                f"{name} as an array must be (N, H, W, 3) numpy or (N, 3, H, W) torch, got {describe(clip)}; "
                "for one frame use the image metrics"
            )
        return int(clip.shape[0])
    raise LabTypeError(
        f"{name} must be a lab.video.Clip, a list of frames or an (N, H, W, 3) array, got {type(clip).__name__}"
    )


def iter_frames(clip: Any, *, name: str = "clip") -> Iterator[np.ndarray]:
    """Yield validated numpy frames of ``clip`` one at a time (uint8 for Clips, as stored).

    Nothing is converted to float here: the caller converts one frame at a time.
    """
    from lab.video import Clip

    frame_count(clip, name=name)
    if isinstance(clip, Clip):
        yield from clip
        return
    for t in range(len(clip)):
        item = clip[t]
        if hasattr(item, "detach"):
            item = to_numpy(item)
        yield check_frame(item, name=f"{name} frame {t}")


def clip_shape(clip: Any, *, name: str = "clip") -> tuple[int, ...]:
    """Frame shape (H, W, 3) of a Clip, list of frames or 4-D array, without decoding a video."""
    from lab.video import Clip

    frame_count(clip, name=name)
    if isinstance(clip, Clip):
        return clip.resolution.shape
    if hasattr(clip, "detach"):
        _, c, h, w = clip.shape
        return (int(h), int(w), int(c)) if c != 1 else (int(h), int(w))
    if isinstance(clip, np.ndarray):
        return tuple(int(v) for v in clip.shape[1:])
    return as_frame(clip[0], name=f"{name} frame 0").shape


def check_clips(*clips: Any, names: tuple[str, ...] = ("clip",), min_frames: int = 2) -> int:
    """Check frame counts (>= ``min_frames``, all equal) and return the count."""
    counts = [frame_count(c, name=n) for c, n in zip(clips, names)]
    for count, label in zip(counts, names):
        if count < min_frames:
            raise LabError(
                f"{label} has {count} frame(s); temporal metrics need at least {min_frames} "
                "(render or load a longer clip)"
            )
    if len(set(counts)) > 1:
        listing = ", ".join(f"{n}={c}" for n, c in zip(names, counts))
        raise LabError(
            f"clips must have the same number of frames, got {listing}; trim them to the same length"
        )
    return counts[0]


def clip_flow_fn(clip: Any) -> Any:
    """The ground-truth flow function of a Clip, or None (lists and arrays carry no flow)."""
    from lab.video import Clip

    if isinstance(clip, Clip) and clip.has_flow:
        return clip.flow
    return None
