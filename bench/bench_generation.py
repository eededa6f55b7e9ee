"""Benchmark native AI generation with the shipped texture diffusion model; prints a markdown table.

Rows: 20-step DDIM generation at 256x256, 512x512 (whole grid) and 1920x1080 (overlapping
tiles, blended), with wall time, cost per pixel relative to 512x512, the tile plan and the
seam score of the tiled image (1.0 = borders invisible); then the training record stored in
the weights (steps, final loss, measured training time) and a short re-measurement of the
training step time. On CUDA (when available) it also times native 4K.

    python bench/bench_generation.py                 # full table (about 2-3 min on 2 idle cores)
    python bench/bench_generation.py --quick         # 256x256 and 512x512 only
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lab import diffusion  # noqa: E402
from lab.resolution import parse  # noqa: E402


def time_generation(model: diffusion.TextureModel, kind: str, size: str, steps: int, repeats: int) -> dict:
    """Median wall time of ``repeats`` generations (after one warm-up at a small size)."""
    res = parse(size)
    h, w = model.padded(res)
    plan = model.plan(h, w, tile="auto")
    times = []
    image = None
    for r in range(repeats):
        t0 = time.perf_counter()
        image = model.generate(kind, res, steps=steps, seed=r, show_progress=False)
        times.append(time.perf_counter() - t0)
    seconds = float(np.median(times))
    seam = (
        diffusion.seam_score(
            np.pad(image, ((0, h - res.height), (0, w - res.width), (0, 0)), mode="edge"), plan
        )
        if plan.count > 1
        else float("nan")
    )
    return {
        "size": f"{res.width}x{res.height}",
        "seconds": seconds,
        "ns_per_px_step": seconds / (res.pixels * steps) * 1e9,
        "plan": "whole grid"
        if plan.count == 1
        else f"{plan.count} tiles {plan.size[1]}x{plan.size[0]} (overhead {plan.overhead:.2f}x)",
        "seam": seam,
    }


def time_training_step(
    model: diffusion.TextureModel, batch: int = 16, crop: int = 64, repeats: int = 5
) -> float:
    """Median seconds of one training step (forward + backward + AdamW) on random data."""
    unet = diffusion.build_unet(model.config).train()
    opt = torch.optim.AdamW(unet.parameters(), lr=1e-4)
    x = torch.randn(batch, 3, crop, crop)
    labels = torch.zeros(batch, dtype=torch.long)
    times = []
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        t = torch.randint(0, 1000, (batch,))
        loss = torch.nn.functional.mse_loss(unet(x, t, class_labels=labels).sample, x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:  # first step is warm-up
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--steps", type=int, default=20, help="DDIM steps")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per size (median)")
    parser.add_argument("--kind", default="foliage", help="texture class to generate")
    parser.add_argument("--quick", action="store_true", help="only 256x256 and 512x512")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = diffusion.load()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} thread(s), device {device}"
    )
    print(
        f"model: {model.parameters:,} parameters, classes {', '.join(model.classes)}, {args.steps} DDIM steps\n"
    )
    model.generate(args.kind, "64x64", steps=2, show_progress=False)  # warm-up
    sizes = ["256x256", "512x512"] + ([] if args.quick else ["1920x1080"])
    rows = [time_generation(model, args.kind, s, args.steps, args.repeats) for s in sizes]
    base = next(r for r in rows if r["size"] == "512x512")["ns_per_px_step"]
    print("| size | denoiser plan | time (s) | ns / px / step | cost per px vs 512x512 | seam score |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        seam = "-" if np.isnan(r["seam"]) else f"{r['seam']:.2f}"
        print(
            f"| {r['size']} | {r['plan']} | {r['seconds']:.1f} | {r['ns_per_px_step']:.0f} | {r['ns_per_px_step'] / base:.2f}x | {seam} |"
        )
    if device == "cuda":
        model.to("cuda")
        t0 = time.perf_counter()
        model.generate(args.kind, "4k", steps=args.steps, show_progress=False)
        torch.cuda.synchronize()
        print(f"| 3840x2160 (CUDA) | auto | {time.perf_counter() - t0:.1f} | | | |")
        model.to("cpu")
    info = model.info
    step_s = time_training_step(model)
    print("\n| training | value |")
    print("| --- | --- |")
    print(
        f"| shipped run: steps x batch | {info.get('steps', '?')} x {info.get('batch', '?')} of {info.get('crop', '?')}x{info.get('crop', '?')} crops |"
    )
    print(f"| shipped run: final loss | {info.get('final_loss', float('nan')):.4f} |")
    print(
        f"| shipped run: measured training time | {info.get('train_seconds', float('nan')) / 60:.1f} min ({info.get('seconds_per_step', float('nan')):.3f} s/step, {info.get('threads', '?')} thread(s), shared CPU) |"
    )
    print(f"| training step now (batch 16, {args.threads} thread(s)) | {step_s:.3f} s |")
    print(f"| command | `{info.get('command', 'python -m lab.train texture')}` |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
