"""Benchmark the measurement library and print a table (paste it into BENCHMARKS.md, ## Metrics).

Three measurements, as the metrics issue asks:

1. ``report`` on a 48-frame 1080p native/candidate pair, frame pairs per second, with
   ground-truth flow and with DIS flow (targets: >= 4 and >= 2 pairs/s on a 2-core CPU). The
   frames are synthetic (a panned band-limited texture and its bicubic x4 from 480x270) and
   held in memory, so only the metrics are timed, not rendering.
2. SSIM (Y) of a 4K frame pair: ``lab.metrics.ssim`` (including its luma conversion) against
   scikit-image's ``structural_similarity`` on precomputed luma, same settings, same run
   (target: ratio <= 1.0).
3. Peak memory of ``report`` on a 240-frame 4K pair read from mp4 (written with
   ``lab.video.write_mp4``), measured as the max RSS of a fresh subprocess (target: < 1.5 GB).
The headline (native versus upscaled, per scene and source model, at both tiers) has its own
script: ``bench/bench_headline.py``.

Usage::

    python bench/bench_metrics.py                 # everything (several minutes on 2 cores)
    python bench/bench_metrics.py --part report --frames 24
    python bench/bench_metrics.py --part memory --mem-frames 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lab import metrics
from lab.resolution import Resolution
from lab.video import Clip, read_mp4, write_mp4

STEP: float = 2  # px per frame of the synthetic pan (--step; a fraction makes the exact warp work)


def texture_strip(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A band-limited colour texture (uint8) wide enough to pan across."""
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.random((height, width)).astype(np.float32), (0, 0), 1.2)
    base = (base - base.min()) / (base.max() - base.min())
    return np.ascontiguousarray(np.dstack([base, base[::-1], base[:, ::-1]]) * 255).astype(np.uint8)


