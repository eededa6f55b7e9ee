"""The compute price of every pixel: time and memory of native vs low-res + upscale renders.

:func:`measure` times ``lab.native.render`` (every pixel rendered) and
``lab.native.render_upscaled`` (render 1/factor of the width and height, then upscale) at a
few sizes on the current device, and records each render's peak memory. :func:`fit_power_law`
fits ``seconds = a * pixels ** b`` in log-log space, and :meth:`CostReport.at` predicts any
size, e.g. 4K, marking whether that point was measured or extrapolated.

>>> law = fit_power_law([1e4, 1e5, 1e6], [0.01, 0.1, 1.0])
>>> round(law.b, 6), f"{law.predict(8294400):.2f} s"
(1.0, '8.29 s')
"""

from __future__ import annotations

import gc
import os
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lab import validate
from lab.errors import LabError, choice_error
from lab.progress import format_seconds_plain, progress
from lab.render_cache import Cancelled
from lab.resolution import Resolution, parse

if TYPE_CHECKING:
    from lab.scenes import Scene

MODES = ("native", "upscaled")
UHD = parse("4k")


@dataclass(frozen=True)
class CostPoint:
    """One measurement: ``mode`` ('native' or 'upscaled') at output ``width`` x ``height``.

    ``seconds`` is the median wall time of the repeats, ``peak_bytes`` the extra memory the
    render needed at its peak (bytes above what was allocated before it started),
    ``source`` the low-res size rendered before upscaling ("" for native).
    """

    mode: str
    width: int
    height: int
    seconds: float
    peak_bytes: int
    source: str = ""
    spread: float = 0.0  # (slowest - fastest) / median of the repeats

    @property
    def pixels(self) -> int:
        """Output pixel count."""
        return self.width * self.height


@dataclass(frozen=True)
class PowerLaw:
    """``y = a * pixels ** b`` fitted in log-log space; ``r2`` is the fit's R² on log y.

    >>> PowerLaw(2.0, 1.0, 1.0).predict(10)
    20.0
    """

    a: float
    b: float
    r2: float

    def predict(self, pixels: float | np.ndarray) -> float | np.ndarray:
        """The fitted value at ``pixels`` (same units as the fitted y)."""
        out = self.a * np.asarray(pixels, dtype=np.float64) ** self.b
        return float(out) if out.ndim == 0 else out

    def __str__(self) -> str:
        return f"{self.a:.3g} * pixels^{self.b:.3f} (R² {self.r2:.3f})"


