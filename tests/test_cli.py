"""The command line (`python -m lab ...`) and the compare pipeline behind it.

Two layers:

* the pipeline and argument handling run in-process against a tiny *test double* of the scene
  and renderer modules (drifting stripes with exact flow), so they are checked on their own,
  including a renderer that crashes half-way;
* the real CLI runs in a subprocess at tiny sizes on the real scenes and renderer.
"""

from __future__ import annotations

import csv
import doctest
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

import lab
import lab.compare
import lab.compare_settings
import lab.compare_table
import lab.composition
import lab.metrics.reporting
import lab.tables
from lab import __main__ as cli
from lab.compare import CompareSettings, crop_box, detail_centre, format_table, labelled_row, zoom_crop
from lab.errors import LabError, LabTypeError, MemoryBudgetError
from lab.resolution import Resolution
from lab.upscale import upscale
from lab.video import Clip, read_mp4

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_FILES = {
    "native.mp4",
    "upscaled.mp4",
    "native_frame0.png",
    "upscaled_frame0.png",
    "source_frame0.png",
    "crop_native.png",
    "crop_upscaled.png",
    "crop_source.png",
    "side_by_side.png",
    "details.csv",
}


def read_png(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"{path} is not a readable image"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def laplacian_variance(image: np.ndarray) -> float:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


# --- a test double for lab.scenes / lab.native ------------------------------------------------
class Stripes:
    """Diagonal stripes with 0.04-frame-height period, drifting right at 0.05 frame heights per second."""

    description = "drifting stripes (a test double)"

    def __init__(self, seed: int = 0, motion: str = "pan", crash_at: float | None = None) -> None:
        self.speed = 0.05 if motion == "pan" else 0.0
        self.crash_at = crash_at

    def render(self, res: Resolution, t: float) -> np.ndarray:
        if self.crash_at is not None and t >= self.crash_at:
            raise RuntimeError("renderer crashed")
        yy, xx = np.mgrid[0 : res.height, 0 : res.width].astype(np.float64) + 0.5
        u = (xx + 0.5 * yy) / res.height - self.speed * t
        value = 0.5 + 0.4 * np.cos(2 * np.pi * u / 0.04)
        return np.clip(np.rint(np.dstack([value, value * 0.8, 1 - value]) * 255), 0, 255).astype(np.uint8)

    def flow(self, res: Resolution, t0: float, t1: float) -> np.ndarray:
        out = np.zeros((res.height, res.width, 2), np.float32)
        out[..., 0] = self.speed * (t1 - t0) * res.height
        return out


@pytest.fixture
def fake_scenes(monkeypatch):
    """Replace lab.scenes and lab.native by the Stripes double for one test; returns the options."""
    options: dict = {"crash_at": None}
    scenes = types.ModuleType("lab.scenes")
    scenes.names = lambda: ["stripes", "skin"]
    scenes.get = lambda name, *, seed=0, motion="static", **kw: Stripes(seed, motion, options["crash_at"])
    scenes.MOTIONS = ("static", "pan")
    scenes.describe = lambda: {"stripes": Stripes.description}

    native = types.ModuleType("lab.native")
    native.render = lambda scene, res, t=0.0, *, device=None, detail=None: scene.render(res, t)
    native.SOURCE_MODELS = {"camera": "double", "sharp": "double", "soft": "double"}
    native.DEFAULT_SOURCE_MODEL = "camera"
    # the double renders one level of detail whatever the model
    native.render_source = lambda scene, res, t=0.0, *, model="camera", target=None, device=None: (
        scene.render(res, t)
    )

    def render_clip(scene, res, n_frames, fps=24.0, *, show_progress=True):
        return Clip.from_function(
            lambda i: scene.render(res, i / fps),
            n_frames,
            res,
            fps,
            flow=lambda i: scene.flow(res, i / fps, (i + 1) / fps),
            name="native",
        )

    def upscaled_clip(
        scene,
        target,
        source,
        method,
        n_frames,
        fps=24.0,
        *,
        seed=None,
        show_progress=True,
        source_model="camera",
    ):
        return Clip.from_function(
            lambda i: upscale(scene.render(source, i / fps), method, size=target, seed=seed),
            n_frames,
            target,
            fps,
            flow=lambda i: scene.flow(target, i / fps, (i + 1) / fps),
            name=method,
        )

    native.render_clip, native.upscaled_clip = render_clip, upscaled_clip
    for name, module in (("scenes", scenes), ("native", native)):
        monkeypatch.setitem(sys.modules, f"lab.{name}", module)
        monkeypatch.setattr(lab, name, module, raising=False)
    return options


# --- pieces -----------------------------------------------------------------------------------
def test_crop_box_is_centred_and_clamped():
    assert crop_box(Resolution(320, 180), 128) == (96, 26, 128, 128)
    assert crop_box(Resolution(64, 36), 128) == (0, 0, 64, 36)
    assert crop_box(Resolution(320, 180), 64, centre=(0, 179)) == (0, 116, 64, 64)
    assert crop_box(Resolution(320, 180), 64, centre=(200, 100)) == (168, 68, 64, 64)


def test_detail_region_finds_the_textured_patch():
    frame = np.full((180, 320, 3), 90, np.uint8)
    frame[20:60, 240:300] = np.indices((40, 60)).sum(axis=0)[..., None] % 2 * 255  # a checkerboard patch
    x, y = detail_centre(frame, 32)
    assert 240 <= x < 300 and 20 <= y < 60


def test_centre_region_option(fake_scenes, tmp_path):
    settings = CompareSettings.make(
        scene="stripes",
        resolution="128x72",
        source="32x18",
        frames=1,
        crop=16,
        zoom=2,
        video=False,
        region="centre",
    )
    lab.compare.run(settings, tmp_path / "c", show_progress=False)
    native0 = read_png(tmp_path / "c" / "native_frame0.png")
    x0, y0, w, h = crop_box(Resolution(128, 72), 16)
    np.testing.assert_array_equal(
        read_png(tmp_path / "c" / "crop_native.png"),
        native0[y0 : y0 + h, x0 : x0 + w].repeat(2, 0).repeat(2, 1),
    )
    with pytest.raises(LabError, match="crop region"):
        CompareSettings.make(region="corner", check_names=False)


def test_zoom_crop_keeps_pixels_square(small_frame):
    out = zoom_crop(small_frame, (10, 5, 8, 6), (32, 24))
    assert out.shape == (24, 32, 3)
    np.testing.assert_array_equal(out, small_frame[5:11, 10:18].repeat(4, axis=0).repeat(4, axis=1))


def test_labelled_row_places_tiles_and_labels():
    tiles = [np.full((64, 48, 3), v, np.uint8) for v in (50, 150)]
    row = labelled_row(tiles, ["left", "right"], gap=8)
    header = row.shape[0] - 64 - 8
    assert row.shape == (header + 64 + 8, 8 + 48 + 8 + 48 + 8, 3)
    np.testing.assert_array_equal(row[header : header + 64, 8:56], tiles[0])
    np.testing.assert_array_equal(row[header : header + 64, 64:112], tiles[1])
    assert row[:header].max() > 200  # the label text is drawn in light grey
    with pytest.raises(LabError):
        labelled_row(tiles, ["only one"])


def test_format_table_aligns_columns():
    text = format_table(
        ["arm", "PSNR (dB)"],
        [{"arm": "native", "PSNR (dB)": float("inf")}, {"arm": "bicubic", "PSNR (dB)": 31.41592}],
    )
    assert text.splitlines() == ["arm      PSNR (dB)", "-------  ---------", "native   inf", "bicubic  31.42"]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"resolution": "4kk"}, LabError, "unknown resolution"),
        ({"source": "potato"}, LabError, "unknown resolution"),
        ({"resolution": "320x180", "source": "640x360"}, LabError, "smaller"),
        ({"resolution": "320x180", "source": "80x80"}, LabError, "aspect"),
        ({"resolution": "321x181"}, LabError, "divisible"),
        ({"resolution": "322x181", "source": "161x90"}, LabError, "even"),
        ({"frames": 0}, LabError, "frames"),
        ({"frames": -3}, LabError, "frames"),
        ({"frames": 2.5}, LabTypeError, "frames"),
        ({"fps": 0.0}, LabError, "fps"),
        ({"fps": float("nan")}, LabError, "fps"),
        ({"crop": 2}, LabError, "crop"),
        ({"zoom": 0}, LabError, "zoom"),
        ({"zoom": 64}, LabError, "zoom"),
        ({"seed": -1}, LabError, "seed"),
        (
            {"source_detail": "target"},
            LabError,
            "unknown source detail 'target'; choose one of: camera, sharp, soft",
        ),
    ],
)
def test_settings_reject_bad_values(kwargs, error, words):
    with pytest.raises(error, match=words):
        CompareSettings.make(check_names=False, **kwargs)


