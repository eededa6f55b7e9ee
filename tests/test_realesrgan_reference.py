"""Real-ESRGAN (realesr-animevideov3) in torch against its reference runtime, pixel for pixel.

The reference is the ncnn engine of the PyPI package ``sr-vulkan`` running the same .param/.bin
files, on any Vulkan device; CI uses Mesa's software driver lavapipe (Debian's
``mesa-vulkan-drivers``), so no GPU is needed. The test skips only where no Vulkan device can be
had. Photos from scikit-image at x2, x3 and x4; the library's output whole and in tiles; the
reference in tiles of 100 px, so one image is tiled by both.

Only pixels where the library's output is above 0 are compared: on lavapipe the reference casts
a negative network value to an unsigned byte, so its output is undefined where the true value
is below 0 (about 0.05-3.5 % of pixels here).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from lab.models import realesrgan

SCRIPT = Path(__file__).with_name("_reference_realesrgan.py")
REFERENCE_TILE = 100  # px; the 200 x 150 coffee crop is tiled by the reference too
MAX_LEVELS = 3  # 8-bit levels; float rounding and the reference's own tile seams (measured: <= 3)
IMAGES = {
    "astronaut": lambda: data.astronaut()[100:196, 180:276],
    "coffee": lambda: data.coffee()[100:250, 200:400],
    "camera": lambda: np.dstack([data.camera()[200:264, 180:260]] * 3),
}


@pytest.fixture(scope="module", params=realesrgan.SCALES, ids=[f"x{s}" for s in realesrgan.SCALES])
def reference(request, tmp_path_factory) -> tuple[int, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """(scale, {name: (input, reference output)}) from one run of the reference runtime."""
    scale = request.param
    folder = tmp_path_factory.mktemp(f"reference_x{scale}")
    for name, make in IMAGES.items():
        np.save(folder / f"{name}.in.npy", np.ascontiguousarray(make()))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(folder), str(scale), str(REFERENCE_TILE)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode == 3:
        pytest.skip(f"no Vulkan device for the reference runtime: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, f"sr-vulkan failed ({done.returncode}):\n{done.stderr[-2000:]}"
    return scale, {
        name: (np.load(folder / f"{name}.in.npy"), np.load(folder / f"{name}.ref.npy")) for name in IMAGES
    }


@pytest.mark.slow
@pytest.mark.parametrize("tile", [0, 48], ids=["whole", "tiled"])
def test_every_pixel_matches_the_reference_runtime(reference, tile):
    scale, images = reference
    for name, (image, ref) in images.items():
        out = realesrgan.upscale_frame(image, scale, tile=tile, device="cpu")
        assert out.shape == ref.shape, (name, out.shape, ref.shape)
        compared = out > 0  # the reference is undefined where the network's value is negative
        assert compared.mean() > 0.95, (name, compared.mean())
        diff = np.abs(out.astype(int) - ref.astype(int))[compared]
        assert diff.max() <= MAX_LEVELS, (name, scale, tile, int(diff.max()))
        assert diff.mean() < 0.1, (name, scale, tile, float(diff.mean()))


@pytest.mark.slow
def test_frame_edges_are_mirror_padded_as_the_reference_does(reference):
    """Without the reference's 10 px mirror padding the outer pixels differ by tens of levels."""
    scale, images = reference
    image, ref = images["astronaut"]
    import torch

    from lab.arrays import to_numpy, to_tensor, to_uint8

    bare = to_uint8(
        to_numpy(
            realesrgan.upscale_tensor(to_tensor(image, torch.device("cpu")), realesrgan.load(scale), prepad=0)
        )
    )
    compared = bare > 0
    assert np.abs(bare.astype(int) - ref.astype(int))[compared].max() > 20
