"""Shared pytest fixtures: output folders, small seeded frames and clips.

Smoke mode (``LAB_SMOKE=1``) is *not* set globally; tests that need it use the
``smoke`` fixture, which sets it for that test only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty folder for a test's output files."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator (seed 1234), so failures reproduce."""
    return np.random.default_rng(1234)


@pytest.fixture
def small_frame(rng: np.random.Generator) -> np.ndarray:
    """A seeded random uint8 RGB frame of 36 x 64 pixels (H, W, 3)."""
    return rng.integers(0, 256, size=(36, 64, 3), dtype=np.uint8)


def smooth_frames(n: int, width: int = 64, height: int = 48, *, shift: float = 1.0) -> list[np.ndarray]:
    """``n`` smooth uint8 frames (low-frequency gradients drifting by ``shift`` px per frame).

    Smooth content survives H.264 with a high PSNR, so roundtrip tests can demand > 35 dB.
    """
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = []
    for t in range(n):
        x = xx + shift * t
        r = 0.5 + 0.35 * np.sin(2 * np.pi * x / width)
        g = 0.5 + 0.35 * np.cos(2 * np.pi * yy / height)
        b = 0.3 + 0.4 * (x + yy) / (width + height + shift * n)
        frames.append(np.clip(np.rint(np.dstack([r, g, b]) * 255), 0, 255).astype(np.uint8))
    return frames


@pytest.fixture(name="smooth_frames")
def smooth_frames_fixture():
    """The :func:`smooth_frames` maker, for tests: ``smooth_frames(n, width, height, shift=)``."""
    return smooth_frames


@pytest.fixture
def smooth_clip():
    """A 6-frame 64x48 smooth clip at 24 fps (from :func:`smooth_frames`)."""
    from lab.video import Clip

    return Clip.from_frames(smooth_frames(6), fps=24.0, name="smooth")


@pytest.fixture
def smoke(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn on smoke mode (LAB_SMOKE=1) for one test."""
    monkeypatch.setenv("LAB_SMOKE", "1")
