"""Clips and mp4 IO: streaming, roundtrip, atomic writes, bad files and bad frames."""

from __future__ import annotations

import doctest
import gc
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import lab.video
from lab.errors import LabError, LabTypeError, MemoryBudgetError
from lab.resolution import Resolution, parse
from lab.video import Clip, Mp4Writer, read_mp4, write_mp4


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- Clip ---------------------------------------------------------------------------------
def test_clip_basics(smooth_clip):
    assert len(smooth_clip) == 6 and smooth_clip.fps == 24.0
    assert smooth_clip.resolution == Resolution(64, 48)
    assert smooth_clip.duration == pytest.approx(0.25)
    assert "6 frames" in repr(smooth_clip) and "smooth" in repr(smooth_clip)
    frames = list(smooth_clip)
    assert all(f.dtype == np.uint8 and f.shape == (48, 64, 3) for f in frames)
    np.testing.assert_array_equal(smooth_clip.frame(-1), frames[-1])
    pairs = list(smooth_clip.pairs())
    assert [t for t, _, _ in pairs] == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(pairs[2][2], frames[3])


def test_float_frames_are_stored_as_uint8():
    clip = Clip.from_frames([np.full((4, 6, 3), 0.5, np.float32)] * 2)
    assert clip.frame(0).dtype == np.uint8 and int(clip.frame(0)[0, 0, 0]) == 128
    floats = list(clip.iter_float())
    assert floats[0].dtype == np.float32 and floats[0].max() == pytest.approx(128 / 255)


def test_from_function_is_lazy_and_map_resizes():
    calls = []

    def render(t: int) -> np.ndarray:
        calls.append(t)
        return np.full((8, 10, 3), 10 * t, np.uint8)

    clip = Clip.from_function(render, 5, "10x8", fps=12, flow=lambda t: np.zeros((8, 10, 2), np.float32))
    assert calls == [] and clip.has_flow
    assert int(clip.frame(3)[0, 0, 0]) == 30 and calls == [3]
    doubled = clip.map(
        lambda f: np.repeat(np.repeat(f, 2, 0), 2, 1), resolution=Resolution(20, 16), name="x2"
    )
    assert doubled.resolution == Resolution(20, 16) and doubled.name == "x2"
    assert not doubled.has_flow  # a resized clip cannot reuse the source's flow
    assert [int(f[0, 0, 0]) for f in doubled] == [0, 10, 20, 30, 40]
    same_size = clip.map(lambda f: 255 - f)
    assert same_size.has_flow and same_size.flow(0).shape == (8, 10, 2)
    assert clip.with_flow(lambda t: np.ones((8, 10, 2), np.float32)).flow(1)[0, 0, 0] == 1.0


def test_flow_errors(smooth_clip):
    with pytest.raises(LabError, match="no ground-truth flow"):
        smooth_clip.flow(0)
    clip = smooth_clip.with_flow(lambda t: np.zeros((48, 64, 2), np.float32))
    with pytest.raises(LabError, match="out of range"):
        clip.flow(5)  # 6 frames have 5 steps: 0..4


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: Clip.from_frames([]), LabError),
        (lambda: Clip.from_frames("frames"), LabTypeError),
        (lambda: Clip.from_frames([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 6, 3), np.uint8)]), LabError),
        (lambda: Clip.from_frames([np.full((4, 4, 3), np.nan, np.float32)]), LabError),
        (lambda: Clip.from_frames([np.full((4, 4, 3), np.inf)]), LabError),
        (lambda: Clip.from_frames([np.zeros((4, 4, 3), np.int64)]), LabTypeError),
        (lambda: Clip.from_frames([[[0, 0, 0]]]), LabTypeError),
        (lambda: Clip.from_function(lambda t: None, 0, "8x8"), LabError),
        (lambda: Clip.from_function(lambda t: None, 3, "8x8", fps=0), LabError),
        (lambda: Clip.from_function(lambda t: None, 3, "8x8", fps=float("nan")), LabError),
        (lambda: Clip.from_function("not callable", 3, "8x8"), LabTypeError),
        (lambda: Clip.from_function(lambda t: None, 3, "8k8"), LabError),
    ],
)
def test_bad_clips_are_refused(make, error):
    with pytest.raises(error):
        make()


def test_bad_rendered_frames_fail_on_access():
    clip = Clip.from_function(lambda t: np.full((8, 8, 3), np.nan, np.float32), 2, "8x8")
    with pytest.raises(LabError, match="NaN"):
        clip.frame(0)
    wrong_size = Clip.from_function(lambda t: np.zeros((8, 6, 3), np.uint8), 2, "8x8")
    with pytest.raises(LabError, match="expected"):
        list(wrong_size)
    with pytest.raises(LabError, match="out of range"):
        wrong_size.frame(2)
    with pytest.raises(LabTypeError):
        wrong_size.frame(1.0)


