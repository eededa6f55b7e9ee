"""Full-reference spatial metrics: PSNR, SSIM and a per-pixel error map.

All three compare a test frame (e.g. an upscaled render) against the reference (the native
render) of the same size. By default they work on BT.601 luma Y in [16, 235] with a data range
of 255, which is how super-resolution papers report PSNR/SSIM ("Y channel of YCbCr": EDSR README,
BasicSR ``calculate_psnr(test_y_channel=True)``, TecoGAN ``metrics.py``). ``channel="rgb"`` uses
the three RGB channels on the [0, 1] scale instead; ``channel="yuv"`` takes frames that hold a
video file's own Y, U, V planes (:func:`lab.video.read_mp4` with ``planes="yuv"``) and compares
their Y plane as decoded, with no RGB round trip.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab import validate
from lab.errors import LabError, choice_error
from lab.metrics._common import check_pair, luma, to_unit
from lab.optional import opencv

cv2 = opencv()

_CHANNELS = ("y", "rgb", "yuv")


def y_plane(frame: np.ndarray, dtype: type[np.floating] = np.float64) -> np.ndarray:
    """The Y plane (8-bit levels, as the file stores it) of a Y, U, V frame, or a 2-D Y plane itself."""
    if frame.dtype != np.uint8:
        raise LabError(f"a frame of Y, U, V planes must be uint8 as decoded, got {frame.dtype}")
    return (frame if frame.ndim == 2 else frame[..., 0]).astype(dtype)


def _planes(reference: Any, test: Any, channel: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Both images as float64 planes plus their data range (255 for Y, 1 for RGB)."""
    if channel not in _CHANNELS:
        raise choice_error("channel", channel, _CHANNELS)
    ref, tst = check_pair(reference, test)
    if channel == "y":
        return luma(ref), luma(tst), 255.0
    if channel == "yuv":
        return y_plane(ref), y_plane(tst), 255.0
    return to_unit(ref), to_unit(tst), 1.0


