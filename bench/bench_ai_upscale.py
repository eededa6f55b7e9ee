"""Benchmark the AI upscalers on this machine and print a Markdown table.

Rows: Real-ESRGAN compact 540p -> 4K (whole frame and 256-px tiles; the course's target is
under 5 s per frame on CPU), the learned SR at x2 and x4 to 1080p, and the diffusion SR
(x4, 10 DDIM steps) at 240x135 -> 960x540 (and 480x270 -> 1080p with ``--full``).
Inputs are random-phase smooth test frames (the cost does not depend on content).

Usage::

    python bench/bench_ai_upscale.py               # CPU, torch's default thread count
    python bench/bench_ai_upscale.py --threads 2 --repeat 3 --full
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def _frame(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = 0.5 + 0.25 * np.sin(xx / 7.0 + rng.uniform(0, 6))[..., None] * np.cos(yy / 11.0)[..., None]
    img = img + 0.05 * rng.standard_normal((height, width, 3))
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def _time(fn, repeat: int) -> list[float]:
    fn()  # warm-up (weights load, allocator)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="timed runs per row after one warm-up (default 2)"
    )
    parser.add_argument(
        "--full", action="store_true", help="also time diffusion-sr to 1080p (minutes on CPU)"
    )
    parser.add_argument("--device", default=None, help="cpu or cuda (default: lab.config.device())")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from lab.config import device as default_device
    from lab.models import diffusion_sr, learned_sr, realesrgan

    dev = args.device or default_device()
    rows = [
        (
            "realesrgan-x4 (whole frame)",
            960,
            540,
            4,
            lambda f: realesrgan.upscale_frame(f, 4, tile=0, device=dev),
        ),
        (
            "realesrgan-x4 (256 px tiles)",
            960,
            540,
            4,
            lambda f: realesrgan.upscale_frame(f, 4, tile=256, device=dev),
        ),
        ("learned-sr x2", 960, 540, 2, lambda f: learned_sr.upscale_frame(f, 2, device=dev)),
        ("learned-sr x4", 480, 270, 4, lambda f: learned_sr.upscale_frame(f, 4, device=dev)),
        (
            "diffusion-sr x4, 10 DDIM steps",
            240,
            135,
            4,
            lambda f: diffusion_sr.upscale_frame(f, 4, seed=0, device=dev),
        ),
    ]
    if args.full:
        rows.append(
            (
                "diffusion-sr x4, 10 DDIM steps",
                480,
                270,
                4,
                lambda f: diffusion_sr.upscale_frame(f, 4, seed=0, device=dev),
            )
        )
    cpu = platform.processor() or platform.machine()
    print(f"device {dev}; torch {torch.__version__}; {torch.get_num_threads()} thread(s); {cpu}")
    print()
    print("| upscaler | input | output | s / frame (median) | output Mpx / s |")
    print("|---|---|---|---|---|")
    for name, w, h, s, fn in rows:
        frame = _frame(w, h)
        times = _time(lambda fn=fn, frame=frame: fn(frame), args.repeat)
        med = statistics.median(times)
        print(
            f"| {name} | {w}x{h} | {w * s}x{h * s} | {med:.2f} | {w * s * h * s / med / 1e6:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