def pan_clips(res: Resolution, n: int, *, in_memory: bool) -> tuple[Clip, Clip]:
    """Native pan (with its exact flow) and a bicubic x4 candidate from a 1/4-size area downscale."""
    w, h = res.width, res.height
    strip = texture_strip(h, w + int(np.ceil(STEP * n)) + 8)

    def native_frame(t: int) -> np.ndarray:
        x0 = STEP * (n - t)
        if float(x0).is_integer():
            return np.ascontiguousarray(strip[:, int(x0) : int(x0) + w])
        from lab.metrics.flow import exact_shift  # a sub-pixel pan, band-limited

        moved = exact_shift(strip[:, : w + int(np.ceil(x0)) + 4], x0, 0.0)[:, :w]
        return np.clip(np.rint(moved), 0, 255).astype(np.uint8)

    def candidate_frame(t: int) -> np.ndarray:
        small = cv2.resize(native_frame(t), (w // 4, h // 4), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)

    flow = np.zeros((h, w, 2), np.float32)
    flow[..., 0] = STEP
    if in_memory:
        nat = Clip.from_frames([native_frame(t) for t in range(n)], flow=lambda t: flow, name="native")
        cand = Clip.from_frames([candidate_frame(t) for t in range(n)], name="bicubic x4")
        return nat, cand
    nat = Clip.from_function(native_frame, n, res, name="native")
    cand = Clip.from_function(candidate_frame, n, res, name="bicubic x4")
    return nat, cand


def bench_report(n: int, flows: tuple[str, ...] = ("truth", "dis")) -> list[tuple[str, str, str]]:
    res = Resolution(1920, 1080)
    nat, cand = pan_clips(res, n, in_memory=True)
    rows = []
    targets = {"truth": 4.0, "dis": 2.0}
    for flow, target in ((f, targets[f]) for f in flows):
        start, cpu = time.perf_counter(), time.process_time()
        rep = metrics.report(nat, cand, flow=flow, show_progress=False)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        rate = (n - 1) / seconds
        warp = rep.warps["native"].warp
        rows.append(
            (
                f"report, {n} frames 1080p, pan {STEP:g} px/frame, flow={flow} ({warp} warp): wall clock",
                f"{rate:.2f} pairs/s ({seconds:.1f} s)",
                f">= {target:g} pairs/s: {'met' if rate >= target else 'NOT met'}",
            )
        )
        # CPU seconds of this process (all threads): what the work costs, whatever the load
        rows.append(
            (
                f"report, {n} frames 1080p, pan {STEP:g} px/frame, flow={flow}: CPU time",
                f"{(n - 1) / cpu:.2f} pairs per CPU-s ({cpu:.1f} CPU-s)",
                "rate with one fully available core",
            )
        )
        assert rep.reliable, rep.message
    return rows


def bench_ssim(repeats: int = 3) -> list[tuple[str, str, str]]:
    from skimage.metrics import structural_similarity

    res = Resolution(3840, 2160)
    nat, cand = pan_clips(res, 2, in_memory=True)
    a, b = nat.frame(0), cand.frame(0)
    ya, yb = metrics.luma(a), metrics.luma(b)
    ours, theirs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        v1 = metrics.ssim(a, b)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        v2 = structural_similarity(
            ya, yb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
        )
        theirs.append(time.perf_counter() - start)
    assert abs(v1 - v2) < 1e-3, (v1, v2)
    t_ours, t_theirs = min(ours), min(theirs)
    ratio = t_ours / t_theirs
    return [
        ("SSIM (Y) 4K pair, lab.metrics.ssim (incl. luma)", f"{t_ours:.2f} s", f"SSIM {v1:.5f}"),
        ("SSIM (Y) 4K pair, skimage structural_similarity", f"{t_theirs:.2f} s", f"SSIM {v2:.5f}"),
        ("SSIM time ratio lab / skimage", f"{ratio:.2f}", f"<= 1.0: {'met' if ratio <= 1.0 else 'NOT met'}"),
    ]


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from lab import metrics
from lab.video import read_mp4
nat, cand = read_mp4({a!r}), read_mp4({b!r})
start = time.perf_counter()
rep = metrics.report(nat, cand, flow={flow!r}, show_progress=False)
seconds = time.perf_counter() - start
print(json.dumps({{
    "seconds": seconds, "frames": len(nat),
    "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "decoder_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "warp_native": rep.value("warp_error", "native"), "warp_candidate": rep.value("warp_error", "candidate"),
}}))
"""


def bench_memory(n: int, flow: str) -> list[tuple[str, str, str]]:
    res = Resolution(3840, 2160)
    nat, cand = pan_clips(res, n, in_memory=False)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "native.mp4", Path(tmp) / "candidate.mp4"
        start = time.perf_counter()
        write_mp4(nat, a, show_progress=False)
        write_mp4(cand, b, show_progress=False)
        encode = time.perf_counter() - start
        assert len(read_mp4(a)) == n
        flow_arg = flow if flow == "dis" else (STEP, 0)
        code = _CHILD.format(root=str(ROOT), a=str(a), b=str(b), flow=flow_arg)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    peak_mb = info["self_kb"] / 1024
    return [
        (
            f"report, {n} frames 4K from mp4, flow={flow}: peak RSS (python)",
            f"{peak_mb:.0f} MB",
            f"< 1500 MB: {'met' if peak_mb < 1500 else 'NOT met'}",
        ),
        ("  largest ffmpeg decoder process", f"{info['decoder_kb'] / 1024:.0f} MB", "separate process"),
        (
            "  analysis time / encode time",
            f"{info['seconds']:.0f} s / {encode:.0f} s",
            f"{(n - 1) / info['seconds']:.2f} pairs/s",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "report", "ssim", "memory"], default="all")
    parser.add_argument("--frames", type=int, default=48, help="frames of the 1080p report clips")
    parser.add_argument("--mem-frames", type=int, default=240, help="frames of the 4K mp4 clips")
    parser.add_argument("--mem-flow", choices=["dis", "global"], default="dis")
    parser.add_argument("--step", type=float, default=2.0, help="px/frame of the pan (2.5: sub-pixel)")
    parser.add_argument("--flows", default="truth,dis", help="report flows to time, comma separated")
    args = parser.parse_args()
    global STEP
    STEP = args.step
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows: list[tuple[str, str, str]] = []
    if args.part in ("all", "ssim"):
        rows += bench_ssim()
    if args.part in ("all", "report"):
        rows += bench_report(args.frames, tuple(args.flows.split(",")))
    if args.part in ("all", "memory"):
        rows += bench_memory(args.mem_frames, args.mem_flow)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average at start {load:.1f}, OpenCV {cv2.__version__}, numpy {np.__version__}"
    )
    print("| measurement | result | target / note |")
    print("|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")


if __name__ == "__main__":
    main()
