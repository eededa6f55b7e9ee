"""Benchmark: grading and rendering on a local Dask cluster, and what a class or a clip set needs.

    python bench/bench_cluster.py [--n 40] [--workers 1 2] [--render-scene skin]

Grades the same ``n`` submissions of exercise 1 (made as in bench_grading.py) on a
``LocalCluster`` of 1 and 2 worker processes (one thread each) and prints the ratio; times the
scheduler's overhead per task with no-op tasks; times one native 4K frame and one 4K frame
upscaled from 540p (bicubic) as render tasks; then prints, from those measured seconds, the
wall time of a class of 2,000 students x 5 exercises and of a 10-second 4K clip set on N
workers. The machine's core count bounds what the 2-worker run can show.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import make_submissions
from distributed import Client, LocalCluster

from lab import render_set
from lab.grading import build as gb
from lab.grading import grade as gg


def _noop(x: int) -> int:
    return x


def scheduler_overhead(client: Client, n: int = 400) -> float:
    """Seconds per no-op task, submitted all at once and gathered (the scheduler's share of a task)."""
    client.gather(client.map(_noop, range(20), pure=False))  # warm up
    t0 = time.perf_counter()
    client.gather(client.map(_noop, range(n), pure=False))
    return (time.perf_counter() - t0) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--render-scene", default="skin")
    args = parser.parse_args(argv)

    rows, overhead = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        work = Path(tmp)
        [built] = gb.build(
            ROOT / "exercises",
            work / "student",
            work / "dist",
            public_dir=work / "public",
            only=["ex01_pixels_and_bytes"],
            run_tests=False,
        )
        subs = work / "subs"
        subs.mkdir()
        offsets = make_submissions(built.solution, built.student, subs, args.n)
        full = sum(built.questions.values())
        for workers in args.workers:
            with (
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,
            ):
                overhead[workers] = scheduler_overhead(client)
                t0 = time.perf_counter()
                results = gg.grade_folder(
                    subs, built.bundle, work / f"book-{workers}.csv", scheduler=cluster.scheduler_address
                )
                wall = time.perf_counter() - t0
            wrong = [r.student for r in results if r.total != full + offsets[r.student] or r.status != "ok"]
            rows.append((workers, len(results), wall, len(wrong)))
        render = {}
        for arm in ("native", "bicubic"):
            segment = render_set.Segment(args.render_scene, arm, "4k", "540p", 0, 1, 24.0, 0, 18, "pan")
            t0 = time.perf_counter()
            render_set.render_segment(segment)
            render[arm] = time.perf_counter() - t0

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print(
        "| worker processes | submissions | wall (s) | per submission (s) | speed-up vs 1 worker | wrong grades | scheduler overhead per no-op task (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    base = rows[0][2]
    for workers, n, wall, bad in rows:
        print(
            f"| {workers} | {n} | {wall:.1f} | {wall / n:.2f} | {base / wall:.2f}x | {bad} | {overhead[workers] * 1e3:.2f} |"
        )
    per_sub = rows[0][2] / rows[0][1]  # one worker: seconds of one worker per submission
    print()
    print(
        f"one 4K frame of {args.render_scene} as a render task: native {render['native']:.1f} s, "
        f"bicubic from 540p {render['bicubic']:.1f} s (encode and flow included)"
    )
    print()
    print("On paper (one worker = one process with one core, as measured here):")
    print("| job | work (worker-hours) | 1 worker | 10 workers | 100 workers |")
    print("|---|---:|---:|---:|---:|")
    class_s = 2000 * 5 * per_sub
    clip_frames = 10 * 24
    clips_s = clip_frames * (render["native"] + render["bicubic"])
    for name, seconds in (
        (f"grade 2,000 students x 5 exercises ({per_sub:.1f} s each)", class_s),
        (f"one scene, 10 s of 4K: native + bicubic ({clip_frames} frames each)", clips_s),
    ):
        print(
            f"| {name} | {seconds / 3600:.1f} | {seconds / 3600:.1f} h | {seconds / 36000:.2f} h | {seconds / 360000:.3f} h |"
        )
    return 0 if all(r[3] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