def fit_power_law(pixels: Sequence[float], values: Sequence[float]) -> PowerLaw:
    """Least-squares fit of ``log(values) = log(a) + b log(pixels)``.

    Needs at least two distinct positive pixel counts and positive values. b near 1 means
    cost grows in proportion to the pixel count.

    >>> round(fit_power_law([100, 400], [1.0, 4.0]).b, 9)
    1.0
    """
    x = np.asarray(pixels, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise LabError(f"pixels and values must be 1-D and the same length, got {x.shape} and {y.shape}")
    if (x <= 0).any() or (y <= 0).any() or not np.isfinite(x).all() or not np.isfinite(y).all():
        raise LabError(
            "a power law needs positive, finite pixel counts and values (log of <= 0 is undefined)"
        )
    if len(np.unique(x)) < 2:
        raise LabError(
            f"a power law needs at least two different sizes, got pixel counts {sorted(set(x.tolist()))}"
        )
    lx, ly = np.log(x), np.log(y)
    b, log_a = np.polyfit(lx, ly, 1)
    residual = ly - (log_a + b * lx)
    total = ((ly - ly.mean()) ** 2).sum()
    r2 = 1.0 - float((residual**2).sum() / total) if total > 0 else 1.0
    return PowerLaw(float(np.exp(log_a)), float(b), r2)


@dataclass(frozen=True)
class Estimate:
    """Time (s) and memory (bytes) at one size; ``measured`` False means extrapolated from the fit."""

    mode: str
    width: int
    height: int
    seconds: float
    peak_bytes: float
    measured: bool


@dataclass
class CostReport:
    """Measurements of both modes plus their fitted scaling laws.

    ``device`` is where it ran ('cpu' or 'cuda'), ``method`` the upscaler, ``factor`` the
    linear upscale factor, ``scene`` the scene rendered.
    """

    points: list[CostPoint]
    device: str
    method: str
    factor: int
    scene: str
    memory_note: str = ""
    fits: dict[str, PowerLaw] = field(default_factory=dict)
    memory_fits: dict[str, PowerLaw] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for mode in MODES:
            pts = self.of(mode)
            if len({p.pixels for p in pts}) >= 2:
                self.fits[mode] = fit_power_law([p.pixels for p in pts], [max(p.seconds, 1e-9) for p in pts])
                self.memory_fits[mode] = fit_power_law(
                    [p.pixels for p in pts], [max(p.peak_bytes, 1) for p in pts]
                )

    def of(self, mode: str) -> list[CostPoint]:
        """The points of one mode, smallest first."""
        if mode not in MODES:
            raise choice_error("cost mode", mode, MODES)
        return sorted((p for p in self.points if p.mode == mode), key=lambda p: p.pixels)

    def at(self, mode: str, resolution: str | Resolution = UHD) -> Estimate:
        """Time and memory of ``mode`` at ``resolution`` (default 4K): measured when that size was
        measured, else extrapolated from the fitted power laws.

        >>> report = CostReport([CostPoint("native", 2, 1, 1.0, 10), CostPoint("native", 4, 2, 4.0, 40)],
        ...                     "cpu", "bicubic", 4, "skin")
        >>> est = report.at("native", "8x4")
        >>> round(est.seconds, 6), est.measured
        (16.0, False)
        """
        res = parse(resolution)
        for p in self.of(mode):
            if (p.width, p.height) == (res.width, res.height):
                return Estimate(mode, res.width, res.height, p.seconds, p.peak_bytes, True)
        if mode not in self.fits:
            raise LabError(f"cannot extrapolate {mode}: it needs measurements at two or more sizes")
        return Estimate(
            mode,
            res.width,
            res.height,
            float(self.fits[mode].predict(res.pixels)),
            float(self.memory_fits[mode].predict(res.pixels)),
            False,
        )

    def extrapolation_note(self, mode: str) -> str:
        """Where an extrapolated estimate of ``mode`` comes from, for a person: the fitted law and
        the largest size measured ("not measured: time ~ ... fitted up to 1280x720").

        >>> CostReport([CostPoint("native", 2, 1, 1.0, 10), CostPoint("native", 4, 2, 4.0, 40)],
        ...            "cpu", "bicubic", 4, "skin").extrapolation_note("native")
        'not measured: time ~ 0.5 * pixels^1.000 (R² 1.000) fitted on sizes up to 4x2; a measured point beats it'
        """
        largest = self.of(mode)[-1]
        return (
            f"not measured: time ~ {self.fits[mode]} fitted on sizes up to {largest.width}x{largest.height}; "
            "a measured point beats it"
        )

    def table(self) -> str:
        """A plain-text table of every point plus the 4K estimate of each mode."""
        lines = [f"{'mode':<9} {'size':>10} {'Mpx':>7} {'time':>10} {'spread':>7} {'peak mem':>10}  note"]
        for mode in MODES:
            for p in self.of(mode):
                note = f"from {p.source}" if p.source else ""
                lines.append(
                    f"{mode:<9} {p.width:>5}x{p.height:<4} {p.pixels / 1e6:7.3f} "
                    f"{p.seconds * 1e3:8.1f} ms {p.spread:7.0%} {p.peak_bytes / 2**20:7.1f} MiB  {note}"
                )
            if mode in self.fits:
                est = self.at(mode)
                tag = "measured" if est.measured else f"EXTRAPOLATED ({self.extrapolation_note(mode)})"
                lines.append(
                    f"{mode:<9} {'4K':>10} {UHD.pixels / 1e6:7.3f} {est.seconds * 1e3:8.1f} ms {'':>7} "
                    f"{est.peak_bytes / 2**20:7.1f} MiB  {tag}"
                )
        return "\n".join(lines)


def default_sizes(factor: int = 4) -> list[Resolution]:
    """Sizes to measure on this machine: thumbnails in smoke mode, up to 1080p on CPU, 4K on CUDA.

    Every size divides by ``factor`` so the low-res source has whole pixels.
    """
    from lab import config

    if config.smoke_mode():
        widths = [128, 256, 384]
    elif config.device() == "cuda":
        widths = [480, 960, 1920, 3840]
    else:
        widths = [320, 640, 960, 1280]
    sizes = []
    for w in widths:
        h = w * 9 // 16
        sizes.append(Resolution(w - w % (2 * factor), h - h % (2 * factor)))
    return sizes


# --- measuring ---------------------------------------------------------------------------
def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _release_free_memory() -> None:
    """Hand freed heap pages back to the OS (glibc ``malloc_trim``); a no-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def peak_memory(fn: Callable[[], object], *, device: str = "cpu") -> tuple[int, str]:
    """Run ``fn`` once and return (extra bytes at its peak, how it was measured).

    On CUDA: ``torch.cuda.max_memory_allocated`` above the allocation before the call. On CPU:
    the larger of the Python/numpy allocations traced by ``tracemalloc`` and the growth of the
    process's resident memory (sampled every 2 ms, which also sees torch's CPU buffers; freed
    heap pages are returned to the OS first so reused memory counts). RSS sampling can still
    miss a peak shorter than 2 ms: treat CPU numbers as estimates.

    >>> extra, how = peak_memory(lambda: np.ones(10_000_000, np.uint8))
    >>> extra >= 10_000_000, how
    (True, 'tracemalloc+rss')
    """
    if device == "cuda":
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return int(torch.cuda.max_memory_allocated() - before), "cuda.max_memory_allocated"
    gc.collect()
    _release_free_memory()  # so memory the render reuses from earlier frees shows up as growth
    base = _rss_bytes()
    peak_rss = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_rss[0] = max(peak_rss[0], _rss_bytes())
            done.wait(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    traced_before = tracemalloc.get_traced_memory()[0]
    sampler.start()
    try:
        fn()
    finally:
        done.set()
        sampler.join()
        traced_peak = tracemalloc.get_traced_memory()[1] - traced_before
        if not was_tracing:
            tracemalloc.stop()
    peak_rss[0] = max(peak_rss[0], _rss_bytes())
    return int(max(traced_peak, peak_rss[0] - base, 0)), "tracemalloc+rss"


@dataclass(frozen=True)
class Timing:
    """Wall times (s) of repeated calls: ``median``, ``best``, ``worst`` and the relative ``spread``.

    >>> t = Timing((0.10, 0.12, 0.11))
    >>> t.median, round(t.spread, 3)
    (0.11, 0.182)
    """

    times: tuple[float, ...]

    @property
    def median(self) -> float:
        """Median of the repeats (s): the number to fit and to compare."""
        return float(statistics.median(self.times))

    @property
    def best(self) -> float:
        """Fastest repeat (s)."""
        return float(min(self.times))

    @property
    def worst(self) -> float:
        """Slowest repeat (s)."""
        return float(max(self.times))

    @property
    def spread(self) -> float:
        """(worst - best) / median: 0 for perfectly repeatable timings, 0.5 when they vary by half."""
        return (self.worst - self.best) / self.median if self.median > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"{format_seconds_plain(self.median)} median of {len(self.times)} "
            f"({format_seconds_plain(self.best)}-{format_seconds_plain(self.worst)}, spread {self.spread:.0%})"
        )


def time_calls(fn: Callable[[], object], *, repeats: int = 3, warmup: int = 1, device: str = "cpu") -> Timing:
    """Time ``repeats`` calls of ``fn`` after ``warmup`` untimed ones (CUDA work synchronised).

    The untimed calls absorb first-call costs (imports, memory the allocator has not yet
    reserved, caches, kernel compilation), which otherwise make the smallest size look the
    slowest and bend a fitted scaling law.
    """
    repeats = validate.positive_int(repeats, "repeats")
    warmup = validate.integer(warmup, "warmup", minimum=0)
    sync = None
    if device == "cuda":
        import torch

        sync = torch.cuda.synchronize
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if sync:
            sync()
        start = time.perf_counter()
        fn()
        if sync:
            sync()
        times.append(time.perf_counter() - start)
    return Timing(tuple(times))


def time_call(fn: Callable[[], object], *, repeats: int = 3, device: str = "cpu", warmup: int = 0) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` in seconds (see :func:`time_calls`)."""
    return time_calls(fn, repeats=repeats, warmup=warmup, device=device).median


