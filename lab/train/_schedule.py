"""The learning-rate schedule of the trainers: a linear warm-up, then a half cosine down to a floor.

>>> [round(warmup_cosine(at, warmup=2, total=10), 3) for at in (0, 1, 2, 6, 10, 12)]
[0.0, 0.5, 1.0, 0.525, 0.05, 0.05]
"""

from __future__ import annotations

import math


def warmup_cosine(
    at: float, *, warmup: float, total: float, start: float = 0.0, floor: float = 0.05
) -> float:
    """Learning-rate factor (a multiple of the peak rate) at position ``at`` of a run of length ``total``.

    ``at``, ``warmup`` and ``total`` share one unit (steps, or fractions of the run). The factor
    rises linearly from ``start`` at 0 to 1 at ``warmup``, then falls along a half cosine to
    ``floor`` at ``total`` and stays there.
    """
    if at < warmup:
        return start + (1.0 - start) * at / warmup
    span = total - warmup
    progress = min((at - warmup) / span, 1.0) if span > 0 else 1.0
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