def test_settings_refuse_sizes_over_the_memory_guard(monkeypatch, tmp_path, capsys, fake_scenes):
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", str(300 * 2**20))  # pretend 300 MiB are free
    CompareSettings.make(resolution="1080p", check_names=False)  # 2 float frames of 1080p: 47 MiB, fine
    with pytest.raises(MemoryBudgetError, match="lower resolution"):
        CompareSettings.make(resolution="8k", check_names=False)
    assert (
        cli.main(["compare", "--scene", "stripes", "--resolution", "8k", "--out", str(tmp_path / "o")]) == 2
    )
    assert "GiB" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_settings_defaults_run_1080p_from_270p():
    s = CompareSettings.make(check_names=False)
    assert (s.scene, s.method, s.frames) == ("skin", "bicubic", 24)
    assert s.resolution == Resolution(1920, 1080) and s.source == Resolution(480, 270) and s.factor == 4
    odd_source = CompareSettings.make(resolution="320x180", source="80x45", check_names=False)
    assert odd_source.source == Resolution(80, 45)  # the source is never encoded to mp4


def test_settings_check_names_against_the_registries(fake_scenes):
    with pytest.raises(LabError, match="unknown scene 'skni'; choose one of: skin, stripes"):
        CompareSettings.make(scene="skni")
    with pytest.raises(LabError, match="bicubic.*lanczos"):
        CompareSettings.make(method="bicubik")
    with pytest.raises(LabError, match="motion"):
        CompareSettings.make(motion="wobble")
    assert CompareSettings.make(scene="stripes", method=" Lanczos ").method == "lanczos"


