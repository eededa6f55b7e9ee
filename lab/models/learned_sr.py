"""A tiny learned super-resolution network (ESPCN-style), trained here on the procedural scenes.

This is "predictive interpolation" small enough to read in one screen: three convolutions at
low resolution predict the *residual* that bicubic interpolation misses, and a PixelShuffle
rearranges the channels into the larger grid::

    LR (3 ch) -> conv5x5 (32) -> PReLU -> conv3x3 (32) -> PReLU -> conv3x3 (32) -> PReLU
              -> conv3x3 (3*s*s) -> PixelShuffle(s)  +  bicubic(LR, x s)

About 25 k (x2) / 34 k (x4) parameters. The shipped weights live in
``assets/models/learned_sr_x{2,4}.safetensors`` with a model card beside each, and
``python -m lab.train sr --scale 4`` retrains them (see :mod:`lab.train.sr`).

Reference: Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network" (ESPCN), CVPR 2016.

>>> net = LearnedSR(scale=2)
>>> tuple(net(torch.zeros(1, 3, 6, 8)).shape)
(1, 3, 12, 16)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lab.arrays import check_frame, to_numpy, to_tensor, to_uint8
from lab.errors import LabError
from lab.memory import check_memory
from lab.models import weights
from lab.models.weights import load_state, read_weights, write_weights
from lab.resolution import Resolution
from lab.upscale import Upscaler, is_registered, register
from lab.validate import positive_int

SCALES = (2, 4)


class LearnedSR(nn.Module):
    """ESPCN-style SR network that predicts a residual over bicubic upsampling.

    Args:
        scale: integer upscale factor (2 or 4 for the shipped weights).
        features: channels of the hidden convolutions.

    Shape: (N, 3, H, W) float in [0, 1] -> (N, 3, H*scale, W*scale) (not clamped).
    """

    def __init__(self, scale: int = 4, features: int = 32) -> None:
        super().__init__()
        scale = positive_int(scale, "scale")
        self.scale = scale
        self.features = features
        self.body = nn.Sequential(
            nn.Conv2d(3, features, 5, padding=2),
            nn.PReLU(features),
            nn.Conv2d(features, features, 3, padding=1),
            nn.PReLU(features),
            nn.Conv2d(features, features, 3, padding=1),
            nn.PReLU(features),
            nn.Conv2d(features, 3 * scale * scale, 3, padding=1),
        )
        self.shuffle = nn.PixelShuffle(scale)
        # start as plain bicubic: the last conv outputs zeros until trained
        last = self.body[-1]
        assert isinstance(last, nn.Conv2d) and last.bias is not None
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return base + self.shuffle(self.body(x))


def weights_path(scale: int) -> Path:
    """Path of the shipped safetensors file for ``scale`` (it may not exist yet)."""
    return weights.MODELS_DIR / f"learned_sr_x{scale}.safetensors"


def save(net: LearnedSR, path: str | Path, *, metadata: dict[str, str] | None = None) -> Path:
    """Write ``net``'s weights and its config (scale, features) to a safetensors file (atomic)."""
    meta = {"scale": str(net.scale), "features": str(net.features), "arch": "LearnedSR"}
    meta.update(metadata or {})
    return write_weights(net, path, meta)


def load_file(path: str | Path) -> LearnedSR:
    """Build a :class:`LearnedSR` from a safetensors file written by :func:`save` (eval mode)."""
    state, meta = read_weights(
        path, arch="LearnedSR", retrain=f"python -m lab.train sr --scale <2|4> --out {path}"
    )
    net = LearnedSR(scale=int(meta["scale"]), features=int(meta["features"]))
    load_state(net, state, path, "LearnedSR")
    return net.eval().requires_grad_(False)


_CACHE: dict[tuple[int, str], LearnedSR] = {}


def load(scale: int = 4, device: str | torch.device = "cpu") -> LearnedSR:
    """The shipped learned-SR network for ``scale`` (2 or 4), cached, in eval mode on ``device``.

    >>> load(4).scale  # doctest: +SKIP
    4
    """
    if scale not in SCALES:
        raise LabError(f"learned-sr is trained for scales {SCALES}; got {scale!r}")
    key = (scale, str(torch.device(device)))
    if key not in _CACHE:
        path = weights_path(scale)
        if not path.is_file():
            raise LabError(
                f"learned-SR x{scale} weights not found at {path}; retrain them with "
                f"`python -m lab.train sr --scale {scale}` or restore the file from the repository"
            )
        _CACHE[key] = load_file(path).to(device)
    return _CACHE[key]


def upscale_frame(
    frame: np.ndarray, scale: int = 4, *, device: str | torch.device | None = None
) -> np.ndarray:
    """Upscale an (H, W, 3) frame by ``scale`` with the shipped network.

    uint8 in gives uint8 out; float in [0, 1] gives float32 out. Runs in tiles of 256 LR rows
    (with 8 rows of context) so a 4K output never needs more than a few hundred MB.

    >>> upscale_frame(np.zeros((8, 8, 3), np.uint8), 2).shape  # doctest: +SKIP
    (16, 16, 3)
    """
    from lab.config import device as default_device

    frame = check_frame(frame)
    dev = torch.device(device or default_device())
    net = load(scale, dev)
    h, w = frame.shape[:2]
    check_memory(Resolution(w * scale, h * scale).frame_bytes("float32") * 2, "the learned-SR output")
    x = to_tensor(frame, dev)
    rows, pad = 256, 8  # receptive radius: 2 + 1 + 1 + 1 = 5 LR pixels, plus 2 for bicubic
    out = torch.empty(1, 3, h * scale, w * scale, device=dev)
    with torch.no_grad():
        for y0 in range(0, h, rows):
            y1 = min(y0 + rows, h)
            p0, p1 = max(y0 - pad, 0), min(y1 + pad, h)
            piece = net(x[:, :, p0:p1])
            out[:, :, y0 * scale : y1 * scale] = piece[:, :, (y0 - p0) * scale : (y1 - p0) * scale]
    result = to_numpy(out)
    return to_uint8(result) if frame.dtype == np.uint8 else result


def _upscale(frame: np.ndarray, size: Resolution, *, seed: int | None = None) -> np.ndarray:
    scale = size.width // frame.shape[1]
    return upscale_frame(frame, scale)


if not is_registered("learned-sr"):
    register(
        Upscaler(
            "learned-sr",
            _upscale,
            "learned",
            "tiny ESPCN-style network trained here on the procedural scenes (residual over bicubic)",
            scales=SCALES,
        )
    )

__all__ = ["LearnedSR", "SCALES", "weights_path", "save", "load_file", "load", "upscale_frame"]