def test_to_list_respects_the_memory_guard(monkeypatch):
    clip = Clip.from_function(lambda t: np.zeros((2160, 3840, 3), np.uint8), 48, "4k")
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", str(256 * 2**20))
    with pytest.raises(MemoryBudgetError):
        clip.to_list()


def test_in_memory_renders_each_frame_once_and_keeps_fps_and_flow(monkeypatch):
    calls = []

    def render(t):
        calls.append(t)
        return np.full((4, 6, 3), 10 * t, np.uint8)

    lazy = Clip.from_function(
        render, 3, "6x4", fps=12, flow=lambda t: np.full((4, 6, 2), t, np.float32), name="lazy"
    )
    kept = lazy.in_memory("kept")
    assert calls == [0, 1, 2]
    assert [int(f[0, 0, 0]) for f in kept] + [int(kept.frame(2)[0, 0, 0])] == [0, 10, 20, 20]
    assert calls == [0, 1, 2]  # measuring the copy renders nothing again
    assert (kept.fps, kept.name, lazy.in_memory().name) == (12.0, "kept", "lazy")
    assert float(kept.flow(1)[0, 0, 0]) == 1.0
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", str(256 * 2**20))
    with pytest.raises(MemoryBudgetError):
        Clip.from_function(lambda t: np.zeros((2160, 3840, 3), np.uint8), 48, "4k").in_memory()


def test_4k_iteration_streams_uint8_frames_only():
    """Iterating a 4K clip keeps about one uint8 frame alive and never makes a float32 frame."""
    res = parse("4k")
    clip = Clip.from_function(lambda t: np.full(res.shape, t, np.uint8), 6, res)
    float_frame = res.frame_bytes("float32")  # 99.5 MB
    gc.collect()
    tracemalloc.start()
    try:
        for t, frame in enumerate(clip):
            assert frame.dtype == np.uint8 and int(frame[0, 0, 0]) == t
            del frame
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2.5 * res.frame_bytes("uint8") < float_frame


def test_iter_float_holds_one_float_frame_at_a_time():
    res = Resolution(960, 540)
    clip = Clip.from_function(lambda t: np.full(res.shape, 50, np.uint8), 8, res)
    gc.collect()
    tracemalloc.start()
    try:
        for frame in clip.iter_float():
            assert frame.dtype == np.float32
            del frame
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2.5 * res.frame_bytes("float32")  # a whole-clip float copy would be 8x


# --- mp4 ------------------------------------------------------------------------------------
def test_mp4_roundtrip(out_dir, smooth_frames):
    frames = smooth_frames(10, 96, 64, shift=1.5)
    clip = Clip.from_frames(frames, fps=30.0)
    path = write_mp4(clip, out_dir / "sub" / "smooth.mp4", show_progress=False)
    assert path == out_dir / "sub" / "smooth.mp4" and path.stat().st_size > 0
    back = read_mp4(path)
    assert len(back) == 10 and back.fps == pytest.approx(30.0)
    assert back.resolution == Resolution(96, 64) and back.name == "smooth"
    decoded = list(back)
    assert len(decoded) == 10
    for original, copy in zip(frames, decoded):
        assert copy.dtype == np.uint8 and copy.shape == original.shape
        assert psnr(original, copy) > 35.0
    np.testing.assert_array_equal(back.frame(4), decoded[4])
    assert leftovers(path.parent) == ["smooth.mp4"]


def test_lower_crf_keeps_more_detail(out_dir, smooth_frames, rng):
    # grey content: chroma subsampling (yuv420p) loses nothing, so only the quantiser decides
    noisy = [
        np.repeat(
            np.clip(f[..., :1] + rng.normal(0, 12, f.shape[:2] + (1,)), 0, 255).astype(np.uint8), 3, axis=2
        )
        for f in smooth_frames(3)
    ]
    scores = {}
    for crf in (0, 18, 40):
        path = write_mp4(Clip.from_frames(noisy), out_dir / f"crf{crf}.mp4", crf=crf, show_progress=False)
        scores[crf] = np.mean([psnr(a, b) for a, b in zip(noisy, read_mp4(path))])
    assert scores[0] > scores[18] > scores[40]


def test_mp4_writer_streams_and_overwrites_atomically(out_dir, smooth_frames):
    path = out_dir / "w.mp4"
    path.write_bytes(b"old contents")
    with Mp4Writer(path, "64x48", fps=10) as writer:
        for frame in smooth_frames(4):
            writer.write(frame)
        assert path.read_bytes() == b"old contents"  # the old file stays until the new one is complete
    assert writer.frames_written == 4 and len(read_mp4(path)) == 4
    assert leftovers(out_dir) == ["w.mp4"]