def fit_timings(
    pixels: Sequence[float], timings: Sequence[Timing], *, resamples: int = 400, seed: int = 0
) -> tuple[PowerLaw, tuple[float, float]]:
    """A power law fitted to the median timings, and the 5-95 % range of its exponent.

    The range comes from refitting with one repeat drawn at random per size, ``resamples``
    times (a bootstrap over the repeats): narrow when the timings repeat, wide when the
    machine was busy. Quote the exponent with it.

    >>> law, (lo, hi) = fit_timings([100, 400], [Timing((1.0, 1.0)), Timing((4.0, 4.0))])
    >>> round(law.b, 6), round(lo, 6), round(hi, 6)
    (1.0, 1.0, 1.0)
    """
    if len(pixels) != len(timings):
        raise LabError(f"one timing per size: got {len(pixels)} sizes and {len(timings)} timings")
    law = fit_power_law(pixels, [t.median for t in timings])
    rng = np.random.default_rng(seed)
    exponents = []
    for _ in range(int(resamples)):
        draw = [t.times[rng.integers(len(t.times))] for t in timings]
        exponents.append(fit_power_law(pixels, draw).b)
    lo, hi = np.percentile(exponents, [5, 95])
    return law, (float(lo), float(hi))


def measure(
    scene: str = "zoneplate",
    sizes: Sequence[str | Resolution | tuple[int, int]] | None = None,
    *,
    method: str = "bicubic",
    factor: int = 4,
    repeats: int = 3,
    seed: int = 0,
    device: str | None = None,
    cancel: Callable[[], bool] | None = None,
    on_step: Callable[[int, int, str], None] | None = None,
    show_progress: bool = True,
) -> CostReport:
    """Measure native vs low-res + upscale render cost at ``sizes`` on this device.

    For each output size S: time ``native.render(scene, S)`` and
    ``native.render_upscaled(scene, S, S / factor, method, source_model="soft")`` (median of
    ``repeats``), then run
    each once more under :func:`peak_memory`. ``cancel()`` is checked between measurements and
    raises :class:`lab.render_cache.Cancelled` when it returns True; ``on_step(done, total, text)``
    reports progress to a widget.

    >>> report = measure("skin", ["128x72", "256x144"], repeats=1)   # doctest: +SKIP
    >>> print(report.table())                                          # doctest: +SKIP
    """
    from lab import config, scenes

    factor = validate.positive_int(factor, "factor")
    dev = device or config.device()
    jobs = _cost_jobs(sizes, factor)
    scene_obj = scenes.get(scene, seed=seed)

    def call(res: Resolution, src: Resolution | None) -> Callable[[], object]:
        return _render_call(scene_obj, res, src, method, seed, dev)

    # warm up both paths at the smallest size (imports, kernel caches, first-call overheads)
    call(*jobs[0])()
    call(*jobs[1])()
    points: list[CostPoint] = []
    note = ""
    for i, (res, src) in enumerate(
        progress(jobs, total=len(jobs), desc="measuring cost", disable=not show_progress)
    ):
        mode = "native" if src is None else "upscaled"
        if cancel is not None and cancel():
            raise Cancelled(f"cost measurement cancelled after {i} of {len(jobs)} renders")
        if on_step is not None:
            on_step(i, len(jobs), f"{mode} {res.width}x{res.height}")
        fn = call(res, src)
        timing = time_calls(fn, repeats=repeats, warmup=0, device=dev)  # warmed up above
        peak, note = peak_memory(fn, device=dev)
        source = f"{src.width}x{src.height}" if src else ""
        points.append(CostPoint(mode, res.width, res.height, timing.median, peak, source, timing.spread))
    if on_step is not None:
        on_step(len(jobs), len(jobs), "done")
    return CostReport(points, dev, method, factor, scene, memory_note=note)


