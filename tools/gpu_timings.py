"""Time native 4K on a CUDA GPU: one rendered frame and one texture-model generation.

Prints markdown table rows (``| what | seconds | note |``) for ``tools/gpu_check.sh``. Each
measurement runs once at a small size to warm up CUDA, then times the 4K call with the GPU
synchronised before the clock stops. Exit status 2 when no CUDA GPU is visible.
"""

from __future__ import annotations

import statistics
import sys
import time

import torch

from lab import diffusion, native, scenes


def timed(fn, repeats: int) -> list[float]:
    """Wall seconds of ``repeats`` calls of ``fn``, each ended by a CUDA synchronise."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA GPU visible to torch", file=sys.stderr)
        return 2
    name = torch.cuda.get_device_name(0)
    scene = scenes.get("skin", seed=7, motion="subpixel")
    native.render(scene, "1080p", 0.0, device="cuda")  # warm-up: kernels, caches
    frames = timed(lambda: native.render(scene, "4k", 0.5, device="cuda"), repeats=3)
    print(
        f"| native render, skin, one 3840x2160 frame ({name}) | {statistics.median(frames):.2f} "
        f"| median of 3, spread {min(frames):.2f}-{max(frames):.2f} s |"
    )
    model = diffusion.TextureModel.load(device="cuda")
    model.generate("skin", "256x256", steps=2, show_progress=False)  # warm-up
    gen = timed(lambda: model.generate("skin", "4k", steps=20, seed=1, show_progress=False), repeats=1)
    print(f"| texture diffusion, skin, 3840x2160, 20 DDIM steps ({name}) | {gen[0]:.1f} | target < 60 s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
