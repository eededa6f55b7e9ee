"""Cost measurement: power-law fits against closed forms, memory and time probes, real renders."""

from __future__ import annotations

import time

import numpy as np
import pytest

from lab import cost
from lab.cost import CostPoint, CostReport, fit_power_law
from lab.errors import LabError
from lab.render_cache import Cancelled


@pytest.mark.parametrize("a,b", [(3e-8, 1.0), (1e-6, 0.8), (5e-10, 1.35)])
def test_fit_recovers_exact_power_law(a, b):
    px = np.array([1e4, 5e4, 2e5, 1e6, 8.3e6])
    law = fit_power_law(px, a * px**b)
    assert law.a == pytest.approx(a, rel=1e-9)
    assert law.b == pytest.approx(b, rel=1e-9)
    assert law.r2 == pytest.approx(1.0)
    assert law.predict(2e7) == pytest.approx(a * 2e7**b, rel=1e-9)


def test_fit_matches_numpy_lstsq_on_noisy_data():
    rng = np.random.default_rng(1)
    px = np.geomspace(1e4, 4e6, 12)
    y = 2e-7 * px**0.95 * np.exp(rng.normal(0, 0.1, px.size))
    law = fit_power_law(px, y)
    design = np.stack([np.ones_like(px), np.log(px)], axis=1)
    (log_a, b), *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
    assert law.b == pytest.approx(b, rel=1e-9) and law.a == pytest.approx(np.exp(log_a), rel=1e-9)
    assert 0.9 < law.r2 < 1.0


@pytest.mark.parametrize(
    "px,y,match",
    [
        ([1e4], [1.0], "1-D|two different"),
        ([1e4, 1e4], [1.0, 2.0], "two different"),
        ([1e4, 2e4], [1.0, 0.0], "positive"),
        ([1e4, 2e4, 3e4], [1.0, 2.0], "same length"),
    ],
)
def test_fit_rejects_bad_input(px, y, match):
    with pytest.raises(LabError, match=match):
        fit_power_law(px, y)


def _report() -> CostReport:
    pts = []
    for w, h in [(320, 180), (640, 360), (1280, 720)]:
        pts.append(CostPoint("native", w, h, 1e-7 * w * h, 12 * w * h))
        pts.append(CostPoint("upscaled", w, h, 1e-8 * w * h + 0.001, 3 * w * h, f"{w // 4}x{h // 4}"))
    return CostReport(pts, "cpu", "bicubic", 4, "skin")


def test_report_extrapolates_4k_and_marks_it():
    report = _report()
    est = report.at("native")
    assert not est.measured
    assert est.seconds == pytest.approx(1e-7 * 3840 * 2160, rel=1e-6)
    assert est.peak_bytes == pytest.approx(12 * 3840 * 2160, rel=1e-6)
    measured = report.at("native", "1280x720")
    assert measured.measured and measured.seconds == pytest.approx(1e-7 * 1280 * 720)
    assert report.fits["native"].b == pytest.approx(1.0)
    assert report.fits["upscaled"].b < 1.0  # the fixed 1 ms overhead bends the law below linear
    table = report.table()
    assert "EXTRAPOLATED (not measured: time ~" in table and "fitted on sizes up to 1280x720" in table
    assert table.count("\n") == 8
    with pytest.raises(LabError, match="cost mode"):
        report.of("hybrid")


def test_report_needs_two_sizes_to_extrapolate():
    report = CostReport([CostPoint("native", 64, 36, 0.1, 10)], "cpu", "bicubic", 4, "skin")
    with pytest.raises(LabError, match="two or more sizes"):
        report.at("native")


def test_peak_memory_sees_a_known_allocation():
    size = 64 * 2**20

    def allocate():
        buf = np.ones(size, np.uint8)
        return int(buf[::4096].sum())

    extra, how = cost.peak_memory(allocate)
    assert size <= extra < 2 * size
    assert how == "tracemalloc+rss"
    small, _ = cost.peak_memory(lambda: sum(range(100)))
    assert small < size // 8


def test_peak_memory_sees_torch_buffers_through_rss():
    import torch

    size = 96 * 2**20

    def allocate():
        t = torch.ones(size, dtype=torch.uint8)
        time.sleep(0.02)  # let the sampler see it
        return int(t[:10].sum())

    extra, _ = cost.peak_memory(allocate)
    assert extra > size // 2


