"""The one-pass report agrees with the individual metrics, streams, and plots with labelled axes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lab import metrics
from lab.errors import LabError, LabTypeError
from lab.video import Clip

H, W = 96, 128
N = 6


def _strip(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((H, W + 64)).astype(np.float32), (0, 0), 1.0)
    img = (img - img.min()) / (img.max() - img.min())
    return np.dstack([img, img[:, ::-1], 0.5 * img + 0.25])


def _flow(t: int) -> np.ndarray:
    out = np.zeros((H, W, 2), np.float32)
    out[..., 0] = 2.0
    return out


@pytest.fixture(scope="module")
def clips() -> tuple[Clip, Clip]:
    strip = _strip()
    frames = [np.rint(strip[:, 40 - 2 * t : 40 - 2 * t + W] * 255).astype(np.uint8) for t in range(N)]
    native = Clip.from_frames(frames, flow=_flow, name="native")

    def upscale(frame: np.ndarray) -> np.ndarray:
        small = cv2.resize(frame, (W // 4, H // 4), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)

    candidate = native.map(upscale, name="bicubic x4")
    return native, candidate


def test_report_matches_individual_metrics(clips: tuple[Clip, Clip]) -> None:
    native, cand = clips
    rep = metrics.report(native, cand, flow="truth", texture_frames=None, tof_pairs=None, show_progress=False)
    frames_n, frames_c = list(native), list(cand)
    assert rep.value("psnr_y") == pytest.approx(
        np.mean([metrics.psnr(a, b) for a, b in zip(frames_n, frames_c)]), abs=1e-4
    )
    assert rep.value("ssim_y") == pytest.approx(
        np.mean([metrics.ssim(a, b) for a, b in zip(frames_n, frames_c)]), abs=1e-9
    )
    for arm, frames in (("native", frames_n), ("candidate", frames_c)):
        want = metrics.warp_error(frames, flow=(2, 0))
        assert rep.value("warp_error", arm) == pytest.approx(want.mean, rel=1e-6, abs=1e-12)
        # the flicker a person reads: the same residual as RMS 8-bit grey levels, against the threshold
        assert rep.value("flicker_rms", arm) == pytest.approx(want.rms_levels, rel=1e-6)
        verdict = next(r.detail for r in rep if r.metric == "flicker_rms" and r.arm == arm)
        assert ("below visibility" if not want.visible else "visible") in verdict
        np.testing.assert_allclose(rep.warp_curves[arm], want.per_frame, rtol=1e-6, atol=1e-12)
        assert rep.value("vbench_flicker_score", arm) == pytest.approx(metrics.vbench_flicker_score(frames))
        hf = np.mean([metrics.high_frequency_share(f) for f in frames])
        assert rep.value("high_frequency_share", arm) == pytest.approx(hf)
        assert rep.value("glcm_score", arm) == pytest.approx(np.mean([metrics.glcm_score(f) for f in frames]))
        np.testing.assert_allclose(
            rep.heatmaps[arm], metrics.flicker_heatmap(frames, flow=(2, 0)), rtol=1e-4, atol=1e-4
        )
        spectra = [metrics.radial_spectrum(f) for f in frames]
        np.testing.assert_allclose(rep.spectra[arm].frequency, spectra[0].frequency)
        np.testing.assert_allclose(
            rep.spectra[arm].power, np.mean([s.power for s in spectra], axis=0), rtol=1e-6
        )
    assert rep.value("tof") == pytest.approx(metrics.tof(native, cand))
    assert rep.value("visibility_threshold", "native") == pytest.approx(
        metrics.visibility_threshold(float(cv2.cvtColor(frames_n[0], cv2.COLOR_RGB2GRAY).mean()))
    )
    assert rep.value("waxiness") == pytest.approx(
        rep.value("high_frequency_share", "candidate") / rep.value("high_frequency_share", "native")
    )
    # the upscale lost detail and flickers more under motion
    assert rep.value("waxiness") < 0.5
    assert rep.value("warp_error", "native") < rep.value("warp_error", "candidate")
    assert rep.reliable and rep.flow_source == "truth"
    assert all(isinstance(r.value, float) and r.unit for r in rep)


def test_report_records_table_and_summary(clips: tuple[Clip, Clip]) -> None:
    rep = metrics.report(*clips, flow=(2, 0), show_progress=False)
    rows = rep.to_records()
    assert {"metric", "value", "unit", "arm", "higher_is_better", "reliable", "detail"} <= set(rows[0])
    assert {r["arm"] for r in rows} == {"native", "candidate", "flow"}
    assert "warp_error" in rep.summary() and "dB" in rep.summary()
    assert "8-bit grey levels): native" in rep.summary() and "visibility threshold" in rep.summary()
    import pandas as pd

    frame = rep.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(rep)
    with pytest.raises(LabError, match="available"):
        rep.value("lpips")


def test_report_with_dis_flags_unreliable_flow_on_fine_grating() -> None:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)

    def grating(t: int) -> np.ndarray:
        f = 0.5 + 0.4 * np.sin(2 * np.pi * (xx - 1.3 * t) / 3.0 + 0.3 * np.sin(2 * np.pi * yy / 40))
        return np.rint(np.dstack([f] * 3) * 255).astype(np.uint8)

    native = [grating(t) for t in range(4)]
    blurred = [cv2.GaussianBlur(f, (0, 0), 2.0) for f in native]
    rep = metrics.report(native, blurred, flow="dis", show_progress=False)
    assert not rep.reliable and "UNRELIABLE" in rep.summary()
    assert not any(r.reliable for r in rep if r.metric == "warp_error")


def test_plot_report_has_labelled_axes(clips: tuple[Clip, Clip]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    rep = metrics.report(*clips, flow="dis", show_progress=False)
    fig = metrics.plot_report(rep)
    main_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(main_axes) >= 4
    for ax in main_axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    assert "cycles/pixel" in fig.axes[1].get_xlabel() or any(
        "cycles/pixel" in a.get_xlabel() for a in fig.axes
    )
    # flicker in grey levels with the threshold, and text readable once a notebook shrinks the figure
    # to a ~9-inch column: at least 9 pt at that width (the figure was 16.8 in wide with 8-10 pt text)
    assert "8-bit levels" in fig.axes[0].get_ylabel()
    assert any(line.get_label().startswith("visibility threshold") for line in fig.axes[0].get_lines())
    shrink = 9.0 / fig.get_figwidth()
    sizes = [t.get_fontsize() for ax in main_axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
    sizes += [t.get_fontsize() for ax in main_axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert min(sizes) * shrink >= 6.5, (min(sizes), fig.get_figwidth())
    with pytest.raises(LabTypeError):
        metrics.plot_report([1, 2])


def test_report_streams_each_clip_once() -> None:
    calls = {"native": 0, "candidate": 0}
    base = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)

    def make(name: str) -> Clip:
        def frame(t: int) -> np.ndarray:
            calls[name] += 1
            return np.roll(base, t, axis=1)

        return Clip.from_function(frame, 5, Clip.from_frames([base]).resolution, name=name)

    metrics.report(make("native"), make("candidate"), flow=(1, 0), show_progress=False)
    assert calls == {"native": 5, "candidate": 5}


def test_report_bad_inputs(clips: tuple[Clip, Clip], small_frame: np.ndarray) -> None:
    native, cand = clips
    with pytest.raises(LabError, match="same number of frames"):
        metrics.report(native, list(cand)[:4], show_progress=False)
    with pytest.raises(LabError, match="upscale the candidate"):
        metrics.report(native, [f[:, :64] for f in cand], flow=(0, 0), show_progress=False)
    with pytest.raises(LabError, match="at least 2"):
        metrics.report([small_frame], [small_frame], flow=(0, 0), show_progress=False)
    with pytest.raises(LabError, match="ground-truth"):
        metrics.report(list(native), list(cand), flow="truth", show_progress=False)
    with pytest.raises(LabTypeError, match="texture_frames"):
        metrics.report(native, cand, texture_frames=0, show_progress=False)


def test_report_flags_a_given_motion_that_explains_the_native_clip_worse_than_none():
    rng = np.random.default_rng(2)
    base = cv2.GaussianBlur(rng.random((64, 120)).astype(np.float32), (0, 0), 2.0)
    base = (base - base.min()) / (base.max() - base.min())
    native = [(np.dstack([base[:, 3 * t : 3 * t + 96]] * 3) * 255).astype(np.uint8) for t in range(5)]
    candidate = [cv2.GaussianBlur(f, (0, 0), 1.0) for f in native]
    # the window slides right over the texture, so the content moves 3 px left per frame
    right = metrics.report(native, candidate, flow=(-3, 0), show_progress=False)
    wrong = metrics.report(native, candidate, flow=(3, 0), show_progress=False)
    assert right.reliable and right.value("flow_confidence", "flow") > 0.9
    assert not wrong.reliable and "worse than no motion" in wrong.message


def test_report_keeps_each_arm_under_its_own_name():
    """A swap of the arms would put the sharp clip's numbers under 'candidate'."""
    rng = np.random.default_rng(3)
    sharp = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(3)]
    soft = [cv2.GaussianBlur(f, (0, 0), 2.0) for f in sharp]
    rep = metrics.report(
        Clip.from_frames(sharp, name="sharp one"),
        Clip.from_frames(soft, name="soft one"),
        flow=(0, 0),
        show_progress=False,
    )
    assert rep.labels == {"native": "sharp one", "candidate": "soft one"}
    assert rep.value("high_frequency_share", "native") > 5 * rep.value("high_frequency_share", "candidate")
    assert rep.value("warp_error", "native") == pytest.approx(
        metrics.warp_error(sharp, flow=(0, 0), show_progress=False).mean
    )
    assert rep.value("warp_error", "candidate") == pytest.approx(
        metrics.warp_error(soft, flow=(0, 0), show_progress=False).mean
    )
    assert rep.value("waxiness", "candidate") < 0.2


def test_the_costly_metrics_sample_first_middle_and_last_frames() -> None:
    """texture_frames=3 of 8 frames measures frames 0, 4 and 7 (np.linspace rounded); tof_pairs
    likewise over the pairs. Only those frames of the candidate differ, so SSIM sees all three."""
    from lab.metrics.reporting import _Sampler

    assert _Sampler(8, 3).indices == {0, 4, 7}
    assert _Sampler(48, 3).indices == {0, 24, 47}
    assert _Sampler(7, 4).indices == {0, 2, 4, 6}
    assert _Sampler(5, None).indices == set(range(5)) and _Sampler(5, 0).indices == set()
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(8)]
    candidate = [255 - f if t in (0, 4, 7) else f for t, f in enumerate(frames)]
    rep = metrics.report(frames, candidate, flow=(0, 0), vmaf_models=(), show_progress=False)
    assert rep.value("ssim_y") < 0.0  # every sampled frame is the inverted one
