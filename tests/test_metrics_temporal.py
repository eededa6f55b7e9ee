"""Temporal metrics against closed forms: static clips, known noise, exact pans, DIS vs truth.

Closed forms used:
- a static clip: VBench score 1 and zero warp error;
- independent per-frame Gaussian noise of std s on [0, 1] data (no clipping, exact motion):
  E_warp = E[(n_t - n_t+1)^2] = 2 s^2 per channel; the flicker heat map is s * 255 levels;
- a pure integer pan warped with its exact flow: zero error away from the entering border.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lab.errors import LabError, LabTypeError
from lab.metrics import (
    estimate_flow,
    flicker_heatmap,
    occlusion_mask,
    tof,
    vbench_flicker_score,
    warp_error,
)
from lab.video import Clip

H, W = 72, 96


def texture(width: int, height: int = H, *, sigma: float = 1.2, seed: int = 0) -> np.ndarray:
    """Band-limited random texture in [0.2, 0.8] (float32 gray), wide enough to pan across."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((height, width)).astype(np.float32), (0, 0), sigma)
    img = (img - img.min()) / (img.max() - img.min())
    return 0.2 + 0.6 * img


def pan_frames(n: int, step: int = 2, *, seed: int = 0) -> list[np.ndarray]:
    """Frames of an integer pan: content moves ``step`` px right per frame (flow = (step, 0))."""
    strip = texture(W + step * n + 8, seed=seed)
    start = step * n
    return [np.dstack([strip[:, start - step * t : start - step * t + W]] * 3) for t in range(n)]


def constant_flow(dx: float, dy: float = 0.0):
    def flow(t: int) -> np.ndarray:
        out = np.empty((H, W, 2), np.float32)
        out[..., 0], out[..., 1] = dx, dy
        return out

    return flow


def add_noise(frames: list[np.ndarray], sigma: float, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(f + rng.normal(0.0, sigma, f.shape), 0, 1).astype(np.float32) for f in frames]


def test_static_clip_scores_one_and_zero_warp_error(small_frame: np.ndarray) -> None:
    clip = Clip.from_frames([small_frame] * 5)
    assert vbench_flicker_score(clip) == 1.0
    result = warp_error(clip, flow=(0, 0))
    assert result.mean == 0.0 and float(result) == 0.0
    assert result.reliable and result.flow_source == "global"
    assert np.all(result.per_frame == 0) and len(result.per_frame) == 4
    dis = warp_error(clip, flow="dis")
    assert dis.mean == pytest.approx(0.0, abs=1e-9) and dis.reliable and dis.confidence == 1.0
    assert flicker_heatmap(clip, flow=(0, 0)).max() == 0.0


def test_vbench_score_closed_form() -> None:
    # frames alternate between 100 and 110: MAE = 10 levels -> (255 - 10) / 255
    frames = [np.full((8, 8, 3), 100 + 10 * (t % 2), np.uint8) for t in range(6)]
    assert vbench_flicker_score(frames) == pytest.approx(245 / 255)
    assert vbench_flicker_score(np.stack(frames)) == pytest.approx(245 / 255)


@pytest.mark.parametrize("sigma", [0.02, 0.04])
def test_noise_warp_error_matches_closed_form(sigma: float) -> None:
    frames = add_noise(pan_frames(8, step=0), sigma)  # base in [0.2, 0.8]: clipping < 1e-9
    result = warp_error(frames, flow=(0, 0))
    assert result.mean == pytest.approx(2 * sigma**2, rel=0.05)
    heat = flicker_heatmap(frames, flow=(0, 0))
    assert float(np.sqrt(np.mean((heat / 255.0) ** 2))) == pytest.approx(sigma, rel=0.05)


def test_noise_on_a_pan_with_ground_truth_flow() -> None:
    sigma = 0.03
    frames = add_noise(pan_frames(8, step=2), sigma)
    clip = Clip.from_function(
        lambda t: frames[t], 8, Clip.from_frames(frames[:1]).resolution, flow=constant_flow(2)
    )
    result = warp_error(clip)  # auto -> ground truth
    assert result.flow_source == "truth"
    assert result.mean == pytest.approx(2 * sigma**2, rel=0.05)
    assert result.masked_fraction == pytest.approx(2 / W, abs=1e-9)  # the entering 2-px column


