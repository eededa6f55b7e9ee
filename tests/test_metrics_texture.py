"""Texture fidelity and edge metrics against closed forms and independent implementations.

- Spectrum: synthetic images with power exactly proportional to 1/f^a (random phases).
- GLCM: scikit-image ``graycomatrix`` + ``measure.shannon_entropy`` per patch (Diffusion-4K code).
- Sharpness: OpenCV ``cv2.Laplacian(gray, CV_64F).var()``.
- MTF50: Gaussian-blurred edge, analytic MTF50 = sqrt(ln 2 / 2) / (pi sigma) = 0.1874 / sigma.
"""

from __future__ import annotations

import io
import itertools

import cv2
import numpy as np
import pytest
from scipy.special import erf

from lab.errors import LabError
from lab.metrics import (
    compression_ratio,
    glcm_score,
    high_frequency_share,
    mtf50,
    radial_spectrum,
    sharpness,
    slanted_edge_mtf,
    waxiness,
)


def power_law_image(exponent: float, size: int = 256, seed: int = 0) -> np.ndarray:
    """Gray float image in [0, 1] whose power spectrum is exactly |f|^-exponent (random phase)."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.fftfreq(size)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    f[0, 0] = 1.0
    amplitude = f ** (-exponent / 2)
    amplitude[0, 0] = 0.0
    phase = np.fft.fft2(rng.standard_normal((size, size)))  # Hermitian-symmetric phases
    phase /= np.abs(phase)
    img = np.real(np.fft.ifft2(amplitude * phase))
    return (img - img.min()) / (img.max() - img.min())


@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.0])
def test_power_law_slope(exponent: float) -> None:
    spec = radial_spectrum(power_law_image(exponent), window=None)
    assert spec.slope(0.02, 0.4) == pytest.approx(-exponent, abs=0.1)
    assert spec.frequency.max() <= 0.5 and spec.frequency.min() > 0


def test_power_law_slope_with_hann_window_non_square() -> None:
    img = power_law_image(2.0, size=256)[:, :192].copy()  # not periodic any more: the window matters
    assert radial_spectrum(img).slope(0.03, 0.3) == pytest.approx(-2.0, abs=0.15)


def test_blur_lowers_high_frequency_share_monotonically() -> None:
    img = power_law_image(1.5, size=192, seed=3).astype(np.float32)
    shares = [high_frequency_share(img)]
    for sigma in (0.5, 1.0, 1.5, 2.5, 4.0):
        shares.append(high_frequency_share(cv2.GaussianBlur(img, (0, 0), sigma)))
    assert all(a > b for a, b in itertools.pairwise(shares)), shares
    assert shares[-1] < 0.2 * shares[0]


def test_high_frequency_share_closed_form_white_noise() -> None:
    # White noise: power is flat, so the share is the fraction of the (fx, fy) square beyond the cutoff.
    noise = np.random.default_rng(0).random((256, 256))
    cutoff = 0.25
    expected = 1 - np.pi * cutoff**2  # disc area inside [-0.5, 0.5]^2
    assert high_frequency_share(noise, cutoff=cutoff, window=None) == pytest.approx(expected, abs=0.02)


def test_waxiness_of_upscale_below_one(rng: np.random.Generator) -> None:
    native = (power_law_image(1.0, 128, seed=5) * 255).astype(np.uint8)
    native = np.dstack([native] * 3)
    up = cv2.resize(
        cv2.resize(native, (32, 32), interpolation=cv2.INTER_AREA), (128, 128), interpolation=cv2.INTER_CUBIC
    )
    assert waxiness(native, up) < 0.3
    assert waxiness(native, native) == pytest.approx(1.0)
    with pytest.raises(LabError, match="flat"):
        waxiness(np.full((32, 32, 3), 7, np.uint8), native[:32, :32])


def _skimage_glcm_patch_scores(gray64: np.ndarray, patch: int = 64) -> np.ndarray:
    from skimage.feature import graycomatrix
    from skimage.measure import shannon_entropy

    rows, cols = gray64.shape[0] // patch, gray64.shape[1] // patch
    out = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            block = gray64[r * patch : (r + 1) * patch, c * patch : (c + 1) * patch]
            glcm = graycomatrix(
                block,
                distances=[1, 2, 3, 4],
                angles=[0, np.pi / 4, np.pi / 2, 3 * np.pi / 4],
                levels=64,
                normed=True,
            )
            out[r, c] = shannon_entropy(glcm)
    return out


def test_glcm_matches_scikit_image_on_photo_patches() -> None:
    from skimage import data

    img = data.astronaut()[:128, 64:320]  # 2 x 4 patches, with smooth and textured ones
    gray64 = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) // 4
    want = _skimage_glcm_patch_scores(gray64)
    score, per_patch = glcm_score(img, return_map=True)
    np.testing.assert_allclose(per_patch, want, atol=1e-10)
    assert score == pytest.approx(want.mean(), abs=1e-10)


def test_glcm_non_square_frame_uses_the_real_grid(rng: np.random.Generator) -> None:
    # 3840 x 2160 has 60 x 33 full patches; a 16:9 frame of 448 x 252 has 7 x 3.
    img = rng.integers(0, 256, (252, 448, 3), dtype=np.uint8)
    img[:, 224:] = cv2.GaussianBlur(img[:, 224:], (0, 0), 3)  # smooth right half
    _, per_patch = glcm_score(img, return_map=True)
    assert per_patch.shape == (3, 7)
    gray64 = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) // 4
    np.testing.assert_allclose(per_patch, _skimage_glcm_patch_scores(gray64), atol=1e-10)
    assert per_patch[:, :3].mean() > per_patch[:, 4:].mean()  # texture scores higher than smooth


def test_glcm_bad_inputs() -> None:
    with pytest.raises(LabError, match="smaller than one"):
        glcm_score(np.zeros((40, 100, 3), np.uint8))
    with pytest.raises(LabError, match="levels"):
        glcm_score(np.zeros((64, 64, 3), np.uint8), levels=60)


def test_sharpness_matches_opencv_and_orders_blur(small_frame: np.ndarray) -> None:
    gray = cv2.cvtColor(small_frame, cv2.COLOR_RGB2GRAY)
    assert sharpness(small_frame) == pytest.approx(cv2.Laplacian(gray, cv2.CV_64F).var())
    blurred = cv2.GaussianBlur(small_frame, (0, 0), 1.5)
    assert sharpness(blurred) < 0.2 * sharpness(small_frame)
    crop = sharpness(small_frame, crop=(8, 4, 20, 16))
    assert crop == pytest.approx(cv2.Laplacian(gray[4:20, 8:28], cv2.CV_64F).var())
    with pytest.raises(LabError, match="crop"):
        sharpness(small_frame, crop=(60, 0, 20, 10))


def test_compression_ratio_matches_pil_and_rises_with_blur(small_frame: np.ndarray) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(small_frame).save(buf, format="JPEG", quality=95)
    assert compression_ratio(small_frame) == pytest.approx(small_frame.size / buf.tell())
    assert compression_ratio(cv2.GaussianBlur(small_frame, (0, 0), 2)) > 2 * compression_ratio(small_frame)
    with pytest.raises(LabError, match="quality"):
        compression_ratio(small_frame, quality=0)


def gaussian_edge(sigma: float, angle_deg: float = 5.0, shape: tuple[int, int] = (96, 128)) -> np.ndarray:
    """An ideal straight edge blurred by a Gaussian of ``sigma`` px, point-sampled, 8-bit RGB."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.radians(angle_deg)
    dist = (xx - w / 2) * np.cos(a) - (yy - h / 2) * np.sin(a)
    edge = 0.15 + 0.7 * (0.5 + 0.5 * erf(dist / (sigma * np.sqrt(2))))
    return np.dstack([edge] * 3)