def test_time_call_reports_median():
    seconds = cost.time_call(lambda: time.sleep(0.02), repeats=3)
    assert 0.018 <= seconds < 0.2
    with pytest.raises(LabError):
        cost.time_call(lambda: None, repeats=0)


def test_default_sizes_divide_by_factor(monkeypatch):
    monkeypatch.setenv("LAB_SMOKE", "1")
    sizes = cost.default_sizes(4)
    assert len(sizes) >= 3 and all(r.width % 4 == 0 and r.height % 4 == 0 for r in sizes)
    monkeypatch.setenv("LAB_SMOKE", "0")
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    assert max(r.width for r in cost.default_sizes(4)) <= 1920


def test_measure_real_renders_small_sizes():
    steps = []
    report = cost.measure(
        "zoneplate",
        ["64x36", "128x72", "256x144"],
        repeats=1,
        device="cpu",
        on_step=lambda i, n, text: steps.append((i, n, text)),
        show_progress=False,
    )
    assert len(report.of("native")) == 3 and len(report.of("upscaled")) == 3
    assert report.of("upscaled")[0].source == "16x9"
    assert all(p.seconds > 0 for p in report.points)
    assert steps[0][:2] == (0, 6) and steps[-1] == (6, 6, "done")
    assert "native" in report.fits and np.isfinite(report.fits["native"].b)
    est = report.at("native")
    assert not est.measured and est.seconds > report.of("native")[-1].seconds * 0.5


def test_measure_charges_the_upscale_path_for_a_small_render(monkeypatch):
    """The default camera source renders 4x finer to simulate a sensor's area integration;
    charged to the upscale path it made render-small-and-upscale cost as much as native."""
    from lab import native

    seen = []
    real = native.render_upscaled

    def spy(*args, **kwargs):
        seen.append(kwargs.get("source_model"))
        return real(*args, **kwargs)

    monkeypatch.setattr(native, "render_upscaled", spy)
    cost.measure("skin", ["64x36", "128x72"], repeats=1, show_progress=False)
    assert seen and set(seen) == {"soft"}


def test_measure_cancels_between_renders():
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled, match="after 2 of 4"):
        cost.measure("skin", ["64x36", "128x72"], repeats=1, cancel=cancel, show_progress=False)


def test_measure_rejects_bad_sizes():
    with pytest.raises(LabError, match="at least two sizes"):
        cost.measure("skin", ["64x36"])
    with pytest.raises(LabError, match="divide by factor"):
        cost.measure("skin", ["64x36", "130x70"], factor=4)


def test_time_calls_warms_up_repeats_and_reports_the_spread():
    """Lesson 7 timed each size once with no warm-up: the first call (imports, allocator, caches)
    made 96x96 slower than 192x192 and the fit came out R² 0.17, exponent 0.27."""
    calls = []

    def fn():
        calls.append(time.perf_counter())
        time.sleep(0.05 if len(calls) == 1 else 0.01)  # a slow first call, as a cold start

    timing = cost.time_calls(fn, repeats=3, warmup=1)
    assert len(calls) == 4 and len(timing.times) == 3  # the cold call is not counted
    assert timing.median == pytest.approx(0.01, abs=0.008) and timing.best <= timing.median <= timing.worst
    assert timing.spread == pytest.approx((timing.worst - timing.best) / timing.median)
    assert "spread" in str(timing) and " s" in str(timing)
    with pytest.raises(LabError, match="repeats"):
        cost.time_calls(fn, repeats=0)


def test_fit_timings_gives_the_exponent_and_its_range():
    pixels = [1e4, 4e4, 1.6e5]
    exact = [cost.Timing((2e-6 * p,) * 3) for p in pixels]
    law, (lo, hi) = cost.fit_timings(pixels, exact)
    assert law.b == pytest.approx(1.0) and lo == pytest.approx(1.0) and hi == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    noisy = [cost.Timing(tuple(2e-6 * p * rng.uniform(0.7, 1.4, 3))) for p in pixels]
    law, (lo, hi) = cost.fit_timings(pixels, noisy)
    assert lo < law.b < hi and hi - lo > 0.02
