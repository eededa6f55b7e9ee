"""Slanted-edge MTF (ISO 12233 style) and MTF50: how crisp edges and text are, in cycles/pixel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lab import validate
from lab.errors import LabError
from lab.metrics._common import as_frame, luma


@dataclass(frozen=True)
class MTFResult:
    """Result of a slanted-edge measurement.

    Attributes
    ----------
    frequency : ndarray
        Spatial frequency in cycles/pixel (perpendicular to the edge), 0 .. 1.
    mtf : ndarray
        Modulation transfer, normalised to 1 at zero frequency.
    mtf50 : float
        Frequency (cycles/pixel) where the MTF first falls to 0.5; Nyquist is 0.5.
    angle_deg : float
        Edge angle from the pixel column (or row) direction, degrees.
    esf : ndarray
        The 4x oversampled edge spread function (luma, 8-bit levels).
    """

    frequency: np.ndarray
    mtf: np.ndarray
    mtf50: float
    angle_deg: float
    esf: np.ndarray


def _centroids(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the edge position (derivative centroid, pixels) and a usable-row mask."""
    deriv = np.zeros_like(plane)
    deriv[:, 1:-1] = 0.5 * (plane[:, 2:] - plane[:, :-2])  # [-0.5, 0, 0.5]
    weight = np.abs(deriv)
    # ignore the noise floor: only samples above 10 % of the row's peak derivative count
    peak = weight.max(axis=1, keepdims=True)
    weight = np.where(weight >= 0.1 * peak, weight, 0.0)
    total = weight.sum(axis=1)
    cols = np.arange(plane.shape[1], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (weight * cols).sum(axis=1) / total
    return centre, (total > 0) & (peak[:, 0] > 0)


def slanted_edge_mtf(image: Any, *, oversample: int = 4, correct_derivative: bool = True) -> MTFResult:
    """Measure the MTF of a slightly slanted straight edge (ISO 12233 slanted-edge method).

    Steps (ISO 12233 / Burns' sfrmat): BT.601 luma -> per row, locate the edge by the centroid
    of the [-0.5, 0, 0.5] derivative -> least-squares line through the centroids -> project every
    pixel onto the edge normal and average into ``oversample`` (4) bins per pixel -> edge spread
    function (ESF) -> line spread function (LSF) by the [-0.5, 0, 0.5] derivative -> Hamming
    window centred on the LSF -> |DFT| normalised to DC. With ``correct_derivative`` the
    derivative's own sinc-like loss is divided out (ISO 12233:2014 correction,
    min(x / sin x, 10) for our central difference). Frequencies are projected perpendicular to
    the edge. The edge may be near-vertical or near-horizontal (it is transposed); typical slant
    2-10 degrees. The image should contain just the edge (crop a region of interest first).

    Parameters
    ----------
    image : ndarray or torch.Tensor
        RGB or gray frame with one dark/bright straight edge.
    oversample : int
        ESF bins per pixel.
    correct_derivative : bool
        Apply the derivative correction.

    Returns
    -------
    MTFResult

    Raises
    ------
    LabError
        No edge found, an edge almost exactly aligned with the pixel grid (needs a slant), or
        too few rows to fit a line.

    References
    ----------
    .. [1] ISO 12233:2014/2017, "Photography - Electronic still picture imaging - Resolution
       and spatial frequency responses" (e-SFR); P. D. Burns, "Slanted-edge MTF for digital
       camera and scanner analysis", PICS 2000 (sfrmat).
    .. [2] Imatest, "LSF correction factor for slanted-edge MTF measurements" (2015).

    Examples
    --------
    >>> yy, xx = np.mgrid[0:64, 0:64]
    >>> edge = np.clip(xx - 32 - 0.09 * (yy - 32) + 0.5, 0, 1)  # ~5 degrees, 1-pixel ramp
    >>> 0.5 < slanted_edge_mtf(edge).mtf50 < 0.65  # a 1 px box: sinc(pi f) = 0.5 near 0.6
    True
    """
    oversample = validate.positive_int(oversample, "oversample")
    plane = _edge_rows(luma(as_frame(image)))
    slope, intercept = _fit_edge_line(plane)
    angle = float(np.degrees(np.arctan(slope)))
    if abs(angle) < 1.0:
        raise LabError(
            f"the edge is only {angle:.2f} degrees from the pixel grid; slanted-edge MTF needs about "
            "2-10 degrees of slant so the rows sample the edge at different sub-pixel phases"
        )
    esf = _edge_spread(plane, slope, intercept, oversample)
    freq, mtf = _mtf_of_esf(esf, oversample, correct_derivative)
    return MTFResult(frequency=freq, mtf=mtf, mtf50=_first_crossing(freq, mtf, 0.5), angle_deg=angle, esf=esf)


def _edge_rows(plane: np.ndarray) -> np.ndarray:
    """The luma plane oriented so its rows cross the edge; refuses a crop without one clear edge."""
    if min(plane.shape) < 16:
        raise LabError(
            f"the edge region must be at least 16 x 16 pixels, got {plane.shape[1]} x {plane.shape[0]}"
        )
    gx = np.abs(np.diff(plane, axis=1)).sum()
    gy = np.abs(np.diff(plane, axis=0)).sum()
    if gx == 0 and gy == 0:
        raise LabError("the image is flat: no edge to measure; crop a region containing one slanted edge")
    if gy > gx:  # near-horizontal edge: work on the transpose so rows cross the edge
        plane = plane.T
    quarter = max(plane.shape[1] // 4, 1)
    left, right = plane[:, :quarter], plane[:, -quarter:]
    step = abs(float(left.mean()) - float(right.mean()))
    spread = 0.5 * (float(left.std()) + float(right.std()))
    if step <= spread:  # noise or texture: the two sides differ less than each side varies
        raise LabError(
            f"no edge found: the two sides of the crop differ by {step:.3g} on average, less than the variation "
            f"within each side ({spread:.3g}); crop a region holding one straight dark/bright edge"
        )
    return plane


def _fit_edge_line(plane: np.ndarray) -> tuple[float, float]:
    """Edge column = slope * row + intercept: least squares through the rows' centroids, fitted twice."""
    centre, ok = _centroids(plane)
    rows = np.arange(plane.shape[0], dtype=np.float64)
    if ok.sum() < 8:
        raise LabError(
            "could not find the edge in enough rows (need 8); crop tighter around one straight edge"
        )
    slope, intercept = np.polyfit(rows[ok], centre[ok], 1)
    # refit after rejecting rows far from the first line (stray texture, corners)
    resid = centre - (slope * rows + intercept)
    good = ok & (np.abs(resid) < max(2.0, 3.0 * float(np.nanstd(resid[ok]))))
    slope, intercept = np.polyfit(rows[good], centre[good], 1)
    return slope, intercept


def _edge_spread(plane: np.ndarray, slope: float, intercept: float, oversample: int) -> np.ndarray:
    """The edge spread function: pixels binned by their distance to the edge, ``oversample`` bins per pixel.

    Runs dark to bright; empty bins are interpolated from their neighbours.
    """
    cos_a = np.cos(np.arctan(slope))
    w = plane.shape[1]
    rows = np.arange(plane.shape[0], dtype=np.float64)
    cols = np.arange(w, dtype=np.float64)
    dist = (cols[None, :] - (slope * rows[:, None] + intercept)) * cos_a  # perpendicular px
    # Keep a band of distances every row covers, so every bin averages the same edge phases.
    edge_x = slope * rows + intercept
    half = min(float(edge_x.min()), float(w - 1 - edge_x.max())) * cos_a
    if half < 4:
        raise LabError("the edge runs too close to the image border; crop so it sits in the middle")
    half = min(half, 64.0)
    keep = np.abs(dist) <= half
    bins = np.floor(dist[keep] * oversample).astype(np.int64)
    lo = int(np.floor(-half * oversample))
    n_bins = int(np.floor(half * oversample)) - lo + 1
    counts = np.bincount(bins - lo, minlength=n_bins)[:n_bins]
    sums = np.bincount(bins - lo, weights=plane[keep], minlength=n_bins)[:n_bins]
    filled = counts > 0
    if filled.sum() < n_bins * 0.8:
        raise LabError("the edge slant leaves too many empty oversampled bins; use a 2-10 degree edge")
    centres = np.arange(n_bins, dtype=np.float64)
    esf = np.interp(centres, centres[filled], sums[filled] / counts[filled])
    if esf[-1] < esf[0]:
        esf = esf[::-1].copy()
    return esf


def _mtf_of_esf(esf: np.ndarray, oversample: int, correct_derivative: bool) -> tuple[np.ndarray, np.ndarray]:
    """(frequency in cycles/pixel up to 1, MTF normalised to DC) of an oversampled edge spread function."""
    n_bins = len(esf)
    centres = np.arange(n_bins, dtype=np.float64)
    lsf = np.zeros_like(esf)
    lsf[1:-1] = 0.5 * (esf[2:] - esf[:-2])
    lsf[0], lsf[-1] = lsf[1], lsf[-2]
    # Hamming window centred on the LSF peak (centroid)
    weights = np.clip(lsf, 0, None)
    peak = float((weights * centres).sum() / weights.sum()) if weights.sum() > 0 else n_bins / 2
    span = max(peak, n_bins - 1 - peak)
    window = 0.54 + 0.46 * np.cos(np.pi * np.clip((centres - peak) / span, -1, 1))
    spectrum = np.abs(np.fft.rfft(lsf * window))
    if spectrum[0] <= 0:
        raise LabError("the edge has no contrast after projection; check that the crop holds one edge")
    mtf = spectrum / spectrum[0]
    freq = np.fft.rfftfreq(n_bins, d=1.0 / oversample)  # cycles/pixel
    if correct_derivative:
        x = 2 * np.pi * freq / oversample  # phase step of the central difference per bin
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.where(x > 0, x / np.sin(x), 1.0)
        mtf = mtf * np.clip(np.nan_to_num(corr, nan=10.0, posinf=10.0), 1.0, 10.0)
    limit = freq <= 1.0
    return freq[limit], mtf[limit]


def _first_crossing(freq: np.ndarray, mtf: np.ndarray, level: float) -> float:
    """Frequency where ``mtf`` first falls below ``level`` (linear interpolation); nan if it never does."""
    below = np.flatnonzero(mtf < level)
    if len(below) == 0:
        return float("nan")
    i = int(below[0])
    f0, f1, m0, m1 = freq[i - 1], freq[i], mtf[i - 1], mtf[i]
    return float(f0 + (m0 - level) * (f1 - f0) / (m0 - m1))


def mtf50(image: Any, *, oversample: int = 4) -> float:
    """Frequency in cycles/pixel where the slanted-edge MTF falls to 50 % (higher = crisper).

    See :func:`slanted_edge_mtf` for the method. A Gaussian blur of sigma pixels gives
    MTF50 = sqrt(ln 2 / 2) / (pi sigma) = 0.1874 / sigma; an edge rendered at 1/k resolution
    and upscaled k times is limited to about 1/k of the native value. ``nan`` when the MTF never
    drops below 0.5 up to 1 cycle/pixel (an aliased, perfectly sharp edge).

    References
    ----------
    .. [1] ISO 12233 slanted-edge e-SFR (see :func:`slanted_edge_mtf`).

    Examples
    --------
    >>> from math import erf
    >>> yy, xx = np.mgrid[0:96, 0:96]
    >>> d = (xx - 48 - 0.0875 * (yy - 48)) / np.hypot(1, 0.0875)
    >>> edge = 0.5 + 0.5 * np.vectorize(erf)(d / (2.0 * np.sqrt(2)))  # Gaussian sigma = 2 px
    >>> round(mtf50(edge), 3)  # 0.1874 / 2 = 0.0937
    0.094
    """
    return slanted_edge_mtf(image, oversample=oversample).mtf50
