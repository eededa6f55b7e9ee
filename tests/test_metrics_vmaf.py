"""VMAF through the official libvmaf in imageio-ffmpeg's ffmpeg: checked against a direct ffmpeg run,
closed-form cases (identical clips), its expected direction, a missing filter and flat memory."""

from __future__ import annotations

import json
import subprocess
import tracemalloc

import cv2
import numpy as np
import pytest

from lab import metrics, native, scenes
from lab.errors import LabError
from lab.metrics import libvmaf as vmaf_module
from lab.resolution import parse
from lab.video import Clip, write_mp4


@pytest.fixture(scope="module")
def foliage() -> tuple[Clip, dict[int, Clip]]:
    """Native foliage at 960x540 and its bicubic upscales from 1/2, 1/4 and 1/8 of the size."""
    scene = scenes.get("foliage", motion="subpixel")
    nat = native.render_clip(scene, "960x540", 4, show_progress=False).in_memory()
    ups = {
        f: native.upscaled_clip(
            scene, "960x540", f"{960 // f}x{540 // f}", "bicubic", 4, show_progress=False
        ).in_memory()
        for f in (2, 4, 8)
    }
    return nat, ups


@pytest.mark.parametrize("model", ["vmaf_v0.6.1", "vmaf_v0.6.1neg"])
def test_identical_clips_score_near_100(foliage, model):
    nat, _ = foliage
    result = metrics.vmaf(nat, nat, model=model)
    assert result.mean > 95 and result.per_frame.shape == (4,) and result.model == model


def test_scores_fall_as_the_source_gets_smaller(foliage):
    """Measured: x2 70.8, x4 42.0, x8 18.3 (standard model)."""
    nat, ups = foliage
    scores = [metrics.vmaf(nat, ups[f]).mean for f in (2, 4, 8)]
    assert scores[0] > scores[1] + 10 > scores[2] + 20, scores


def test_per_frame_values_equal_a_direct_ffmpeg_run_on_the_mp4_files(foliage, tmp_path):
    nat, ups = foliage
    ref, dis = tmp_path / "native.mp4", tmp_path / "upscaled.mp4"
    write_mp4(nat, ref, show_progress=False)
    write_mp4(ups[4], dis, show_progress=False)
    log = tmp_path / "direct.json"
    subprocess.run(
        [
            vmaf_module.ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(dis),
            "-i",
            str(ref),
            "-lavfi",
            f"[0:v][1:v]libvmaf=log_fmt=json:log_path={log}:n_threads=2",
            "-f",
            "null",
            "-",
        ],
        check=True,
    )
    direct = np.array([f["metrics"]["vmaf"] for f in json.loads(log.read_text())["frames"]])
    ours = metrics.vmaf(ref, dis)
    np.testing.assert_allclose(ours.per_frame, direct, atol=1e-6)
    # the same frames streamed as RGB from the decoded files agree within half a point here
    from lab.video import read_mp4

    streamed = metrics.vmaf(read_mp4(ref), read_mp4(dis))
    assert abs(streamed.mean - ours.mean) < 0.5
    assert ours.harmonic_mean <= ours.mean + 1e-9


def test_the_neg_model_discounts_sharpening(foliage):
    """Unsharp masking raises standard VMAF more than VMAF NEG, which was built to discount it."""
    nat, ups = foliage
    soft = ups[2]
    sharpened = soft.map(
        lambda f: cv2.addWeighted(f, 2.0, cv2.GaussianBlur(f, (0, 0), 1.5), -1.0, 0)
    ).in_memory()
    gain = metrics.vmaf(nat, sharpened).mean - metrics.vmaf(nat, soft).mean
    gain_neg = (
        metrics.vmaf(nat, sharpened, model="vmaf_v0.6.1neg").mean
        - metrics.vmaf(nat, soft, model="vmaf_v0.6.1neg").mean
    )
    assert gain > gain_neg + 1.0, (gain, gain_neg)