def test_failure_mid_write_leaves_nothing(out_dir, smooth_frames):
    def render(t: int) -> np.ndarray:
        if t == 3:
            raise RuntimeError("renderer crashed")
        return smooth_frames(1)[0]

    clip = Clip.from_function(render, 6, "64x48")
    with pytest.raises(RuntimeError, match="renderer crashed"):
        write_mp4(clip, out_dir / "crash.mp4", show_progress=False)
    assert leftovers(out_dir) == []


def test_bad_frame_mid_write_leaves_nothing_and_keeps_old_file(out_dir, smooth_frames):
    path = out_dir / "keep.mp4"
    path.write_bytes(b"previous")
    frames = smooth_frames(3) + [np.full((48, 64, 3), np.nan, np.float32)]
    with pytest.raises(LabError, match="NaN"):
        with Mp4Writer(path, "64x48") as writer:
            for frame in frames:
                writer.write(frame)
    assert leftovers(out_dir) == ["keep.mp4"] and path.read_bytes() == b"previous"
    with pytest.raises(LabError, match="shape"):
        with Mp4Writer(out_dir / "size.mp4", "64x48") as writer:
            writer.write(np.zeros((48, 66, 3), np.uint8))
    with pytest.raises(LabTypeError):
        with Mp4Writer(out_dir / "type.mp4", "64x48") as writer:
            writer.write(np.zeros((48, 64, 3), np.int16))
    assert leftovers(out_dir) == ["keep.mp4"]


def test_empty_writer_is_an_error(out_dir):
    with pytest.raises(LabError, match="no frames"):
        with Mp4Writer(out_dir / "empty.mp4", "64x48"):
            pass
    assert leftovers(out_dir) == []
    with pytest.raises(LabError, match="outside"):
        Mp4Writer(out_dir / "x.mp4", "64x48").write(np.zeros((48, 64, 3), np.uint8))


@pytest.mark.parametrize("size", ["65x48", "64x47", "321x181"])
def test_odd_sizes_are_refused_for_the_codec(out_dir, size):
    res = parse(size)
    clip = Clip.from_function(lambda t: np.zeros(res.shape, np.uint8), 2, res)
    with pytest.raises(LabError, match="even width and height"):
        write_mp4(clip, out_dir / "odd.mp4", show_progress=False)
    assert leftovers(out_dir) == []


def test_bad_output_paths(out_dir, smooth_clip):
    with pytest.raises(LabError, match="is a directory"):
        write_mp4(smooth_clip, out_dir, show_progress=False)
    blocker = out_dir / "file.txt"
    blocker.write_text("I am a file")
    with pytest.raises(LabError, match="is a file"):
        write_mp4(smooth_clip, blocker / "clip.mp4", show_progress=False)
    with pytest.raises(LabError, match="is a file"):
        write_mp4(smooth_clip, blocker / "deeper" / "clip.mp4", show_progress=False)
    with pytest.raises(LabError, match=r"\.mp4"):
        write_mp4(smooth_clip, out_dir / "clip.avi", show_progress=False)
    with pytest.raises(LabTypeError):
        write_mp4(smooth_clip, 42, show_progress=False)
    with pytest.raises(LabTypeError, match="Clip"):
        write_mp4([np.zeros((4, 4, 3), np.uint8)], out_dir / "list.mp4")
    assert leftovers(out_dir) == ["file.txt"]


@pytest.mark.parametrize(
    "kwargs, words",
    [({"crf": 60}, "crf"), ({"crf": -1}, "crf"), ({"preset": "warp"}, "preset"), ({"fps": 0}, "fps")],
)
def test_bad_encoder_settings(out_dir, kwargs, words):
    with pytest.raises(LabError, match=words):
        Mp4Writer(out_dir / "x.mp4", "64x48", **kwargs)


def test_missing_and_corrupt_video_files(tmp_path):
    with pytest.raises(LabError, match="does not exist"):
        read_mp4(tmp_path / "missing.mp4")
    with pytest.raises(LabError, match="directory"):
        read_mp4(tmp_path)
    garbage = tmp_path / "x.mp4"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(LabError, match="cannot read"):
        read_mp4(garbage)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(LabError, match="cannot read"):
        read_mp4(empty)


