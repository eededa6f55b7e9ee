"""Native rendering benchmarks: the cost of every pixel.

Prints one table. Rows:

* native skin frame at 1080p and at 4K (3840x2160), through ``lab.native.render`` (uint8 out):
  median and best wall time of ``--repeats`` renders after a warm-up, process CPU time per
  frame, and nanoseconds per pixel. Targets: 4K median <= 0.8 s; cost per pixel at 4K within
  1.2x of 1080p (linear scaling);
* the other scenes at 1080p, for context;
* peak memory while rendering a ``--frames``-frame 4K skin clip straight into an mp4
  (``lab.native.render_clip`` + ``lab.video.write_mp4``), measured as the peak RSS (VmHWM,
  which restarts at exec, unlike ru_maxrss that a forked child inherits from its parent) of a
  fresh Python subprocess; the ffmpeg encoder is a separate process, reported apart (its
  ru_maxrss). Target: < 1.5 GB.

Usage: ``python bench/bench_native.py [--repeats 7] [--frames 48] [--threads N] [--skip-clip]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

CLIP_CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {root!r})
import torch
if {threads}:
    torch.set_num_threads({threads})
from lab import native, scenes
from lab.video import write_mp4
base = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
clip = native.render_clip(scenes.get("skin", motion="pan"), "4k", {frames}, show_progress=False)
start = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    path = write_mp4(clip, Path(tmp) / "skin4k.mp4", show_progress=False)
    size = path.stat().st_size
wall = time.perf_counter() - start
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"peak_kib": hwm, "import_kib": base,
                  "ffmpeg_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "wall": wall, "bytes": size}}))
"""


def time_render(scene, res: str, repeats: int) -> dict[str, float]:
    """Median/min wall seconds and mean CPU seconds of ``native.render`` (after one warm-up)."""
    from lab import native
    from lab.resolution import parse

    native.render(scene, res)
    walls, cpus = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        native.render(scene, res)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    px = parse(res).pixels
    med = statistics.median(walls)
    return {
        "median": med,
        "min": min(walls),
        "cpu": statistics.mean(cpus),
        "ns_px": med / px * 1e9,
        "ns_px_min": min(walls) / px * 1e9,
    }


def time_pair(scene, res_a: str, res_b: str, repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """Like :func:`time_render` for two sizes, interleaved so that load drift hits both alike."""
    from lab import native
    from lab.resolution import parse

    native.render(scene, res_a)
    native.render(scene, res_b)
    walls: dict[str, list[float]] = {res_a: [], res_b: []}
    cpus: dict[str, list[float]] = {res_a: [], res_b: []}
    for _ in range(repeats):
        for res in (res_a, res_b):
            c0, w0 = time.process_time(), time.perf_counter()
            native.render(scene, res)
            walls[res].append(time.perf_counter() - w0)
            cpus[res].append(time.process_time() - c0)
    out = []
    for res in (res_a, res_b):
        px = parse(res).pixels
        med = statistics.median(walls[res])
        out.append(
            {
                "median": med,
                "min": min(walls[res]),
                "cpu": statistics.mean(cpus[res]),
                "ns_px": med / px * 1e9,
                "ns_px_min": min(walls[res]) / px * 1e9,
            }
        )
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: lab.native's automatic choice)")
    ap.add_argument("--skip-clip", action="store_true", help="skip the 4K clip memory measurement")
    args = ap.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from lab import native, scenes

    mode = "" if args.threads else f" (render picks 1 while the machine is busy: {native.busy()})"
    print(
        f"# torch {torch.__version__}, {torch.get_num_threads()} threads{mode}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    rows: list[tuple[str, str, str]] = []
    skin = scenes.get("skin")
    hd, uhd = time_pair(skin, "1080p", "4k", args.repeats)
    hd_px, uhd_px = 1920 * 1080, 3840 * 2160
    for label, r in (("1080p", hd), ("4K", uhd)):
        rows.append(
            (
                f"native skin frame {label}",
                f"median {r['median']:.3f} s, best {r['min']:.3f} s, CPU {r['cpu']:.3f} s/frame, {r['ns_px']:.1f} ns/px",
                "<= 0.8 s median" if label == "4K" else "",
            )
        )
    rows.append(
        (
            "cost per pixel 4K / 1080p",
            (
                f"{uhd['ns_px'] / hd['ns_px']:.2f}x (median), {uhd['ns_px_min'] / hd['ns_px_min']:.2f}x (best), "
                f"{uhd['cpu'] / hd['cpu'] * hd_px / uhd_px:.2f}x (CPU time)"
            ),
            "<= 1.2x",
        )
    )
    for name in scenes.names():
        if name == "skin":
            continue
        r = time_render(scenes.get(name), "1080p", max(3, args.repeats // 2))
        rows.append(
            (f"native {name} frame 1080p", f"median {r['median']:.3f} s, CPU {r['cpu']:.3f} s/frame", "")
        )
    show(rows)
    if not args.skip_clip:
        code = CLIP_CHILD.format(root=str(ROOT), threads=args.threads, frames=args.frames)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"the clip subprocess failed:\n{out.stderr[-3000:]}")
        m = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(
            (
                f"peak RSS, {args.frames}-frame 4K skin clip -> mp4",
                (
                    f"{m['peak_kib'] / 1024:.0f} MiB (after imports {m['import_kib'] / 1024:.0f} MiB); "
                    f"ffmpeg {m['ffmpeg_kib'] / 1024:.0f} MiB; {args.frames / m['wall']:.2f} frames/s, {m['bytes'] / 1e6:.1f} MB"
                ),
                "< 1.5 GB",
            )
        )
        show(rows[-1:], header=False)


def show(rows: list[tuple[str, str, str]], header: bool = True) -> None:
    """Print table rows (markdown), flushing so partial results survive a later failure."""
    if header:
        print("| measure | result | target |")
        print("| --- | --- | --- |")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |", flush=True)


if __name__ == "__main__":
    main()
