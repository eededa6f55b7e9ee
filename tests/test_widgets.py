"""Widget logic without a browser: set widget values from Python, decode the images they send."""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: F401
import numpy as np
import pytest
from _widget_fakes import METHODS, SCENES, Counting, pattern, render  # noqa: E402

from lab import metrics, viz, widgets  # noqa: E402
from lab.cost import CostPoint, CostReport  # noqa: E402
from lab.errors import LabError  # noqa: E402
from lab.render_cache import RenderCache  # noqa: E402
from lab.video import Clip  # noqa: E402


def make_compare(renderer=render, **kw) -> widgets.Compare:
    opts = dict(
        target="256x144",
        source="64x36",
        methods=["bicubic", "nearest"],
        renderer=renderer,
        scene_names=SCENES,
        method_names=METHODS,
        background=False,
        cache=RenderCache(),
        settle_s=None,
    )
    opts.update(kw)
    return widgets.Compare("stripes", **opts)


def shown(view: widgets.ImageView) -> np.ndarray:
    data = view.image.value
    assert 0 < len(data) < widgets.MAX_PAYLOAD
    return viz.decode_image(data)


# --- compare -----------------------------------------------------------------------------
def walk(widget) -> list:
    """The widget and every widget inside it (through ``children``)."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += walk(child)
    return found


def html_text(widget) -> str:
    """The text of every HTML widget inside ``widget``."""
    return " ".join(w.value for w in walk(widget) if type(w).__name__ == "HTML")


def test_compare_renders_labelled_panels():
    c = make_compare(panel_width=128)
    assert [r.key.method for r in c.renders] == ["native", "bicubic", "nearest"]
    labels = [cap.value for cap in c._captions]
    assert "native 256x144" in labels[0] and "bicubic 64x36 -&gt; 256x144" in labels[1]
    assert all("render" in lab and ("ms" in lab or " s" in lab) for lab in labels)
    for view, r in zip(c.views, c.renders):
        assert view.format == "png"  # at rest: lossless
        img = shown(view)
        assert img.shape == (72, 128, 3)
        assert np.abs(img.astype(int) - viz.thumbnail(r.frame, 128)).max() == 0
    native = c.render_of("native").frame
    assert (native == pattern(256, 144)).all()
    assert not (c.render_of("bicubic").frame == native).all()


def test_compare_caches_renders_by_parameters():
    counting = Counting()
    c = make_compare(renderer=counting)
    c.render()
    assert all(n == 1 for n in counting.calls.values()) and len(counting.calls) == 3
    c.seed.value = 3
    c.render()
    assert len(counting.calls) == 6
    assert c.render_of("native").key.seed == 3
    c.seed.value = 0
    c.render()
    assert len(counting.calls) == 6 and max(counting.calls.values()) == 1


def test_compare_target_change_keeps_the_factor():
    c = make_compare()
    c.target.value = "1920x1080"
    assert c.source.value == "480x270"
    assert [k.label for k in c.keys()][1] == "bicubic 480x270 -> 1920x1080"


def test_compare_failed_panel_shows_error_and_tool_keeps_working():
    c = make_compare(renderer=Counting(fail="nearest"))
    assert [r.key.method for r in c.renders] == ["native", "bicubic"]
    assert "nearest exploded on purpose" in c.status.message.value
    assert "RuntimeError" in c.panels.children[-1].children[0].value
    c.methods.value = ("bicubic", "bilinear")
    c.render()
    assert [r.key.method for r in c.renders] == ["native", "bicubic", "bilinear"]
    assert "exploded" not in c.status.message.value


def test_whole_job_error_is_shown():
    def broken(key):
        raise ValueError("no such texture")

    c = make_compare(renderer=broken, methods=[])
    assert "no such texture" in c.status.message.value
    assert c.renders == []


def test_cancel_stops_a_background_render_between_panels():
    slow = Counting(delay=0.3)
    c = make_compare(
        renderer=slow, background=True, render_now=False, methods=["bicubic", "nearest", "bilinear"]
    )
    c.render()
    time.sleep(0.1)
    assert c.status.busy and not c.status.cancel_button.disabled
    c.status.cancel_button.click()
    c.wait(5)
    assert "cancelled" in c.status.message.value
    assert len(slow.calls) < 4 and c.renders == []
    assert c.status.cancel_button.disabled and c.status.bar.layout.visibility == "hidden"
    slow.delay = 0.0
    c.render()
    c.wait(5)
    assert len(c.renders) == 4


def test_progress_bar_counts_panels():
    c = make_compare(render_now=False)
    seen = []
    c.status.bar.observe(lambda ch: seen.append(ch["new"]), names="value")
    c.render()
    assert seen[-1] == c.status.bar.max == 3


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown upscaler"):
        make_compare(methods=["bicubic", "magic"])
    with pytest.raises(ValueError, match="unknown scene"):
        widgets.Compare("lava", scene_names=SCENES, method_names=METHODS, renderer=render, background=False)


# --- loupe -------------------------------------------------------------------------------
def make_loupe(**kw) -> widgets.Loupe:
    c = make_compare()
    return widgets.Loupe(c, zoom=kw.pop("zoom", 8), loupe_size=kw.pop("loupe_size", 128), settle_s=None, **kw)


def test_loupe_shows_nearest_neighbour_blocks_of_every_panel():
    lp = make_loupe(grid=False)
    lp.x.value, lp.y.value = 100, 70
    x0, y0, x1, y1 = lp.box
    assert (x1 - x0, y1 - y0) == (16, 16) and x0 <= 100 < x1 and y0 <= 70 < y1
    for view, r in zip(lp.views, lp.compare.renders):
        view.settle()
        img = shown(view)
        assert img.shape == (128, 128, 3)
        assert (img == viz.magnify(r.frame[y0:y1, x0:x1], 8)).all()
    assert f"x {x0}-{x1 - 1} px, y {y0}-{y1 - 1} px" in lp.info.value


def test_loupe_moves_update_every_panel_and_the_thumbnails():
    lp = make_loupe()
    before = [v.image.value for v in lp.views]
    thumbs_before = [v.image.value for v in lp.compare.views]
    lp.x.value = 20
    assert all(a != v.image.value for a, v in zip(before, lp.views))
    assert all(a != v.image.value for a, v in zip(thumbs_before, lp.compare.views))
    thumb = viz.decode_image(lp.compare.views[0].image.value)
    x0, y0, x1, y1 = lp.box
    scale = thumb.shape[1] / 256
    edge = thumb[int(round(y0 * scale)) + 1, int(round(x0 * scale))]
    assert edge[0] > 150 and edge[1] < 120  # the red loupe rectangle


def test_loupe_sends_jpeg_while_moving_and_png_at_rest():
    lp = make_loupe()
    lp.x.value = 50
    assert {v.format for v in lp.views} == {"jpeg"}
    lp.settle()
    assert {v.format for v in lp.views} == {"png"}
    lp.sharp.value = True
    lp.x.value = 60
    assert {v.format for v in lp.views} == {"png"}


def test_loupe_debounce_timer_turns_jpeg_into_png():
    c = make_compare(settle_s=0.05)
    lp = widgets.Loupe(c, loupe_size=96, settle_s=0.05)
    lp.y.value = 30
    assert lp.views[0].format == "jpeg"
    deadline = time.time() + 3
    while lp.views[0].format != "png" and time.time() < deadline:
        time.sleep(0.02)
    assert lp.views[0].format == "png"
    r = lp.compare.renders[0]
    x0, y0, x1, y1 = lp.box
    assert (shown(lp.views[0]) == viz.magnify(r.frame[y0:y1, x0:x1], 8, grid=True)).all()


def test_loupe_grid_and_zoom():
    lp = make_loupe(grid=True)
    lp.settle()
    with_grid = shown(lp.views[0])
    lp.grid.value = False
    lp.settle()
    without = shown(lp.views[0])
    assert (with_grid[0::8] <= without[0::8]).all() and (with_grid[0::8] < without[0::8]).any()
    assert (with_grid[3::8, 3::8] == without[3::8, 3::8]).all()
    lp.zoom.value = 32
    x0, y0, x1, y1 = lp.box
    assert (x1 - x0, y1 - y0) == (4, 4)


def test_loupe_metrics_come_from_lab_metrics():
    import lab.metrics.texture  # noqa: F401

    lp = make_loupe()
    lp.x.value = 64
    assert all(c.shape[:2] == (16, 16) for c in lp.crops)
    for crop, m, caption in zip(lp.crops, lp.metrics, lp.captions):
        assert m["high_frequency_share"] == pytest.approx(metrics.high_frequency_share(crop))
        assert m["sharpness"] == pytest.approx(metrics.sharpness(crop))
        assert f"{m['sharpness']:.1f}" in caption.value
    native, nearest = lp.metrics[0], lp.metrics[2]
    assert native["high_frequency_share"] != nearest["high_frequency_share"]


def test_loupe_jump_to_regions():
    lp = make_loupe()
    names = [label for label, _ in lp.jump.options]
    assert "most detail" in names and "biggest error: nearest" in names
    lp.jump.value = "biggest error: nearest"
    assert (lp.x.value, lp.y.value) == lp._regions["biggest error: nearest"]


def test_loupe_payloads_at_4k_stay_small():
    c = make_compare(target="3840x2160", source="960x540", methods=["bicubic"], panel_width=480)
    lp = widgets.Loupe(c, loupe_size=320, zoom=4, settle_s=None)
    lp.x.value, lp.y.value = 3000, 1500
    lp.settle()
    for view in lp.views + c.views:
        img = shown(view)
        assert img.shape[1] <= 480
    with pytest.raises(ValueError, match="refusing"):
        lp.views[0].show(c.renders[0].frame)


# --- wipe --------------------------------------------------------------------------------
def test_wipe_at_loupe_crop():
    lp = make_loupe(grid=False)
    wp = widgets.Wipe(lp, width=128, settle_s=None)  # a 16 px crop at 8x
    wp.method.value = "nearest"
    wp.position.value = 25  # percent, as typed into the readout
    wp.view.settle()
    img = shown(wp.view)
    x0, y0, x1, y1 = lp.box
    a = viz.magnify(lp.compare.render_of("native").frame[y0:y1, x0:x1], 8)
    b = viz.magnify(lp.compare.render_of("nearest").frame[y0:y1, x0:x1], 8)
    assert (img[:, :32] == a[:, :32]).all() and (img[:, 33:] == b[:, 33:]).all()
    assert "nearest 64x36" in wp.caption.value
    lp.x.value = 10  # following the loupe
    x0b = lp.box[0]
    wp.view.settle()
    assert (
        x0b != x0
        and (
            shown(wp.view)[:, :32]
            == viz.magnify(
                lp.compare.render_of("native").frame[lp.box[1] : lp.box[3], lp.box[0] : lp.box[2]], 8
            )[:, :32]
        ).all()
    )


def test_wipe_whole_frame_from_compare():
    c = make_compare()
    wp = widgets.Wipe(c, width=128, settle_s=None)
    assert wp.method.options == ("bicubic", "nearest")
    wp.position.value = 100
    wp.view.settle()
    assert (shown(wp.view) == viz.thumbnail(c.render_of("native").frame, 128)).all()


def test_explorer_wires_all_three():
    ex = widgets.Explorer(
        "stripes",
        target="256x144",
        source="64x36",
        methods=["bilinear"],
        renderer=render,
        scene_names=SCENES,
        method_names=METHODS,
        background=False,
        cache=RenderCache(),
        settle_s=None,
        loupe_size=64,
        wipe_width=200,
    )
    assert len(ex.loupe.views) == 2 and ex.wipe.method.value == "bilinear"
    old = ex.wipe.view.image.value
    ex.loupe.y.value = 10
    assert ex.wipe.view.image.value != old
    assert "lab-loupe" in ex.loupe.ui._dom_classes


# --- flicker meter -----------------------------------------------------------------------
def _panning_clips(n=5, shift=2):
    big = pattern(96 + shift * n, 54, 0)
    native = [big[:, t * shift : t * shift + 96] for t in range(n)]
    rng = np.random.default_rng(0)
    noisy = [np.clip(f.astype(int) + rng.integers(-20, 21, f.shape), 0, 255).astype(np.uint8) for f in native]
    flow = np.zeros((54, 96, 2), np.float32)
    flow[..., 0] = -shift
    return (
        Clip.from_frames(native, fps=12, flow=lambda t: flow, name="native"),
        Clip.from_frames(noisy, fps=12, flow=lambda t: flow, name="noisy"),
    )


def test_flicker_meter_curve_heatmap_and_linked_play():
    import lab.metrics.temporal  # noqa: F401

    nat, up = _panning_clips()
    fm = widgets.FlickerMeter(clips=(nat, up), background=False, settle_s=None, width=96)
    assert fm.status.error is None, fm.status.traceback
    assert set(fm.curves) == {"native", "noisy"}
    assert len(fm.curves["native"]) == 4
    expect = metrics.warp_error(up, flow="truth")
    assert np.allclose(fm.curves["noisy"], expect.per_frame_levels)  # 8-bit grey levels, RMS per pair
    assert fm.curves["native"].max() < 1e-3  # an exact integer pan with its true flow: no flicker
    # independent noise, uniform on -20..20 levels: RMS difference = sqrt(2 var) = sqrt(2 * (41**2 - 1) / 12) levels
    assert fm.curves["noisy"].mean() == pytest.approx(np.sqrt(2 * (41**2 - 1) / 12), rel=0.1)
    assert f"flicker {expect.rms_levels:.2f} grey levels RMS, visible" in fm.status.message.value
    # the controls name the clips that play, not a scene that is not playing
    assert "native vs noisy" in html_text(fm.ui) and fm.scene not in walk(fm.ui)
    assert fm.heatmaps["noisy"].shape == (54, 96)
    assert fm.heat_view.image.value[:4] == b"\x89PNG" and fm.heat_view.image.layout.width.endswith("px")
    assert fm.fps == 12.0  # taken from the clips
    vmaf = metrics.vmaf(nat, up).mean  # the panel shows the candidate's VMAF next to the flicker
    assert f"VMAF of the upscaled clip {vmaf:.1f}" in fm.status.message.value
    curve0 = fm.curve_view.image.value
    fm.play.value = 3  # Play drives the slider kernel-side (widgets.link)
    assert fm.frame.value == 3
    assert fm.curve_view.image.value != curve0
    assert (shown(fm.native_view) == nat.frame(3)).all() or fm.native_view.format == "jpeg"
    fm.native_view.settle()
    assert (shown(fm.native_view) == nat.frame(3)).all()
    assert "frame 3" in fm.readout.value
    fm.frame.value = 1
    assert fm.play.value == 1


def test_flicker_curve_marker_moves_right():
    plot = widgets._CurvePlot({"a": [1.0, 2.0, 1.5, 1.0]}, "warp error")
    diff0 = np.abs(plot.at(0).astype(int) - plot.pixels).sum(axis=(0, 2))
    diff3 = np.abs(plot.at(3).astype(int) - plot.pixels).sum(axis=(0, 2))
    assert diff0.argmax() < diff3.argmax()


# --- cost explorer -----------------------------------------------------------------------
def test_cost_explorer_plots_an_injected_measurement():
    calls = {}

    def fake_measure(scene, sizes, **kw):
        calls.update(kw, scene=scene, sizes=sizes)
        kw["on_step"](1, 2, "native 64x36")
        pts = [
            CostPoint(m, w, h, s * w * h, 10 * w * h)
            for m, s in (("native", 1e-7), ("upscaled", 1e-8))
            for w, h in ((64, 36), (128, 72))
        ]
        return CostReport(pts, "cpu", kw["method"], kw["factor"], scene)

    ce = widgets.CostExplorer(
        "rings",
        scene_names=SCENES,
        method_names=METHODS,
        sizes=["64x36", "128x72"],
        background=False,
        measure=fake_measure,
    )
    ce.method.value = "nearest"
    ce.measure_button.click()
    assert (
        calls["scene"] == "rings" and calls["method"] == "nearest" and calls["sizes"] == ["64x36", "128x72"]
    )
    assert ce.plot.format == "png" and shown(ce.plot).shape[1] > 400
    assert "EXTRAPOLATED" in ce.table.value and "native at 4K" in ce.status.message.value


def test_views_pin_their_display_size_so_the_browser_does_not_rescale():
    lp = make_loupe(loupe_size=96)
    view = lp.views[0]
    assert (view.image.layout.width, view.image.layout.height) == ("96px", "96px")
    wp = widgets.Wipe(lp, width=200, settle_s=None)
    img = shown(wp.view)
    assert wp.view.image.layout.width == f"{img.shape[1]}px" and img.shape[1] <= 200


def test_jump_menu_returns_to_prompt_so_a_region_can_be_chosen_twice():
    lp = make_loupe()
    lp.jump.value = "most detail"
    assert lp.jump.value == ""
    lp.x.value = 0
    lp.jump.value = "most detail"
    assert (lp.x.value, lp.y.value) == lp._regions["most detail"]


# --- with the real scenes and renderer ---------------------------------------------------


def test_explorer_with_real_scenes_matches_native_render():
    from lab import native, scenes

    ex = widgets.explore(
        "zoneplate",
        target="128x72",
        source="32x18",
        methods=["bicubic"],
        background=False,
        cache=RenderCache(),
        settle_s=None,
        loupe_size=64,
    )
    assert ex.status.error is None, ex.status.traceback
    expect = native.render(scenes.get("zoneplate", seed=0, motion="static"), "128x72", 0.0)
    assert (ex.compare.render_of("native").frame == expect).all()
    up = native.render_upscaled(scenes.get("zoneplate", seed=0), "128x72", "32x18", "bicubic", 0.0, seed=0)
    assert (ex.compare.render_of("bicubic").frame == up).all()
    assert "zoneplate" in ex.compare.scene.options and "bicubic" in ex.compare.methods.options
    ex.loupe.x.value = 120
    x0, y0, x1, y1 = ex.loupe.box
    ex.loupe.settle()
    assert (shown(ex.loupe.views[0]) == viz.magnify(expect[y0:y1, x0:x1], 8, grid=True)).all()


def test_flicker_meter_with_real_scenes(monkeypatch):
    from lab import native, scenes

    fm = widgets.FlickerMeter(
        "foliage",
        target="64x36",
        source="16x9",
        method="bicubic",
        motion="pan",
        n_frames=4,
        background=False,
        settle_s=None,
        width=64,
    )
    assert fm.status.error is None, fm.status.traceback
    assert len(fm.curves["native"]) == 3 and len(fm.curves["bicubic"]) == 3
    clip = native.render_clip(scenes.get("foliage", seed=0, motion="pan"), "64x36", 4, show_progress=False)
    assert (fm.frames["native"][2] == clip.frame(2)).all()
    assert np.allclose(fm.curves["native"], metrics.warp_error(clip, flow="auto").per_frame_levels)
    assert fm.source_model.value == "camera" and fm.source_model in walk(fm.ui)
    fm.source_model.value = "sharp"
    fm.compute()
    up = native.upscaled_clip(
        scenes.get("foliage", seed=0, motion="pan"),
        "64x36",
        "16x9",
        "bicubic",
        4,
        show_progress=False,
        source_model="sharp",
    )
    assert (fm.frames["bicubic"][2] == up.frame(2)).all()
    fm.play.value = 2
    assert fm.frame.value == 2 and "frame 2" in fm.readout.value


# core widgets present in ipywidgets 7.7.1 (Colab) as well as 8.x; checked against both releases
CORE_7_AND_8 = {
    "BoundedFloatText",
    "Button",
    "Checkbox",
    "Dropdown",
    "FloatSlider",
    "HBox",
    "HTML",
    "Image",
    "IntProgress",
    "IntSlider",
    "IntText",
    "Layout",
    "Play",
    "SelectMultiple",
    "ToggleButton",
    "VBox",
    "link",
}


def test_only_widgets_that_exist_on_colab_are_used():
    import re
    from pathlib import Path

    source = Path(widgets.__file__).read_text()
    used = set(re.findall(r"\bw\.([A-Z][A-Za-z]*|link|jslink)\b", source))
    assert used <= CORE_7_AND_8, f"not in ipywidgets 7.7.1 core: {sorted(used - CORE_7_AND_8)}"
    assert "jslink" not in used  # broken on Colab: Play is linked kernel-side
    for banned in ("ipycanvas", "ipympl", "anywidget", "ipyevents"):
        assert f"import {banned}" not in source


def test_cost_explorer_cancel_and_error_keep_it_working():
    from lab.render_cache import Cancelled

    started = __import__("threading").Event()

    def slow_measure(scene, sizes, **kw):
        started.set()
        for i in range(200):
            if kw["cancel"]():
                raise Cancelled(f"cost measurement cancelled after {i} renders")
            time.sleep(0.01)
        raise AssertionError("cancel was never seen")

    ce = widgets.CostExplorer(
        "rings", scene_names=SCENES, method_names=METHODS, sizes=["64x36", "128x72"], measure=slow_measure
    )
    ce.measure()
    assert started.wait(5)
    ce.status.cancel_button.click()
    ce.wait(5)
    assert "cancelled after" in ce.status.message.value and ce.report is None

    def failing(scene, sizes, **kw):
        raise LabError("64x36 does not divide by factor 4")

    ce._measure = failing
    ce.measure()
    ce.wait(5)
    assert "does not divide" in ce.status.message.value and "LabError" in ce.status.message.value


def test_bad_settings_are_reported_in_the_widget():
    c = make_compare()
    c.source.options = list(c.source.options) + [("1024x576", "1024x576")]
    c.source.value = "1024x576"  # larger than the 256x144 target
    c.render()
    assert "larger than target" in c.status.message.value
    assert [r.key.method for r in c.renders] == ["native", "bicubic", "nearest"]  # the last good render stays
    c.source.value = "64x36"
    c.render()
    assert "panels" in c.status.message.value


def test_loupe_opens_where_the_upscale_differs_and_wipe_uses_its_zoom():
    """Lesson 1's explorer opened where all panels were identical; the loupe now opens at the
    first upscaler's biggest error, and the wipe beside it shows the loupe's zoom, not its own."""
    lp = make_loupe(grid=False)
    assert (lp.x.value, lp.y.value) == lp._regions["biggest error: bicubic"] != lp._regions["centre"]
    assert "target pixels" in lp.info.value and "source pixels" not in lp.info.value
    wp = widgets.Wipe(lp, width=640, settle_s=None)
    assert f"at {lp.zoom.value}x" in wp.caption.value


def test_compare_passes_scene_options_and_the_source_model():
    seen = []

    def spy(key):
        seen.append(key)
        return render(key)

    c = make_compare(renderer=spy, scene_options={"k": 72.0}, source_model="sharp")
    assert all(dict(key.options) == {"k": 72.0} for key in seen)
    assert [key.source_model for key in seen if key.method != "native"] == ["sharp", "sharp"]
    assert "(sharp source)" in c.renders[1].key.label
    assert c.source_model.value == "sharp" and c.source_model.options == ("camera", "sharp", "soft")


def test_compare_settings_are_checked_once_and_can_be_passed_whole():
    from lab import scenes

    settings = widgets.CompareToolSettings.make(
        "stripes",
        target="256x144",
        source="64x36",
        methods=["bicubic"],
        scene_names=SCENES,
        method_names=METHODS,
        settle_s=None,
    )
    assert (settings.target.width, settings.source.width) == (256, 64) and settings.methods == ("bicubic",)
    c = widgets.Compare(settings=settings, renderer=render, background=False, cache=RenderCache())
    assert c.settings is settings and [r.key.method for r in c.renders] == ["native", "bicubic"]
    assert c.motion.options == tuple(scenes.MOTIONS)
    with pytest.raises(LabError, match="not both"):
        widgets.Compare("stripes", settings=settings, render_now=False)
    with pytest.raises(LabError, match="panel_width"):
        make_compare(panel_width=0)
    with pytest.raises(LabError, match="unknown motion"):
        make_compare(motion="wobble")


def test_flicker_settings_take_the_clips_rate_and_list_static_motion_last():
    from lab import scenes

    nat, up = _panning_clips()
    settings = widgets.FlickerMeterSettings.make(clips=(nat, up), width=96, settle_s=None)
    assert settings.fps == 12.0 and (settings.scene_names, settings.method_names) == (
        ("foliage",),
        ("bicubic",),
    )
    with pytest.raises(LabError, match="n_frames"):
        widgets.FlickerMeterSettings.make(clips=(nat, up), n_frames=0)
    fm = widgets.FlickerMeter(settings=settings, clips=(nat, up), background=False, compute_now=False)
    assert fm.fps == 12.0 and fm.width == 96
    assert fm.motion.options[-1] == "static" and sorted(fm.motion.options) == sorted(scenes.MOTIONS)


# --- suggested experiments finish in the time the lesson states ----------------------------
def cpu_tier(monkeypatch):
    """This machine as the CPU tier (no smoke mode, no GPU)."""
    monkeypatch.delenv("LAB_SMOKE", raising=False)
    monkeypatch.setenv("LAB_DEVICE", "cpu")


@pytest.mark.parametrize("method", ["bicubic", "realesrgan-x4", "diffusion-sr"])
def test_flicker_meter_sizes_fit_the_cpu_budget_for_every_method(monkeypatch, method):
    from lab import budget

    cpu_tier(monkeypatch)
    s = widgets.FlickerMeterSettings.make("fabric", method=method, motion="subpixel")
    assert s.estimate_s is not None and s.estimate_s <= budget.BUDGET_S["cpu"]
    assert s.target.width == 4 * s.source.width and s.target.height == 4 * s.source.height
    assert s.n_frames >= 8 and s.target.pixels >= budget.SMALLEST.pixels
    assert "about" in s.plan_text() and f"{s.n_frames} frames" in s.plan_text()


def test_diffusion_sr_meter_is_smaller_than_the_bicubic_one_on_cpu(monkeypatch):
    cpu_tier(monkeypatch)
    slow = widgets.FlickerMeterSettings.make("fabric", method="diffusion-sr", motion="subpixel")
    fast = widgets.FlickerMeterSettings.make("fabric", method="bicubic", motion="subpixel")
    assert slow.target.pixels * slow.n_frames < fast.target.pixels * fast.n_frames / 4
    # sizes given by the student are kept, and their estimate says how slow they are
    given = widgets.FlickerMeterSettings.make(
        "fabric", method="diffusion-sr", target="1920x1080", n_frames=24
    )
    assert (given.target.width, given.source.width, given.n_frames) == (1920, 480, 24)
    assert given.estimate_s is not None and given.estimate_s > 20 * 60


def _tiny_diffusion_meter(**kw):
    return widgets.FlickerMeter(
        "fabric",
        method="diffusion-sr",
        motion="subpixel",
        target="64x36",
        source="16x9",
        n_frames=2,
        background=False,
        settle_s=None,
        width=64,
        **kw,
    )


def test_flicker_meter_shows_progress_inside_the_first_frame(monkeypatch):
    ticks = iter(range(10**6))  # a clock that advances 1 s a reading: the time left shows at any speed
    monkeypatch.setattr(widgets._Pace, "clock", staticmethod(lambda: float(next(ticks))))
    seen: list[tuple[float, str]] = []
    fm = _tiny_diffusion_meter(compute_now=False)
    bar = fm.status.bar
    bar.observe(lambda ch: seen.append((ch["new"] / bar.max, fm.status.message.value)), names="value")
    fm.compute()
    assert fm.status.error is None, fm.status.traceback
    first_frame = [(v, text) for v, text in seen if "frame 1/2" in text]
    steps = [v for v, text in first_frame if "denoising steps" in text]
    assert len(steps) >= 9 and len(set(steps)) >= 5  # the bar moves within frame 1, step by step
    assert all(0 < v <= 0.5 for v in steps) and steps == sorted(steps)
    assert any("left" in text for _, text in first_frame)  # the time left, at the measured pace


def test_flicker_meter_cancel_stops_inside_a_frame(monkeypatch):
    from lab.models import diffusion_sr

    fm = _tiny_diffusion_meter(compute_now=False)
    model = diffusion_sr.load("cpu")
    calls = []
    real = model.unet.forward

    def counting(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the student presses Cancel during the second denoising step
            fm.status.request_cancel()
        return real(*args, **kwargs)

    monkeypatch.setattr(model.unet, "forward", counting)
    fm.compute()
    assert fm.status.error is None and "cancelled" in fm.status.message.value
    assert len(calls) <= 3  # stopped after the step it was pressed in, not after the frame's 10
    assert not fm.frames


def test_cost_explorer_marks_extrapolations_next_to_measured_points():
    def fake_measure(scene, sizes, **kw):
        pts = [
            CostPoint(m, w, h, s * w * h, 10 * w * h)
            for m, s in (("native", 1e-7), ("upscaled", 1e-8))
            for w, h in [tuple(map(int, size.split("x"))) for size in sizes]
        ]
        return CostReport(pts, "cpu", kw["method"], kw["factor"], scene)

    opts = dict(scene_names=SCENES, method_names=METHODS, background=False, measure=fake_measure)
    ce = widgets.CostExplorer("rings", sizes=["640x360", "1280x720"], **opts)
    ce.measure()
    message = ce.status.message.value
    assert message.count("<b>extrapolated</b>") == 2 and "fitted on sizes up to 1280x720" in message
    assert "MiB" in message and "add 3840x2160 to the sizes" in message
    assert "EXTRAPOLATED (not measured" in ce.table.value
    ce = widgets.CostExplorer("rings", sizes=["1920x1080", "3840x2160"], **opts)
    ce.measure()
    assert "extrapolated" not in ce.status.message.value.lower()
    assert ce.status.message.value.count("(measured)") == 2


def test_loupe_follows_a_new_scene_and_keeps_its_place_for_a_new_upscaler():
    """After switching the explorer to another scene the loupe stayed where it was (a plain
    wall on the sign) until 'jump to'; it now reopens where that scene's upscale differs most."""
    lp = make_loupe(grid=False)
    lp.x.value, lp.y.value = 3, 3
    lp.compare.methods.value = ("nearest",)
    lp.compare.render()
    assert (lp.x.value, lp.y.value) == (3, 3)  # same scene: the student compares the same place
    lp.compare.scene.value = "rings"
    lp.compare.render()
    assert (lp.x.value, lp.y.value) == lp._regions["biggest error: nearest"] != (3, 3)


