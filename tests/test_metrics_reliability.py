"""One reliability rule flags every unreliable flicker reading, and only those (real photos, crafted aliases).

No motion on a moving clip, and a wrong global motion that still beats no motion, read reliable
before the quick DIS check; a smooth out-of-focus photo tripped the periodic check (0.76-0.83 >
0.6) although DIS followed its motion. DIS on a small aliasing patch stays flagged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from lab import clip_report
from lab.metrics import report, warp_error
from lab.metrics.flow import PERIODIC_SHARE, estimate_flow, periodic_share
from lab.metrics.temporal import MOTION_GAP, MOTION_RATIO, judge

sys.path.insert(0, str(Path(__file__).parent))
from test_metrics_exact_warp import pan, photo  # noqa: E402

MOTION = (1.37, 0.61)


@pytest.mark.parametrize("name", ["astronaut", "coffee", "rocket"])
def test_no_motion_given_on_a_moving_photo_is_flagged(name: str) -> None:
    frames = pan(photo(name, 320, 180), 5, *MOTION)
    still = warp_error(frames, flow=(0, 0), show_progress=False)
    assert not still.reliable and "quick DIS estimate" in still.message
    assert still.confidence == pytest.approx(0.0, abs=1e-9)
    right = warp_error(frames, flow=MOTION, show_progress=False)
    assert right.reliable, right.message
    # the report (and so its CSV rows) uses the same rule
    rep = report(
        frames, frames, flow=(0, 0), vmaf_models=(), texture_frames=1, tof_pairs=1, show_progress=False
    )
    assert not rep.reliable
    rows = {(r["metric"], r["arm"]): r for r in rep.to_records()}
    assert rows[("flicker_rms", "native")]["reliable"] is False


def test_wrong_given_motion_is_flagged_even_when_it_beats_no_motion() -> None:
    frames = pan(photo("coffee", 320, 180), 5, *MOTION)
    half = warp_error(frames, flow=(MOTION[0] / 2, MOTION[1] / 2), show_progress=False)
    assert not half.reliable and "quick DIS estimate" in half.message
    assert "worse than no motion" not in half.message  # it explains some of the change


def test_a_still_flickering_clip_with_no_motion_is_not_flagged() -> None:
    rng = np.random.default_rng(2)
    base = photo("chelsea", 320, 180).astype(np.float32)
    frames = [np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8) for _ in range(5)]
    result = warp_error(frames, flow=(0, 0), show_progress=False)
    assert result.reliable, result.message  # the change is flicker, and DIS cannot explain it away
    assert result.rms_levels == pytest.approx(4 * np.sqrt(2), rel=0.1)


def test_motion_ratio_and_gap_are_the_boundaries() -> None:
    # the given motion leaves 30 % unexplained: DIS must leave under 10 % (ratio 3) and explain 10 points more
    assert judge("global", 0.0, 0.7, estimate=0.905)[0] is False
    assert judge("global", 0.0, 0.7, estimate=0.895)[0] is True  # ratio just under 3
    assert judge("global", 0.0, 0.97, estimate=0.995)[0] is True  # ratio 6, but only 2.5 points: both fine
    assert judge("global", 0.0, 0.85, estimate=0.955)[0] is False  # ratio 3.3, 10.5 points
    assert judge("global", 0.0, 0.86, estimate=0.959)[0] is True  # ratio 3.4, 9.9 points
    assert judge("global", 0.0, 0.0, estimate=0.9, given=0.95)[0] is True  # ``given`` wins over confidence
    assert judge("truth", 0.0, 0.0, estimate=1.0)[0]  # ground truth is exact: never doubted
    assert MOTION_GAP == 0.1 and MOTION_RATIO == 3.0


def patch_alias(t: int, period: float = 4.0, speed: float = 3.0) -> np.ndarray:
    """A 96x54 frame: a smooth ramp with a 16 px patch of a 4 px checker grating moving 3 px/frame
    (which reads as -1 px/frame: an alias), upscaled x4 bicubic to 384x216."""
    yy, xx = np.mgrid[0:54, 0:96].astype(np.float64)
    ramp = 60 + 1.2 * xx + 0.8 * yy
    grating = 128 + 90 * np.sin(2 * np.pi * (xx - speed * t) / period) * np.sin(2 * np.pi * yy / period)
    patch = (np.abs(xx - 48) < 8) & (np.abs(yy - 27) < 8)
    small = np.clip(np.dstack([np.where(patch, grating, ramp)] * 3), 0, 255).astype(np.uint8)
    return cv2.resize(small, (384, 216), interpolation=cv2.INTER_CUBIC)


def test_dis_on_an_upscaled_small_periodic_pattern_is_flagged() -> None:
    frames = [patch_alias(t) for t in range(5)]
    assert periodic_share(frames[0]) > PERIODIC_SHARE
    single = warp_error(frames, flow="dis", show_progress=False)
    assert single.confidence > 0.9  # DIS explains the frames well: it follows the alias
    assert not single.reliable and "periodic pattern" in single.message


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_no_false_alarm_on_a_smooth_out_of_focus_photo(name: str) -> None:
    smooth = cv2.GaussianBlur(photo(name, 384, 216), (0, 0), 4.0)  # bokeh-like: HF share ~1e-5
    assert periodic_share(smooth) < 0.2  # f^2 whitening alone read 0.76-0.83
    frames = pan(smooth, 5, *MOTION)
    flow = estimate_flow(frames[0], frames[1])
    assert np.median(flow[40:-40, 40:-40, 0]) == pytest.approx(MOTION[0], rel=0.05)
    result = warp_error(frames, flow="dis", show_progress=False)
    assert result.reliable, result.message


@pytest.mark.parametrize("name", ["astronaut", "coffee", "rocket", "chelsea", "retina"])
def test_sharp_photos_are_not_periodic_and_gratings_are(name: str) -> None:
    assert periodic_share(photo(name, 384, 216)) < 0.3
    yy, xx = np.mgrid[0:216, 0:384]
    assert periodic_share((128 + 100 * np.sin(2 * np.pi * xx / 3.0)).astype(np.uint8)) > 0.99


def test_cli_flow_none_on_a_moving_clip_is_flagged_in_the_csv(tmp_path: Path) -> None:
    from lab.video import Clip, write_mp4

    frames = pan(photo("astronaut", 320, 180), 4, 2.0, 0.0)
    a, b = tmp_path / "native.mp4", tmp_path / "candidate.mp4"
    write_mp4(Clip.from_frames(frames), a, show_progress=False)
    write_mp4(Clip.from_frames(frames), b, show_progress=False)
    result = clip_report.run(a, b, flow="none", out=tmp_path / "out", show_progress=False)
    assert not result.report.reliable
    csv = (tmp_path / "out" / "report.csv").read_text()
    flicker = [line for line in csv.splitlines() if line.startswith("flicker_rms")]
    assert flicker and all("False" in line for line in flicker)


def test_within_floor_boundaries() -> None:
    from lab.metrics.temporal import FLOOR_SHARE, MIN_FLOOR_LEVELS, within_floor

    assert FLOOR_SHARE == 0.5 and MIN_FLOOR_LEVELS == 0.5
    assert within_floor(1.0, 0.71) and not within_floor(1.0, 0.70)  # floor^2 >= half the reading^2
    assert not within_floor(0.6, 0.49)  # under half a grey level: 8-bit rounding is the larger error
    assert within_floor(0.6, 0.5)
    # two arms closer than the larger floor cannot be ranked, farther apart they can
    assert not judge("truth", 0.0, 1.0, floors={"native": (2.0, 0.6), "candidate": (2.5, 0.6)})[0]
    assert judge("truth", 0.0, 1.0, floors={"native": (2.0, 0.6), "candidate": (2.7, 0.6)})[0]


def test_quick_dis_check_looks_at_first_middle_and_last_pairs() -> None:
    from lab.metrics.temporal import CHECK_WIDTH, MOTION_CHECK_PAIRS, MotionCheck

    assert MOTION_CHECK_PAIRS == 3 and CHECK_WIDTH == 480
    assert MotionCheck(47).at == {0, 23, 46}
    assert MotionCheck(1).at == {0} and MotionCheck(None).at == {0}


def test_periodic_thresholds() -> None:
    from lab.metrics.flow import PEAK_RATIO, PERIODIC_LOWEST, PERIODIC_TOP

    assert (PERIODIC_SHARE, PEAK_RATIO, PERIODIC_TOP, PERIODIC_LOWEST) == (0.6, 10.0, 0.005, 3)


def test_the_docstring_examples_run() -> None:
    """The examples in the measurement modules (tiny frames included: the quick DIS check skips them)."""
    import doctest

    from lab.metrics import flow, reporting, spatial, temporal

    for module in (temporal, flow, reporting, spatial, clip_report):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0, module.__name__
