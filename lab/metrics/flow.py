"""Optical flow for the temporal metrics: OpenCV DIS estimation, warping and occlusion masks.

Flow convention (as :class:`lab.video.Clip`): ``flow[y, x] = (dx, dy)`` in pixels, such that the
scene point seen at pixel p in frame t is seen at p + flow(p) in frame t+1. Warping frame t+1
"back" to frame t samples it at p + flow(p).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from lab.errors import LabError, LabTypeError, choice_error
from lab.metrics._common import as_frame, gray8
from lab.optional import opencv

cv2 = opencv()

EXACT_PAD = 16  # px (at least) of mirrored, tapered padding on each side of a frame before its FFT shift
EXACT_MARGIN = 16  # px next to the frame border left out of a fractional exact shift
UNIFORM_TOLERANCE = 1e-4  # px: a flow field this close to constant is one translation

_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
FULL_HD_PIXELS = 1920 * 1080


def default_preset(height: int, width: int) -> str:
    """DIS preset by size: "medium" up to 1080p, "fast" above (4K), to keep the cost bounded."""
    return "medium" if height * width <= FULL_HD_PIXELS else "fast"


class DISFlow:
    """A reusable OpenCV DIS optical-flow estimator (Kroeger et al., ECCV 2016).

    >>> est = DISFlow("fast")
    >>> a = np.zeros((32, 32), np.uint8)
    >>> est(a, a).shape
    (32, 32, 2)
    """

    def __init__(self, preset: str = "medium") -> None:
        if preset not in _PRESETS:
            raise choice_error("DIS preset", preset, list(_PRESETS))
        self.preset = preset
        self._dis = cv2.DISOpticalFlow_create(_PRESETS[preset])

    def __call__(self, gray0: np.ndarray, gray1: np.ndarray) -> np.ndarray:
        """Flow (H, W, 2) float32 from 8-bit gray frame 0 to frame 1."""
        return self._dis.calc(gray0, gray1, None)


def estimate_flow(frame0: Any, frame1: Any, *, preset: str | None = None) -> np.ndarray:
    """Estimate the optical flow from ``frame0`` to ``frame1`` with OpenCV DIS, (H, W, 2) px.

    Frames are converted to 8-bit gray. ``preset`` is "ultrafast", "fast" or "medium"; by default
    "medium" up to 1080p and "fast" above. Estimated flow fails on fine periodic texture (its
    motion is ambiguous by whole periods, and along an edge only the motion across it shows):
    prefer a scene's ground-truth flow when it exists.

    References
    ----------
    .. [1] T. Kroeger, R. Timofte, D. Dai, L. Van Gool, "Fast Optical Flow using Dense Inverse
       Search", ECCV 2016; OpenCV ``cv2.DISOpticalFlow_create``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = cv2.GaussianBlur(rng.integers(0, 256, (64, 64), dtype=np.uint8), (0, 0), 1.5)
    >>> b = np.roll(a, 2, axis=1)  # content moves 2 px right
    >>> flow = estimate_flow(a, b)
    >>> bool(abs(np.median(flow[16:48, 16:48, 0]) - 2) < 0.5)
    True
    """
    g0, g1 = gray8(as_frame(frame0, name="frame0")), gray8(as_frame(frame1, name="frame1"))
    if g0.shape != g1.shape:
        raise LabError(f"frames must have the same size, got {g0.shape} and {g1.shape}")
    return DISFlow(preset or default_preset(*g0.shape))(g0, g1)


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel x coordinates (1, W) and y coordinates (H, 1), float32 (broadcast, not stored full size)."""
    return np.arange(width, dtype=np.float32)[None, :], np.arange(height, dtype=np.float32)[:, None]


