"""Texture fidelity in the frequency domain: radial power spectrum, high-frequency share, waxiness.

An image upscaled k times from a low-resolution grid cannot hold un-aliased energy above the
low-resolution Nyquist limit, 0.5/k cycles per output pixel, so its spectrum dies there while a
native render keeps going. These functions measure where the spectrum dies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from lab import validate
from lab.errors import LabError, choice_error
from lab.metrics._common import as_frame, check_pair, luma

_WINDOWS = ("hann", "none")


@lru_cache(maxsize=4)
def _geometry(height: int, width: int, window: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Radial frequency (cycles/px) and column weights of an rfft2 half-plane, and the window.

    The half-plane holds columns 0..W//2; every column except 0 (and W/2 for even W) stands for
    itself and its mirror image, so it counts twice. Cached per frame size.
    """
    fy = np.fft.fftfreq(height).astype(np.float32)
    fx = np.fft.rfftfreq(width).astype(np.float32)
    radius = np.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2)
    weight = np.full(len(fx), 2.0, np.float32)
    weight[0] = 1.0
    if width % 2 == 0:
        weight[-1] = 1.0
    win = None
    if window == "hann":
        win = np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)
    return radius, weight, win


def _power_2d(image: Any, window: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """Half-plane power spectrum |F|^2 of the luma (mean removed), radius and column weights.

    Returns (power (H, W//2+1) float32, radius cycles/px, weight per column, (H, W)); DC at [0, 0].
    """
    from scipy import fft

    window = "none" if window is None else window
    if window not in _WINDOWS:
        raise choice_error("window", window, _WINDOWS)
    y = luma(as_frame(image), dtype=np.float32) * np.float32(1.0 / 255.0)
    if min(y.shape) < 8:
        raise LabError(f"the spectrum needs an image at least 8 x 8 pixels, got {y.shape[1]} x {y.shape[0]}")
    y -= np.float32(y.mean(dtype=np.float64))
    radius, weight, win = _geometry(y.shape[0], y.shape[1], window)
    if win is not None:
        # A separable Hann window removes the frame border's step, whose 1/f^2 leakage would
        # otherwise add false high-frequency energy to every image.
        y *= win
    spec = fft.rfft2(y, workers=-1)
    power = spec.real * spec.real + spec.imag * spec.imag
    return power, radius, weight, y.shape


@dataclass(frozen=True)
class RadialSpectrum:
    """Azimuthally averaged power spectrum of an image's luma.

    Attributes
    ----------
    frequency : ndarray
        Ring centres in cycles/pixel, from 1/min(H, W) up to 0.5 (Nyquist).
    power : ndarray
        Mean power |F|^2 in each ring (luma on [0, 1], mean removed; arbitrary but fixed units).
    """

    frequency: np.ndarray
    power: np.ndarray

    @property
    def log_power(self) -> np.ndarray:
        """log10 of the ring power (what is usually plotted)."""
        return np.log10(np.maximum(self.power, 1e-30))

    def slope(self, fmin: float = 0.02, fmax: float = 0.25) -> float:
        """Least-squares slope of log10 power against log10 frequency between fmin and fmax.

        A natural image has a slope near -2 (power ~ 1/f^2); a blurred one falls faster at high f.

        >>> rng = np.random.default_rng(0)
        >>> spec = radial_spectrum(rng.random((64, 64)), window=None)
        >>> abs(spec.slope()) < 0.3  # white noise is flat
        True
        """
        keep = (self.frequency >= fmin) & (self.frequency <= fmax) & (self.power > 0)
        if keep.sum() < 3:
            raise LabError(
                f"fewer than 3 spectrum rings between {fmin} and {fmax} cycles/px; widen the range"
            )
        slope, _ = np.polyfit(np.log10(self.frequency[keep]), np.log10(self.power[keep]), 1)
        return float(slope)


def radial_spectrum(image: Any, *, window: str | None = "hann") -> RadialSpectrum:
    """Radial (azimuthally averaged) power spectrum of an image's BT.601 luma.

    Luma (mean removed, optionally Hann-windowed) -> 2-D FFT -> |F|^2 -> mean over rings of
    radial frequency r = sqrt(fx^2 + fy^2), ring width 1/min(H, W) cycles/pixel, up to the
    Nyquist limit 0.5. Frequencies are in cycles per pixel on both axes, so non-square frames
    (3840 x 2160) work. Plot ``spec.frequency`` against ``spec.log_power``.

    Parameters
    ----------
    image : ndarray or torch.Tensor
        (H, W, 3) RGB or (H, W) gray, uint8 or float [0, 1].
    window : {'hann', None}, optional
        Apodisation before the FFT. None reproduces the plain periodogram.

    Returns
    -------
    RadialSpectrum

    References
    ----------
    .. [1] R. Durall, M. Keuper, J. Keuper, "Watch your Up-Convolution: CNN Based Generative
       Deep Neural Networks are Failing to Reproduce Spectral Distributions", CVPR 2020
       (azimuthal average AI(w) of |F|^2; code cc-hpc-itwm/UpConv ``radialProfile.py``).

    Examples
    --------
    >>> img = np.random.default_rng(1).random((64, 96, 3))
    >>> spec = radial_spectrum(img)
    >>> float(spec.frequency.max()) <= 0.5
    True
    """
    power, radius, weight, shape = _power_2d(image, window)
    return _rings(power, radius, weight, shape)


def _rings(
    power: np.ndarray, radius: np.ndarray, weight: np.ndarray, shape: tuple[int, int]
) -> RadialSpectrum:
    """Ring means of a half-plane power spectrum (see :func:`radial_spectrum`)."""
    step = 1.0 / min(shape)
    ring = np.rint(radius / step).astype(np.int32)
    n_rings = int(np.floor(0.5 / step)) + 1
    inside = ring < n_rings
    w2d = np.broadcast_to(weight, power.shape)
    sums = np.bincount(ring[inside], weights=(power * w2d)[inside], minlength=n_rings)
    counts = np.bincount(ring[inside], weights=w2d[inside], minlength=n_rings)
    valid = counts > 0
    valid[0] = False  # the DC ring (mean removed) carries no texture
    freq = np.arange(n_rings) * step
    return RadialSpectrum(frequency=freq[valid], power=sums[valid] / counts[valid])


def _share(power: np.ndarray, radius: np.ndarray, weight: np.ndarray, cutoff: float) -> float:
    """Energy fraction above ``cutoff`` of a half-plane power spectrum (DC excluded)."""
    col_energy = power.sum(axis=0, dtype=np.float64)
    total = float(col_energy @ weight - power[0, 0])
    if total <= 1e-12 * power.size:
        return 0.0  # a flat image (up to rounding) has no texture at all
    high = np.where(radius > cutoff, power, 0.0).sum(axis=0, dtype=np.float64)
    return float(high @ weight / total)


def spectrum_stats(
    image: Any, *, cutoff: float = 0.125, window: str | None = "hann"
) -> tuple[float, RadialSpectrum]:
    """High-frequency share and radial spectrum from one FFT (what :func:`report` needs per frame)."""
    cutoff = _check_cutoff(cutoff)
    power, radius, weight, shape = _power_2d(image, window)
    return _share(power, radius, weight, cutoff), _rings(power, radius, weight, shape)


def _check_cutoff(cutoff: float) -> float:
    cutoff = validate.positive_number(cutoff, "cutoff")
    if cutoff >= 0.5 * np.sqrt(2):
        raise LabError(f"cutoff must be below the spectrum's corner (0.707 cycles/px), got {cutoff}")
    return cutoff


def high_frequency_share(image: Any, *, cutoff: float = 0.125, window: str | None = "hann") -> float:
    """Fraction of the luma's spectral energy above ``cutoff`` cycles/pixel, in [0, 1].

    E_HF = sum_{r > f_c} P(r) / sum_{r > 0} P(r) over the full 2-D power spectrum (mean removed).
    With f_c = 0.5/k (0.125 for a 4x upscale) it measures the energy an upscale from 1/k
    resolution cannot hold without aliasing. Higher = more fine detail.

    Two things to know when reading it:

    * The cutoff is radial. 0.125 cycles/px is the x4 source's Nyquist limit along each axis
      (0.5 cycles per source pixel / 4); its grid holds diagonal frequencies up to
      0.125 * sqrt(2) = 0.177, so even a perfect x4 upscale may keep a little energy above
      0.125 along the diagonals.
    * With ``window="hann"`` (the default, which removes the frame border's false step energy)
      pixels count by the window's weight: fully at the centre, hardly near the edges. Detail
      near the border counts less: the zone plate (k = 250, finest rings at the border) at
      960x540 reads 0.87 with ``window=None`` and 0.41 with the window
      (tests/test_metrics_texture.py checks the direction).

    References
    ----------
    .. [1] Course-defined companion to the radial spectrum (metrics anchors 2.2), following
       Durall et al. CVPR 2020 (azimuthal power spectrum).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.random((64, 64))
    >>> 0.8 < high_frequency_share(noise, window=None) < 1.0  # white noise: most area is high f
    True
    """
    cutoff = _check_cutoff(cutoff)
    power, radius, weight, _ = _power_2d(image, window)
    return _share(power, radius, weight, cutoff)


def waxiness(native: Any, candidate: Any, *, cutoff: float = 0.125, window: str | None = "hann") -> float:
    """High-frequency share of ``candidate`` relative to the ``native`` render (1 = same detail).

    waxiness = E_HF(candidate) / E_HF(native); values well below 1 mean the candidate lost fine
    texture (the smooth, "waxy" look of upscaled skin); above 1 it has extra high-frequency
    energy (noise, ringing, hallucinated detail). Reference first, as in scikit-image.

    >>> rng = np.random.default_rng(0)
    >>> sharp = rng.random((64, 64, 3))
    >>> waxiness(sharp, sharp)
    1.0
    """
    native_frame, candidate_frame = check_pair(native, candidate, names=("native", "candidate"))
    ref = high_frequency_share(native_frame, cutoff=cutoff, window=window)
    cand = high_frequency_share(candidate_frame, cutoff=cutoff, window=window)
    if ref <= 0:
        raise LabError("the native image has no high-frequency energy (flat); waxiness is undefined for it")
    return float(cand / ref)