def test_a_ffmpeg_without_libvmaf_gives_a_clear_error(tmp_path, monkeypatch):
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho ' .. scale             V->V       Scale the input video size.'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(vmaf_module, "ffmpeg_exe", lambda: str(fake))
    frames = [np.zeros((32, 32, 3), np.uint8)] * 2
    with pytest.raises(LabError, match="has no libvmaf filter.*imageio-ffmpeg"):
        metrics.vmaf(frames, frames)
    with pytest.warns(UserWarning, match="VMAF left out"):
        rep = metrics.report(frames, frames, flow=(0, 0), show_progress=False)
    assert "psnr_y" in {r.metric for r in rep} and "vmaf" not in {
        r.metric for r in rep
    }  # nothing else breaks


def test_bad_input_is_refused(foliage):
    nat, _ = foliage
    with pytest.raises(LabError, match="VMAF model"):
        metrics.vmaf(nat, nat, model="vmaf_9")
    with pytest.raises(LabError, match="one size"):
        metrics.vmaf(nat, nat.map(lambda f: f[:, :480], resolution=parse("480x540")))
    with pytest.raises(LabError, match="at least 24x24"):
        metrics.vmaf([np.zeros((16, 16, 3), np.uint8)] * 2, [np.zeros((16, 16, 3), np.uint8)] * 2)


def test_report_carries_vmaf_records(foliage):
    nat, ups = foliage
    rep = metrics.report(nat, ups[4], flow="truth", show_progress=False)
    assert rep.value("vmaf") == pytest.approx(metrics.vmaf(nat, ups[4]).mean, abs=1e-6)
    assert rep.value("vmaf_neg") == pytest.approx(
        metrics.vmaf(nat, ups[4], model="vmaf_v0.6.1neg").mean, abs=1e-6
    )


@pytest.mark.slow
def test_memory_stays_flat_on_a_240_frame_4k_pair():
    """A 240-frame 4K pair would be 6 GB as uint8; streamed, Python holds a few frames (measured ~120 MiB)."""
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur((rng.random((2160 + 64, 3840 + 64, 3)) * 255).astype(np.uint8), (0, 0), 2)
    frame = lambda t: np.ascontiguousarray(base[t % 64 : t % 64 + 2160, :3840])  # noqa: E731
    soft = lambda t: cv2.GaussianBlur(frame(t), (0, 0), 1.5)  # noqa: E731
    reference = Clip.from_function(frame, 240, parse("4k"))
    candidate = Clip.from_function(soft, 240, parse("4k"))
    tracemalloc.start()
    try:
        result = metrics.vmaf(reference, candidate, model="vmaf_4k_v0.6.1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.per_frame.shape == (240,)
    assert peak < 400 * 2**20, peak / 2**20  # base image 25 MiB + a few 4K frames in flight


def test_lab_report_vmaf_is_libvmaf_on_the_two_files(foliage, tmp_path):
    """`lab report`'s VMAF is computed on the files (their own YUV), not on an RGB round trip."""
    from lab import clip_report

    nat, ups = foliage
    ref, dis = tmp_path / "native.mp4", tmp_path / "upscaled.mp4"
    write_mp4(nat, ref, show_progress=False)
    write_mp4(ups[8], dis, show_progress=False)
    direct = metrics.vmaf_scores(ref, dis)
    result = clip_report.run(ref, dis, flow="dis", out=tmp_path / "out", show_progress=False)
    for model, record in (("vmaf_v0.6.1", "vmaf"), ("vmaf_v0.6.1neg", "vmaf_neg")):
        assert result.report.value(record) == pytest.approx(direct[model].mean, abs=1e-6)
    # the first 3 frames only: libvmaf on the files, limited to them
    three = metrics.vmaf_scores(ref, dis, frames=3)["vmaf_v0.6.1"]
    assert len(three.per_frame) == 3  # the last one differs: VMAF's motion term looks at the next frame
    np.testing.assert_allclose(three.per_frame[:2], direct["vmaf_v0.6.1"].per_frame[:2], atol=1e-6)
    with pytest.raises(LabError, match="video files only"):
        metrics.vmaf_scores(nat, ups[8], frames=3)
