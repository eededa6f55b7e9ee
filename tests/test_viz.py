"""Pixel helpers and static figures of lab.viz."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lab import viz
from lab.cost import CostPoint, CostReport
from lab.errors import LabError, LabTypeError


@pytest.fixture
def frame() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)


def test_clamp_box_stays_inside_and_keeps_size():
    for x, y in [(0, 0), (159, 89), (80, 45), (-50, 500)]:
        x0, y0, x1, y1 = viz.clamp_box(160, 90, x, y, 20, 10)
        assert (x1 - x0, y1 - y0) == (20, 10)
        assert 0 <= x0 and x1 <= 160 and 0 <= y0 and y1 <= 90
    assert viz.clamp_box(160, 90, 80, 45, 20, 10) == (70, 40, 90, 50)
    assert viz.clamp_box(10, 5, 0, 0, 64, 64) == (0, 0, 10, 5)  # shrunk to the frame


def test_magnify_makes_exact_blocks(frame):
    crop = frame[:5, :7]
    big = viz.magnify(crop, 4)
    assert big.shape == (20, 28, 3)
    for by in range(5):
        for bx in range(7):
            block = big[by * 4 : (by + 1) * 4, bx * 4 : (bx + 1) * 4]
            assert (block == crop[by, bx]).all()


def test_magnify_grid_darkens_block_borders_only(frame):
    crop = np.full((3, 3, 3), 200, np.uint8)
    big = viz.magnify(crop, 8, grid=True)
    dark = 200 * round(viz.GRID_SHADE * 256) // 256  # the shade in 8.8 fixed point
    assert abs(dark - 200 * viz.GRID_SHADE) < 1
    assert big[0, 3, 0] == dark and big[3, 0, 0] == dark
    assert big[8, 8, 0] == dark  # corners are darkened once, not twice
    assert big[3, 3, 0] == 200
    assert (viz.magnify(crop, 2, grid=True) == 200).all()  # no grid below zoom 3
    with pytest.raises(LabError, match="zoom"):
        viz.magnify(crop, 0)


def test_loupe_matches_crop_and_reports_box(frame):
    img, box = viz.loupe(frame, 100, 40, zoom=4, size=(64, 32))
    x0, y0, x1, y1 = box
    assert (x1 - x0, y1 - y0) == (16, 8)
    assert img.shape == (32, 64, 3)
    assert (img[::4, ::4] == frame[y0:y1, x0:x1]).all()


def test_thumbnail_keeps_aspect_and_never_enlarges(frame):
    assert viz.thumbnail(frame, 80).shape == (45, 80, 3)
    assert viz.thumbnail(frame, 500).shape == frame.shape
    flat = np.full((90, 160, 3), 77, np.uint8)
    assert (viz.thumbnail(flat, 40) == 77).all()


def test_wipe_splits_at_position(frame):
    other = 255 - frame
    out = viz.wipe(frame, other, 0.25, divider=False)
    assert (out[:, :40] == frame[:, :40]).all() and (out[:, 40:] == other[:, 40:]).all()
    assert (viz.wipe(frame, other, 1.0) == frame).all()
    assert (viz.wipe(frame, other, 0.0) == other).all()
    assert (viz.wipe(frame, other, 0.5)[:, 80] == 255).all()  # the divider
    with pytest.raises(LabError, match=r"\[0, 1\]"):
        viz.wipe(frame, other, 1.5)
    with pytest.raises(LabError, match="one size"):
        viz.wipe(frame, other[:10], 0.5)


def test_encode_decode_png_is_lossless_and_jpeg_close(frame):
    png = viz.encode_image(frame, "png")
    assert png[:4] == b"\x89PNG"
    assert (viz.decode_image(png) == frame).all()
    smooth = viz.thumbnail(np.dstack([np.tile(np.arange(160, dtype=np.uint8), (90, 1))] * 3), 160)
    jpeg = viz.encode_image(smooth, "jpeg", quality=90)
    assert jpeg[:2] == b"\xff\xd8"
    assert np.abs(viz.decode_image(jpeg).astype(int) - smooth).mean() < 2.0
    with pytest.raises(LabError, match="jpeg, png"):
        viz.encode_image(frame, "gif")
    with pytest.raises(LabError):
        viz.decode_image(b"not an image")
    with pytest.raises(LabTypeError):
        viz.decode_image("text")


def test_interesting_regions_find_detail_and_error():
    native = np.full((120, 200, 3), 128, np.uint8)
    native[10:30, 150:170] = np.indices((20, 20)).sum(0)[..., None] % 2 * 255  # a checkerboard patch
    upscaled = native.copy()
    upscaled[80:100, 20:40] = 0  # a big error far from the detail
    regions = viz.interesting_regions(native, {"bicubic": upscaled}, box=(20, 20))
    x, y = regions["most detail"]
    assert 150 <= x < 170 and 10 <= y < 30
    x, y = regions["biggest error: bicubic"]
    assert 20 <= x < 40 and 80 <= y < 100
    assert regions["centre"] == (100, 60)


def test_side_by_side_labels_every_panel(frame):
    fig = viz.side_by_side([("native 160x90", frame), ("bicubic 40x22 -> 160x90", frame)])
    assert [ax.get_title() for ax in fig.axes] == ["native 160x90", "bicubic 40x22 -> 160x90"]
    assert all(ax.get_xlabel() == "x (px)" and ax.get_ylabel() == "y (px)" for ax in fig.axes)
    assert plt.get_fignums() == []  # library figures never enter pyplot's global state
    png = viz.figure_png(fig)
    assert viz.decode_image(png).shape[1] > 300


def test_loupe_figure_axes_are_frame_coordinates(frame, monkeypatch):
    fig = viz.loupe_figure({"native": frame, "other": frame}, 100, 40, crop=10, metrics=False)
    assert len(fig.axes) == 4
    bottom = fig.axes[1::2] if fig.axes[1].get_title().startswith("x") else fig.axes[2:]
    for ax in bottom:
        x_lo, x_hi = sorted(ax.get_xlim())
        assert (x_lo, x_hi) == (94.5, 104.5)
        assert "x 95-104, y 35-44 px" in ax.get_title()


def test_loupe_figure_titles_carry_detail_metrics(frame):
    import lab.metrics.spectrum  # noqa: F401

    fig = viz.loupe_figure({"native": frame}, 50, 50, crop=16)
    title = fig.axes[1].get_title()
    assert "HF share" in title and "sharpness" in title


def test_crop_metrics_are_lab_metrics(frame):
    import lab.metrics.texture  # noqa: F401
    from lab import metrics

    crop = frame[10:42, 20:52]
    m = viz.crop_metrics(crop)
    assert m["high_frequency_share"] == pytest.approx(metrics.high_frequency_share(crop))
    assert m["sharpness"] == pytest.approx(metrics.sharpness(crop))


def test_wipe_figure_labels_both_sides(frame):
    fig = viz.wipe_figure(frame, 255 - frame, 0.3, labels=("native", "lanczos"), box=(10, 10, 74, 42))
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["native", "lanczos"]
    assert sorted(ax.get_xlim()) == [9.5, 73.5]


def test_flicker_figure_marks_frame_and_shares_heat_scale():
    heat = {"native": np.zeros((9, 16), np.float32), "bicubic": np.full((9, 16), 3.0, np.float32)}
    fig = viz.flicker_figure(
        {"native": [1.0, 1.1, 0.9], "bicubic": [2.0, 3.5, 2.5]}, heat, frame=1, threshold=3.0
    )
    curve_ax, heat_a, heat_b = fig.axes[:3]
    assert curve_ax.get_xlabel() == "frame pair t -> t+1"
    assert "8-bit levels" in curve_ax.get_ylabel()
    assert any(line.get_label() == "visible above 3.0" for line in curve_ax.get_lines())
    # the legend sits beside the curves, never on them
    fig.canvas.draw()
    legend_box = curve_ax.get_legend().get_window_extent()
    assert legend_box.x0 >= curve_ax.get_window_extent().x1
    assert heat_a.images[0].get_clim() == heat_b.images[0].get_clim()
    assert any(line.get_label() == "frame 1" for line in curve_ax.get_lines())
    with pytest.raises(LabError):
        viz.flicker_figure({})


def test_cost_figure_highlights_4k_extrapolated():
    pts = []
    for w, h in [(320, 180), (640, 360), (960, 540)]:
        px = w * h
        pts.append(CostPoint("native", w, h, 1e-7 * px, 12 * px))
        pts.append(CostPoint("upscaled", w, h, 2e-8 * px, 4 * px, f"{w // 4}x{h // 4}"))
    report = CostReport(pts, "cpu", "bicubic", 4, "skin")
    fig = viz.cost_figure(report)
    ax_t, ax_m = fig.axes
    assert ax_t.get_xscale() == "log" and ax_t.get_yscale() == "log"
    assert ax_t.get_ylabel() == "render time (s)" and ax_m.get_ylabel() == "peak extra memory (MiB)"
    assert ax_t.get_xlabel() == "output size (megapixels)"
    notes = [t.get_text() for t in ax_t.texts]
    assert any("extrapolated" in n and "0.829 s" in n for n in notes)  # 1e-7 s/px * 8,294,400 px
    stars = [ln for ln in ax_t.get_lines() if ln.get_marker() == "*"]
    assert len(stars) == 2 and all(ln.get_markerfacecolor() == "white" for ln in stars)


def test_color_for_is_stable():
    assert viz.color_for("native") == viz.COLORS["native"]
    assert viz.color_for("realesrgan-x4") == viz.color_for("realesrgan-x4 480x270 -> 1920x1080")


def test_as_panels_validates():
    with pytest.raises(LabError, match="at least one"):
        viz.as_panels({})
    with pytest.raises(LabTypeError):
        viz.as_panels("native")
    with pytest.raises(LabTypeError):
        viz.as_panels([42])
