"""The warp adds no error of its own: the exact (FFT) warp against an exact-shift reference on real photos.

Content: scikit-image's photographs, area-downscaled to the test size and panned by an exact
band-limited (periodic FFT) sub-pixel shift, rounded to uint8 like a file. The upscaled arm is
a bicubic x4 from an area downscale of each frame, made periodic (the small frame is wrapped
before upscaling), so the reference warp, a periodic FFT shift of the whole frame, is exact for
both arms. The library does not know the frames are periodic: it mirrors their borders.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from lab.metrics import report, warp_error
from lab.metrics.flow import exact_shift, exact_valid
from lab.metrics.temporal import mse_to_levels, warp_floor
from lab.video import Clip

PHOTOS = ("astronaut", "coffee", "rocket")


def photo(name: str, width: int, height: int) -> np.ndarray:
    return cv2.resize(getattr(data, name)(), (width, height), interpolation=cv2.INTER_AREA)


def periodic_shift(frame: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """out(p) = frame(p + d) for periodic content, exact (float64)."""
    h, w = frame.shape[:2]
    spec = np.fft.fft2(frame.astype(np.float64), axes=(0, 1))
    phase = np.exp(
        2j * np.pi * (np.fft.fftfreq(w)[None, :, None] * dx + np.fft.fftfreq(h)[:, None, None] * dy)
    )
    return np.fft.ifft2(spec * phase, axes=(0, 1)).real


def pan(image: np.ndarray, n: int, dx: float, dy: float) -> list[np.ndarray]:
    """Frame t is ``image`` moved by t (dx, dy) px, band-limited and periodic, as uint8."""
    return [
        np.clip(np.rint(periodic_shift(image, -dx * t, -dy * t)), 0, 255).astype(np.uint8) for t in range(n)
    ]


def periodic_upscale(frame: np.ndarray, factor: int = 4) -> np.ndarray:
    """Bicubic x``factor`` from an area downscale, computed on the wrapped small frame (periodic)."""
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    wrapped = np.pad(small, ((2, 2), (2, 2), (0, 0)), mode="wrap")
    up = cv2.resize(
        wrapped, (wrapped.shape[1] * factor, wrapped.shape[0] * factor), interpolation=cv2.INTER_CUBIC
    )
    return np.ascontiguousarray(up[2 * factor : 2 * factor + h, 2 * factor : 2 * factor + w])


def reference_levels(frames: list[np.ndarray], dx: float, dy: float) -> float:
    """RMS warp residual (grey levels) with the exact periodic shift, over the pixels the library counts."""
    h, w = frames[0].shape[:2]
    valid = exact_valid(h, w, dx, dy)
    errors = []
    for f0, f1 in zip(frames, frames[1:]):
        d2 = ((f0.astype(np.float64) - periodic_shift(f1, dx, dy)) ** 2).mean(axis=2)
        errors.append(d2[valid].mean())
    return float(np.sqrt(np.mean(errors)))


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize(
    ("size", "motion"),
    [((384, 216), (0.37, 0.21)), ((256, 256), (-1.5, 0.0)), ((640, 360), (0.5, -2.75))],
)
def test_exact_warp_agrees_with_an_exact_shift_reference(
    name: str, size: tuple[int, int], motion: tuple[float, float]
) -> None:
    native = pan(photo(name, *size), 4, *motion)
    upscaled = [periodic_upscale(f) for f in native]
    for frames in (native, upscaled):
        got = warp_error(frames, flow=motion, show_progress=False)
        want = reference_levels(frames, *motion)
        assert got.warp == "exact" and got.reliable, got.message
        assert got.rms_levels == pytest.approx(want, abs=0.1), (name, size, motion)
        # the floor it reports is below 8-bit rounding noise
        assert got.floor_levels < 0.5 and not got.within_floor
    assert warp_error(native, flow=motion, show_progress=False).rms_levels < 1.0


@pytest.mark.parametrize("name", PHOTOS)
def test_native_reads_steadier_than_a_bicubic_upscale_with_the_true_motion(name: str) -> None:
    """The issue's reproduction: 384x216, bicubic x4 from an area downscale, true motion given."""
    native = pan(photo(name, 384, 216), 5, 0.37, 0.21)
    upscaled = [periodic_upscale(f) for f in native]
    rep = report(
        native,
        upscaled,
        flow=(0.37, 0.21),
        vmaf_models=(),
        texture_frames=1,
        tof_pairs=1,
        show_progress=False,
    )
    nat, up = rep.value("flicker_rms", "native"), rep.value("flicker_rms", "candidate")
    assert nat < up and rep.reliable, (name, nat, up)
    assert nat < 1.0  # about 8-bit rounding (0.41 levels per frame) and nothing of the warp's
    # the bicubic remap reads its own error, flags it, and is not trusted
    old = report(
        native,
        upscaled,
        flow=(0.37, 0.21),
        interpolation="bicubic",
        vmaf_models=(),
        texture_frames=1,
        tof_pairs=1,
        show_progress=False,
    )
    # (its floor, about 2 levels, is larger than the gap between the arms)
    assert not old.reliable and "floor" in old.message
    assert old.warps["native"].floor_levels > 1.5 > 0.5 > rep.warps["native"].floor_levels
    assert rep.value("warp_floor", "native") == pytest.approx(rep.warps["native"].floor_levels)
    assert rep.floors == {arm: w.floor_levels for arm, w in rep.warps.items()}


def test_ground_truth_flow_that_moves_every_pixel_alike_is_warped_exactly() -> None:
    native = pan(photo("coffee", 384, 216), 4, 0.37, 0.21)
    flow = np.zeros((216, 384, 2), np.float32)
    flow[..., 0], flow[..., 1] = 0.37, 0.21
    clip = Clip.from_frames(native, flow=lambda t: flow)
    truth = warp_error(clip, show_progress=False)
    given = warp_error(native, flow=(0.37, 0.21), show_progress=False)
    assert truth.flow_source == "truth" and truth.warp == "exact"
    assert truth.mean == pytest.approx(given.mean, rel=1e-6)
    wavy = flow.copy()
    wavy[..., 0] += (
        0.01 * np.arange(384, dtype=np.float32)[None, :] / 384
    )  # a slight zoom: not one translation
    remapped = warp_error(Clip.from_frames(native, flow=lambda t: wavy), show_progress=False)
    assert remapped.warp == "bicubic" and remapped.floor_levels > truth.floor_levels


def test_warp_floor_is_zero_for_whole_pixels_and_small_for_the_exact_shift() -> None:
    frame = photo("astronaut", 384, 216)
    assert warp_floor(frame, (2.0, -1.0), cv2.INTER_CUBIC) == 0.0
    exact = mse_to_levels(warp_floor(frame, (0.5, 0.5), cv2.INTER_CUBIC))
    bicubic = mse_to_levels(warp_floor(frame, None, cv2.INTER_CUBIC, phase=(0.5, 0.5)))
    assert exact < 0.5 < 1.5 < bicubic
    # the exact shift is an exact integer roll for whole pixels, and linear
    assert np.array_equal(exact_shift(frame, 3.0, 0.0)[:, :-3], frame[:, 3:].astype(np.float32))
