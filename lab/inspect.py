"""Is this "4K" really 4K? Tell native from upscaled video from the clip alone, with no reference.

:func:`inspect_clip` streams a few frames of a clip (an mp4, a folder of frames, a
:class:`~lab.video.Clip` or a list of frames) and weighs two kinds of evidence about its
vertical resolution:

* **Descale search (kernel-specific).** An upscaler with a linear kernel maps a source column
  x of ``h`` pixels to ``y = U x`` with a known ``H x h`` matrix ``U`` (see
  :func:`upscale_matrix`). For every candidate kernel and every source height ``h`` the search
  solves the least-squares descale ``x = argmin |U x - y|`` on blocks of rows and measures the
  residual ``|y - U x|`` (RMS, 8-bit luma levels). On an upscaled clip the residual collapses
  at the true height and kernel (it is only what rounding, compression or grain added); on a
  native clip it falls smoothly as ``h`` grows. The *dip depth*, 1 - residual / (median of the
  neighbouring heights' residuals), says how sharp the collapse is. This is what getnative does
  for one assumed kernel; here it runs over several families (box, bilinear, three bicubics,
  Lanczos 3 and 4), so a wrong guess of ``a`` or of the taps no longer hides the answer.
* **Spectrum (kernel-agnostic).** The vertical and horizontal 1-D power spectra of luma,
  and the highest frequency (cycles/px, Nyquist = 0.5) at which each is still 10 dB above the
  noise floor of the top of the band. An upscale from ``h`` carries no signal of its own above
  ``0.5 h / H``; a learned upscaler that invents detail fills that band only partly.

Plus detail (high-frequency share, the fraction of the band carrying signal) and flicker
without a reference: the DIS-flow warp error of :func:`lab.metrics.warp_error` with its
reliability verdict, on a run of consecutive frames.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> small = rng.integers(0, 256, (60, 96, 3)).astype(np.uint8)
>>> from lab.upscale import upscale
>>> frames = [upscale(np.roll(small, 3 * t, axis=1), "bilinear", size=(160, 90)) for t in range(3)]
>>> r = inspect_clip(frames, flicker=False, show_progress=False)
>>> r.verdict, r.estimated_source_height, r.kernel
('upscaled', 60, 'bilinear')
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lab.errors import LabError, LabTypeError
from lab.progress import progress

# --- kernels -----------------------------------------------------------------------------

KernelFn = Callable[[np.ndarray], np.ndarray]


def _keys(a: float) -> KernelFn:
    """Keys' cubic convolution kernel with parameter ``a`` (OpenCV: -0.75; Catmull-Rom: -0.5)."""

    def k(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))

    return k


def _mitchell(b: float, c: float) -> KernelFn:
    """Mitchell-Netravali cubic with parameters (B, C); B = C = 1/3 is Mitchell's choice."""

    def k(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        near = ((12 - 9 * b - 6 * c) * x**3 + (-18 + 12 * b + 6 * c) * x**2 + (6 - 2 * b)) / 6
        far = ((-b - 6 * c) * x**3 + (6 * b + 30 * c) * x**2 + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))

    return k


def _lanczos(taps: int) -> KernelFn:
    def k(x: np.ndarray) -> np.ndarray:
        return np.where(np.abs(x) < taps, np.sinc(x) * np.sinc(x / taps), 0.0)

    return k


def _tent(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


@dataclass(frozen=True)
class Kernel:
    """An upscaling kernel the descale search tries.

    ``family`` is what the report names (box, bilinear, bicubic-like, lanczos-like);
    ``method`` the matching name in :mod:`lab.upscale` when OpenCV implements it ("" if not);
    ``radius`` the support in source pixels. ``fn`` is the continuous kernel (None for the two
    OpenCV box rules, nearest and area, which :func:`upscale_matrix` builds by their own rule).
    """

    name: str
    family: str
    method: str
    radius: int
    fn: KernelFn | None
    description: str


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel("nearest", "box", "nearest", 1, None, "OpenCV nearest: source row floor(i h / H)"),
        Kernel("area", "box", "area", 1, None, "OpenCV area (when enlarging: a box with a linear seam)"),
        Kernel("bilinear", "bilinear", "bilinear", 1, _tent, "tent, 2 taps (OpenCV linear)"),
        Kernel("bicubic", "bicubic-like", "bicubic", 2, _keys(-0.75), "Keys cubic a = -0.75 (OpenCV cubic)"),
        Kernel("catmull-rom", "bicubic-like", "", 2, _keys(-0.5), "Keys cubic a = -0.5 (Catmull-Rom)"),
        Kernel("mitchell", "bicubic-like", "", 2, _mitchell(1 / 3, 1 / 3), "Mitchell-Netravali B = C = 1/3"),
        Kernel("lanczos3", "lanczos-like", "", 3, _lanczos(3), "Lanczos windowed sinc, 3 lobes"),
        Kernel("lanczos4", "lanczos-like", "lanczos", 4, _lanczos(4), "Lanczos, 4 lobes (OpenCV lanczos4)"),
    )
}


