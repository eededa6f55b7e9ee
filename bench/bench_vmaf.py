"""Benchmark VMAF (libvmaf through imageio-ffmpeg's ffmpeg) next to metrics.report, and print a table.

Rows: frames per second of VMAF (standard model, one pass; and the standard + NEG models in one
pass) for an in-memory native/upscaled pair at 1080p and 4K, and pairs per second of
``metrics.report`` on the same pair without VMAF and with it (its default). Frames are a
smooth random texture panning one pixel per frame and its blurred copy (content barely
changes VMAF's cost).

    python bench/bench_vmaf.py                 # 48 frames at 1080p, 24 at 4K
    python bench/bench_vmaf.py --frames 12     # quicker
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from lab import metrics  # noqa: E402
from lab.optional import opencv  # noqa: E402
from lab.resolution import parse  # noqa: E402

cv2 = opencv()


def pair(size: str, frames: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    res = parse(size)
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(
        (rng.random((res.height, res.width + frames, 3)) * 255).astype(np.uint8), (0, 0), 2
    )
    native = [np.ascontiguousarray(base[:, t : t + res.width]) for t in range(frames)]
    return native, [cv2.GaussianBlur(f, (0, 0), 1.5) for f in native]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=48, help="frames at 1080p (half as many at 4K)")
    args = parser.parse_args(argv)
    print(f"{platform.machine()}, {os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}\n")
    print(
        "| size | frames | VMAF (1 model) frames/s | VMAF + NEG in one pass frames/s | "
        "report without VMAF pairs/s | report with VMAF (default) pairs/s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for size, n in (("1080p", args.frames), ("4k", max(2, args.frames // 2))):
        native, candidate = pair(size, n)
        one = timed(lambda native=native, candidate=candidate: metrics.vmaf(native, candidate))
        two = timed(
            lambda native=native, candidate=candidate: metrics.vmaf_scores(
                native, candidate, models=("vmaf_v0.6.1", "vmaf_v0.6.1neg")
            )
        )
        bare = timed(
            lambda native=native, candidate=candidate: metrics.report(
                native, candidate, flow=(1, 0), vmaf_models=(), show_progress=False
            )
        )
        full = timed(
            lambda native=native, candidate=candidate: metrics.report(
                native, candidate, flow=(1, 0), show_progress=False
            )
        )
        print(
            f"| {size} | {n} | {n / one:.1f} | {n / two:.1f} | {(n - 1) / bare:.2f} | {(n - 1) / full:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