def test_truncated_video_is_an_error_or_shorter(out_dir, smooth_frames):
    """Cutting an mp4 in half must not crash obscurely: it is unreadable or reports fewer frames."""
    path = write_mp4(Clip.from_frames(smooth_frames(12)), out_dir / "full.mp4", show_progress=False)
    cut = out_dir / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    try:
        clip = read_mp4(cut)
    except LabError as err:
        assert "cut.mp4" in str(err)
    else:
        assert len(list(clip)) == len(clip) < 12


def test_docstring_examples_run():
    result = doctest.testmod(lab.video)
    assert result.failed == 0 and result.attempted > 0


def test_random_access_into_an_mp4(out_dir, smooth_frames):
    frames = smooth_frames(8, shift=3.0)
    clip = read_mp4(write_mp4(Clip.from_frames(frames), out_dir / "r.mp4", show_progress=False))
    decoded = list(clip)
    for t in (0, 1, 5, 6, 2, 7, 7, -1):  # forwards, backwards and repeated
        np.testing.assert_array_equal(clip.frame(t), decoded[t])
    with pytest.raises(LabError, match="out of range"):
        clip.frame(8)


def test_an_mp4_without_frames_says_so(tmp_path):
    """ffmpeg's own message for it was 'Error opening output files: Invalid argument'."""
    import subprocess

    import imageio_ffmpeg

    path = tmp_path / "empty.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=24",
            "-frames:v",
            "0",
            "-c:v",
            "libx264",
            str(path),
        ],
        check=True,
    )
    with pytest.raises(LabError, match="holds no video frames") as info:
        read_mp4(path)
    assert "output files" not in str(info.value)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video")
    with pytest.raises(LabError, match="cannot read .* as video"):
        read_mp4(garbage)


def test_outputs_get_the_usual_permissions(tmp_path, smooth_frames):
    """Written through private temporary files (0600) and folders (0700), outputs must not stay private."""
    import os
    import stat

    from lab.files import StagingFolder

    old = os.umask(0o022)
    try:
        out = tmp_path / "out"
        with StagingFolder(out) as staging:
            write_mp4(Clip.from_frames(smooth_frames(2), fps=24), staging / "clip.mp4", show_progress=False)
        assert stat.S_IMODE(out.stat().st_mode) == 0o755
        assert stat.S_IMODE((out / "clip.mp4").stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_a_damaged_mp4_warns_how_many_frames_decoded(tmp_path):
    import subprocess

    import imageio_ffmpeg

    good = tmp_path / "good.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x96:rate=24",
            "-frames:v",
            "48",
            "-c:v",
            "libx264",
            "-g",
            "12",
            "-movflags",
            "+faststart",
            str(good),
        ],
        check=True,
    )
    data = good.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.warns(UserWarning, match=r"only \d+ of the 48 frames"):
        clip = read_mp4(cut)
    assert 0 < len(clip) < 48 and len(list(clip)) == len(clip)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_mp4(good)) == 48  # an intact file: no warning


def test_read_mp4_yuv_planes_are_the_decoded_planes_without_an_rgb_round_trip(tmp_path: Path) -> None:
    """planes="yuv": Y is the file's own luma plane, byte for byte, where RGB would clip."""
    import subprocess

    import imageio_ffmpeg

    from lab import metrics
    from lab.video import read_mp4, write_mp4

    yy, xx = np.mgrid[0:72, 0:128].astype(np.float64)
    frames = []
    for t in range(3):  # saturated colours: many RGB samples at 0 or 255
        r = 128 + 140 * np.sin(0.05 * (xx + 2 * t) ** 1.3 / 5 + 0.02 * yy**1.2)
        frames.append(np.clip(np.dstack([r, 255 - r, np.roll(r, 9, axis=1)]), 0, 255).astype(np.uint8))
    path = tmp_path / "clip.mp4"
    write_mp4(Clip.from_frames(frames), path, show_progress=False)
    raw = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    size = 72 * 128
    planes = read_mp4(path, planes="yuv")
    assert planes.planes == "yuv" and planes.head(2).planes == "yuv"
    for t, frame in enumerate(planes):
        y = np.frombuffer(raw, np.uint8)[t * size * 3 // 2 :][:size].reshape(72, 128)
        assert frame.shape == (72, 128, 3) and np.array_equal(frame[..., 0], y)
    # PSNR on the Y planes (channel="yuv") equals PSNR computed on the decoded Y planes directly
    a, b = planes.frame(0), planes.frame(1)
    mse = np.mean((a[..., 0].astype(np.float64) - b[..., 0]) ** 2)
    assert metrics.psnr(a, b, channel="yuv") == pytest.approx(10 * np.log10(255.0**2 / mse), abs=1e-9)
    with pytest.raises(ValueError, match="planes"):
        read_mp4(path, planes="bgr")