def sample_maps(
    flow: np.ndarray, grid: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remap coordinates p + flow(p) and the mask of those that land inside the frame."""
    h, w = flow.shape[:2]
    xs, ys = grid if grid is not None else _grid(h, w)
    map_x = flow[..., 0] + xs
    map_y = flow[..., 1] + ys
    inside = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    return map_x, map_y, inside


def warp_frame(
    frame: np.ndarray, flow: np.ndarray, *, maps: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Backward-warp ``frame`` (frame t+1) to frame t: out(p) = frame(p + flow(p)), bilinear.

    Works on any dtype OpenCV remaps (uint8, float32); positions outside the frame take the
    nearest border value (mask them with :func:`sample_maps`).

    >>> f = np.arange(12, dtype=np.float32).reshape(3, 4)
    >>> warp_frame(f, np.dstack([np.ones((3, 4)), np.zeros((3, 4))]).astype(np.float32))[0, :3]
    array([1., 2., 3.], dtype=float32)
    """
    if flow.ndim != 3 or flow.shape[2] != 2 or flow.shape[:2] != frame.shape[:2]:
        raise LabError(f"flow must be (H, W, 2) matching the frame {frame.shape[:2]}, got {flow.shape}")
    if maps is None:
        map_x, map_y, _ = sample_maps(flow.astype(np.float32, copy=False))
    else:
        map_x, map_y = maps
    return cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def uniform_motion(flow: np.ndarray) -> tuple[float, float] | None:
    """(dx, dy) when every pixel of ``flow`` moves by the same amount (within 1e-4 px), else None."""
    u, v = flow[..., 0], flow[..., 1]
    u0, v0 = float(u.flat[0]), float(v.flat[0])
    if float(np.abs(u - u0).max()) > UNIFORM_TOLERANCE or float(np.abs(v - v0).max()) > UNIFORM_TOLERANCE:
        return None
    return u0, v0


def _shift_axis(a: np.ndarray, shift: float, axis: int) -> np.ndarray:
    """out[i] = a[i + shift] along ``axis`` (float32): an FFT phase shift of the padded frame.

    The frame is mirrored by :data:`EXACT_PAD` px on both ends, the mirrored pads tapered
    (raised cosine) to the mean of the two edge values, so the FFT's periodic wrap is
    continuous. A whole-pixel shift is a slice; otherwise the whole shift rides on the phase
    ramp. Samples whose source lies outside the frame (and the margin) are garbage: callers
    mask them with :func:`exact_valid`.
    """
    from scipy import fft as sfft

    length = a.shape[axis]
    whole = round(shift)
    if abs(shift - whole) <= 1e-9:  # whole pixels: out[i] = a[i + whole], the rest left as it was
        out = a.copy()
        src = [slice(None)] * a.ndim
        dst = [slice(None)] * a.ndim
        if whole > 0:
            src[axis], dst[axis] = slice(whole, None), slice(0, length - whole)
        elif whole < 0:
            src[axis], dst[axis] = slice(0, length + whole), slice(-whole, None)
        if abs(whole) < length:
            out[tuple(dst)] = a[tuple(src)]
        return out
    # pad to a fast FFT length (no zero padding inside the FFT): at least EXACT_PAD px a side
    n = sfft.next_fast_len(length + 2 * EXACT_PAD, real=True)
    left = (n - length) // 2
    right = n - length - left
    widths = [(0, 0)] * a.ndim
    widths[axis] = (left, right)
    g = np.pad(a, widths, mode="symmetric" if max(left, right) <= length else "wrap")
    edge = 0.5 * (np.take(a, [0], axis=axis) + np.take(a, [length - 1], axis=axis))
    for start, size, outward in ((0, left, False), (length + left, right, True)):
        shape = [1] * a.ndim
        shape[axis] = size
        k = np.arange(1, size + 1, dtype=np.float32)
        fade = (0.5 * (1.0 + np.cos(np.pi * k / (size + 1)))).astype(np.float32)  # 1 -> 0 going outward
        part = [slice(None)] * a.ndim
        part[axis] = slice(start, start + size)
        g[tuple(part)] = edge + (g[tuple(part)] - edge) * (fade if outward else fade[::-1]).reshape(shape)
    spec = sfft.rfft(g, axis=axis, overwrite_x=True, workers=-1)
    del g
    shape = [1] * a.ndim
    shape[axis] = spec.shape[axis]
    spec *= np.exp(2j * np.pi * shift * np.fft.rfftfreq(n)).astype(np.complex64).reshape(shape)
    keep = [slice(None)] * a.ndim
    keep[axis] = slice(left, left + length)
    return sfft.irfft(spec, n=n, axis=axis, overwrite_x=True, workers=-1)[tuple(keep)]


def exact_shift(frame: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Band-limited (FFT phase-shift) translation: out(p) = frame(p + (dx, dy)), float32.

    Exact for band-limited periodic content; on a real frame the mirrored, tapered border
    (:func:`_shift_axis`) leaves an error that decays away from the edge; :func:`exact_valid`
    masks what wraps in and the :data:`EXACT_MARGIN` px next to the border. Values keep the
    input's scale (uint8 in, 0-255 floats out).

    >>> f = np.tile(np.sin(2 * np.pi * np.arange(32) / 8), (4, 1)).astype(np.float32)
    >>> bool(np.allclose(exact_shift(f, 2.0, 0.0)[:, :24], f[:, 2:26], atol=1e-5))
    True
    """
    a = np.asarray(frame, dtype=np.float32)
    if not dx and not dy:
        return a.copy()
    if dx:
        a = _shift_axis(a, float(dx), 1)
    if dy:
        a = _shift_axis(a, float(dy), 0)
    return a


def exact_valid(height: int, width: int, dx: float, dy: float) -> np.ndarray:
    """Pixels an :func:`exact_shift` by (dx, dy) gets right: the source lies inside the frame, and
    with a fractional part along an axis, at least :data:`EXACT_MARGIN` px from that axis's borders."""
    valid = np.zeros((height, width), bool)
    bounds = []
    for shift, size in ((dx, width), (dy, height)):
        margin = EXACT_MARGIN if abs(shift - round(shift)) > 1e-9 else 0
        lo = max(0, -int(np.floor(shift))) + margin
        hi = min(size, size - int(np.ceil(shift))) - margin
        bounds.append((lo, hi))
    (x0, x1), (y0, y1) = bounds
    if x1 > x0 and y1 > y0:
        valid[y0:y1, x0:x1] = True
    return valid


def occlusion_mask(
    forward: np.ndarray, backward: np.ndarray, *, maps: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Pixels of frame t whose forward flow fails the forward-backward check (True = occluded).

    With w_f the flow t -> t+1 and w_b the flow t+1 -> t sampled at p + w_f(p) (squared magnitudes):
    occluded if |w_f + w_b|^2 > 0.01 (|w_f|^2 + |w_b|^2) + 0.5, or on a motion boundary,
    |grad u|^2 + |grad v|^2 > 0.01 |w_f|^2 + 0.002.

    References
    ----------
    .. [1] M. Ruder, A. Dosovitskiy, T. Brox, "Artistic style transfer for videos", GCPR 2016.
    .. [2] W.-S. Lai et al., "Learning Blind Video Temporal Consistency", ECCV 2018; code
       phoenix104104/fast_blind_video_consistency ``utils.detect_occlusion`` (same thresholds).

    >>> zero = np.zeros((8, 8, 2), np.float32)
    >>> bool(occlusion_mask(zero, zero).any())
    False
    """
    if forward.shape != backward.shape or forward.ndim != 3 or forward.shape[2] != 2:
        raise LabError(
            f"forward and backward flows must both be (H, W, 2), got {forward.shape} and {backward.shape}"
        )
    if maps is None:
        map_x, map_y, _ = sample_maps(forward)
    else:
        map_x, map_y = maps
    back = cv2.remap(backward, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    fu, fv = cv2.split(forward)  # contiguous planes: much faster than strided (H, W, 2) views
    bu, bv = cv2.split(back)
    del back
    mag_f = fu * fu
    mag_f += fv * fv
    mag_b = bu * bu
    mag_b += bv * bv
    bu += fu  # bu, bv now hold w_f + w_b
    bv += fv
    fb = bu * bu
    fb += bv * bv
    mag_b += mag_f
    mag_b *= 0.01
    mag_b += 0.5
    inconsistent = fb > mag_b
    del fb, mag_b, bu, bv
    # motion boundary: forward differences of u and v (zero in the last row/column)
    grad = np.zeros_like(fu)
    for plane in (fu, fv):
        d = np.diff(plane, axis=1)
        grad[:, :-1] += d * d
        d = np.diff(plane, axis=0)
        grad[:-1, :] += d * d
    mag_f *= 0.01
    mag_f += 0.002
    boundary = grad > mag_f
    return inconsistent | boundary


PERIODIC_SHARE = 0.6  # above this whitened spectral peak share, a frame counts as a periodic pattern
PERIODIC_TOP = 0.005  # the share is of the strongest 0.5 % of frequencies (at least 8)
PERIODIC_LOWEST = 3  # cycles per frame (along the shorter side): lower frequencies are left out
PEAK_RATIO = 10.0  # a frequency is a peak when its power is this many times its ring's median


def periodic_share(frame: Any) -> float:
    """How much a frame is one periodic pattern: the share of its whitened spectral energy that sits
    in peaks among the strongest 0.5 % of frequencies (at least 8), 0-1.

    The luma's power spectrum (mean removed, Hann window) is multiplied by f^2, which flattens the
    1/f^2 fall-off of natural images, and frequencies below 3 cycles per frame are dropped. Of
    the strongest whitened frequencies only peaks count: those whose power is :data:`PEAK_RATIO`
    (10) times the median of their ring of radial frequency (one ring per cycle per shorter
    frame side). A smooth, out-of-focus photo falls faster than 1/f^2, so its whitened energy
    piles up at the lowest frequencies, but smoothly, with no peaks there: it scores low. A
    grating or a tiled pattern, alone or in a small patch, scores 0.7-1.0; photos, noise and
    the course's scenes other than the fabric weave score 0.02-0.5. Motion estimated on a
    periodic pattern is ambiguous by whole periods, and on an aliased one it follows the alias,
    so :data:`PERIODIC_SHARE` (0.6) marks estimated flow on such frames as unreliable.

    >>> yy, xx = np.mgrid[0:64, 0:64]
    >>> grating = (128 + 100 * np.sin(2 * np.pi * 0.2 * xx)).astype(np.uint8)
    >>> periodic_share(grating) > 0.99
    True
    """
    g = gray8(as_frame(frame, name="frame")).astype(np.float32)
    h, w = g.shape
    if min(h, w) < 16:
        return 0.0
    g -= np.float32(g.mean())
    g *= np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    power = (np.abs(np.fft.rfft2(g)) ** 2).astype(np.float64)
    r2 = np.fft.fftfreq(h)[:, None] ** 2 + np.fft.rfftfreq(w)[None, :] ** 2
    side = min(h, w)
    keep = r2 >= (PERIODIC_LOWEST / side) ** 2
    whitened = np.where(keep, power * r2, 0.0)
    total = float(whitened.sum())
    if total <= 0:
        return 0.0
    ring = np.rint(np.sqrt(r2) * side).astype(np.int64)
    rings, values = ring[keep], power[keep]
    order = np.argsort(rings, kind="stable")
    rings, values = rings[order], values[order]
    starts = np.flatnonzero(np.r_[True, rings[1:] != rings[:-1]])
    medians = np.zeros(ring.max() + 1)
    for begin, stop in zip(starts, np.r_[starts[1:], rings.size]):
        medians[rings[begin]] = np.median(values[begin:stop])
    peak = keep & (power > PEAK_RATIO * medians[ring])
    k = max(8, int(PERIODIC_TOP * whitened.size))
    top = np.argpartition(whitened.ravel(), whitened.size - k)[-k:]
    return float(whitened.ravel()[top][peak.ravel()[top]].sum() / total)


# --- flow sources for the temporal metrics -----------------------------------------------------
_POOL: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """One shared worker thread that computes backward flows while the caller computes forward ones."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lab-dis")
    return _POOL


class FlowSource:
    """Where the motion between frames t and t+1 comes from, for every pair of a clip.

    ``kind`` is "truth" (a ground-truth function ``flow_fn(t)``), "global" (a constant (dx, dy)
    in px/frame) or "dis" (estimated with DIS on a reference frame pair, forward and backward,
    with the occlusion mask). :meth:`pair` returns (flow, valid mask) for frame pair t and sets
    :attr:`motion` to that pair's (dx, dy) when the motion is one translation (global motion, or
    ground truth that is the same at every pixel), else None.
    """

    def __init__(
        self,
        kind: str,
        height: int,
        width: int,
        *,
        flow_fn: Callable[[int], np.ndarray] | None = None,
        motion: tuple[float, float] | None = None,
        preset: str | None = None,
    ) -> None:
        self.kind = kind
        self.shape = (height, width)
        self._flow_fn = flow_fn
        self._grid = _grid(height, width)
        self._motion = motion
        # the last pair's motion when it is one translation (dx, dy), else None (see :meth:`pair`)
        self.motion: tuple[float, float] | None = None
        if kind == "global":
            assert motion is not None
            self._constant = np.empty((height, width, 2), np.float32)
            self._constant[..., 0] = motion[0]
            self._constant[..., 1] = motion[1]
        self.preset = preset or default_preset(height, width)
        self._dis = DISFlow(self.preset) if kind == "dis" else None
        # Up to 1080p the backward flow runs in a second thread with its own estimator (speed);
        # above, one estimator runs both directions in turn, since each DIS instance keeps about
        # 150 MB of 4K buffers and the 4K memory budget matters more than the time.
        parallel = kind == "dis" and height * width <= FULL_HD_PIXELS
        self._dis_back = DISFlow(self.preset) if parallel else self._dis
        self._pool = _executor() if parallel else None

    @property
    def needs_reference_frames(self) -> bool:
        """True when the flow is estimated from the reference frames."""
        return self.kind == "dis"

    def pair(
        self, t: int, ref0: np.ndarray | None = None, ref1: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(map_x, map_y, valid) for pair t: remap coordinates p + flow(p) and the usable pixels."""
        if self.kind == "truth":
            assert self._flow_fn is not None
            flow = np.asarray(self._flow_fn(t), dtype=np.float32)
            if flow.shape != (*self.shape, 2):
                raise LabError(
                    f"ground-truth flow for pair {t} has shape {flow.shape}, expected {(*self.shape, 2)}"
                )
            if not np.isfinite(flow).all():
                raise LabError(f"ground-truth flow for pair {t} contains NaN or infinity")
        elif self.kind == "global":
            flow = self._constant
        else:
            assert (
                self._dis is not None and self._dis_back is not None and ref0 is not None and ref1 is not None
            )
            g0, g1 = gray8(ref0), gray8(ref1)
            if self._pool is not None:  # forward and backward in parallel (OpenCV releases the GIL)
                pending = self._pool.submit(self._dis_back, g1, g0)
                flow = self._dis(g0, g1)
                back = pending.result()
            else:
                flow = self._dis(g0, g1)
                back = self._dis(g1, g0)
        self.motion = None
        if self.kind == "global":
            self.motion = self._motion
        elif self.kind == "truth":
            self.motion = uniform_motion(flow)
        map_x, map_y, inside = sample_maps(flow, self._grid)
        valid = inside
        if self.kind == "dis":
            valid = inside & ~occlusion_mask(flow, back, maps=(map_x, map_y))
        return map_x, map_y, valid


def make_source(
    flow: Any, height: int, width: int, *, flow_fn: Callable[[int], np.ndarray] | None
) -> FlowSource:
    """Build a :class:`FlowSource` from the user's ``flow=`` option (see lab.metrics docs)."""
    if isinstance(flow, str):
        options = ("auto", "truth", "dis")
        if flow not in options:
            raise choice_error("flow", flow, options)
        if flow == "auto":
            flow = "truth" if flow_fn is not None else "dis"
        if flow == "truth":
            if flow_fn is None:
                raise LabError(
                    "flow='truth' needs a clip with ground-truth flow (rendered from a scene, e.g. "
                    "native.render_clip); give flow='dis' to estimate it or flow=(dx, dy) for a known global motion"
                )
            return FlowSource("truth", height, width, flow_fn=flow_fn)
        return FlowSource("dis", height, width)
    if isinstance(flow, (tuple, list)) and len(flow) == 2:
        try:
            dx, dy = (float(v) for v in flow)
        except (TypeError, ValueError):
            raise LabTypeError(
                f"a global motion must be two numbers (dx, dy) in px/frame, got {flow!r}"
            ) from None
        if not (np.isfinite(dx) and np.isfinite(dy)):
            raise LabError(f"global motion must be finite, got {flow!r}")
        return FlowSource("global", height, width, motion=(dx, dy))
    raise LabTypeError(f"flow must be 'auto', 'truth', 'dis' or a (dx, dy) tuple in px/frame, got {flow!r}")
