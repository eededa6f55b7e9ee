"""Run Real-ESRGAN's reference runtime (sr-vulkan's ncnn engine) on .npy images; a script for tests.

    python tests/_reference_realesrgan.py FOLDER SCALE TILE

reads every ``FOLDER/*.in.npy`` (uint8 H x W x 3), upscales it by SCALE with the package's
realesr-animevideov3 files in tiles of TILE pixels, and writes ``FOLDER/*.ref.npy``. Exit status
3 when no Vulkan device can be had (the caller skips), 1 on any other failure. It runs in a
process of its own because the engine keeps global state and threads.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

NO_VULKAN = 3


def main(folder: Path, scale: int, tile: int) -> int:
    from sr_vulkan import sr_vulkan as sr

    if sr.init() < 0 or not sr.getGpuInfo():
        print("no Vulkan device: install a Vulkan driver (Debian: mesa-vulkan-drivers)", file=sys.stderr)
        return NO_VULKAN
    if sr.initSet(gpuId=0) < 0:
        print(f"sr-vulkan could not use Vulkan device 0: {sr.getLastError()}", file=sys.stderr)
        return NO_VULKAN
    model = getattr(sr, f"MODEL_REALESRGAN_ANIMAVIDEOV3_UP{scale}X")
    inputs = sorted(folder.glob("*.in.npy"))
    for back_id, path in enumerate(inputs, start=1):
        buffer = io.BytesIO()
        Image.fromarray(np.load(path)).save(buffer, format="PNG")
        if sr.add(buffer.getvalue(), model, back_id, float(scale), format="png", tileSize=tile) <= 0:
            print(f"sr-vulkan refused {path.name}: {sr.getLastError()}", file=sys.stderr)
            return 1
    done: dict[int, np.ndarray] = {}
    deadline = time.monotonic() + 600
    while len(done) < len(inputs):
        result = sr.load(0)
        if result:
            data, _, back_id, _ = result
            done[back_id] = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        elif time.monotonic() > deadline:
            print("sr-vulkan did not finish in 600 s", file=sys.stderr)
            return 1
        else:
            time.sleep(0.02)
    for back_id, path in enumerate(inputs, start=1):
        np.save(path.with_name(path.name.replace(".in.npy", ".ref.npy")), done[back_id])
    return 0


if __name__ == "__main__":
    status = main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # skip the engine's teardown, which can crash after the results are written