# --- the pipeline on the test double ---------------------------------------------------------
def test_run_writes_every_output(fake_scenes, tmp_path):
    settings = CompareSettings.make(
        scene="stripes", resolution="160x90", source="40x22", frames=4, crop=32, zoom=3
    )
    # 40x22 is not exactly 160x90 / 4 (22.5 rows): allowed, the rows differ by less than one
    result = lab.compare.run(settings, tmp_path / "cmp", show_progress=False)
    out = tmp_path / "cmp"
    assert result.out == out and {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert set(result.files.values()) == {out / name for name in EXPECTED_FILES}
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]  # no staging folder left behind

    native0, up0, src0 = (read_png(out / f"{k}_frame0.png") for k in ("native", "upscaled", "source"))
    assert native0.shape == (90, 160, 3) and up0.shape == (90, 160, 3) and src0.shape == (22, 40, 3)
    stripes = Stripes(motion="pan")
    np.testing.assert_array_equal(native0, stripes.render(Resolution(160, 90), 0.0))
    np.testing.assert_array_equal(
        up0, upscale(stripes.render(Resolution(40, 22), 0.0), "bicubic", size=(160, 90))
    )

    x0, y0, w, h = crop_box(Resolution(160, 90), 32, detail_centre(native0, 32))
    crop_native = read_png(out / "crop_native.png")
    np.testing.assert_array_equal(crop_native, native0[y0 : y0 + h, x0 : x0 + w].repeat(3, 0).repeat(3, 1))
    assert read_png(out / "crop_upscaled.png").shape == read_png(out / "crop_source.png").shape == (96, 96, 3)
    side = read_png(out / "side_by_side.png")
    assert side.shape[1] == 3 * 96 + 4 * 8

    clip = read_mp4(out / "native.mp4")
    assert len(clip) == 4 and clip.resolution == Resolution(160, 90) and clip.fps == pytest.approx(24.0)
    assert len(read_mp4(out / "upscaled.mp4")) == 4

    with open(out / "details.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["arm"] for r in rows] == ["native 160x90", "bicubic from 40x22 camera"]
    cost = lab.compare_table.COST_COLUMN
    assert rows[0].keys() == set(result.columns) and float(rows[1][cost]) > 0
    assert result.table().splitlines()[0].startswith("arm")


def test_table_uses_the_available_metrics(fake_scenes, tmp_path):
    expected = [c.title for c in lab.compare_table.columns("pan")]
    settings = CompareSettings.make(scene="stripes", resolution="128x72", source="32x18", frames=3, crop=16)
    result = lab.compare.run(settings, tmp_path / "m", show_progress=False)
    billed = [lab.compare_table.COST_COLUMN, lab.compare_table.CAMERA_COLUMN]
    assert result.columns == ["arm", *billed, *expected]
    native_row, up_row = result.rows
    if "PSNR vs native (dB)" in expected:  # the native arm is its own reference: left blank
        assert native_row["PSNR vs native (dB)"] == ""
        assert 5.0 < up_row["PSNR vs native (dB)"] < 60.0
    if "sharpness (Laplacian var)" in expected:  # fine stripes survive natively, not through x4 bicubic
        assert native_row["sharpness (Laplacian var)"] > up_row["sharpness (Laplacian var)"]
    assert "VBench flicker score" not in result.columns  # a moving camera would count as flicker
    static = CompareSettings.make(
        scene="stripes", resolution="128x72", source="32x18", frames=3, crop=16, motion="static"
    )
    static_columns = lab.compare.run(static, tmp_path / "s", show_progress=False).columns
    assert set(static_columns) - set(result.columns) <= {"VBench flicker score"}
    assert "VBench flicker score" in static_columns


def test_crash_mid_render_leaves_nothing(fake_scenes, tmp_path):
    fake_scenes["crash_at"] = 2 / 24  # frame 2 of the clip fails
    settings = CompareSettings.make(scene="stripes", resolution="64x36", source="32x18", frames=5, crop=16)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        lab.compare.run(settings, tmp_path / "never", show_progress=False)
    assert list(tmp_path.iterdir()) == []


def test_rerun_into_an_existing_folder_replaces_outputs_only(fake_scenes, tmp_path):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "details.csv").write_text("stale")
    settings = CompareSettings.make(scene="stripes", resolution="64x36", source="32x18", frames=2, crop=16)
    lab.compare.run(settings, out, show_progress=False)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "details.csv").read_text().startswith("arm,")
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES | {"notes.txt"}
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]


def test_single_frame_and_no_video(fake_scenes, tmp_path):
    settings = CompareSettings.make(
        scene="stripes", resolution="64x36", source="32x18", frames=1, crop=16, video=False
    )
    result = lab.compare.run(settings, tmp_path / "one", show_progress=False)
    names = {p.name for p in (tmp_path / "one").iterdir()}
    assert names == EXPECTED_FILES - {"native.mp4", "upscaled.mp4"}
    for column in ("VBench flicker score", lab.compare.FLICKER_COLUMN, lab.compare.VISIBLE_COLUMN):
        if column in result.columns:  # temporal metrics need two frames
            assert result.rows[0][column] == ""


