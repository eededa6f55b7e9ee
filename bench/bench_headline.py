"""The course's headline, re-measured: native versus upscaled, per scene, per source model, per tier.

For each scene, each named source model of the low-res arm (:data:`lab.native.SOURCE_MODELS`:
``camera``, the fair default; ``sharp``, a generator that aliases; ``soft``, an over-smoothed
renderer) and each tier (1080p from 270p, the CPU tier; 4K from 540p, the GPU tier), this
renders a short clip natively and at the source size + bicubic x4, with the camera motion
``python -m lab compare`` uses by default, and measures

* detail: high-frequency share of frame 0 (energy above 0.125 cycles/px) of each arm, and
  PSNR of the upscaled frame against native;
* flicker: the RMS motion-compensated difference between consecutive frames along the
  scene's true motion, in 8-bit grey levels, next to the visibility threshold
  (:func:`lab.metrics.visibility_threshold`, Chou & Li 1995) for the frame's mean grey.

It prints one row per (tier, scene, model) and a verdict per row: who keeps more detail, who
is steadier, and whether either arm's flicker is visible. Paste the table into BENCHMARKS.md.

Usage::

    python bench/bench_headline.py                          # both tiers, 4 frames (about 5 min on 2 cores)
    python bench/bench_headline.py --tiers 1080p --frames 8 --motion subpixel
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lab import metrics, native, scenes  # noqa: E402

TIERS = {"1080p": ("1920x1080", "480x270"), "4k": ("3840x2160", "960x540")}
SCENES = ("skin", "fabric", "foliage", "zoneplate", "sign", "character")


def measure(name: str, target: str, source: str, frames: int, motion: str, models: list[str]) -> list[dict]:
    scene = scenes.get(name, seed=0, motion=motion)
    nat = native.render_clip(scene, target, frames, show_progress=False).in_memory("native")
    w_nat = metrics.warp_error(nat, flow="truth", show_progress=False)
    hf_nat = metrics.high_frequency_share(nat.frame(0))
    rows = []
    for model in models:
        up = native.upscaled_clip(
            scene, target, source, "bicubic", frames, show_progress=False, source_model=model
        ).in_memory(model)
        w_up = metrics.warp_error(up, flow="truth", show_progress=False)
        rows.append(
            {
                "scene": name,
                "model": model,
                "hf_native": hf_nat,
                "hf_up": metrics.high_frequency_share(up.frame(0)),
                "psnr": metrics.psnr(nat.frame(0), up.frame(0)),
                "rms_native": w_nat.rms_levels,
                "rms_up": w_up.rms_levels,
                "threshold": w_nat.threshold_levels,
            }
        )
    return rows


def verdict(r: dict) -> str:
    detail = "native more detail" if r["hf_native"] > r["hf_up"] else "upscaled more detail"
    ratio = r["rms_up"] / max(r["rms_native"], 1e-9)
    steady = (
        f"native {ratio:.1f}x steadier" if ratio > 1 else f"upscaled {1 / max(ratio, 1e-9):.1f}x steadier"
    )
    seen = [
        arm for arm, key in (("native", "rms_native"), ("upscaled", "rms_up")) if r[key] >= r["threshold"]
    ]
    visible = "flicker visible in " + " and ".join(seen) if seen else "both below visibility"
    return f"{detail}; {steady}; {visible}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="1080p,4k", help="comma-separated: " + ", ".join(TIERS))
    parser.add_argument("--scenes", default=",".join(SCENES))
    parser.add_argument("--models", default=",".join(native.SOURCE_MODELS))
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--motion", default="pan")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {load:.1f}; "
        f"{args.frames} frames, motion {args.motion}, bicubic x4, flow = truth"
    )
    print(
        "| tier | scene | source model | high-freq share native / upscaled | PSNR (dB) | "
        "flicker RMS native / upscaled (grey levels) | threshold | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for tier in args.tiers.split(","):
        target, source = TIERS[tier]
        for name in args.scenes.split(","):
            start = time.perf_counter()
            for r in measure(name, target, source, args.frames, args.motion, args.models.split(",")):
                print(
                    f"| {tier} | {name} | {r['model']} | {r['hf_native']:.4f} / {r['hf_up']:.4f} | {r['psnr']:.2f} | "
                    f"{r['rms_native']:.2f} / {r['rms_up']:.2f} | {r['threshold']:.1f} | {verdict(r)} |",
                    flush=True,
                )
            print(f"<!-- {tier} {name}: {time.perf_counter() - start:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
