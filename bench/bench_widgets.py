"""How fast the interactive tools answer, measured from Python on a real 4K render.

Renders the zone plate natively at 3840x2160 and upscaled from 960x540 (bicubic and Lanczos)
once, into the render cache, then drives the explorer (compare + loupe + wipe) the way a
student does: loupe moves, zoom changes, wipe drags, PNG-at-rest, and a re-render that hits
the cache. Each interaction is timed from setting the widget value until every image it
changes has been encoded (the bytes ready to go to the browser). Also measures the render
cost explorer's scaling law on this machine.

    python bench/bench_widgets.py            # full: 4K source, 60 loupe moves
    python bench/bench_widgets.py --quick    # 1080p source, 15 moves (a smoke run)
    python bench/bench_widgets.py --suggested  # the flicker meters lesson 5 suggests, at the sizes the
                                               # CPU tier picks: estimate vs time, and Cancel's delay

The target is < 150 ms per loupe move at 4K source.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def _stats(times: list[float]) -> tuple[float, float, float]:
    ms = sorted(t * 1e3 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return statistics.median(ms), p95, ms[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1080p source and fewer moves")
    parser.add_argument("--scene", default="zoneplate")
    parser.add_argument("--moves", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--no-cost", action="store_true", help="skip the cost-explorer measurement")
    parser.add_argument("--cost-scene", default="skin", help="scene for the cost measurement")
    parser.add_argument(
        "--suggested", action="store_true", help="time lesson 5's suggested flicker meters instead"
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if args.suggested:
        suggested()
        return
    from lab import config, cost, widgets
    from lab.render_cache import RenderCache

    target, source = ("1920x1080", "480x270") if args.quick else ("3840x2160", "960x540")
    moves = args.moves or (15 if args.quick else 60)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} logical CPUs, torch {torch.__version__} "
        f"({args.threads} threads), device {config.device()}, python {platform.python_version()}"
    )

    start = time.perf_counter()
    ex = widgets.explore(
        args.scene,
        target=target,
        source=source,
        methods=["bicubic", "lanczos"],
        background=False,
        cache=RenderCache(),
        settle_s=None,
        loupe_size=320,
        zoom=8,
        panel_width=480,
        wipe_width=640,
    )
    first = time.perf_counter() - start
    if ex.status.error is not None:
        raise SystemExit(f"render failed: {ex.status.error}")
    renders = ", ".join(f"{r.key.label} {r.seconds:.2f} s" for r in ex.compare.renders)
    print(f"first render + build (cold cache): {first:.2f} s  [{renders}]")

    rows: list[tuple[str, list[float], str]] = []
    rng = np.random.default_rng(0)
    h, w = ex.compare.renders[0].frame.shape[:2]
    views = ex.loupe.views + ex.compare.views + [ex.wipe.view]

    def sizes() -> int:
        return max(len(v.image.value) for v in views)

    times, biggest = [], 0
    for x, y in zip(rng.integers(0, w, moves), rng.integers(0, h, moves)):
        t0 = time.perf_counter()
        with ex.loupe.ui.hold_trait_notifications():
            ex.loupe.x.value = int(x)
        ex.loupe.y.value = int(y)
        times.append(time.perf_counter() - t0)
        biggest = max(biggest, sizes())
    rows.append(("loupe x+y move (3 panels, JPEG)", times, f"{biggest / 1024:.0f} KiB"))

    times = []
    for x in rng.integers(0, w, moves):
        t0 = time.perf_counter()
        ex.loupe.x.value = int(x)
        times.append(time.perf_counter() - t0)
    rows.append(("loupe x move (JPEG)", times, f"{sizes() / 1024:.0f} KiB"))

    times, biggest = [], 0
    for x in rng.integers(0, w, max(5, moves // 4)):
        ex.loupe.x.value = int(x)
        t0 = time.perf_counter()
        ex.loupe.settle()
        ex.wipe.view.settle()
        times.append(time.perf_counter() - t0)
        biggest = max(biggest, sizes())
    rows.append(("settle to PNG (all views)", times, f"{biggest / 1024:.0f} KiB"))

    times = []
    for z in [2, 4, 16, 32, 8] * max(1, moves // 10):
        t0 = time.perf_counter()
        ex.loupe.zoom.value = z
        times.append(time.perf_counter() - t0)
    rows.append(("zoom change", times, ""))

    times = []
    for p in np.linspace(0, 100, moves):  # percent
        t0 = time.perf_counter()
        ex.wipe.position.value = float(p)
        times.append(time.perf_counter() - t0)
    rows.append(("wipe drag", times, f"{len(ex.wipe.view.image.value) / 1024:.0f} KiB"))

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        ex.compare.render()
        times.append(time.perf_counter() - t0)
    rows.append(("re-render, all panels cached", times, ""))

    print()
    print(
        f"{'interaction at ' + target + ' source':<36} {'n':>4} {'median':>9} {'p95':>9} {'max':>9}  payload max"
    )
    for name, ts, note in rows:
        med, p95, mx = _stats(ts)
        print(f"{name:<36} {len(ts):>4} {med:7.1f} ms {p95:7.1f} ms {mx:7.1f} ms  {note}")
    loupe_p95 = _stats(rows[0][1])[1]
    print(f"\nloupe move p95 {loupe_p95:.1f} ms: {'under' if loupe_p95 < 150 else 'OVER'} the 150 ms target")

    if not args.no_cost:
        sizes_ = (
            ["320x180", "640x360", "960x540", "1920x1080"]
            if not args.quick
            else ["320x180", "640x360", "960x540"]
        )
        print(f"\ncost explorer (lab.cost.measure, scene {args.cost_scene}, bicubic x4, median of 2):")
        report = cost.measure(
            args.cost_scene, sizes_, method="bicubic", factor=4, repeats=2, show_progress=False
        )
        print(report.table())
        for mode in ("native", "upscaled"):
            print(f"fit {mode}: time = {report.fits[mode]}")


def suggested() -> None:
    """Each suggested flicker meter, as a student on this machine's tier gets it: the plan, the
    estimate it shows before starting and the time it took; then Cancel pressed 5 s into a
    diffusion-sr run, and how long it took to stop."""
    import matplotlib

    matplotlib.use("Agg")
    from lab import config, widgets

    print(f"tier {config.tier().name}; load average {os.getloadavg()[0]:.2f} at the start")
    print(f"{'call':<66} {'plan':<34} {'estimate':>9} {'took':>8}")
    for method in ["bicubic", "realesrgan-x4", "diffusion-sr"]:
        t0 = time.perf_counter()
        meter = widgets.FlickerMeter(
            "fabric", method=method, motion="subpixel", background=False, settle_s=None
        )
        took = time.perf_counter() - t0
        if meter.status.error is not None:
            raise SystemExit(f"{method}: {meter.status.error}")
        s = meter.settings
        plan = f"{s.n_frames} frames {s.target.width}x{s.target.height}"
        estimate = "-" if s.estimate_s is None else f"{s.estimate_s:.1f} s"
        call = f'FlickerMeter("fabric", method="{method}", motion="subpixel")'
        print(f"{call:<66} {plan:<34} {estimate:>9} {took:6.1f} s")
    meter = widgets.FlickerMeter("fabric", method="diffusion-sr", motion="subpixel", compute_now=False)
    meter.compute()
    time.sleep(5.0)
    pressed = time.perf_counter()
    meter.status.request_cancel()
    meter.wait()
    print(
        f"\nCancel pressed 5 s into the diffusion-sr meter: stopped after {time.perf_counter() - pressed:.2f} s "
        f"({meter.status.message.value})"
    )


if __name__ == "__main__":
    main()