def test_wipe_takes_percent_as_typed_into_its_readout():
    lp = make_loupe(grid=False)
    wp = widgets.Wipe(lp, width=128, settle_s=None, position=0.5)
    assert wp.position.value == 50 and wp.position.max == 100 and "%" not in wp.position.readout_format
    wp.position.value = 20  # what a student types: 20 means 20 %
    assert wp.fraction == pytest.approx(0.2) and "left 20%" in wp.caption.value


def test_flicker_meter_on_the_gpu_tier_gives_the_diffusion_upscaler_a_short_small_clip(monkeypatch):
    from lab import budget

    plan = budget.clip_plan("diffusion-sr", tier_name="gpu", tier_target="3840x2160", factor=4, frames=48)
    assert (plan.target.width, plan.n_frames, plan.seconds) == (960, 12, None)
    plan = budget.clip_plan("bicubic", tier_name="gpu", tier_target="3840x2160", factor=4, frames=48)
    assert (plan.target.width, plan.source.width, plan.n_frames) == (3840, 960, 48)


def test_compare_says_how_slow_a_diffusion_panel_is_before_rendering(monkeypatch):
    cpu_tier(monkeypatch)
    texts = []
    c = make_compare(render_now=False, methods=["bicubic"], method_names=METHODS + ["diffusion-sr"])
    c.status.message.observe(lambda ch: texts.append(ch["new"]), names="value")
    c.target.value = "1920x1080"
    c.methods.value = ("diffusion-sr",)
    monkeypatch.setattr(c, "renderer", lambda key: np.zeros((key.height, key.width, 3), np.uint8))
    c.render()
    assert any("about 1 min" in t and "estimate" in t for t in texts), texts