def test_integer_pan_truth_flow_is_near_zero_while_frame_difference_is_large() -> None:
    frames = pan_frames(6, step=3)
    clip = Clip.from_function(
        lambda t: frames[t], 6, Clip.from_frames(frames[:1]).resolution, flow=constant_flow(3)
    )
    result = warp_error(clip, flow="truth")
    raw = warp_error(frames, flow=(0, 0))  # no motion compensation = raw frame difference
    assert result.mean < 1e-10
    assert raw.mean > 1e-3
    assert vbench_flicker_score(clip) < 0.99  # VBench counts the motion as flicker
    assert warp_error(frames, flow=(3, 0)).mean < 1e-10  # the same with a user-given global motion


def test_dis_flow_warp_error_within_2x_of_ground_truth() -> None:
    sigma = 0.02
    native = pan_frames(8, step=2, seed=3)
    noisy = add_noise(native, sigma, seed=5)
    truth = warp_error(noisy, flow=(2, 0))
    dis = warp_error(noisy, flow="dis", reference=native)
    assert dis.flow_source == "dis" and dis.reliable, dis.message
    assert 0.5 * truth.mean <= dis.mean <= 2.0 * truth.mean
    assert dis.confidence > 0.9
    # the flow estimate itself: about 2 px to the right
    flow = estimate_flow(native[0], native[1])
    assert np.median(flow[8:-8, 8:-8, 0]) == pytest.approx(2.0, abs=0.25)


def grating(t: int, period: float = 3.0, speed: float = 1.3) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    f = 0.5 + 0.4 * np.sin(2 * np.pi * (xx - speed * t) / period + 0.3 * np.sin(2 * np.pi * yy / 40))
    return np.dstack([f] * 3).astype(np.float32)