# --- argument handling in-process (fast) -----------------------------------------------------
def test_main_compare_on_the_double(fake_scenes, tmp_path, capsys):
    code = cli.main(
        [
            "compare",
            "--scene",
            "stripes",
            "--resolution",
            "64x36",
            "--from",
            "32x18",
            "--frames",
            "2",
            "--crop",
            "16",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.splitlines()[0].startswith("arm") and "bicubic from 32x18" in captured.out
    assert "wrote 10 files" in captured.err and {p.name for p in (tmp_path / "o").iterdir()} == EXPECTED_FILES


@pytest.mark.parametrize(
    "args, words",
    [
        (["--scene", "skni"], "unknown scene 'skni'"),
        (["--method", "bicubik"], "unknown upscaling method 'bicubik'"),
        (["--resolution", "4kk"], "unknown resolution '4kk'"),
        (["--from", "12k"], "unknown resolution '12k'"),
        (["--frames", "0"], "frames must be at least 1"),
        (["--resolution", "320x180", "--from", "640x360"], "smaller"),
        (["--motion", "wobble"], "unknown motion"),
        (["--source-detail", "target"], "unknown source detail 'target'; choose one of: camera, sharp, soft"),
    ],
)
def test_main_bad_input_exits_2_and_writes_nothing(fake_scenes, tmp_path, capsys, args, words):
    code = cli.main(
        [
            "compare",
            "--scene",
            "stripes",
            "--resolution",
            "64x36",
            "--from",
            "32x18",
            "--frames",
            "2",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
            *args,
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert words in captured.err and "Traceback" not in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_main_refuses_an_output_that_is_a_file(fake_scenes, tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert cli.main(["compare", "--scene", "stripes", "--out", str(target), "--quiet"]) == 2
    assert "is an existing file" in capsys.readouterr().err
    assert target.read_text() == "keep me" and [p.name for p in tmp_path.iterdir()] == ["results.txt"]
    assert cli.main(["compare", "--scene", "stripes", "--out", str(target / "sub"), "--quiet"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_argparse_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["compare", "--frames", "many"])
    assert info.value.code == 2 and "invalid int value" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        cli.main(["explode"])
    assert info.value.code == 2


def test_methods_and_resolutions_listings(capsys):
    assert cli.main(["methods"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert {"nearest", "bilinear", "bicubic", "area", "lanczos"} <= set(names)
    assert all("classical" in line for line in lines if line.split()[0] == "bicubic")
    assert cli.main(["resolutions"]) == 0
    out = capsys.readouterr().out
    assert "4k" in out and "3840x2160" in out and "MiB/frame" in out


def test_scenes_listing_on_the_double(fake_scenes, capsys):
    assert cli.main(["scenes"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "stripes  drifting stripes (a test double)",
        "skin     drifting stripes (a test double)",  # not in describe(): taken from the scene itself
    ]


@pytest.mark.parametrize(
    "module", [lab.compare, lab.compare_settings, lab.composition, lab.tables, lab.metrics.reporting, cli]
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# --- the real CLI in a subprocess ------------------------------------------------------------
def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("LAB_SMOKE", None)
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_in_a_subprocess(tmp_path):
    done = run_cli("--help", cwd=tmp_path)
    assert done.returncode == 0
    for word in ("compare", "scenes", "methods"):
        assert word in done.stdout
    done = run_cli("compare", "--help", cwd=tmp_path)
    assert done.returncode == 0 and "--resolution" in done.stdout and "--from" in done.stdout


def test_scenes_in_a_subprocess(tmp_path):
    done = run_cli("scenes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert {"skin", "fabric", "foliage", "zoneplate", "sign", "character"} <= set(listed)
    assert all(len(line.split()) > 1 for line in listed.values())  # every scene has a description


def test_compare_in_a_subprocess_shows_sharper_native_texture(tmp_path):
    out = tmp_path / "cmp"
    done = run_cli(
        "compare",
        "--scene",
        "skin",
        "--resolution",
        "320x180",
        "--from",
        "80x45",
        "--method",
        "bicubic",
        "--frames",
        "3",
        "--crop",
        "64",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert done.stdout.splitlines()[0].startswith("arm") and "bicubic from 80x45" in done.stdout
    native, upscaled = read_png(out / "native_frame0.png"), read_png(out / "upscaled_frame0.png")
    assert native.shape == upscaled.shape == (180, 320, 3)
    # the point of the course: native texture keeps fine detail that x4 upscaling cannot recreate
    assert laplacian_variance(native) > 1.5 * laplacian_variance(upscaled)
    assert len(read_mp4(out / "native.mp4")) == 3 and len(read_mp4(out / "upscaled.mp4")) == 3


def test_compare_with_a_sharp_source_shows_more_flicker_than_native(tmp_path):
    """--source-detail sharp: the 4x smaller frame point-samples native detail, so the upscaled arm shimmers."""
    out = tmp_path / "cmp"
    done = run_cli(
        "compare",
        "--resolution",
        "320x180",
        "--motion",
        "subpixel",
        "--frames",
        "4",
        "--source-detail",
        "sharp",
        "--no-video",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "bicubic from 80x45 sharp" in done.stdout and "(sharp source)" in done.stderr
    import csv

    rows = list(csv.DictReader((out / "details.csv").open()))
    # flicker is read in 8-bit grey levels (RMS motion-compensated difference) against a visibility threshold
    levels = [float(r["flicker RMS (grey levels, true flow)"]) for r in rows]
    assert levels[0] < levels[1] and 0.0 < levels[0] < 255.0
    verdicts = [r["flicker vs visibility threshold"] for r in rows]
    assert all(
        v.startswith(("visible (", "below visibility (")) and v.endswith(" levels)") for v in verdicts
    ), verdicts
    assert "flicker RMS (grey levels" in done.stdout and not any("x1e3" in c for c in rows[0])


@pytest.mark.parametrize(
    "args, words",
    [
        (["--scene", "nosuchscene"], "unknown scene"),
        (["--method", "nosuchmethod"], "unknown upscaling method"),
        (["--resolution", "4kk"], "unknown resolution"),
        (["--frames", "0"], "frames must be at least 1"),
    ],
)
def test_bad_input_in_a_subprocess(tmp_path, args, words):
    done = run_cli(
        "compare",
        "--resolution",
        "320x180",
        "--from",
        "80x45",
        "--frames",
        "2",
        "--out",
        str(tmp_path / "o"),
        *args,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_that_is_a_file_in_a_subprocess(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    done = run_cli("compare", "--out", str(target), "--no-video", cwd=tmp_path)
    assert done.returncode == 2 and "is an existing file" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["taken"] and target.read_text() == "x"


def test_fixed_scale_method_is_checked_before_rendering(fake_scenes, tmp_path, capsys):
    import lab.upscale as registry

    def x2(frame, size, *, seed=None):
        return cv2.resize(frame, (size.width, size.height), interpolation=cv2.INTER_NEAREST)

    registry.register(
        registry.Upscaler("test-x2", x2, "learned", "an x2-only model (test double)", scales=(2,))
    )
    try:
        with pytest.raises(LabError, match=r"only upscales by x2.*--from 160x90"):
            CompareSettings.make(scene="stripes", resolution="320x180", source="80x45", method="test-x2")
        assert CompareSettings.make(scene="stripes", resolution="320x180", source="160x90", method="test-x2")
        code = cli.main(
            [
                "compare",
                "--scene",
                "stripes",
                "--resolution",
                "320x180",
                "--method",
                "test-x2",
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        assert code == 2 and "only upscales by x2" in capsys.readouterr().err
        assert list(tmp_path.iterdir()) == []
    finally:
        registry._REGISTRY.pop("test-x2", None)


def test_the_table_is_one_report_pass_over_frames_rendered_once(fake_scenes, tmp_path, monkeypatch):
    """No clip is kept or rendered twice, and the table shows what metrics.report measures:
    spatial metrics on frame 0, flicker over all frames along the true motion."""
    from lab import metrics

    settings = CompareSettings.make(
        scene="stripes", resolution="128x72", source="32x18", frames=4, crop=16, video=False
    )
    renders = []
    original = Stripes.render
    monkeypatch.setattr(
        Stripes, "render", lambda self, res, t: renders.append((res, t)) or original(self, res, t)
    )
    result = lab.compare.run(settings, tmp_path / "one", show_progress=False)
    # each arm's frames once, the source's frame 0, and (for the bill) one render per frame at the
    # source size by a renderer of that size, since the camera source's 4x4 supersampling is not billed
    assert len(renders) == 3 * settings.frames + 1
    assert sum(res == settings.source for res, _ in renders) == 2 * settings.frames + 1

    scene = lab.scenes.get("stripes", motion="pan")
    native_clip = lab.native.render_clip(scene, settings.resolution, 4)
    upscaled_clip = lab.native.upscaled_clip(scene, settings.resolution, settings.source, "bicubic", 4)
    rep = metrics.report(native_clip, upscaled_clip, texture_frames=1, tof_pairs=1, show_progress=False)
    native_row, up_row = result.rows
    assert up_row["PSNR vs native (dB)"] == pytest.approx(
        metrics.psnr(native_clip.frame(0), upscaled_clip.frame(0))
    )
    assert up_row["SSIM vs native"] == pytest.approx(rep.value("ssim_y"))
    assert native_row["sharpness (Laplacian var)"] == pytest.approx(rep.value("sharpness", "native"))
    for row, arm in ((native_row, "native"), (up_row, "candidate")):
        assert row[lab.compare.FLICKER_COLUMN] == pytest.approx(rep.value("flicker_rms", arm))


# --- failing cleanly -------------------------------------------------------------------------
def _one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_compare_refuses_an_unwritable_output_folder_before_rendering(tmp_path):
    line = _one_line_error(
        run_cli(
            "compare",
            "--resolution",
            "64x36",
            "--from",
            "16x9",
            "--frames",
            "2",
            "--out",
            "/proc/x",
            cwd=tmp_path,
        )
    )
    assert "cannot write the folder /proc/x" in line


def test_compare_refuses_a_size_h264_cannot_encode_before_rendering(tmp_path):
    start = time.perf_counter()
    line = _one_line_error(
        run_cli(
            "compare",
            "--resolution",
            "16384x16384",
            "--frames",
            "1",
            "--out",
            str(tmp_path / "big"),
            cwd=tmp_path,
        )
    )
    assert "139,264 macroblocks" in line and "--no-video" in line
    assert time.perf_counter() - start < 60 and not (tmp_path / "big").exists()


def _staging_folders(parent: Path) -> list[Path]:
    return sorted(parent.glob(".out.*.part"))


def test_compare_killed_by_sigterm_leaves_no_staging_folder(tmp_path):
    env = {**os.environ}
    env.pop("LAB_SMOKE", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lab",
            "compare",
            "--resolution",
            "640x360",
            "--from",
            "160x90",
            "--frames",
            "200",
            "--quiet",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _staging_folders(tmp_path) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert _staging_folders(tmp_path), "compare never started writing"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "interrupted" in err
    assert _staging_folders(tmp_path) == [] and not (tmp_path / "out").exists()


def test_compare_removes_staging_folders_of_dead_runs(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.{dead.pid}.abc123.part"
    (stale / ".frames").mkdir(parents=True)
    (stale / "native.mp4").write_bytes(b"x" * 1000)
    alive = tmp_path / f".out.{os.getpid()}.def456.part"  # a run still going (this process): kept
    alive.mkdir()
    done = run_cli(
        "compare",
        "--resolution",
        "64x36",
        "--from",
        "16x9",
        "--frames",
        "2",
        "--no-video",
        "--quiet",
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and alive.exists()


# --- python -m lab report: any two clips, made here by ffmpeg ------------------------------------
def _ffmpeg_clip(path: Path, size: str, frames: int, *, filters: str = "") -> Path:
    import imageio_ffmpeg

    args = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=24",
        "-frames:v",
        str(frames),
    ]
    if filters:
        args += ["-vf", filters]
    subprocess.run([*args, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def clip_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    native = _ffmpeg_clip(folder / "native.mp4", "160x96", 12)
    soft = _ffmpeg_clip(
        folder / "soft.mp4", "160x96", 12, filters="scale=40:24:flags=area,scale=160:96:flags=bicubic"
    )
    short = _ffmpeg_clip(folder / "short.mp4", "160x96", 8)
    small = _ffmpeg_clip(folder / "small.mp4", "80x48", 12)
    return native, soft, short, small


def test_report_writes_table_csv_and_figures(clip_pair, tmp_path):
    native, soft = clip_pair[:2]
    done = run_cli(
        "report",
        str(native),
        str(soft),
        "--flow",
        "none",
        "--out",
        str(tmp_path / "rep"),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "PSNR vs native (luma)" in done.stdout and "warp error (MSE, internal unit)" in done.stdout
    names = [line.split("  ")[0] for line in done.stdout.splitlines()[2:]]
    assert not {"psnr_y", "ssim_y", "tof", "glcm_score", "warp_error"} & set(names)  # public names only
    assert max(len(line) for line in done.stdout.splitlines()) <= 120  # fits a terminal
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "flicker_heatmaps.png",
        "report.csv",
        "report.png",
    ]
    rows = list(csv.DictReader((tmp_path / "rep" / "report.csv").open()))
    hf = {r["arm"]: float(r["value"]) for r in rows if r["metric"] == "high_frequency_share"}
    assert hf["native"] > 2 * hf["candidate"]  # the softened clip lost its fine detail
    assert not list(tmp_path.glob(".rep.*.part"))


@pytest.mark.parametrize(
    ("which", "flags", "message"),
    [
        ("small", [], "differ in size"),
        ("short", [], "pass --frames 8"),
        ("soft", ["--flow", "sideways"], "--flow must be dis, none or DX,DY"),
        ("soft", ["--frames", "1"], "--frames must be between 2 and 12"),
    ],
)
def test_report_refuses_clips_it_cannot_compare(clip_pair, tmp_path, which, flags, message):
    native, soft, short, small = clip_pair
    other = {"soft": soft, "short": short, "small": small}[which]
    line = _one_line_error(
        run_cli("report", str(native), str(other), *flags, "--out", str(tmp_path / "rep"), cwd=tmp_path)
    )
    assert message in line and not (tmp_path / "rep").exists()


def test_report_of_unreadable_files_and_the_pointer_from_compare(clip_pair, tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video")
    assert "cannot read" in _one_line_error(run_cli("report", str(clip_pair[0]), str(garbage), cwd=tmp_path))
    assert "does not exist" in _one_line_error(
        run_cli("report", "missing.mp4", str(clip_pair[0]), cwd=tmp_path)
    )
    line = _one_line_error(run_cli("compare", "--scene", str(clip_pair[0]), cwd=tmp_path))
    assert "python -m lab report NATIVE.mp4 CANDIDATE.mp4" in line


def test_report_compares_the_first_frames_when_asked(clip_pair, tmp_path):
    native, _, short, _ = clip_pair
    done = run_cli(
        "report",
        str(native),
        str(short),
        "--frames",
        "8",
        "--out",
        str(tmp_path / "rep"),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr


def test_a_full_disk_during_compare_is_one_clean_error(tmp_path, monkeypatch):
    import errno

    def full(self, frame):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(lab.video.Mp4Writer, "write", full)
    settings = CompareSettings.make(resolution="64x36", source="16x9", frames=2)
    with pytest.raises(LabError, match="No space left on device; nothing was written"):
        lab.compare.run(settings, tmp_path / "out", show_progress=False)
    assert list(tmp_path.iterdir()) == []  # neither the output nor a staging folder


def test_report_of_a_still_image_and_a_negative_pan(clip_pair, tmp_path):
    import imageio_ffmpeg

    still = tmp_path / "still.png"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(clip_pair[0]),
            "-frames:v",
            "1",
            str(still),
        ],
        check=True,
    )
    line = _one_line_error(run_cli("report", str(clip_pair[0]), str(still), cwd=tmp_path))
    assert "flicker needs at least 2 frames" in line and "--frames" not in line
    done = run_cli(
        "report",
        str(clip_pair[0]),
        str(clip_pair[1]),
        "--flow=-1.5,0",
        "--out",
        str(tmp_path / "r"),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    done = run_cli(
        "report",
        str(clip_pair[0]),
        str(clip_pair[1]),
        "--flow",
        "none",
        "--out",
        str(tmp_path / "n"),
        "--quiet",
        cwd=tmp_path,
    )
    assert "without motion compensation" in done.stdout


# --- python -m lab lessons: the course is used from a copy ---------------------------------
def _tracked_lessons() -> dict[str, bytes]:
    root = Path(lab.__file__).resolve().parents[1] / "lessons"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_lessons_command_copies_the_notebooks_and_leaves_the_course_untouched(tmp_path, capsys):
    from lab import lesson_copy

    before = _tracked_lessons()
    dest = tmp_path / "my-lessons"
    assert cli.main(["lessons", str(dest), "--copy-only"]) == 0
    course = lesson_copy.course_lessons()
    for name in [
        "00_start_here.ipynb",
        "05_temporal_stability.ipynb",
        "exercises/ex05_flicker.ipynb",
        "README.md",
    ]:
        assert (dest / name).read_bytes() == (course / name).read_bytes()
    assert not (dest / "src").exists()
    assert "copied" in capsys.readouterr().err
    # the student runs a lesson and Jupyter saves its outputs into the copy, not into the course
    notebook = dest / "00_start_here.ipynb"
    notebook.write_text(
        notebook.read_text().replace('"outputs": []', '"outputs": [{"output_type": "stream"}]', 1)
    )
    edited = notebook.read_bytes()
    assert cli.main(["lessons", str(dest), "--copy-only"]) == 0
    assert notebook.read_bytes() == edited  # never overwritten without asking
    assert "kept your edited 00_start_here.ipynb" in capsys.readouterr().err
    assert _tracked_lessons() == before


def test_lessons_command_updates_untouched_copies_and_overwrites_only_on_request(tmp_path, capsys):
    source = tmp_path / "course"
    (source / "exercises").mkdir(parents=True)
    (source / "00_a.ipynb").write_text("v1")
    (source / "01_b.ipynb").write_text("v1")
    (source / "exercises" / "ex01.ipynb").write_text("v1")
    dest = tmp_path / "mine"
    assert cli.main(["lessons", str(dest), "--from", str(source), "--copy-only"]) == 0
    (dest / "01_b.ipynb").write_text("my answers")
    for name in ("00_a.ipynb", "01_b.ipynb"):
        (source / name).write_text("v2")  # a new version of the course
    assert cli.main(["lessons", str(dest), "--from", str(source), "--copy-only"]) == 0
    assert (dest / "00_a.ipynb").read_text() == "v2"  # an untouched copy follows the course
    assert (dest / "01_b.ipynb").read_text() == "my answers"
    err = capsys.readouterr().err
    assert "1 updated" in err and "kept your edited 01_b.ipynb" in err
    assert cli.main(["lessons", str(dest), "--from", str(source), "--copy-only", "--overwrite"]) == 0
    assert (dest / "01_b.ipynb").read_text() == "v2"
    assert (dest / "01_b.ipynb.bak").read_text() == "my answers"
    assert (source / "01_b.ipynb").read_text() == "v2"


def test_lessons_command_refuses_the_course_folder_and_starts_jupyter_in_the_copy(
    tmp_path, capsys, monkeypatch
):
    from lab import lesson_copy

    course = lesson_copy.course_lessons()
    assert cli.main(["lessons", str(course / "inside"), "--copy-only"]) == 2
    assert "inside the course's own lessons folder" in capsys.readouterr().err
    started = []
    monkeypatch.setattr(
        lesson_copy, "start_jupyter", lambda folder, command: started.append((folder, command)) or 0
    )
    assert cli.main(["lessons", str(tmp_path / "c"), "--no-browser", "--allow-root", "--port", "8899"]) == 0
    (folder, command) = started[0]
    assert folder == tmp_path / "c" and (folder / "00_start_here.ipynb").exists()
    assert command[1:] == ["-m", "jupyterlab", "--no-browser", "--allow-root", "--port=8899"]


# --- compare bills the upscaled arm as a real pipeline pays ---------------------------------
def test_compare_bills_a_small_render_plus_the_upscale_not_the_camera_supersampling(
    fake_scenes, tmp_path, monkeypatch
):
    """The camera source (a 4x4 supersampled render) gives the pixels; the bill is what a
    generator at the source size pays: its own render there, plus the upscale."""
    clock = [0.0]
    cost = {"camera": 16.0, "soft": 1.0, "sharp": 1.0}  # seconds of fake time per source render
    untimed = lab.native.render_source

    def timed_source(scene, res, t=0.0, *, model="camera", target=None, device=None):
        clock[0] += cost[model]
        return untimed(scene, res, t, model=model, target=target, device=device)

    monkeypatch.setattr(lab.native, "render_source", timed_source)
    monkeypatch.setattr(lab.compare, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    settings = CompareSettings.make(scene="stripes", resolution="64x36", source="16x9", frames=3, crop=16)
    result = lab.compare.run(settings, tmp_path / "c", show_progress=False)
    native_row, up_row = result.rows
    assert up_row[lab.compare_table.COST_COLUMN] == pytest.approx(1000.0)  # 1 s of small render per frame
    assert up_row[lab.compare_table.CAMERA_COLUMN] == pytest.approx(16000.0)  # shown, labelled, not billed
    assert native_row[lab.compare_table.CAMERA_COLUMN] == ""
    soft = CompareSettings.make(
        scene="stripes", resolution="64x36", source="16x9", frames=3, crop=16, source_detail="soft"
    )
    rows = lab.compare.run(soft, tmp_path / "s", show_progress=False).rows
    assert rows[1][lab.compare_table.COST_COLUMN] == pytest.approx(1000.0)
    assert rows[1][lab.compare_table.CAMERA_COLUMN] == ""


def test_report_takes_a_negative_pan_after_a_space(clip_pair, tmp_path):
    done = run_cli(
        "report",
        str(clip_pair[0]),
        str(clip_pair[1]),
        "--flow",
        "-1.5,0",
        "--out",
        str(tmp_path / "r"),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "expected one argument" not in done.stderr


def test_report_of_a_cut_short_file_warns_in_one_line(clip_pair, tmp_path):
    import imageio_ffmpeg

    whole = tmp_path / "faststart.mp4"  # the index first, as a web upload has it: a cut file still opens
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(clip_pair[1]),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(whole),
        ],
        check=True,
    )
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    done = run_cli(
        "report", str(clip_pair[0]), str(cut), "--out", str(tmp_path / "r"), "--quiet", cwd=tmp_path
    )
    warning = [line for line in done.stderr.splitlines() if "cut short" in line]
    assert len(warning) == 1 and warning[0].startswith("python -m lab: warning: "), done.stderr
    assert "UserWarning" not in done.stderr and ".py:" not in done.stderr


def test_compare_table_fits_a_terminal(fake_scenes, tmp_path):
    settings = CompareSettings.make(scene="stripes", resolution="128x72", source="32x18", frames=3, crop=16)
    table = lab.compare.run(settings, tmp_path / "w", show_progress=False).table()
    assert max(len(line) for line in table.splitlines()) <= 120
    assert table.splitlines()[0].split()[:3] == ["arm", "native", "128x72"]


def test_stopping_the_lessons_command_stops_its_jupyterlab(tmp_path):
    """SIGTERM to ``python -m lab lessons`` (a closed terminal) must not leave the server running."""
    script = (
        "import sys; from pathlib import Path; from lab import lesson_copy\n"
        "child = [sys.executable, '-c', 'import os, time; print(os.getpid(), flush=True); time.sleep(120)']\n"
        "sys.exit(lesson_copy.start_jupyter(Path('.'), child))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=60) == 130
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the server the lessons command started outlived it")


def test_compare_prints_the_pan_that_makes_the_report_of_its_files_reliable(tmp_path):
    """The demo's mp4s carry no motion: compare says the camera's translation and the report call
    that uses it; that report ranks reliably, while no motion on the same files is flagged."""
    out = tmp_path / "cmp"
    done = run_cli(
        "compare",
        "--resolution",
        "320x180",
        "--from",
        "80x45",
        "--frames",
        "6",
        "--out",
        str(out),
        "--quiet",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    hint = [line for line in done.stderr.splitlines() if "moves one translation" in line]
    assert hint, done.stderr
    flow = hint[0].split("--flow=")[1].split("`")[0]
    assert [float(v) for v in flow.split(",")] == pytest.approx(
        [-0.6, -0.15]
    )  # 0.08, 0.02 heights/s at 24 fps
    flicker_rows = {}
    for given in (flow, "0,0"):
        rep = run_cli(
            "report",
            str(out / "native.mp4"),
            str(out / "upscaled.mp4"),
            f"--flow={given}",
            "--out",
            str(tmp_path / f"rep{given}"),
            "--quiet",
            cwd=tmp_path,
        )
        assert rep.returncode == 0, rep.stderr
        flicker_rows[given] = [line for line in rep.stdout.splitlines() if line.startswith("flicker RMS")][0]
    assert "UNRELIABLE" not in flicker_rows[flow], flicker_rows
    assert "UNRELIABLE" in flicker_rows["0,0"], flicker_rows


def test_global_motion_is_none_when_the_camera_does_more_than_translate():
    settings = CompareSettings.make(resolution="320x180", source="80x45", frames=4, motion="zoom")
    assert lab.compare.global_motion(settings) is None
    pan = CompareSettings.make(resolution="640x360", source="160x90", frames=4, motion="pan")
    assert lab.compare.global_motion(pan) == pytest.approx((-1.2, -0.3))