def _cost_jobs(
    sizes: Sequence[str | Resolution | tuple[int, int]] | None, factor: int
) -> list[tuple[Resolution, Resolution | None]]:
    """(output size, source size or None for native) of every render to measure, native first at each size."""
    targets = [parse(s) for s in sizes] if sizes is not None else default_sizes(factor)
    if len(targets) < 2:
        raise LabError("measure at least two sizes so a scaling law can be fitted")
    for res in targets:
        if res.width % factor or res.height % factor:
            raise LabError(
                f"{res} does not divide by factor {factor}; choose sizes that are multiples of {factor}"
            )
    jobs: list[tuple[Resolution, Resolution | None]] = []
    for res in targets:
        jobs.append((res, None))
        jobs.append((res, Resolution(res.width // factor, res.height // factor)))
    return jobs


def _render_call(
    scene: Scene, res: Resolution, src: Resolution | None, method: str, seed: int, device: str
) -> Callable[[], object]:
    """The render to time: native at ``res`` when ``src`` is None, else ``src`` upscaled to ``res``."""
    from lab import native

    if src is None:
        return lambda: native.render(scene, res, 0.0, device=device)
    # a renderer at the small size does the small size's work: its own band-limited render
    # ("soft"). The default "camera" model simulates a sensor's area integration by rendering
    # 4x finer, work a real camera does for free, so it is not what the upscale path costs.
    return lambda: native.render_upscaled(
        scene, res, src, method, 0.0, seed=seed, device=device, source_model="soft"
    )
