"""Stand-ins for the scene renderer used by the widget tests: a deterministic procedural
pattern, rendered natively at the target size or at the source size and upscaled with the
real lab.upscale registry, so widget logic is tested independently of lab.scenes."""

from __future__ import annotations

import numpy as np

from lab import upscale
from lab.render_cache import NATIVE, RenderKey

SCENES = ["stripes", "rings"]
METHODS = ["bicubic", "nearest", "bilinear"]


def pattern(width: int, height: int, seed: int = 0, t: float = 0.0) -> np.ndarray:
    """Fine diagonal stripes + a colour ramp, resolution independent (world units 0-1)."""
    x = (np.arange(width, dtype=np.float32) + 0.5) / width
    y = (np.arange(height, dtype=np.float32) + 0.5) / height
    xx, yy = np.meshgrid(x, y)
    freq = 40.0 + 5 * seed
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * freq * (xx + 0.6 * yy) + 2 * np.pi * t)
    img = np.stack([stripes, 0.5 * stripes + 0.5 * xx, yy], axis=-1)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


def render(key: RenderKey) -> np.ndarray:
    if key.method == NATIVE:
        return pattern(key.width, key.height, key.seed, key.t)
    small = pattern(key.source_width, key.source_height, key.seed, key.t)
    return upscale.upscale(small, key.method, size=(key.width, key.height), seed=key.seed)


class Counting:
    """A renderer that counts calls per key (and can fail or stall on demand)."""

    def __init__(self, fail: str | None = None, delay: float = 0.0) -> None:
        self.calls: dict[RenderKey, int] = {}
        self.fail = fail
        self.delay = delay

    def __call__(self, key: RenderKey) -> np.ndarray:
        import time

        self.calls[key] = self.calls.get(key, 0) + 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None and key.method == self.fail:
            raise RuntimeError(f"{self.fail} exploded on purpose")
        return render(key)
