"""lab.inspect: the descale search finds known upscales, native content reads native, bad input exits 2."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from lab import inspect as lab_inspect
from lab.__main__ import main
from lab.errors import LabError
from lab.optional import opencv
from lab.upscale import upscale

cv2 = opencv()

OPENCV = {
    "nearest": cv2.INTER_NEAREST,
    "area": cv2.INTER_AREA,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "lanczos4": cv2.INTER_LANCZOS4,
}


@pytest.mark.parametrize("kernel", sorted(OPENCV))
@pytest.mark.parametrize(("source", "target"), [(60, 90), (37, 100), (121, 270), (200, 270)])
def test_kernel_matrix_is_opencvs_resize(kernel: str, source: int, target: int) -> None:
    # independent implementation: OpenCV resizing the identity gives its own upscaling matrix
    reference = cv2.resize(np.eye(source, dtype=np.float32), (source, target), interpolation=OPENCV[kernel])
    mine = lab_inspect.upscale_matrix(kernel, source, target)
    np.testing.assert_allclose(mine, reference, atol=5e-5)


def test_kernel_matrix_row_block_is_a_slice_of_the_full_matrix() -> None:
    full = lab_inspect.upscale_matrix("lanczos3", 50, 120)
    np.testing.assert_allclose(lab_inspect.upscale_matrix("lanczos3", 50, 120, rows=(30, 70)), full[30:70])


def _source(height: int, width: int, seed: int, blur: float = 0.7) -> np.ndarray:
    """Band-limited colour noise (a Gaussian-blurred random field), uint8 (height, width, 3)."""
    rng = np.random.default_rng(seed)
    field = cv2.GaussianBlur(rng.normal(128, 60, (height, width, 3)).astype(np.float32), (0, 0), blur)
    return np.clip(field, 0, 255).astype(np.uint8)


def _upscaled_frames(method: str, source_h: int, target=(320, 180), seed: int = 0) -> list[np.ndarray]:
    src = _source(source_h, int(round(source_h * 16 / 9)), seed)
    return [upscale(np.roll(src, 2 * t, axis=1), method, size=target) for t in range(3)]


@pytest.mark.parametrize(
    ("method", "family"),
    [("bilinear", "bilinear"), ("bicubic", "bicubic-like"), ("lanczos", "lanczos-like"), ("area", "box")],
)
@pytest.mark.parametrize("source_h", [72, 90, 101, 130])  # 90: an exact x2, a simple ratio
def test_known_upscale_is_found_at_its_height_and_kernel(method: str, family: str, source_h: int) -> None:
    r = lab_inspect.inspect_clip(_upscaled_frames(method, source_h), flicker=False, show_progress=False)
    assert r.verdict == "upscaled"
    assert r.estimated_source_height == source_h  # exact on a clean 8-bit upscale, well inside 5 %
    assert family in r.kernel_family
    lo, hi = r.height_interval
    assert lo <= source_h <= hi
    assert r.factor == pytest.approx(180 / source_h)


def test_single_kernel_search_misses_another_kernel_as_getnative_does() -> None:
    # an upscale with Lanczos-4 searched for with bilinear only: no sharp dip at the true height
    frames = _upscaled_frames("lanczos", 101)
    multi = lab_inspect.inspect_clip(frames, flicker=False, show_progress=False)
    single = lab_inspect.inspect_clip(frames, flicker=False, kernels=["bilinear"], show_progress=False)
    assert multi.dip > single.dip


def test_native_band_limited_noise_reads_native() -> None:
    # noise band-limited to the grid's own Nyquist limit: a native frame with detail up to the last pixel
    frames = [_source(180, 320, seed, blur=0.5) for seed in range(3)]
    r = lab_inspect.inspect_clip(frames, flicker=False, show_progress=False)
    assert r.verdict == "native", r.summary()
    assert r.estimated_source_height is None and r.kernel is None
    assert r.band_fraction > 0.8


def test_soft_native_content_reads_native_but_says_the_evidence_is_weak() -> None:
    frames = [_source(180, 320, seed, blur=1.2) for seed in range(3)]
    r = lab_inspect.inspect_clip(frames, flicker=False, show_progress=False)
    assert r.verdict == "native" and r.evidence_weak
    assert any("band carries signal" in n for n in r.notes)


def test_grain_after_the_upscale_does_not_make_it_native() -> None:
    rng = np.random.default_rng(3)
    frames = [
        np.clip(f + rng.normal(0, 2.0, f.shape), 0, 255).astype(np.uint8)
        for f in _upscaled_frames("bicubic", 101)
    ]
    r = lab_inspect.inspect_clip(frames, flicker=False, show_progress=False)
    assert r.verdict == "upscaled"
    assert abs(r.estimated_source_height - 101) <= 5


def test_dip_depth_closed_form() -> None:
    curve = np.exp(np.linspace(1.0, 0.0, 60))
    assert lab_inspect.dip_depth(curve, 1).max() < 1e-9  # a smooth exponential has no dip
    curve[30] *= 0.5
    depth = lab_inspect.dip_depth(curve, 1)
    assert int(np.argmax(depth)) == 30 and depth[30] == pytest.approx(0.5, abs=1e-6)


def test_height_grid_covers_the_advertised_range() -> None:
    grid = lab_inspect.height_grid(2160)
    assert grid[0] == int(np.ceil(0.2 * 2160)) and grid[-1] == int(np.floor(0.95 * 2160))
    assert np.all(np.diff(grid) == 1)


def test_x4_upscale_is_found_at_its_height() -> None:
    # the course's own demo is a x4 bicubic upscale (270p to 1080p): the grid must reach below 0.25
    r = lab_inspect.inspect_clip(
        _upscaled_frames("bicubic", 60, target=(432, 240)), flicker=False, show_progress=False
    )
    assert r.verdict == "upscaled" and r.method == "descale search", r.summary()
    assert r.estimated_source_height == 60 and "bicubic" in r.kernel_family
    assert r.factor == pytest.approx(4.0)


def _flat_spectrum(cutoff: float, knee_db: float) -> lab_inspect.Spectrum:
    freq = np.fft.rfftfreq(192)
    return lab_inspect.Spectrum(freq, np.ones_like(freq), 1.0, cutoff, knee_db)


def test_spectrum_only_verdict_is_weak_and_never_highly_confident() -> None:
    # no kernel dips at all, a steep cutoff at 30 % of the band: the spectrum-only fallback
    heights = lab_inspect.height_grid(1080)
    flat = {"bicubic": np.zeros(len(heights))}
    curves = {"bicubic": np.linspace(3.0, 1.0, len(heights))}
    spec = _flat_spectrum(0.15, 11.0)
    r = lab_inspect._decide(heights, curves, flat, spec, spec, 1080, ["bicubic"])
    assert r["verdict"] == "upscaled" and r["method"] == "spectrum" and r["evidence_weak"]
    assert r["confidence"] <= lab_inspect.WEAK_CONFIDENCE
    assert r["kernel"] == "unknown"  # no kernel was found, so none (and no upscaler type) is claimed
    lo, hi = r["height_interval"]  # the spectrum alone is about 25 % uncertain
    assert lo <= 0.8 * r["estimated_source_height"] and hi >= 1.2 * r["estimated_source_height"]


def test_weak_verdicts_never_report_high_confidence() -> None:
    heights = lab_inspect.height_grid(1080)
    curves = {"bicubic": np.linspace(3.0, 1.0, len(heights))}
    spec = _flat_spectrum(0.45, 3.0)
    for depth in (0.0, 0.15, 0.25, 0.3):  # none, close to the line, shallow upscaled dips
        dips = np.zeros(len(heights))
        dips[200] = depth  # 416p: not a simple ratio of 1080
        r = lab_inspect._decide(heights, curves, {"bicubic": dips}, spec, spec, 1080, ["bicubic"])
        if r["evidence_weak"]:
            assert r["confidence"] <= lab_inspect.WEAK_CONFIDENCE, (depth, r)
    assert r["verdict"] == "upscaled" and r["evidence_weak"]  # depth 0.3: upscaled, but shallow


@pytest.mark.parametrize(("cutoff", "verdict"), [(0.245, "upscaled"), (0.49, "native")])
def test_a_shallow_dip_where_the_spectrum_cuts_off_counts_as_weak_evidence(
    cutoff: float, verdict: str
) -> None:
    # the demo's x2 from 540p after H.264: a 0.26 dip at 540p, below the 0.35 a simple ratio needs
    # alone; with the spectrum cutting off at 0.245 cycles/px (as from 529p) the two agree
    heights = lab_inspect.height_grid(1080)
    curves = {"bilinear": np.linspace(3.0, 1.0, len(heights))}
    dips = np.zeros(len(heights))
    dips[int(np.nonzero(heights == 540)[0][0])] = 0.26
    spec = _flat_spectrum(cutoff, 7.0)
    r = lab_inspect._decide(heights, curves, {"bilinear": dips}, spec, spec, 1080, ["bilinear"])
    assert r["verdict"] == verdict, r
    assert r["evidence_weak"] and r["confidence"] <= lab_inspect.WEAK_CONFIDENCE
    if verdict == "upscaled":
        assert r["estimated_source_height"] == 540


def test_summary_reads_thresholds_as_thresholds() -> None:
    r = lab_inspect.inspect_clip(_upscaled_frames("bicubic", 101), flicker=False, show_progress=False)
    text = r.summary()
    assert "threshold for upscaled: 0.2" in text and "upscaled from 0.2" not in text
    assert "from 10 dB" not in text


# --- the CLI -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from lab.video import Clip, write_mp4

    folder = tmp_path_factory.mktemp("inspect")
    out = {
        "upscaled": write_mp4(
            Clip.from_frames(_upscaled_frames("bicubic", 101), fps=24), folder / "up.mp4", show_progress=False
        ),
        "one": write_mp4(Clip.from_frames([_source(180, 320, 0)]), folder / "one.mp4", show_progress=False),
        "tiny": write_mp4(
            Clip.from_frames([np.zeros((8, 8, 3), np.uint8)] * 3), folder / "tiny.mp4", show_progress=False
        ),
    }
    still = folder / "still.png"
    cv2.imwrite(str(still), _source(180, 320, 1))
    out["still"] = still
    text = folder / "notes.mp4"
    text.write_text("not a video\n")
    out["text"] = text
    huge = folder / "huge"
    huge.mkdir()
    for i in range(2):  # a 16K frame header (15360x8640): refused before anything is decoded
        _png_claiming(huge / f"{i:03d}.png", 15360, 8640)
    out["16k"] = huge
    return out


def _png_claiming(path: Path, width: int, height: int) -> None:
    ok, buf = cv2.imencode(".png", np.zeros((4, 4, 3), np.uint8))
    data = bytearray(buf.tobytes())
    ihdr = bytes(data[12:29])  # b"IHDR" + 13 bytes
    new = ihdr[:4] + struct.pack(">II", width, height) + ihdr[12:]
    data[12:29] = new
    data[29:33] = struct.pack(">I", zlib.crc32(new) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


def test_cli_json_has_the_promised_keys(clips: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(clips["upscaled"]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in (
        "verdict",
        "estimated_source_height",
        "confidence",
        "kernel",
        "flicker_rms_levels",
        "flicker_reliable",
    ):
        assert key in out
    assert out["verdict"] == "upscaled" and abs(out["estimated_source_height"] - 101) <= 5
    assert isinstance(out["flicker_reliable"], bool) and out["flicker_rms_levels"] >= 0


def test_cli_out_writes_the_figure(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["inspect", str(clips["upscaled"]), "--out", str(tmp_path / "o"), "--no-flicker", "--quiet"])
        == 0
    )
    png = cv2.imread(str(tmp_path / "o" / "inspect.png"))
    assert png is not None and png.shape[1] > 800
    assert "verdict: upscaled" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("one", "1 frame"),
        ("tiny", "too small"),
        ("still", "still image"),
        ("text", "cannot read"),
        ("16k", "larger than 8K"),
        ("missing", "does not exist"),
    ],
)
def test_cli_bad_input_one_line_exit_2(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, words: str
) -> None:
    path = clips.get(name, tmp_path / "missing.mp4")
    assert main(["inspect", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err


def test_library_refuses_a_list_with_one_frame() -> None:
    with pytest.raises(LabError, match="at least 2"):
        lab_inspect.inspect_clip([_source(180, 320, 0)], show_progress=False)


def test_fuzz_damaged_mp4_gives_a_result_or_exit_2(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = clips["upscaled"].read_bytes()
    for seed in range(8):
        rng = np.random.default_rng(seed)
        broken = bytearray(data)
        for pos in rng.integers(0, len(broken), 1 + seed * 4):
            broken[pos] ^= 1 << int(rng.integers(0, 8))
        if seed == 7:
            broken = broken[: len(broken) // 2]  # cut short
        path = tmp_path / f"broken{seed}.mp4"
        path.write_bytes(bytes(broken))
        rc = main(["inspect", str(path), "--json", "--no-flicker"])  # anything but LabError would raise here
        captured = capsys.readouterr()
        assert rc in (0, 2)
        if rc == 0:
            assert json.loads(captured.out)["verdict"] in ("native", "upscaled")
        else:
            assert len(captured.err.strip().splitlines()) == 1


# --- the widget ----------------------------------------------------------------------------


def test_inspector_widget_shows_the_verdict_figure_and_summary(clips: dict[str, Path]) -> None:
    from lab.inspect_widget import Inspector

    tool = Inspector({"upscaled example": clips["upscaled"]}, background=False, flicker=False)
    assert tool.status.error is None, tool.status.traceback
    assert tool.result.verdict == "upscaled"
    assert "verdict: upscaled" in tool.summary.value
    assert len(tool.plot.image.value) > 10_000  # a PNG of the figure reached the image widget


def test_inspector_typed_path_wins_and_bad_paths_show_one_message(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    from lab.inspect_widget import Inspector

    tool = Inspector(
        {"upscaled example": clips["upscaled"]}, background=False, flicker=False, inspect_now=False
    )
    tool.path.value = str(tmp_path / "nope.mp4")
    tool.inspect()  # must not raise: the widget keeps working
    assert "does not exist" in tool.status.message.value and tool.result is None
    tool.path.value = str(clips["still"])
    tool.inspect()
    assert "still image" in tool.status.message.value


def test_inspector_cancel_stops_the_search(clips: dict[str, Path]) -> None:
    from lab.inspect_widget import Inspector

    tool = Inspector(
        {"upscaled example": clips["upscaled"]}, background=False, flicker=False, inspect_now=False
    )
    calls = []

    def inspect_fn(path, **kw):
        calls.append(path)
        tool.status.request_cancel()  # Cancel pressed while the job runs
        kw["on_step"](1, 10, "step")
        raise AssertionError("on_step should have raised Cancelled")

    tool._inspect = inspect_fn
    tool.inspect()
    assert calls and "cancelled" in tool.status.message.value and tool.result is None


def test_two_inspections_at_once_run_one_after_the_other(monkeypatch):
    """A widget's thread and a notebook cell inspecting together must not run the search at the
    same time (concurrent OpenBLAS calls from two threads hung a kernel)."""
    import threading
    import time

    running, most = [0], [0]
    real = lab_inspect.open_clip

    def counting_open(source):
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.2)  # a window in which a second inspection would overlap
        try:
            return real(source)
        finally:
            running[0] -= 1

    monkeypatch.setattr(lab_inspect, "open_clip", counting_open)
    frames = _upscaled_frames("bicubic", 90)
    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                lab_inspect.inspect_clip(frames, flicker=False, show_progress=False)
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 2 and most[0] == 1, most