def upscale_matrix(kernel: str, source: int, target: int, rows: tuple[int, int] | None = None) -> np.ndarray:
    """The ``(n, source)`` matrix that upscales a column of ``source`` pixels to ``target`` rows.

    Row ``i`` (of ``rows = (first, stop)``, default all ``target`` rows) holds the weights of
    output pixel ``i``: its centre sits at source coordinate ``s = (i + 0.5) source / target - 0.5``
    (the half-pixel convention of OpenCV, PIL and ffmpeg), taps ``j`` get ``kernel(s - j)``
    normalised to sum 1, and taps beyond the edges are clamped onto the edge pixel (replicate
    border). ``nearest`` and ``area`` follow OpenCV's own rules for enlarging. Dimensionless.

    >>> u = upscale_matrix("bilinear", 2, 4)
    >>> u.round(3).tolist()
    [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]]
    """
    idx, weights = _taps(kernel, source, target, rows)
    n = idx.shape[0]
    out = np.zeros((n, source))
    np.add.at(out, (np.repeat(np.arange(n), idx.shape[1]), idx.ravel()), weights.ravel())
    return out


def _taps(
    kernel: str, source: int, target: int, rows: tuple[int, int] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Source indices (n, T) and weights (n, T) of output rows ``rows`` (see :func:`upscale_matrix`)."""
    if kernel not in KERNELS:
        raise LabError(f"unknown kernel {kernel!r}; choose one of: {', '.join(KERNELS)}")
    spec = KERNELS[kernel]
    first, stop = rows if rows is not None else (0, target)
    i = np.arange(first, stop, dtype=np.float64)
    scale = source / target
    if kernel == "nearest":
        j = np.minimum(np.floor(i * scale), source - 1).astype(np.int64)[:, None]
        return j, np.ones_like(j, dtype=np.float64)
    if kernel == "area":
        # OpenCV's INTER_AREA when enlarging: sx = floor(i * scale), fraction of output pixel i
        # that falls past source pixel sx's right edge, as a linear blend of sx and sx + 1
        sx = np.floor(i * scale)
        fx = (i + 1) - (sx + 1) / scale
        fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
        sx = sx.astype(np.int64)
        edge = sx >= source - 1
        fx = np.where(edge, 0.0, fx)
        sx = np.minimum(sx, source - 1)
        j = np.stack([sx, np.minimum(sx + 1, source - 1)], axis=1)
        return j, np.stack([1 - fx, fx], axis=1)
    assert spec.fn is not None
    s = (i + 0.5) * scale - 0.5
    base = np.floor(s)
    offsets = np.arange(-spec.radius + 1, spec.radius + 1)
    j = base[:, None] + offsets[None, :]
    w = spec.fn(s[:, None] - j)
    w = w / w.sum(axis=1, keepdims=True)
    return np.clip(j, 0, source - 1).astype(np.int64), w


# --- the descale search ------------------------------------------------------------------


@dataclass
class _Block:
    """One block of output rows [first, stop) over many columns, kept as its Gram matrix."""

    first: int
    stop: int
    gram: np.ndarray  # (n, n) sum over columns of y y^T, luma centred on 128
    energy: float  # trace of gram
    columns: int


def _residual(block: _Block, kernel: str, source: int, target: int) -> float:
    """Mean squared least-squares descale residual of ``block`` for (kernel, source): levels^2."""
    from scipy.linalg import solveh_banded
    from scipy.sparse import csr_matrix

    idx, w = _taps(kernel, source, target, (block.first, block.stop))
    lo = int(idx.min())
    cols = int(idx.max()) - lo + 1
    n, taps = idx.shape
    u = csr_matrix((w.ravel(), (idx - lo).ravel(), np.arange(0, n * taps + 1, taps)), shape=(n, cols))
    ut = u.T.tocsr()
    utg = np.asarray(ut @ block.gram)  # (cols, n)
    m = np.asarray(ut @ utg.T)  # U^T G U, (cols, cols)
    a = (ut @ u).toarray()
    a[np.diag_indices(cols)] += 1e-9 * max(float(np.trace(a)) / cols, 1e-12)
    bw = 2 * KERNELS[kernel].radius + 1
    bw = min(bw, cols - 1)
    ab = np.zeros((bw + 1, cols))
    for d in range(bw + 1):  # upper banded storage: ab[bw - d, j] = a[j - d, j]
        ab[bw - d, d:] = np.diagonal(a, d)
    try:
        explained = float(np.trace(solveh_banded(ab, m, check_finite=False)))
    except np.linalg.LinAlgError:
        explained = float(np.trace(np.linalg.lstsq(a, m, rcond=None)[0]))
    return max(block.energy - explained, 0.0) / ((block.stop - block.first) * block.columns)


def height_grid(target: int) -> np.ndarray:
    """Candidate source heights (px) for a clip ``target`` px tall: 0.2 to 0.95 of it, every pixel.

    The bottom, 0.2, leaves a x4 upscale (0.25) the neighbours :func:`dip_depth` needs below it.

    >>> g = height_grid(270); int(g[0]), int(g[-1])
    (54, 256)
    """
    return np.arange(int(math.ceil(0.2 * target)), int(math.floor(0.95 * target)) + 1)


def dip_depth(curve: np.ndarray, gap: int) -> np.ndarray:
    """1 - residual / the trend of the neighbours' residuals, per height (0 = smooth, 1 = exact fit).

    The trend is a straight line fitted to log(residual) over the heights ``gap + 1 .. 4 gap + 6``
    away on *both* sides (heights without neighbours on both sides get 0), so a curve that
    falls steeply, as every descale curve does near the full height, shows no false dip.
    ``curve`` is an RMS residual in levels per height; the result is dimensionless.

    >>> c = np.linspace(2.0, 1.0, 40); c[20] = 0.25 * c[20]
    >>> round(float(dip_depth(c, 1)[20]), 2), round(float(dip_depth(c, 1)[10]), 2)
    (0.75, 0.0)
    """
    n = len(curve)
    reach = 4 * gap + 6
    log = np.log(np.maximum(curve, 1e-9))
    out = np.zeros(n)
    for k in range(reach, n - reach):
        side = np.r_[np.arange(k - reach, k - gap), np.arange(k + gap + 1, k + reach + 1)]
        slope, icpt = np.polyfit(side - k, log[side], 1)
        resid = log[side] - (slope * (side - k) + icpt)
        spread = float(np.abs(resid).max())
        # a dip shallower than the neighbours' own wiggle is no dip
        out[k] = max(0.0, 1.0 - math.exp(log[k] - icpt + spread)) if log[k] < icpt else 0.0
    return out


def thresholds(heights: np.ndarray, target: int) -> np.ndarray:
    """The dip depth from which each height counts as the source: higher at simple ratios.

    At a ratio such as 1/2, bilinear and cubic kernels put every output pixel at the same few
    sub-pixel phases, and the least-squares descale then absorbs smooth content's curvature
    that other heights cannot: native content shows shallow dips there (up to 0.25 measured
    on soft renders), so those heights need :data:`DIP_SPECIAL`, the others :data:`DIP_UPSCALED`.

    >>> t = thresholds(np.arange(100, 140), 270); float(t[35]), float(t[0])
    (0.35, 0.2)
    """
    out = np.full(len(heights), DIP_UPSCALED)
    for q in (2, 3, 4):
        for p in range(1, q):
            out[np.abs(heights - target * p / q) < 1] = DIP_SPECIAL
    return out


# --- spectrum ----------------------------------------------------------------------------

FLOOR_BAND = (0.46, 0.5)  # cycles/px: where the noise floor is read
FLOOR_MARGIN_DB = 10.0


@dataclass
class Spectrum:
    """1-D luma power spectra along one orientation, averaged over blocks and frames.

    ``frequency`` in cycles/px (0.5 = the grid's Nyquist), ``power`` in levels^2 per bin,
    ``floor`` the median power in :data:`FLOOR_BAND`, ``cutoff`` the highest frequency still
    ``FLOOR_MARGIN_DB`` dB above the floor (cycles/px), ``knee_db`` how far the power drops
    across the cutoff (mean over 0.01-0.06 cycles/px below it minus above it, dB): an upscale cuts
    its band off steeply, a soft lens or a blur rolls it off gently.
    """

    frequency: np.ndarray
    power: np.ndarray
    floor: float
    cutoff: float
    knee_db: float = 0.0

    @property
    def band_fraction(self) -> float:
        """Share of the grid's band (0..Nyquist) that carries signal: cutoff / 0.5."""
        return self.cutoff / 0.5


def _spectrum(power_sum: np.ndarray, count: int, length: int) -> Spectrum:
    freq = np.fft.rfftfreq(length)
    power = power_sum / max(count, 1)
    smooth = np.convolve(np.log10(power + 1e-12), np.ones(3) / 3, mode="same")
    smooth[0], smooth[-1] = np.log10(power[0] + 1e-12), np.log10(power[-1] + 1e-12)
    band = (freq >= FLOOR_BAND[0]) & (freq <= FLOOR_BAND[1])
    floor = float(np.median(smooth[band]))
    low = float(np.median(smooth[(freq >= 0.02) & (freq <= 0.1)]))
    above = np.nonzero((smooth > floor + FLOOR_MARGIN_DB / 10) & (freq > 0))[0]
    if low < floor + FLOOR_MARGIN_DB / 10:  # the top of the band is as strong as its bottom: all signal
        cutoff = 0.5
    else:
        cutoff = float(freq[above[-1]]) if len(above) else 0.0
    below = (freq >= cutoff - 0.06) & (freq < cutoff - 0.01)
    beyond = (freq > cutoff + 0.01) & (freq <= cutoff + 0.06)
    knee = 10 * float(smooth[below].mean() - smooth[beyond].mean()) if below.any() and beyond.any() else 0.0
    return Spectrum(freq, power, float(10**floor), cutoff, knee)


# --- result ------------------------------------------------------------------------------

DIP_UPSCALED = 0.2  # dip depth from which the descale search alone calls a clip upscaled
DIP_SPECIAL = 0.35  # ... at heights of simple ratios (1/2, 1/3, 2/3, 1/4, 3/4), see thresholds()
DIP_WEAK = 0.35  # below this (and above DIP_UPSCALED) the evidence is called weak
WEAK_CONFIDENCE = 0.7  # the most confidence a verdict on weak evidence may report
SPECTRAL_UPSCALED = 0.8  # band fraction below which the spectrum alone calls a clip upscaled...
KNEE_DB = 10.0  # ...when the power also drops at least this steeply across the cutoff
MIN_SIDE = 64
MAX_PIXELS = 7680 * 4320


@dataclass
class InspectResult:
    """What :func:`inspect_clip` found. Heights in px, frequencies in cycles/px, flicker in levels.

    ``verdict`` is "native" or "upscaled"; ``confidence`` in 0.5..1; ``estimated_source_height``
    (None when native) with ``height_interval`` (lo, hi); ``kernel`` the best-fitting kernel
    name (or "unknown" when only the spectrum says upscaled), ``kernel_family`` its family,
    ``factor`` = height / source height; ``evidence_weak`` and ``notes`` say how far to trust it.
    ``heights`` and ``curves`` (kernel -> RMS descale residual per height, levels) make the
    error curve; ``depth`` (kernel -> dip depth per height); ``vertical`` and ``horizontal``
    the spectra.
    """

    width: int
    height: int
    n_frames: int
    fps: float
    frames_used: list[int]
    verdict: str
    confidence: float
    estimated_source_height: int | None
    height_interval: tuple[int, int] | None
    kernel: str | None
    kernel_family: str | None
    factor: float | None
    method: str
    dip: float
    spectral_source_height: int
    evidence_weak: bool
    notes: list[str]
    heights: np.ndarray = field(repr=False)
    curves: dict[str, np.ndarray] = field(repr=False)
    depth: dict[str, np.ndarray] = field(repr=False)
    vertical: Spectrum = field(repr=False)
    horizontal: Spectrum = field(repr=False)
    hf_share: float = float("nan")
    flicker_rms_levels: float | None = None
    flicker_reliable: bool | None = None
    flicker_masked_fraction: float | None = None
    flicker_confidence: float | None = None
    flicker_message: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def band_fraction(self) -> float:
        """Fraction of the vertical band (0..Nyquist) that carries signal."""
        return self.vertical.band_fraction

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (no arrays but the per-kernel best fits)."""
        best = (
            {k: int(self.heights[int(np.argmax(d))]) for k, d in self.depth.items()}
            if len(self.heights)
            else {}
        )
        return {
            "width": self.width,
            "height": self.height,
            "frames": self.n_frames,
            "fps": self.fps,
            "frames_used": list(self.frames_used),
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "estimated_source_height": self.estimated_source_height,
            "height_interval": list(self.height_interval) if self.height_interval else None,
            "kernel": self.kernel,
            "kernel_family": self.kernel_family,
            "factor": None if self.factor is None else round(self.factor, 3),
            "method": self.method,
            "dip_depth": round(self.dip, 3),
            "best_height_per_kernel": best,
            "best_depth_per_kernel": {k: round(float(d.max()), 3) for k, d in self.depth.items()},
            "spectral_source_height": self.spectral_source_height,
            "spectral_cutoff_vertical": round(self.vertical.cutoff, 4),
            "spectral_cutoff_horizontal": round(self.horizontal.cutoff, 4),
            "spectral_knee_db": round(self.vertical.knee_db, 1),
            "band_fraction": round(self.band_fraction, 3),
            "hf_share": round(self.hf_share, 4),
            "flicker_rms_levels": None
            if self.flicker_rms_levels is None
            else round(self.flicker_rms_levels, 3),
            "flicker_reliable": self.flicker_reliable,
            "flicker_masked_fraction": None
            if self.flicker_masked_fraction is None
            else round(self.flicker_masked_fraction, 3),
            "flicker_confidence": None
            if self.flicker_confidence is None
            else round(self.flicker_confidence, 3),
            "flicker_message": self.flicker_message,
            "evidence_weak": self.evidence_weak,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
        }

    def summary(self) -> str:
        """A few plain lines a student can read, with units."""
        lines = [f"{self.width}x{self.height}, {self.n_frames} frames at {self.fps:g} fps"]
        if self.verdict == "native":
            lines.append(f"verdict: native {self.height}p (confidence {self.confidence:.0%})")
        else:
            lo, hi = self.height_interval or (0, 0)
            kern = (
                f"{self.kernel} ({self.kernel_family})"
                if self.kernel != "unknown"
                else "no linear kernel found (a learned upscaler, or soft or denoised content)"
            )
            lines.append(
                f"verdict: upscaled from about {self.estimated_source_height}p (between {lo} and {hi} px, "
                f"x{self.factor:.2f}) with {kern}; confidence {self.confidence:.0%}"
            )
        lines.append(
            f"descale search: deepest dip {self.dip:.2f} (1 = exact fit, 0 = none; threshold for upscaled: "
            f"{DIP_UPSCALED:g}, {DIP_SPECIAL:g} at simple ratios such as 1/2); decided by {self.method}"
        )
        lines.append(
            f"spectrum: signal up to {self.vertical.cutoff:.3f} cycles/px vertically, "
            f"{self.horizontal.cutoff:.3f} horizontally (Nyquist 0.5): {self.band_fraction:.0%} of the band, "
            f"as from about {self.spectral_source_height}p; the power drops {self.vertical.knee_db:.0f} dB across "
            f"that cutoff (an upscale's cutoff is steep: {KNEE_DB:g} dB or more)"
        )
        lines.append(f"detail: high-frequency share {self.hf_share:.3f} (power above 0.125 cycles/px)")
        if self.flicker_rms_levels is not None:
            trust = "reliable" if self.flicker_reliable else "NOT reliable"
            lines.append(
                f"flicker (DIS warp error): {self.flicker_rms_levels:.2f} grey levels RMS, {trust}: "
                f"{self.flicker_masked_fraction:.0%} of pixels masked, flow confidence {self.flicker_confidence:.2f}"
            )
        if self.evidence_weak:
            lines.append("evidence is WEAK: read the notes before trusting the verdict")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def plot(self) -> Any:
        """A figure: (a) the descale error curve per kernel, (b) the vertical and horizontal spectra."""
        import matplotlib.pyplot as plt

        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
        for name, curve in self.curves.items():
            ax0.plot(self.heights, curve, lw=1.0, label=name)
        if self.estimated_source_height is not None and self.method.startswith("descale"):
            ax0.axvline(self.estimated_source_height, color="0.3", ls="--", lw=0.8)
        ax0.set_xlabel("assumed source height (px)")
        ax0.set_ylabel("descale residual (RMS, 8-bit luma levels)")
        ax0.set_yscale("log")
        ax0.set_title(f"(a) descale error curve: a dip marks the source height (deepest {self.dip:.2f})")
        ax0.legend(fontsize=7, ncol=2)
        for spec, label in ((self.vertical, "vertical"), (self.horizontal, "horizontal")):
            ax1.semilogy(spec.frequency, spec.power, lw=1.0, label=f"{label} (signal to {spec.cutoff:.3f})")
        ax1.axhline(
            self.vertical.floor * 10 ** (FLOOR_MARGIN_DB / 10),
            color="0.5",
            ls=":",
            lw=0.8,
            label=f"vertical floor + {FLOOR_MARGIN_DB:g} dB",
        )
        ax1.axvline(0.5, color="0.3", lw=0.8)
        ax1.set_xlabel("frequency (cycles/px; grid Nyquist = 0.5)")
        ax1.set_ylabel("luma power (levels^2 per bin)")
        ax1.set_title(f"(b) spectrum: {self.band_fraction:.0%} of the band carries signal")
        ax1.legend(fontsize=7)
        head = "upscaled" if self.verdict == "upscaled" else "native"
        if self.verdict == "upscaled":
            head += f" from ~{self.estimated_source_height}p ({self.kernel})"
        fig.suptitle(
            f"{self.width}x{self.height}: {head}, confidence {self.confidence:.0%}"
            + (" (weak evidence)" if self.evidence_weak else "")
        )
        return fig


# --- input -------------------------------------------------------------------------------

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size check below says it
            with Image.open(path) as im:
                return int(im.size[0]), int(im.size[1])
    except Image.DecompressionBombError:
        raise LabError(f"{path} is larger than 8K (7680x4320); inspect handles up to 8K") from None
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise LabError(f"cannot read {path} as an image: {err}") from None


def _check_size(width: int, height: int, what: str) -> None:
    if min(width, height) < MIN_SIDE:
        raise LabError(
            f"{what} is {width}x{height} px: too small to inspect (need at least {MIN_SIDE} px a side)"
        )
    if width * height > MAX_PIXELS:
        raise LabError(f"{what} is {width}x{height} px, larger than 8K (7680x4320); inspect handles up to 8K")


def _is_image(path: Path) -> bool:
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return True
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return getattr(im, "n_frames", 1) == 1 and im.format not in {"GIF", "MPO"}
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def open_clip(source: Any) -> Any:
    """The clip to inspect: an mp4 path, a folder of frames, a Clip or a list/array of frames.

    Stills, 1-frame clips, frames under 64 px a side or over 8K raise :class:`LabError`.
    """
    from lab.video import Clip, read_mp4

    if isinstance(source, Clip):
        clip = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise LabError(f"{path} does not exist; give an mp4 or a folder of frames")
        if path.is_dir():
            clip = _folder_clip(path)
        elif _is_image(path):
            raise LabError(
                f"{path} is a still image: inspect needs motion, give a video or a folder of at least 2 frames"
            )
        else:
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "error", category=UserWarning
                )  # a damaged file is refused, not half-read
                try:
                    clip = read_mp4(path)
                except UserWarning as err:
                    raise LabError(str(err)) from None
    elif isinstance(source, (list, tuple, np.ndarray)):
        if len(source) == 0:
            raise LabError("no frames given: inspect needs at least 2")
        clip = Clip.from_frames(list(source))
    else:
        raise LabTypeError(f"inspect needs a path, a Clip or a list of frames, got {type(source).__name__}")
    _check_size(clip.resolution.width, clip.resolution.height, "each frame")
    if len(clip) < 2:
        raise LabError(f"the clip has {len(clip)} frame: inspect needs at least 2 (a clip, not a still)")
    return clip


def _folder_clip(path: Path) -> Any:
    from lab.optional import opencv
    from lab.video import Clip

    cv2 = opencv()
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if len(files) < 2:
        raise LabError(
            f"{path} holds {len(files)} image file(s): inspect needs a folder of at least 2 frames"
        )
    width, height = _image_size(files[0])
    _check_size(width, height, f"{files[0].name}")

    def frame(t: int) -> np.ndarray:
        img = cv2.imread(str(files[t]), cv2.IMREAD_COLOR)
        if img is None:
            raise LabError(f"cannot decode {files[t]} as an image")
        if img.shape[:2] != (height, width):
            raise LabError(
                f"{files[t].name} is {img.shape[1]}x{img.shape[0]}, but {files[0].name} is {width}x{height}"
            )
        return np.ascontiguousarray(img[:, :, ::-1])

    from lab.resolution import Resolution

    return Clip(frame, len(files), Resolution(width, height), 24.0, name=path.name)


def _sample(clip: Any, wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    """Decode ``clip`` once in order, yielding only the frames in ``wanted`` (stops after the last)."""
    last = max(wanted)
    try:
        for t, frame in enumerate(clip):
            if t in wanted:
                yield t, frame
            if t >= last:
                return
    except (RuntimeError, OSError, StopIteration) as err:
        raise LabError(
            f"the clip could not be decoded: {str(err).strip().splitlines()[-1] if str(err).strip() else err}"
        ) from None


# --- the inspection ----------------------------------------------------------------------

SPAN_FRAMES = 96  # frames are sampled from the first 96 (4 s at 24 fps): only those are decoded
BLOCK_ROWS = 192  # rows per descale block (top and bottom) on tall clips; the whole height up to 3 blocks


def _blocks(height: int) -> list[tuple[int, int]]:
    if height <= 3 * BLOCK_ROWS:
        return [(0, height)]
    return [(0, BLOCK_ROWS), (height - BLOCK_ROWS, height)]


def inspect_clip(
    source: Any,
    *,
    frames: int = 4,
    flicker: bool = True,
    flicker_pairs: int = 5,
    kernels: Sequence[str] | None = None,
    show_progress: bool = True,
    on_step: Callable[[int, int, str], None] | None = None,
) -> InspectResult:
    """Inspect a clip: native or upscaled, from what height and kernel, how detailed, how flickery.

    Parameters
    ----------
    source : path, Clip or frames
        An mp4 (any video ffmpeg reads), a folder of frames, a :class:`~lab.video.Clip` or a
        list of uint8 (H, W, 3) frames; at least 2 frames of 64 px to 8K.
    frames : int
        How many frames the descale search and spectrum use, spread over the first
        :data:`SPAN_FRAMES` frames (only those are decoded).
    flicker : bool
        Measure flicker (DIS warp error) on ``flicker_pairs`` consecutive frame pairs from the
        middle of the clip.
    kernels : names, optional
        Kernels the descale search tries (default all of :data:`KERNELS`); one name makes it a
        getnative-style single-kernel search.
    show_progress : bool
        Progress bar over the descale search.
    on_step : callable, optional
        ``on_step(done, total, text)`` after each decoded frame and every 50 candidates of the
        search (a widget's progress bar; it may raise to cancel).

    Returns
    -------
    InspectResult
        The verdict with its evidence; :meth:`InspectResult.summary`, ``.to_dict()``, ``.plot()``.
    """
    with _ONE_AT_A_TIME:
        return _inspect(source, frames, flicker, flicker_pairs, kernels, show_progress, on_step)


# One inspection at a time in a process: a widget's thread and a notebook cell inspecting at once
# ran OpenBLAS from two threads together, which hung a kernel at 100 % CPU.
_ONE_AT_A_TIME = threading.Lock()


def _inspect(
    source: Any,
    frames: int,
    flicker: bool,
    flicker_pairs: int,
    kernels: Sequence[str] | None,
    show_progress: bool,
    on_step: Callable[[int, int, str], None] | None,
) -> InspectResult:
    """The body of :func:`inspect_clip`, run under its lock."""
    from lab import metrics
    from lab.validate import positive_int

    started, cpu_started = time.perf_counter(), time.process_time()
    frames = positive_int(frames, "frames")
    flicker_pairs = positive_int(flicker_pairs, "flicker_pairs")
    names = list(kernels) if kernels is not None else list(KERNELS)
    for k in names:
        if k not in KERNELS:
            raise LabError(f"unknown kernel {k!r}; choose one of: {', '.join(KERNELS)}")
    clip = open_clip(source)
    n, width, height = len(clip), clip.resolution.width, clip.resolution.height
    span = min(n, SPAN_FRAMES)  # decoding a whole long 4K clip would cost more than measuring it
    sampled = sorted({int(round(x)) for x in np.linspace(0, span - 1, min(frames, span))})
    pairs = min(flicker_pairs, n - 1)
    start = max(0, (span - 1 - pairs) // 2)
    window = list(range(start, start + pairs + 1)) if flicker else []
    block_rows = _blocks(height)
    grams = [np.zeros((b - a, b - a)) for a, b in block_rows]
    columns = 0
    seg = min(256, width)
    v_power = np.zeros(np.fft.rfftfreq(block_rows[0][1] - block_rows[0][0]).size)
    h_power = np.zeros(np.fft.rfftfreq(seg).size)
    v_count = h_count = 0
    hf: list[float] = []
    held: dict[int, np.ndarray] = {}
    needed = sorted(set(sampled) | set(window))
    for t, frame in _sample(clip, set(needed)):
        if on_step is not None:
            on_step(needed.index(t) + 1, len(needed), f"decoding frame {t + 1} of {n}")
        if t in window:
            held[t] = frame
        if t not in sampled:
            continue
        y = metrics.luma(frame, dtype=np.float32)
        for g, (a, b) in zip(grams, block_rows, strict=True):
            block = y[a:b].astype(np.float64) - 128.0
            g += block @ block.T
            win = np.hanning(b - a)[:, None]
            if (a, b) == block_rows[0]:
                spec = np.abs(np.fft.rfft((block - block.mean(axis=0)) * win, axis=0)) ** 2
                v_power += spec.mean(axis=1)
                v_count += 1
            rows = block[:, : (width // seg) * seg].reshape(b - a, -1, seg)
            hwin = np.hanning(seg)
            hspec = np.abs(np.fft.rfft((rows - rows.mean(axis=2, keepdims=True)) * hwin, axis=2)) ** 2
            h_power += hspec.mean(axis=(0, 1))
            h_count += 1
        columns += width
        cy, cx = height // 2, width // 2
        crop = frame[max(0, cy - 256) : cy + 256, max(0, cx - 256) : cx + 256]
        hf.append(metrics.high_frequency_share(crop))
        del y
    blocks = [
        _Block(a, b, g, float(np.trace(g)), columns) for g, (a, b) in zip(grams, block_rows, strict=True)
    ]
    vertical = _spectrum(v_power, v_count, block_rows[0][1] - block_rows[0][0])
    horizontal = _spectrum(h_power, h_count, seg)

    heights = height_grid(height)
    rows_total = sum(b.stop - b.first for b in blocks)
    mse = {k: np.empty(len(heights)) for k in names}
    grid = [(k, i) for k in names for i in range(len(heights))]
    for step, (k, i) in enumerate(progress(grid, desc="descale search", disable=not show_progress)):
        if on_step is not None and step % 50 == 0:
            on_step(step, len(grid), f"descale search: {k} kernel")
        h = int(heights[i])
        mse[k][i] = sum(_residual(b, k, h, height) * (b.stop - b.first) for b in blocks) / rows_total
    curves = {k: np.sqrt(v) for k, v in mse.items()}
    gap = max(1, int(math.ceil(0.25 * height / (block_rows[0][1] - block_rows[0][0]))))
    depth = {k: dip_depth(c, gap) for k, c in curves.items()}

    result = _decide(heights, curves, depth, vertical, horizontal, height, names)
    notes = result.pop("notes")
    flick: dict[str, Any] = {}
    if flicker:
        from lab.video import Clip

        run = [held[t] for t in window if t in held]
        warp = metrics.warp_error(Clip.from_frames(run, clip.fps), flow="dis", show_progress=False)
        flick = {
            "flicker_rms_levels": float(warp.rms_levels),
            "flicker_reliable": bool(warp.reliable),
            "flicker_masked_fraction": float(warp.masked_fraction),
            "flicker_confidence": float(warp.confidence),
            "flicker_message": warp.message
            + f" (frames {window[0]}-{window[-1]}: {len(run) - 1} consecutive pairs)",
        }
    held.clear()
    return InspectResult(
        width=width,
        height=height,
        n_frames=n,
        fps=float(clip.fps),
        frames_used=sampled,
        heights=heights,
        curves=curves,
        depth=depth,
        vertical=vertical,
        horizontal=horizontal,
        hf_share=float(np.mean(hf)) if hf else float("nan"),
        notes=notes,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        **result,
        **flick,
    )


def _decide(
    heights: np.ndarray,
    curves: dict[str, np.ndarray],
    depth: dict[str, np.ndarray],
    vertical: Spectrum,
    horizontal: Spectrum,
    height: int,
    names: list[str],
) -> dict[str, Any]:
    """The verdict from the dip depths and the spectrum (see the module docstring)."""
    notes: list[str] = []
    thr = thresholds(heights, height)
    spectral_h = int(round(min(1.0, vertical.band_fraction) * height))
    if vertical.band_fraction < SPECTRAL_UPSCALED:
        # the spectrum cuts off at (about) this height on its own: a simple ratio there needs no extra
        # caution, the two kinds of evidence agree (still weak below DIP_WEAK)
        thr = np.where(np.abs(heights - spectral_h) <= 0.03 * height, DIP_UPSCALED, thr)
    margin = {k: d - thr for k, d in depth.items()}
    best_k = max(margin, key=lambda k: float(margin[k].max()))
    at = int(np.argmax(margin[best_k]))
    dip = float(depth[best_k][at])
    band = vertical.band_fraction
    if margin[best_k][at] >= 0:
        # a box upscale from h is also an exact box upscale from 2h, 3h...: of the qualifying dips
        # (almost) as deep as the deepest, the lowest height is the source
        near_best = [
            (int(np.nonzero((d >= 0.9 * dip) & (d >= thr))[0][0]), k)
            for k, d in depth.items()
            if np.any((d >= 0.9 * dip) & (d >= thr))
        ]
        at, best_k = min(near_best)
        dip = float(depth[best_k][at])
        h = int(heights[at])
        half = depth[best_k] >= dip / 2
        lo = hi = at
        while lo > 0 and half[lo - 1]:
            lo -= 1
        while hi < len(heights) - 1 and half[hi + 1]:
            hi += 1
        # kernels that fit (almost) as well belong to the answer: name the family when they agree
        rivals = [
            k for k in depth if float(depth[k][max(0, at - 2) : at + 3].max()) >= 0.9 * dip and k != best_k
        ]
        families = {KERNELS[k].family for k in [best_k, *rivals]}
        family = KERNELS[best_k].family if len(families) == 1 else " or ".join(sorted(families))
        if rivals:
            notes.append(f"{', '.join(rivals)} fit almost as well as {best_k}")
        weak = dip < DIP_WEAK
        if float(thresholds(heights, height)[at]) > float(thr[at]):
            notes.append(
                f"{h}p is a simple ratio, where {DIP_SPECIAL:g} is needed alone; {DIP_UPSCALED:g} sufficed "
                f"because the spectrum cuts off there too (as from about {spectral_h}p)"
            )
        if weak:
            notes.append(
                f"the dip is shallow ({dip:.2f}): grain, sharpening or heavy compression after the upscale, "
                "or a kernel not in the list"
            )
        conf = float(min(WEAK_CONFIDENCE if weak else 0.99, 0.5 + dip))
        return dict(
            verdict="upscaled",
            confidence=conf,
            estimated_source_height=h,
            height_interval=(int(heights[lo]), int(heights[hi])),
            kernel=best_k,
            kernel_family=family,
            factor=height / h,
            method="descale search" if len(names) > 1 else f"descale search ({names[0]} only)",
            dip=dip,
            spectral_source_height=spectral_h,
            evidence_weak=weak,
            notes=notes,
        )
    if band < SPECTRAL_UPSCALED and vertical.knee_db >= KNEE_DB:
        h = max(int(heights[0]), spectral_h)
        notes.append(
            "no linear kernel fits: the source height comes from the spectrum only (about 25 % uncertain "
            "either way: compressed bicubic x4 upscales from 270p read as 326p and 216p); "
            "a learned or generative upscaler, or a soft lens / heavy denoising"
        )
        return dict(
            verdict="upscaled",
            confidence=float(min(WEAK_CONFIDENCE, 0.5 + (SPECTRAL_UPSCALED - band))),
            estimated_source_height=h,
            height_interval=(int(round(0.75 * h)), min(height, int(round(1.25 * h)))),
            kernel="unknown",
            kernel_family="no linear kernel",
            factor=height / h,
            method="spectrum",
            dip=dip,
            spectral_source_height=spectral_h,
            evidence_weak=True,
            notes=notes,
        )
    weak = dip >= 0.5 * DIP_UPSCALED or band < SPECTRAL_UPSCALED + 0.05
    if dip >= 0.5 * DIP_UPSCALED:
        notes.append(
            f"close to the line: a dip of {dip:.2f} at {int(heights[at])}p "
            f"(threshold for upscaled there: {float(thr[at]):g})"
        )
    near = np.abs(heights - spectral_h) <= 0.05 * height  # heights the spectrum points at
    if band < SPECTRAL_UPSCALED and near.any():
        k_near = max(depth, key=lambda k: float(depth[k][near].max()))
        i_near = int(np.nonzero(near)[0][np.argmax(depth[k_near][near])])
        if depth[k_near][i_near] >= 0.5 * DIP_UPSCALED:
            weak = True
            notes.append(
                f"the spectrum (as from about {spectral_h}p) and a dip of {depth[k_near][i_near]:.2f} at "
                f"{int(heights[i_near])}p ({k_near}) agree: possibly an upscale from there whose exact trace "
                "compression or grain blurred; it stays native because soft native content shows dips this "
                "shallow too"
            )
    if band < SPECTRAL_UPSCALED + 0.05:
        notes.append(
            f"only {band:.0%} of the band carries signal, rolling off gently ({vertical.knee_db:.0f} dB across "
            "the cutoff): soft content, a soft lens, or an upscaler that left no linear trace; native is a guess"
        )
    notes.append(
        "caveat: an upscale by less than about x1.1 (from above 0.9 of the height) cannot be told from a native "
        "render: the band it removes is the top 10 %, where a native render's own anti-aliasing already rolls off"
    )
    room = min((DIP_UPSCALED - dip) / DIP_UPSCALED, (band - SPECTRAL_UPSCALED) / (1 - SPECTRAL_UPSCALED))
    return dict(
        verdict="native",
        confidence=float(min(WEAK_CONFIDENCE if weak else 0.99, 0.5 + 0.5 * max(0.0, room))),
        estimated_source_height=None,
        height_interval=None,
        kernel=None,
        kernel_family=None,
        factor=None,
        method="descale search and spectrum",
        dip=dip,
        spectral_source_height=spectral_h,
        evidence_weak=weak,
        notes=notes,
    )