def test_dis_on_a_drifting_fine_grating_is_flagged_unreliable() -> None:
    # DESIGN's pitfall: estimated flow fails on fine periodic detail and inverts the ranking.
    native = [grating(t) for t in range(6)]
    upscaled = [
        np.clip(
            cv2.resize(
                cv2.resize(f, (W // 4, H // 4), interpolation=cv2.INTER_AREA),
                (W, H),
                interpolation=cv2.INTER_CUBIC,
            ),
            0,
            1,
        )
        for f in native
    ]
    dis_native = warp_error(native, flow="dis")
    dis_up = warp_error(upscaled, flow="dis", reference=native)
    assert not dis_native.reliable and not dis_up.reliable
    assert "UNRELIABLE" in dis_native.message and "ground-truth" in dis_native.message
    # with the true motion the native grating is stable (exact FFT warp: no resampling loss)
    truth = warp_error(native, flow=(1.3, 0))
    assert truth.reliable and truth.warp == "exact" and truth.mean < 0.01 * dis_native.mean
    # a Lanczos warp reads its own error: the reading is within its floor, and says so
    lanczos = warp_error(native, flow=(1.3, 0), interpolation="lanczos")
    assert lanczos.within_floor and not lanczos.reliable and "floor" in lanczos.message


def test_interpolation_choice_changes_only_resampling_loss() -> None:
    native = [grating(t, period=4.0) for t in range(4)]
    errors = {
        m: warp_error(native, flow=(1.3, 0), interpolation=m).mean for m in ("bilinear", "bicubic", "lanczos")
    }
    assert errors["bilinear"] > 10 * errors["bicubic"]
    with pytest.raises(LabError, match="interpolation"):
        warp_error(native, flow=(1.3, 0), interpolation="nearest")


def test_occlusion_mask_flags_inconsistent_and_boundary_flow() -> None:
    fw = np.zeros((32, 32, 2), np.float32)
    bw = np.zeros_like(fw)
    fw[:, 16:, 0] = 3.0  # right half moves 3 px right ...
    bw[:, :, 0] = 0.0  # ... but the backward flow says nothing moved: inconsistent there
    occ = occlusion_mask(fw, bw)
    assert occ[:, 17:].all() and not occ[:, :14].any()
    assert occ[:, 15].all()  # the motion boundary column


def test_tof_zero_for_identical_and_positive_for_different_motion() -> None:
    native = pan_frames(5, step=2)
    assert tof(native, native) == 0.0
    still = [native[0]] * 5
    value = tof(native, still)
    assert 1.0 < value < 3.0  # native moves 2 px/frame, the candidate 0
    with pytest.raises(LabError, match="skip"):
        tof(native, native, skip=2)


def test_torch_clip_input() -> None:
    import torch

    frames = pan_frames(4, step=0)
    stacked = torch.from_numpy(np.stack(frames).transpose(0, 3, 1, 2).copy())
    assert warp_error(stacked, flow=(0, 0)).mean == 0.0


def test_bad_temporal_inputs(small_frame: np.ndarray) -> None:
    with pytest.raises(LabError, match="at least 2"):
        warp_error([small_frame], flow=(0, 0))
    with pytest.raises(LabError, match="at least 2"):
        vbench_flicker_score(Clip.from_frames([small_frame]))
    with pytest.raises(LabError, match="same number of frames"):
        tof([small_frame] * 3, [small_frame] * 4)
    with pytest.raises(LabError, match="same number of frames"):
        warp_error([small_frame] * 3, reference=[small_frame] * 2, flow="dis")
    with pytest.raises(LabError, match="same size"):
        warp_error([small_frame] * 3, reference=[small_frame[:20]] * 3, flow="dis")
    with pytest.raises(LabError, match="ground-truth"):
        warp_error([small_frame] * 3, flow="truth")
    with pytest.raises(LabError, match="flow"):
        warp_error([small_frame] * 3, flow="raft")
    with pytest.raises(LabTypeError, match="flow"):
        warp_error([small_frame] * 3, flow=3)
    with pytest.raises(LabTypeError):
        warp_error("clip.mp4")
    bad = small_frame / 255.0
    bad[0, 0, 0] = np.inf
    with pytest.raises(LabError, match="NaN or infinity"):
        warp_error([small_frame / 255.0, bad], flow=(0, 0))
    with pytest.raises(LabError, match="0-255"):
        vbench_flicker_score([small_frame.astype(np.float32)] * 2)
    with pytest.raises(LabError, match="RGB"):
        warp_error([small_frame[..., 0]] * 2, flow=(0, 0))


# --- reliability flags, on clips made here with numpy (the library renders none of them) ----------
def _grating(
    width: int, height: int, t: int, step: float, *, freq: float = 0.26, speed: float = 0.2
) -> np.ndarray:
    """A grating drifting ``speed`` px/frame (in 256-px units), point-sampled every ``step`` px, as uint8 RGB."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    xs, ys = (xs + 0.5) * step - 0.5, (ys + 0.5) * step - 0.5
    u = (xs - speed * t) * np.cos(0.3) + ys * np.sin(0.3)
    g = np.rint((0.5 + 0.4 * np.sin(2 * np.pi * freq * u)) * 255).astype(np.uint8)
    return np.dstack([g, g, g])


def test_estimated_flow_on_an_aliased_grating_is_not_called_reliable() -> None:
    """Rendered at 64x36 (it aliases) and upscaled: DIS follows the alias, 1000x below the true motion's value."""
    clip = [cv2.resize(_grating(64, 36, t, 4.0), (256, 144), interpolation=cv2.INTER_CUBIC) for t in range(8)]
    dis = warp_error(clip, flow="dis", show_progress=False)
    true = warp_error(clip, flow=(0.2, 0.0), show_progress=False)
    assert true.mean > 100 * dis.mean  # what DIS gets wrong here
    assert not dis.reliable and "periodic pattern" in dis.message


def test_flow_confidence_counts_the_masked_pixels() -> None:
    """Half the frame is new noise every frame: masking it must not hide that the flow explains little."""
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.random((96, 168)).astype(np.float32), (0, 0), 2.0)
    base = (base - base.min()) / (base.max() - base.min())
    frames = []
    for t in range(6):
        f = base[:, 2 * t : 2 * t + 128].copy()
        f[:, 64:] = rng.random((96, 64))
        frames.append((np.dstack([f] * 3) * 255).astype(np.uint8))
    result = warp_error(frames, flow="dis", show_progress=False)
    assert result.masked_fraction > 0.25
    assert result.confidence < 0.5 and not result.reliable  # over unmasked pixels only it read 0.99


def test_a_given_motion_worse_than_none_is_flagged() -> None:
    native = pan_frames(6, step=2, seed=3)
    noisy = add_noise(native, 0.02, seed=5)
    right = warp_error(noisy, flow=(2, 0), reference=native, show_progress=False)
    wrong = warp_error(noisy, flow=(-2, 0), reference=native, show_progress=False)
    assert right.reliable and right.confidence > 0.9
    assert not wrong.reliable and "worse than no motion" in wrong.message and wrong.confidence == 0.0
    still = warp_error(noisy, flow=(0, 0), reference=native, show_progress=False)
    # no motion is never worse than itself, but on a moving clip a quick DIS estimate explains far more
    assert (
        not still.reliable
        and "quick DIS estimate" in still.message
        and "worse than no motion" not in still.message
    )


def test_a_diagonal_pan_is_compensated_exactly_in_x_and_y() -> None:
    """Content moves (+2, +1) px per frame: the exact motion leaves no error, each sign flip a large one."""
    rng = np.random.default_rng(4)
    texture = cv2.GaussianBlur(rng.random((80, 100)).astype(np.float32), (0, 0), 1.5)
    texture = (texture - texture.min()) / (texture.max() - texture.min())
    frames = [
        (np.dstack([texture[20 - t : 60 - t, 30 - 2 * t : 78 - 2 * t]] * 3) * 255).astype(np.uint8)
        for t in range(5)
    ]
    exact = warp_error(frames, flow=(2, 1), show_progress=False)
    assert exact.mean < 1e-10 and exact.reliable and exact.warp == "exact"
    # the remap path (any flow that is not one translation) moves x and y the same way
    remapped = warp_error(frames, flow=(2, 1), interpolation="bicubic", show_progress=False)
    assert remapped.mean < 1e-10 and remapped.warp == "bicubic"
    for wrong in ((2, -1), (-2, 1)):
        assert warp_error(frames, flow=wrong, show_progress=False).mean > 1e-3, wrong
    assert not warp_error(frames, flow=(-2, -1), show_progress=False).reliable  # worse than no motion
    clip = Clip.from_function(
        lambda t: frames[t],
        5,
        Clip.from_frames(frames[:1]).resolution,
        flow=lambda t: np.broadcast_to(np.float32([2, 1]), (40, 48, 2)).copy(),
    )
    assert warp_error(clip, flow="truth", show_progress=False).mean < 1e-10
    from lab import metrics

    rep = metrics.report(clip, frames, flow="truth", texture_frames=1, tof_pairs=1, show_progress=False)
    assert rep.value("warp_error", "native") < 1e-10 and rep.value("warp_error", "candidate") < 1e-10


def test_flicker_in_grey_levels_against_the_visibility_threshold():
    """RMS motion-compensated difference in 8-bit levels: independent noise of s levels per frame
    gives sqrt(2) s; on mid grey the threshold is Chou & Li's 3 levels, on dark grey higher."""
    from lab import metrics
    from lab.metrics.temporal import mse_to_levels, visibility_threshold

    rng = np.random.default_rng(5)

    def noisy(level: float, sigma: float) -> list[np.ndarray]:
        return [
            np.clip(np.rint(level + rng.normal(0.0, sigma, (64, 64, 3))), 0, 255).astype(np.uint8)
            for _ in range(6)
        ]

    quiet = metrics.warp_error(noisy(127, 1.0), flow=(0, 0), show_progress=False)
    loud = metrics.warp_error(noisy(127, 4.0), flow=(0, 0), show_progress=False)
    assert quiet.rms_levels == pytest.approx(mse_to_levels(quiet.mean))
    assert quiet.rms_levels == pytest.approx(np.sqrt(2.0) * 1.0, rel=0.1)
    assert loud.rms_levels == pytest.approx(np.sqrt(2.0) * 4.0, rel=0.05)
    assert quiet.threshold_levels == pytest.approx(3.0, abs=0.05)
    assert not quiet.visible and "below visibility" in quiet.verdict
    assert loud.visible and "visible (3.0)" in loud.verdict
    np.testing.assert_allclose(loud.per_frame_levels.mean(), loud.rms_levels, rtol=0.05)
    dark = metrics.warp_error(noisy(20, 4.0), flow=(0, 0), show_progress=False)
    assert (
        dark.threshold_levels == pytest.approx(visibility_threshold(20.0), abs=0.2)
        and dark.threshold_levels > 10
    )
    assert not dark.visible  # the same flicker on near-black is below the (higher) threshold