def psnr(reference: Any, test: Any, *, channel: str = "y") -> float:
    """Peak signal-to-noise ratio of ``test`` against ``reference``, in dB (higher is better).

    PSNR = 10 log10(R^2 / MSE), with MSE over all pixels (and channels), computed in float64.
    ``channel="y"``: BT.601 luma in [16, 235], R = 255 (the SR literature's convention).
    ``channel="rgb"``: RGB on [0, 1], R = 1. Identical images give ``inf``.

    Parameters
    ----------
    reference, test : ndarray or torch.Tensor
        Frames of the same shape, uint8 (0-255) or float (0-1); mixing the two is fine.
    channel : {'y', 'rgb'}, optional

    Returns
    -------
    float
        PSNR in decibels.

    Raises
    ------
    LabError
        Different shapes, gray vs RGB, non-finite values or a float frame with 0-255 values.

    References
    ----------
    .. [1] scikit-image ``skimage.metrics.peak_signal_noise_ratio`` (same formula; validated
       against it in the tests on the Y channel with ``data_range=255``).
    .. [2] EDSR / BasicSR: PSNR on the Y channel of BT.601 YCbCr.

    Examples
    --------
    >>> a = np.zeros((8, 8, 3), np.uint8); b = a.copy(); b[0, 0] = 255
    >>> round(psnr(a, b, channel="rgb"), 2)
    18.06
    """
    ref, tst, data_range = _planes(reference, test, channel)
    mse = float(np.mean((ref - tst) ** 2, dtype=np.float64))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def _blur(plane: np.ndarray, ksize: int, sigma: float) -> np.ndarray:
    # Separable Gaussian, reflect border (= scipy.ndimage "reflect" used by scikit-image).
    return cv2.GaussianBlur(plane, (ksize, ksize), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def _ssim_plane(x: np.ndarray, y: np.ndarray, data_range: float, sigma: float) -> tuple[float, np.ndarray]:
    radius = int(3.5 * sigma + 0.5)  # scikit-image: truncate = 3.5
    ksize = 2 * radius + 1
    # Work in float32 after centring on a common mean: the variances are differences of
    # similar numbers, and centring keeps float32 rounding far below the SSIM constants.
    offset = 0.5 * (float(x.mean()) + float(y.mean()))
    xf = (x - offset).astype(np.float32)
    yf = (y - offset).astype(np.float32)
    # In-place arithmetic keeps a 4K plane pair to about ten float32 planes at once.
    ux = _blur(xf, ksize, sigma)
    uy = _blur(yf, ksize, sigma)
    vx = _blur(xf * xf, ksize, sigma)
    vx -= ux * ux
    vy = _blur(yf * yf, ksize, sigma)
    vy -= uy * uy
    xf *= yf
    del yf
    vxy = _blur(xf, ksize, sigma)
    del xf
    vxy -= ux * uy
    c1 = np.float32((0.01 * data_range) ** 2)
    c2 = np.float32((0.03 * data_range) ** 2)
    # The means enter SSIM un-centred: mu = u + offset.
    ux += np.float32(offset)
    uy += np.float32(offset)
    # numerator (2 mx my + c1)(2 vxy + c2), denominator (mx^2 + my^2 + c1)(vx + vy + c2)
    vxy *= 2
    vxy += c2
    vx += vy
    vx += c2
    del vy
    num = ux * uy
    num *= 2
    num += c1
    num *= vxy
    del vxy
    ux *= ux
    uy *= uy
    ux += uy
    ux += c1
    del uy
    ux *= vx
    del vx
    num /= ux
    smap = num
    inner = smap[radius : -radius or None, radius : -radius or None] if min(smap.shape) > 2 * radius else smap
    return float(np.mean(inner, dtype=np.float64)), smap


def ssim(reference: Any, test: Any, *, channel: str = "y", sigma: float = 1.5, full: bool = False) -> Any:
    """Structural similarity (Wang et al. 2004) of ``test`` against ``reference``, in [-1, 1].

    Gaussian-weighted statistics (sigma = 1.5 px, window 11 x 11), K1 = 0.01, K2 = 0.03,
    population covariance, border of half a window excluded from the mean: the settings of
    scikit-image's ``structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False)``, which match the authors' MATLAB code. The blur is
    OpenCV's separable Gaussian, so a 4K pair takes a fraction of a second.

    Parameters
    ----------
    reference, test : ndarray or torch.Tensor
        Same-shape frames, uint8 or float [0, 1].
    channel : {'y', 'rgb', 'yuv'}, optional
        'y': BT.601 luma, data range 255 (SR convention). 'rgb': mean SSIM over R, G, B on [0, 1].
        'yuv': the Y plane of frames that hold a file's Y, U, V planes, as decoded.
    sigma : float, optional
        Gaussian window standard deviation in pixels.
    full : bool, optional
        Also return the SSIM map (float32, (H, W); for 'rgb' the channel mean).

    Returns
    -------
    float or (float, ndarray)

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment:
       from error visibility to structural similarity", IEEE TIP 13(4), 2004.
    .. [2] scikit-image ``skimage.metrics.structural_similarity`` (validated against it).

    Examples
    --------
    >>> a = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    >>> ssim(a, a)
    1.0
    """
    sigma = validate.positive_number(sigma, "sigma")
    if channel not in _CHANNELS:
        raise choice_error("channel", channel, _CHANNELS)
    ref, tst = check_pair(reference, test)
    side = min(ref.shape[:2])
    if 2 * int(3.5 * sigma + 0.5) + 1 > side:
        raise LabError(
            f"sigma={sigma:g} px needs a Gaussian window of {2 * int(3.5 * sigma + 0.5) + 1} px, wider than the "
            f"{side} px image; use sigma <= {max((side - 1) / 7, 0):.2g} (the standard is 1.5)"
        )
    if channel == "y":
        value, smap = _ssim_plane(luma(ref, dtype=np.float32), luma(tst, dtype=np.float32), 255.0, sigma)
    elif channel == "yuv":
        value, smap = _ssim_plane(y_plane(ref, np.float32), y_plane(tst, np.float32), 255.0, sigma)
    else:
        r, t = to_unit(ref), to_unit(tst)
        if r.ndim == 2:
            value, smap = _ssim_plane(r, t, 1.0, sigma)
        else:
            parts = [_ssim_plane(r[..., c], t[..., c], 1.0, sigma) for c in range(3)]
            value = float(np.mean([p[0] for p in parts]))
            smap = np.mean([p[1] for p in parts], axis=0).astype(np.float32)
    value = min(1.0, value) if value > 1.0 - 1e-6 else value  # float32 rounding on identical inputs
    return (value, smap) if full else value


def error_map(reference: Any, test: Any, *, channel: str = "y", kind: str = "abs") -> np.ndarray:
    """Per-pixel error of ``test`` against ``reference``, float32 (H, W), in 8-bit levels.

    ``kind="abs"``: |difference| (levels, 0-255 scale); ``kind="squared"``: squared difference
    (levels^2), whose mean is the MSE behind :func:`psnr`. ``channel="y"`` uses BT.601 luma;
    ``"rgb"`` averages the three channels. Show it with ``plt.imshow(m, cmap="magma")``.

    >>> a = np.zeros((4, 4, 3), np.uint8); b = a.copy(); b[1, 2] = 10
    >>> float(error_map(a, b, channel="rgb")[1, 2])
    10.0
    """
    kinds = ("abs", "squared")
    if kind not in kinds:
        raise choice_error("kind", kind, kinds)
    ref, tst, data_range = _planes(reference, test, channel)
    diff = (ref - tst) * (255.0 / data_range)
    err = np.abs(diff) if kind == "abs" else diff * diff
    if err.ndim == 3:
        err = err.mean(axis=2)
    return err.astype(np.float32)
