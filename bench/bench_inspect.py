"""Validate ``lab.inspect`` on a held-out set built at run time, against a single-kernel search.

Content the estimator was not tuned on: real photos from scikit-image's data (``PHOTOS``) and
the course's scenes with seeds never used in development (``SCENES``; development used seeds 1
and 5), panned, then made
natively at the target size and upscaled from six source heights (0.33x to 0.9x of it) with
every classical kernel in :mod:`lab.upscale`, plus the learned upscalers (Real-ESRGAN x2/x3/x4,
the learned SR, the diffusion SR, at the factors they support), plus grain and sharpening
applied after the upscale; every clip is encoded with H.264 at CRF 18 and 23 and inspected from
the mp4. The same clips go through a getnative-style search that assumes one kernel
(Catmull-Rom, getnative's default bicubic b = 0, c = 0.5). Prints confusion matrices, the
verdict and height accuracy per kernel and per factor, and timings.

    python bench/bench_inspect.py              # the held-out set at 384x216 (minutes on 2 cores)
    python bench/bench_inspect.py --speed      # also: a 10 s 4K clip, inspected with sampled frames
    python bench/bench_inspect.py --speed-only # only that
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from lab import native, scenes, video
from lab.inspect import inspect_clip
from lab.optional import opencv
from lab.resolution import Resolution
from lab.upscale import upscale

cv2 = opencv()
TARGET = Resolution(384, 216)
HEIGHTS = (72, 96, 120, 144, 162, 194)  # 0.33x .. 0.9x of 216
CLASSIC = ("nearest", "bilinear", "bicubic", "area", "lanczos")
LEARNED = (("realesrgan-x2", 108), ("realesrgan-x3", 72), ("realesrgan-x4", 54), ("learned-sr", 108))
PHOTOS = ("astronaut",)
SCENES = (("fabric", 101),)
FRAMES = 3
CRFS = (18, 23)


def _width(h: int) -> int:
    return int(round(h * 16 / 9 / 2)) * 2


def photo_frames(name: str) -> list[np.ndarray]:
    """A scikit-image photo shrunk (area) so a 384x216 window pans 3 px a frame across it."""
    import skimage.data

    img = getattr(skimage.data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img[:, :, :3]
    scale = max((TARGET.height + 4) / img.shape[0], (TARGET.width + 3 * FRAMES + 4) / img.shape[1])
    small = cv2.resize(
        img,
        (int(np.ceil(img.shape[1] * scale)), int(np.ceil(img.shape[0] * scale))),
        interpolation=cv2.INTER_AREA,
    )
    y0 = (small.shape[0] - TARGET.height) // 2
    return [
        np.ascontiguousarray(small[y0 : y0 + TARGET.height, 3 * t : 3 * t + TARGET.width])
        for t in range(FRAMES)
    ]


def from_native(frames: list[np.ndarray], method: str, h: int, seed: int = 0) -> list[np.ndarray]:
    """An ideal camera at the source size (area downscale of the native frame), upscaled by ``method``."""
    out = []
    for t, f in enumerate(frames):
        low = cv2.resize(f, (_width(h), h), interpolation=cv2.INTER_AREA)
        out.append(upscale(low, method, size=TARGET, seed=seed + t))
    return out


def grain(frames: list[np.ndarray], sigma: float = 2.0, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(f + rng.normal(0, sigma, f.shape), 0, 255).astype(np.uint8) for f in frames]


def sharpen(frames: list[np.ndarray], amount: float = 0.6) -> list[np.ndarray]:
    out = []
    for f in frames:
        blur = cv2.GaussianBlur(f, (0, 0), 1.0)
        out.append(cv2.addWeighted(f, 1 + amount, blur, -amount, 0))
    return out


def cases(diffusion: bool) -> list[tuple[str, str, int | None, list[np.ndarray]]]:
    """(content, arm, source height, frames) for the whole held-out set."""
    out: list[tuple[str, str, int | None, list[np.ndarray]]] = []
    contents: list[tuple[str, list[np.ndarray], object]] = [(p, photo_frames(p), None) for p in PHOTOS]
    for name, seed in SCENES:
        scene = scenes.get(name, seed=seed, motion="pan")
        contents.append(
            (
                f"{name}-s{seed}",
                native.render_clip(scene, TARGET, FRAMES, show_progress=False).to_list(),
                scene,
            )
        )
    for label, frames, scene in contents:
        out += [
            (label, "native", None, frames),
            (label, "native+grain", None, grain(frames)),
            (label, "native+sharpen", None, sharpen(frames)),
        ]
        for method in CLASSIC:
            for h in HEIGHTS:
                if scene is not None:
                    src = Resolution(_width(h), h)
                    up = native.upscaled_clip(
                        scene, TARGET, src, method, FRAMES, show_progress=False
                    ).to_list()
                else:
                    up = from_native(frames, method, h)
                out.append((label, method, h, up))
                if method == "bicubic" and h in (120, 144):
                    out.append((label, "bicubic+grain", h, grain(up)))
                    out.append((label, "bicubic+sharpen", h, sharpen(up)))
        for method, h in LEARNED:
            out.append((label, method, h, from_native(frames, method, h)))
    if diffusion:  # about 20 s a frame on a CPU: one content, two frames
        label, frames, _ = contents[0]
        out.append((label, "diffusion-sr", 54, from_native(frames[:2], "diffusion-sr", 54)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speed", action="store_true", help="also time a 10 s 4K clip")
    parser.add_argument("--speed-only", action="store_true", help="only time the 10 s 4K clip")
    parser.add_argument("--no-diffusion", action="store_true", help="skip the (slow) diffusion SR")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPU cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
    )
    if args.speed_only:
        speed(Path(tempfile.mkdtemp()))
        return 0
    t0 = time.perf_counter()
    data = cases(not args.no_diffusion)
    print(
        f"built {len(data)} clips at {TARGET.width}x{TARGET.height} in {time.perf_counter() - t0:.0f} s; "
        f"inspecting each at CRF {' and '.join(map(str, CRFS))}",
        flush=True,
    )
    rows = []
    tmp = Path(tempfile.mkdtemp())
    t_multi = t_single = 0.0
    for i, (label, arm, h, frames) in enumerate(data):
        for crf in CRFS:
            path = video.write_mp4(
                video.Clip.from_frames(frames, 24), tmp / "clip.mp4", crf=crf, show_progress=False
            )
            t = time.perf_counter()
            multi = inspect_clip(path, flicker=False, show_progress=False)
            t_multi += time.perf_counter() - t
            t = time.perf_counter()
            single = inspect_clip(path, flicker=False, kernels=["catmull-rom"], show_progress=False)
            t_single += time.perf_counter() - t
            rows.append((label, arm, h, crf, multi, single))
        if i % 10 == 0:
            print(f"  {i + 1}/{len(data)} clips", flush=True)
    print(
        f"inspected {len(rows)} mp4s: {t_multi / len(rows):.2f} s each (all kernels), "
        f"{t_single / len(rows):.2f} s (one kernel)\n"
    )
    for which, idx in (("lab.inspect (8 kernels + spectrum)", 4), ("getnative-style (Catmull-Rom only)", 5)):
        report(which, [(r[1], r[2], r[idx]) for r in rows])
    if args.speed:
        speed(tmp)
    return 0


def _truth(arm: str) -> str:
    return "native" if arm.startswith("native") else "upscaled"


def report(which: str, rows: list[tuple[str, int | None, object]]) -> None:
    print(f"## {which}")
    conf: dict[tuple[str, str], int] = defaultdict(int)
    for arm, _h, r in rows:
        conf[(_truth(arm), r.verdict)] += 1  # type: ignore[attr-defined]
    print("| truth \\ verdict | native | upscaled |\n|---|---:|---:|")
    for t in ("native", "upscaled"):
        print(f"| {t} | {conf[(t, 'native')]} | {conf[(t, 'upscaled')]} |")
    print(
        "\n| arm | clips | verdict right | height within 5 % | median height error |\n|---|---:|---:|---:|---:|"
    )
    arms: dict[str, list] = defaultdict(list)
    for arm, h, r in rows:
        arms[arm].append((h, r))
    for arm, items in arms.items():
        right = sum(r.verdict == _truth(arm) for _, r in items)
        if _truth(arm) == "native":
            print(f"| {arm} | {len(items)} | {right / len(items):.0%} | - | - |")
            continue
        errs = [
            abs(r.estimated_source_height - h) / h for h, r in items if r.estimated_source_height is not None
        ]
        within = sum(e <= 0.05 for e in errs)
        med = f"{np.median(errs):.1%}" if errs else "-"
        print(f"| {arm} | {len(items)} | {right / len(items):.0%} | {within / len(items):.0%} | {med} |")
    print(
        "\n| factor (classical kernels) | clips | verdict right | height within 5 % |\n|---|---:|---:|---:|"
    )
    for h in HEIGHTS:
        items = [r for arm, hh, r in rows if hh == h and arm in CLASSIC]
        right = sum(r.verdict == "upscaled" for r in items)
        within = sum(
            r.estimated_source_height is not None and abs(r.estimated_source_height - h) <= 0.05 * h
            for r in items
        )
        print(
            f"| x{TARGET.height / h:.2f} (from {h}p) | {len(items)} | {right / len(items):.0%} | {within / len(items):.0%} |"
        )
    big = [(arm, r) for arm, h, r in rows if h is None or TARGET.height / h >= 1.5]
    right = sum(r.verdict == _truth(arm) for arm, r in big)
    print(
        f"\nverdict right at factors >= 1.5 (natives included): {right}/{len(big)} = {right / len(big):.1%}\n"
    )


def speed(tmp: Path) -> None:
    """A 10 s 4K clip (240 frames at 24 fps): 1440p band-limited noise, panned, upscaled bicubic, CRF 23."""
    rng = np.random.default_rng(103)
    field = cv2.GaussianBlur(rng.normal(128, 50, (1440, 2560 + 480, 3)).astype(np.float32), (0, 0), 0.8)
    base = np.clip(field, 0, 255).astype(np.uint8)
    big = Resolution(3840, 2160)

    def frame(t: int) -> np.ndarray:
        window = np.ascontiguousarray(base[:, 2 * t : 2 * t + 2560])
        return cv2.resize(window, (big.width, big.height), interpolation=cv2.INTER_CUBIC)

    clip = video.Clip(frame, 240, big, 24.0)
    t = time.perf_counter()
    path = video.write_mp4(clip, tmp / "uhd.mp4", crf=23, preset="ultrafast", show_progress=False)
    encode = time.perf_counter() - t
    load = os.getloadavg()[0]
    r = inspect_clip(path, show_progress=False)
    print(
        f"## speed: 10 s 4K clip (encoded in {encode:.0f} s; load average {load:.1f} when inspection began)"
    )
    print(
        f"inspected in {r.seconds:.1f} s wall, {r.cpu_seconds:.1f} s CPU (target < 60 s): {r.verdict} from "
        f"{r.estimated_source_height}p (truth 1440p), kernel {r.kernel}; flicker {r.flicker_rms_levels:.2f} "
        f"levels RMS (reliable: {r.flicker_reliable}); frames used {r.frames_used}"
    )


if __name__ == "__main__":
    sys.exit(main())
