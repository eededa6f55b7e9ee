"""PSNR, SSIM and error maps, validated against scikit-image on real photographs.

Reference values come from ``skimage.metrics.peak_signal_noise_ratio`` and
``structural_similarity`` (gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=255) run on the same BT.601 Y channel, in the same test.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.metrics as skimage_metrics

from lab.errors import LabError, LabTypeError
from lab.metrics import error_map, luma, psnr, ssim


def _photo(name: str) -> np.ndarray:
    if name == "grace_hopper":
        from matplotlib import cbook
        from PIL import Image

        with cbook.get_sample_data("grace_hopper.jpg") as handle:
            return np.asarray(Image.open(handle).convert("RGB"))
    from skimage import data

    return getattr(data, name)()


def _bicubic_roundtrip(image: np.ndarray, factor: int) -> np.ndarray:
    """Downscale by ``factor`` (area) and upscale back with OpenCV bicubic to the same size."""
    h, w = image.shape[:2]
    h, w = h - h % factor, w - w % factor
    image = image[:h, :w]
    small = cv2.resize(image, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


PHOTOS = ["astronaut", "coffee", "grace_hopper"]


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("factor", [2, 4])
def test_psnr_ssim_match_scikit_image_on_photos(name: str, factor: int) -> None:
    image = _photo(name)
    test = _bicubic_roundtrip(image, factor)
    ref = image[: test.shape[0], : test.shape[1]]
    y_ref, y_test = luma(ref), luma(test)
    want_psnr = skimage_metrics.peak_signal_noise_ratio(y_ref, y_test, data_range=255)
    want_ssim = skimage_metrics.structural_similarity(
        y_ref, y_test, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    assert psnr(ref, test) == pytest.approx(want_psnr, abs=1e-6)
    assert ssim(ref, test) == pytest.approx(want_ssim, abs=1e-5)


@pytest.mark.parametrize("name", PHOTOS)
def test_bicubic_x2_beats_x4(name: str) -> None:
    image = _photo(name)
    x2, x4 = _bicubic_roundtrip(image, 2), _bicubic_roundtrip(image, 4)
    h, w = x4.shape[:2]
    ref = image[:h, :w]
    assert psnr(ref, x2[:h, :w]) > psnr(ref, x4) + 1.0
    assert ssim(ref, x2[:h, :w]) > ssim(ref, x4) + 0.02


def test_rgb_channel_matches_scikit_image(small_frame: np.ndarray, rng: np.random.Generator) -> None:
    noisy = np.clip(small_frame.astype(int) + rng.integers(-20, 21, small_frame.shape), 0, 255).astype(
        np.uint8
    )
    want = skimage_metrics.peak_signal_noise_ratio(small_frame, noisy, data_range=255)
    assert psnr(small_frame, noisy, channel="rgb") == pytest.approx(want, abs=1e-6)
    want_ssim = skimage_metrics.structural_similarity(
        small_frame / 255.0,
        noisy / 255.0,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=1.0,
        channel_axis=2,
    )
    assert ssim(small_frame, noisy, channel="rgb") == pytest.approx(want_ssim, abs=1e-5)


def test_luma_is_bt601_studio_swing() -> None:
    assert float(luma(np.zeros((1, 1, 3), np.uint8))[0, 0]) == pytest.approx(16.0)
    assert float(luma(np.full((1, 1, 3), 255, np.uint8))[0, 0]) == pytest.approx(235.0)
    red = np.zeros((1, 1, 3), np.float32)
    red[..., 0] = 1.0
    assert float(luma(red)[0, 0]) == pytest.approx(16 + 65.481)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_inputs_give_the_uint8_result(small_frame: np.ndarray, dtype: type) -> None:
    other = np.roll(small_frame, 1, axis=1)
    want = psnr(small_frame, other)
    got = psnr(small_frame.astype(dtype) / 255, other.astype(dtype) / 255)
    assert isinstance(got, float)
    assert got == pytest.approx(want, abs=0.05 if dtype == np.float16 else 1e-6)


def test_identity_and_torch_tensors(small_frame: np.ndarray) -> None:
    import torch

    from lab.arrays import to_tensor

    assert psnr(small_frame, small_frame) == float("inf")
    assert ssim(small_frame, small_frame) == pytest.approx(1.0, abs=1e-9)
    other = np.roll(small_frame, 2, axis=0)
    assert psnr(to_tensor(small_frame), to_tensor(other)) == pytest.approx(psnr(small_frame, other), abs=1e-4)
    assert isinstance(to_tensor(small_frame), torch.Tensor)


def test_ssim_full_map_and_error_map(small_frame: np.ndarray) -> None:
    other = small_frame.copy()
    other[10, 20] = 0
    value, smap = ssim(small_frame, other, full=True)
    assert smap.shape == small_frame.shape[:2] and value < 1.0
    assert smap[10, 20] < smap[30, 50]
    emap = error_map(small_frame, other, channel="rgb")
    assert emap.shape == (36, 64) and emap.dtype == np.float32
    assert emap[10, 20] == pytest.approx(small_frame[10, 20].astype(float).mean())
    assert np.count_nonzero(emap) == 1
    sq = error_map(small_frame, other, kind="squared")
    # mean of the squared Y error map is the MSE behind PSNR
    assert 10 * np.log10(255**2 / sq.astype(np.float64).mean()) == pytest.approx(
        psnr(small_frame, other), abs=1e-3
    )


def test_bad_inputs_raise_clear_errors(small_frame: np.ndarray) -> None:
    with pytest.raises(LabError, match="same shape"):
        psnr(small_frame, small_frame[:-1])
    with pytest.raises(LabError, match="grayscale"):
        ssim(small_frame, small_frame[..., 0])
    with pytest.raises(LabError, match="0-255"):
        psnr(small_frame, small_frame.astype(np.float32))  # float holding 0-255 values
    bad = small_frame / 255.0
    bad[0, 0, 0] = np.nan
    with pytest.raises(LabError, match="NaN"):
        psnr(small_frame, bad)
    with pytest.raises(LabError, match="channel"):
        psnr(small_frame, small_frame, channel="lab")
    with pytest.raises(LabError, match="kind"):
        error_map(small_frame, small_frame, kind="max")
    with pytest.raises(LabTypeError):
        psnr([[1, 2]], small_frame)
    with pytest.raises(LabError, match="sigma"):
        ssim(small_frame, small_frame, sigma=-1)


def test_ssim_refuses_a_window_wider_than_the_image():
    """sigma = 1e5 used to blur a 48 x 64 image with a 700,001-px kernel for minutes."""
    a = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    for sigma in (100.0, 1e5):  # 100 first: without the bound it returns at once, and the test fails fast
        with pytest.raises(LabError, match=r"wider than the 48 px image; use sigma <= 6\.7"):
            ssim(a, a, sigma=sigma)
    assert ssim(a, a, sigma=6.7) == 1.0  # the largest sigma whose window (47 px) fits


def test_luma_and_psnr_agree_with_scikit_image_ycbcr() -> None:
    """The weights come from scikit-image's own rgb2ycbcr, not from the library (a G/B swap must fail)."""
    from skimage.color import rgb2ycbcr

    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    a[..., 1] //= 3  # unequal channels, so swapped weights give other numbers
    b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
    y_a, y_b = rgb2ycbcr(a)[..., 0], rgb2ycbcr(b)[..., 0]
    np.testing.assert_allclose(luma(a), y_a, atol=1e-6)
    expected = skimage_metrics.peak_signal_noise_ratio(y_a, y_b, data_range=255)
    assert psnr(a, b) == pytest.approx(expected, abs=1e-6)
    from lab import metrics

    rep = metrics.report(
        [a, a], [b, b], flow=(0, 0), texture_frames=1, tof_pairs=1, heatmaps=False, show_progress=False
    )
    assert rep.value("psnr_y", "candidate") == pytest.approx(expected, abs=1e-3)