@pytest.mark.parametrize("sigma", [1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("angle", [5.0, -7.0])
def test_mtf50_of_gaussian_edge_is_analytic(sigma: float, angle: float) -> None:
    assert mtf50(gaussian_edge(sigma, angle)) == pytest.approx(0.1874 / sigma, rel=0.05)


def test_mtf50_horizontal_edge_and_uint8() -> None:
    img = np.ascontiguousarray(gaussian_edge(1.5).transpose(1, 0, 2))
    img8 = np.rint(img * 255).astype(np.uint8)
    result = slanted_edge_mtf(img8)
    assert result.mtf50 == pytest.approx(0.1874 / 1.5, rel=0.05)
    assert abs(result.angle_deg) == pytest.approx(5.0, abs=0.2)
    assert result.mtf[0] == pytest.approx(1.0) and result.frequency[0] == 0


def test_mtf50_upscaled_edge_is_about_a_quarter() -> None:
    native = gaussian_edge(0.5, shape=(192, 256))
    small = cv2.resize(native.astype(np.float32), (64, 48), interpolation=cv2.INTER_AREA)
    up = np.clip(cv2.resize(small, (256, 192), interpolation=cv2.INTER_CUBIC), 0, 1)
    ratio = mtf50(up) / mtf50(native)
    assert 0.15 < ratio < 0.35


def test_mtf_rejects_unslanted_and_flat_images() -> None:
    _, xx = np.mgrid[0:64, 0:64]
    with pytest.raises(LabError, match="slant"):
        mtf50((xx > 32).astype(np.float64))
    with pytest.raises(LabError, match="flat"):
        mtf50(np.full((64, 64), 0.5))


def test_waxiness_refuses_images_of_different_sizes():
    rng = np.random.default_rng(0)
    small, large = rng.random((48, 64, 3)), rng.random((960, 1280, 3))
    with pytest.raises(LabError, match="same shape"):
        waxiness(small, large)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mtf50_of_noise_says_no_edge_was_found(seed):
    """Noise used to give NaN or a misleading 'only 0.2 degrees from the grid'."""
    noise = np.random.default_rng(seed).random((64, 64, 3))
    with pytest.raises(LabError, match="no edge found"):
        mtf50(noise)
    yy, xx = np.mgrid[0:64, 0:64]
    edge = np.clip(xx - 32 - 0.09 * (yy - 32) + 0.5, 0, 1)
    noisy_edge = np.clip(edge + 0.02 * np.random.default_rng(seed).standard_normal(edge.shape), 0, 1)
    assert 0.1 < mtf50(noisy_edge) < 0.7  # a noisy edge is still an edge


def test_the_hann_window_weights_the_frame_centre():
    """The zone plate's finest rings sit at the border, so the windowed share is lower (0.41 vs 0.87)."""
    from lab import native, scenes

    frame = native.render(scenes.get("zoneplate", k=250.0), "960x540")
    bare, windowed = high_frequency_share(frame, window=None), high_frequency_share(frame)
    assert bare == pytest.approx(0.87, abs=0.02) and windowed == pytest.approx(0.41, abs=0.02)
