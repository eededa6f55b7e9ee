"""The one place where frames change representation.

Conventions (see DESIGN.md):

* at rest a frame is ``uint8`` with shape ``(H, W, 3)``, RGB;
* while computing it is ``float32`` in ``[0, 1]`` with the same shape;
* inside torch a batch is ``(N, C, H, W)`` float32 in ``[0, 1]``.

Every public function of the library that accepts a frame passes it through
:func:`check_frame` first, so bad input fails early with a message that says what arrived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lab.errors import LabError, LabTypeError

if TYPE_CHECKING:  # torch is imported lazily: plain numpy work must not pay for it
    import torch


def describe(frame: Any) -> str:
    """A short 'shape dtype range' description of an array, for error messages."""
    if not hasattr(frame, "shape"):
        return f"a {type(frame).__name__}"
    arr = np.asarray(frame.detach().cpu() if hasattr(frame, "detach") else frame)
    text = f"shape {tuple(arr.shape)}, dtype {arr.dtype}"
    if arr.size and np.issubdtype(arr.dtype, np.number):
        finite = arr[np.isfinite(arr)] if np.issubdtype(arr.dtype, np.floating) else arr
        if finite.size:
            text += f", range [{finite.min():.4g}, {finite.max():.4g}]"
        if finite.size < arr.size:
            text += f", {arr.size - finite.size} non-finite value(s)"
    return text


def check_frame(frame: Any, *, name: str = "frame", allow_gray: bool = False) -> np.ndarray:
    """Validate one image and return it as a numpy array (no copy when possible).

    Accepts ``uint8`` (0-255) or floating (0-1) arrays of shape ``(H, W, 3)``, and
    ``(H, W)`` when ``allow_gray``. Raises :class:`LabTypeError` for non-arrays and
    :class:`LabError` for wrong shapes, non-finite values or floats outside [0, 1].

    >>> check_frame(np.zeros((4, 6, 3), np.uint8)).shape
    (4, 6, 3)
    """
    if hasattr(frame, "detach"):  # a torch tensor: let the caller use to_numpy for NCHW
        raise LabTypeError(f"{name} is a torch tensor; convert with lab.arrays.to_numpy(tensor) first")
    if not isinstance(frame, np.ndarray):
        raise LabTypeError(f"{name} must be a numpy array (H, W, 3), got {describe(frame)}")
    if frame.ndim == 2 and allow_gray:
        pass
    elif frame.ndim != 3 or frame.shape[2] != 3:
        want = "(H, W, 3) RGB" + (" or (H, W) gray" if allow_gray else "")
        hint = " (grayscale given: stack it with np.dstack([g, g, g]))" if frame.ndim == 2 else ""
        raise LabError(f"{name} must have shape {want}, got {describe(frame)}{hint}")
    if frame.shape[0] < 1 or frame.shape[1] < 1:
        raise LabError(f"{name} is empty: {describe(frame)}")
    if frame.dtype == np.uint8:
        return frame
    if not np.issubdtype(frame.dtype, np.floating):
        raise LabTypeError(f"{name} must be uint8 (0-255) or float (0-1), got {describe(frame)}")
    if not np.isfinite(frame).all():
        raise LabError(f"{name} contains NaN or infinity ({describe(frame)}); clean it with np.nan_to_num")
    lo, hi = float(frame.min()), float(frame.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        hint = " (it looks like 0-255 data: divide by 255 or cast to uint8)" if hi > 1.5 else ""
        raise LabError(f"float {name} must lie in [0, 1], got range [{lo:.4g}, {hi:.4g}]{hint}")
    return frame


def to_float(frame: np.ndarray) -> np.ndarray:
    """Return a float32 copy in [0, 1] of a uint8 or float frame.

    >>> to_float(np.full((1, 1, 3), 255, np.uint8)).max()
    np.float32(1.0)
    """
    frame = check_frame(frame, allow_gray=True)
    if frame.dtype == np.uint8:
        return frame.astype(np.float32) * np.float32(1.0 / 255.0)
    return np.clip(frame, 0.0, 1.0).astype(np.float32, copy=True)


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """Return a uint8 frame, rounding floats in [0, 1] to the nearest level.

    >>> to_uint8(np.full((1, 1, 3), 0.5, np.float32))[0, 0, 0]
    np.uint8(128)
    """
    frame = check_frame(frame, allow_gray=True)
    if frame.dtype == np.uint8:
        return frame
    return np.clip(np.rint(frame * 255.0), 0, 255).astype(np.uint8)


def to_tensor(frame: np.ndarray, device: str | torch.device | None = None) -> torch.Tensor:
    """(H, W, 3) uint8/float frame -> (1, 3, H, W) float32 tensor in [0, 1] on ``device``."""
    import torch

    arr = to_float(frame)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))[None].to(device or "cpu")


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """(1, C, H, W) or (C, H, W) float tensor in [0, 1] -> (H, W, C) float32 numpy array.

    Values are clipped to [0, 1]; a batch larger than one is refused.
    """
    if not hasattr(tensor, "detach"):
        raise LabTypeError(f"expected a torch tensor, got {describe(tensor)}")
    if tensor.ndim == 4:
        if tensor.shape[0] != 1:
            raise LabError(f"expected a batch of one (1, C, H, W), got shape {tuple(tensor.shape)}")
        tensor = tensor[0]
    if tensor.ndim != 3:
        raise LabError(f"expected (C, H, W) or (1, C, H, W), got shape {tuple(tensor.shape)}")
    arr = tensor.detach().float().clamp(0, 1).cpu().numpy().transpose(1, 2, 0)
    return np.ascontiguousarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)
