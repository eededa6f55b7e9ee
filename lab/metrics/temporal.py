"""Temporal metrics: VBench flicker score, flow-compensated warp error, tOF, flicker heat map.

All of them stream a clip one frame at a time (at most two frames alive as float32), so a
240-frame 4K clip never sits in memory. Clips may be :class:`lab.video.Clip` objects, lists of
frames, or ``(N, H, W, 3)`` arrays.

How motion is handled (``flow=``): "truth" uses the clip's ground-truth motion ``clip.flow(t)``;
``(dx, dy)`` is a known global motion in px/frame; "dis" estimates it with OpenCV DIS optical
flow (on the ``reference`` clip when given), masks pixels that fail the forward-backward check
and reports how much was masked and how well the flow explains the reference's motion. Estimated
flow can invert a ranking on fine or periodic detail (a periodic pattern's motion is ambiguous by
whole periods, and along an edge only the motion across it is visible), so results computed with it
carry ``reliable`` and ``message``: never print a confident ranking when ``reliable`` is False.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lab.errors import LabError, choice_error
from lab.metrics._common import (
    check_clips,
    clip_flow_fn,
    clip_shape,
    gray8,
    iter_frames,
    to_unit,
)
from lab.metrics.flow import (
    PERIODIC_SHARE,
    DISFlow,
    FlowSource,
    exact_shift,
    exact_valid,
    make_source,
    periodic_share,
)
from lab.optional import opencv
from lab.progress import progress

cv2 = opencv()

# Thresholds below which estimated flow is declared unreliable (see WarpError.reliable).
MAX_MASKED = 0.25
MIN_CONFIDENCE = 0.6
# A given motion is doubted when a quick DIS estimate leaves MOTION_RATIO times less of the
# change unexplained, and explains at least MOTION_GAP (a share of the change) more.
MOTION_RATIO = 3.0
MOTION_GAP = 0.1
MOTION_CHECK_PAIRS = 3  # evenly spaced reference pairs the quick DIS check looks at
CHECK_WIDTH = 480  # px: the quick check runs on the reference shrunk (area) to this width
# A reading is "within the warp floor" when the warp's own error is this share of its mean square or more.
FLOOR_SHARE = 0.5
MIN_FLOOR_LEVELS = 0.5  # a floor under half a grey level (8-bit rounding is 0.41 RMS) never flags

# Chou & Li (1995): the smallest visible luminance step on an 8-bit display is 3 grey levels,
# on a mid-grey (127) background; darker and brighter backgrounds need more (see below).
VISIBILITY_LEVELS = 3.0


def visibility_threshold(background: float = 127.0) -> float:
    """Smallest visible grey-level change on a ``background`` grey (0-255), in 8-bit levels.

    The luminance-adaptation curve of the just-noticeable-distortion (JND) model of Chou and
    Li [1]_: ``17 (1 - sqrt(bg / 127)) + 3`` for bg <= 127, ``3 / 128 (bg - 127) + 3`` above.
    It is lowest, 3 levels, at mid grey, 20 levels on black and about 6 on white. It was
    measured for a static difference at one pixel; the course compares it with the RMS of the
    motion-compensated frame difference (a flicker of one RMS level below it is not seen, one
    several times above it is), so read it as a guide for the order of magnitude, not a
    psychophysical law for every pattern and frame rate.

    References
    ----------
    .. [1] C.-H. Chou and Y.-C. Li, "A perceptually tuned subband image coder based on the measure
       of just-noticeable-distortion profile", IEEE Trans. Circuits and Systems for Video
       Technology 5(6): 467-476, 1995.

    >>> visibility_threshold(127.0), round(visibility_threshold(0.0), 1), round(visibility_threshold(255.0), 1)
    (3.0, 20.0, 6.0)
    """
    bg = float(np.clip(background, 0.0, 255.0))
    if bg <= 127.0:
        return float(17.0 * (1.0 - np.sqrt(bg / 127.0)) + 3.0)
    return float(3.0 / 128.0 * (bg - 127.0) + 3.0)


def mse_to_levels(mse: float) -> float:
    """RMS difference in 8-bit grey levels from a mean squared difference on [0, 1]: 255 sqrt(mse).

    >>> round(mse_to_levels(0.0467e-3), 2)
    1.74
    """
    return 255.0 * float(np.sqrt(max(float(mse), 0.0)))


def visibility(levels: float, threshold: float = VISIBILITY_LEVELS) -> str:
    """ "visible" when an RMS flicker of ``levels`` (8-bit) reaches ``threshold``, else "below visibility"."""
    return "visible" if levels >= threshold else "below visibility"


def flicker_table(results: dict[str, Any], detail: dict[str, float] | None = None) -> str:
    """A text table of flicker results by clip name: RMS grey levels, threshold, verdict.

    ``results`` maps a name to a :class:`WarpError`; ``detail`` optionally maps the same names
    to a high-frequency share (shown as a percentage), so flicker is read next to detail.

    >>> still = [np.full((8, 8, 3), 80, np.uint8)] * 3
    >>> print(flicker_table({"still": warp_error(still, flow=(0, 0), show_progress=False)}))
    clip                flicker (grey levels RMS)   threshold   verdict
    still                                    0.00         6.5   below visibility
    """
    head = f"{'clip':<18}{'flicker (grey levels RMS)':>27}{'threshold':>12}   verdict"
    if detail is not None:
        head += f"{'':<10}{'high-frequency share':>22}"
    lines = [head]
    for name, w in results.items():
        verdict = visibility(w.rms_levels, w.threshold_levels)
        line = f"{name:<18}{w.rms_levels:>27.2f}{w.threshold_levels:>12.1f}   {verdict}"
        if detail is not None and name in detail:
            line = f"{line:<79}{detail[name]:>13.2%}"
        lines.append(line.rstrip())
    return "\n".join(lines)


@dataclass
class WarpError:
    """Flow-compensated warp error of a clip (Lai et al. 2018), with its flow diagnostics.

    Attributes
    ----------
    per_frame : ndarray
        E_pair for each consecutive pair t -> t+1 (mean squared error per channel on [0, 1]).
    mean : float
        Mean of ``per_frame`` (E_warp). ``float(result)`` gives the same number.
    masked_per_frame : ndarray
        Fraction of pixels left out of each pair (occluded, inconsistent or leaving the frame).
    masked_fraction : float
        Mean of ``masked_per_frame``.
    confidence : float
        How well the flow explains the reference's own frame-to-frame change, in [0, 1]:
        1 - sum_t E_warp(reference) / sum_t mean((ref_t - ref_t+1)^2). 1.0 for ground-truth or
        user-given motion, and for a motionless reference.
    reliable : bool
        False when estimated flow masked more than 25 % of the pixels or its confidence is
        below 0.6; then ``message`` says why and rankings must not be trusted.
    message : str
        One sentence for students: where the flow came from and whether to trust the number.
    flow_source : str
        "truth", "global" or "dis".
    heatmap : ndarray or None
        Per-pixel flicker (8-bit levels), when requested.
    threshold_levels : float
        :func:`visibility_threshold` for the mean grey of the clip's first frame (8-bit levels).
    floor : float
        The warp's own error (MSE on [0, 1]): the same measurement on the clip's first frame and
        an exactly moved, flicker-free copy of it (:func:`warp_floor`). ``floor_levels`` is it in
        grey levels; ``within_floor`` says the floor's mean square is at least half the
        reading's (and the floor at least half a grey level), and then ``reliable`` is False.
    warp : str
        How frames were resampled: "exact" (FFT phase shift, for a translation) or the remap
        kernel ("bicubic", "bilinear", "lanczos"); "exact+bicubic" when pairs differed.

    ``rms_levels`` is the flicker a person reads: the RMS motion-compensated difference between
    consecutive frames in 8-bit grey levels (``255 * sqrt(mean)``); ``visible`` compares it with
    ``threshold_levels``. ``mean`` stays in the paper's unit (MSE on [0, 1]).
    """

    per_frame: np.ndarray
    mean: float
    masked_per_frame: np.ndarray
    masked_fraction: float
    confidence: float
    reliable: bool
    message: str
    flow_source: str
    heatmap: np.ndarray | None = field(default=None, repr=False)
    threshold_levels: float = VISIBILITY_LEVELS
    floor: float = 0.0
    warp: str = ""

    def __float__(self) -> float:
        return float(self.mean)

    @property
    def floor_levels(self) -> float:
        """The warp's own error on this clip (:attr:`floor`), in 8-bit grey levels."""
        return mse_to_levels(self.floor)

    @property
    def within_floor(self) -> bool:
        """True when the warp's own error could account for half the reading (:func:`within_floor`)."""
        return within_floor(self.rms_levels, self.floor_levels)

    @property
    def rms_levels(self) -> float:
        """RMS motion-compensated frame difference, in 8-bit grey levels."""
        return mse_to_levels(self.mean)

    @property
    def per_frame_levels(self) -> np.ndarray:
        """RMS motion-compensated difference of each pair, in 8-bit grey levels."""
        return 255.0 * np.sqrt(np.maximum(self.per_frame, 0.0))

    @property
    def visible(self) -> bool:
        """True when :attr:`rms_levels` reaches the visibility threshold."""
        return self.rms_levels >= self.threshold_levels

    @property
    def verdict(self) -> str:
        """ "1.7 grey levels RMS, below visibility (3.0)": the flicker in words a person reads."""
        return f"{self.rms_levels:.2f} grey levels RMS, {visibility(self.rms_levels, self.threshold_levels)} ({self.threshold_levels:.1f})"


INTERPOLATIONS = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}
# "auto": exact (FFT) for a translation, bicubic remap otherwise; "exact": translations only.
WARPS = ("auto", "exact", *INTERPOLATIONS)
_NAMES = {flag: name for name, flag in INTERPOLATIONS.items()}


def interpolation_flag(name: str) -> int:
    """OpenCV flag of the remap a warp name uses ('auto' and 'exact' fall back to bicubic)."""
    if name not in WARPS:
        raise choice_error("interpolation", name, list(WARPS))
    return INTERPOLATIONS.get(name, cv2.INTER_CUBIC)


def within_floor(levels: float, floor_levels: float) -> bool:
    """A reading of ``levels`` (8-bit RMS) is within the warp floor when the floor's mean square is
    at least :data:`FLOOR_SHARE` of the reading's (the warp could account for half of it) and
    the floor at least :data:`MIN_FLOOR_LEVELS` (below that, 8-bit rounding noise is the larger
    error)."""
    return floor_levels >= MIN_FLOOR_LEVELS and floor_levels**2 >= FLOOR_SHARE * levels**2


def pair_residual(
    f0: np.ndarray,
    f1: np.ndarray,
    map_x: np.ndarray,
    map_y: np.ndarray,
    interpolation: int = cv2.INTER_CUBIC,
    *,
    shift: tuple[float, float] | None = None,
) -> np.ndarray:
    """Per-pixel squared warp residual on [0, 1], mean over channels: mean_c (f0 - W(f1))^2.

    ``f0``, ``f1``: uint8 or float [0, 1] frames; only one float copy of ``f1`` and the warped
    frame exist at a time (a 4K pair never needs four float frames). With ``shift`` = (dx, dy)
    the warp is the exact FFT translation (:func:`lab.metrics.flow.exact_shift`) instead of the
    remap along the maps. Returns float32 (H, W).
    """
    levels = f0.dtype == np.uint8 and f1.dtype == np.uint8  # work in exact 0-255 levels
    if levels:
        src = f1.astype(np.float32)
    else:
        src = f1 if f1.dtype == np.float32 else to_unit(f1, np.float32)
    if shift is not None:
        warped = exact_shift(src, *shift)
    else:
        warped = cv2.remap(src, map_x, map_y, interpolation, borderMode=cv2.BORDER_REPLICATE)
    del src
    if levels:
        np.subtract(f0, warped, out=warped)  # uint8 is cast element by element, no copy
        warped *= np.float32(1.0 / 255.0)
    else:
        np.subtract(
            to_unit(f0, np.float32) if f0.dtype == np.uint8 else f0, warped, out=warped, casting="unsafe"
        )
    np.multiply(warped, warped, out=warped)
    if warped.ndim == 2:
        return warped
    if warped.shape[2] != 3:
        return warped.mean(axis=2)
    mean = cv2.transform(warped, np.full((1, 3), 1.0 / 3.0, np.float32))  # channel mean, fast
    return mean if mean.ndim == 2 else mean[..., 0]


def frame_change(f0: np.ndarray, f1: np.ndarray) -> float:
    """Mean squared difference of two frames on the [0, 1] scale (no motion compensation)."""
    if f0.dtype == np.uint8 and f1.dtype == np.uint8:
        return float(cv2.norm(f0, f1, cv2.NORM_L2SQR)) / (f0.size * 255.0**2)
    a, b = to_unit(f0, np.float32), to_unit(f1, np.float32)
    return float(cv2.norm(a, b, cv2.NORM_L2SQR)) / a.size


def masked_mean(d2: np.ndarray, valid: np.ndarray) -> float:
    """Lai et al.: sum(M d^2) / sum(M); when nothing is valid, the plain mean."""
    count = int(valid.sum())
    if count == 0:
        return float(d2.mean(dtype=np.float64))
    return float(d2[valid].sum(dtype=np.float64) / count)


def judge(
    kind: str,
    masked: float,
    confidence: float,
    *,
    worse_than_still: bool = False,
    periodic: float = 0.0,
    max_masked: float = MAX_MASKED,
    min_confidence: float = MIN_CONFIDENCE,
    estimate: float | None = None,
    given: float | None = None,
    floors: dict[str, tuple[float, float]] | None = None,
) -> tuple[bool, str]:
    """(reliable, message) for a warp error computed with flow of ``kind``: the one reliability rule.

    ``confidence`` is the share of the reference's frame change the motion explains, over all
    pixels; ``worse_than_still`` says a given or estimated motion explains the reference's frames
    worse than no motion at all (a wrong sign or unit; ground truth is exempt, being exact);
    ``periodic`` is :func:`lab.metrics.flow.periodic_share` of the frames the flow was estimated
    on; ``estimate`` is the share a quick DIS estimate explains where the motion was given, and
    ``given`` the share the given motion explains on the same frames (:class:`MotionCheck`;
    ``confidence`` when None): when the given motion leaves :data:`MOTION_RATIO` times more
    unexplained and explains :data:`MOTION_GAP` less, it (no motion, a wrong one) misses what
    the clip does. ``floors`` maps each arm to
    (reading, warp floor) in grey levels: a reading within the floor
    (:func:`within_floor`), or two arms closer than the larger floor, cannot be ranked.
    """
    problems = []
    floor_problem = False
    if kind == "truth":  # exact by construction: frames that do not follow it are flicker
        note = f"motion from the scene's ground truth (explains {100 * confidence:.0f}% of the frame change)"
    elif kind == "global":
        note = f"motion given by the user as a global (dx, dy), explaining {100 * confidence:.0f}% of the frame change"
    else:
        note = f"estimated (DIS) flow: {100 * masked:.0f}% of pixels masked, confidence {confidence:.2f}"
    if worse_than_still and kind != "truth":
        source = "motion given as a global (dx, dy)" if kind == "global" else "estimated (DIS) flow"
        problems.append(
            f"the {source} explains the frames worse than no motion at all (compensating for it "
            "leaves more difference than the raw frame change): the motion is wrong (check its sign and units), "
            "or the frames it was checked on flicker more than they move (measuring one clip alone? give the "
            "native clip as the reference)"
        )
    elif kind == "global" and estimate is not None:
        mine = confidence if given is None else given
        if 1.0 - mine > MOTION_RATIO * (1.0 - estimate) and estimate - mine > MOTION_GAP:
            problems.append(
                f"the given motion explains {100 * max(mine, 0):.0f}% of the reference's frame change but a quick "
                f"DIS estimate explains {100 * estimate:.0f}%: the clip moves otherwise (no motion given on a moving "
                "clip, or a wrong one), so motion counts as flicker"
            )
    if kind == "dis":
        if masked > max_masked:
            problems.append(f"{100 * masked:.0f}% of the pixels failed the forward-backward flow check")
        if confidence < min_confidence:
            problems.append(
                f"the flow explains only {100 * max(confidence, 0):.0f}% of the reference's frame-to-frame change"
            )
        if periodic > PERIODIC_SHARE:
            problems.append(
                f"the frames are one periodic pattern ({100 * periodic:.0f}% of their peak-whitened spectral "
                "energy in a few frequencies): its motion is ambiguous by whole periods, and on aliased content "
                "the flow follows the alias"
            )
    if floors:
        inside = [arm for arm, (levels, floor) in floors.items() if within_floor(levels, floor)]
        if inside:
            floor_problem = True
            problems.append(
                "the warp's own error (its floor) could account for half the mean square reading of "
                + ", ".join(
                    f"{arm} ({floors[arm][0]:.2f} levels, floor {floors[arm][1]:.2f})" for arm in inside
                )
            )
        elif len(floors) == 2:
            (a, (la, fa)), (b, (lb, fb)) = floors.items()
            if max(fa, fb) >= MIN_FLOOR_LEVELS and abs(la - lb) <= max(fa, fb):
                floor_problem = True
                problems.append(
                    f"{a} and {b} differ by {abs(la - lb):.2f} levels, within the warp floor {max(fa, fb):.2f}"
                )
    if problems:
        advice = (
            "give the clip's known motion as one translation, which is warped exactly (flow=(dx, dy); --flow=DX,DY on the command line), or measure larger frames"
            if floor_problem and len(problems) == 1
            else "use the scene's ground-truth motion or a known global motion (and give the native clip as the reference)"
        )
        return False, f"UNRELIABLE: {note}: " + "; ".join(problems) + f". Do not rank clips on it: {advice}."
    if kind == "truth":
        return True, f"{note}: the warp error measures flicker only"
    if kind == "global":
        return True, note
    return True, f"{note}; usable, but ground-truth motion is better when the scene knows it"


class ConfidenceMeter:
    """Accumulates how much of the reference's frame change the motion explains, over all pixels.

    confidence = 1 - sum_t residual_t / sum_t change_t, where residual_t is the reference's warp
    residual along the motion over *every* pixel (masked ones too: a mask may not hide failure)
    and change_t its raw frame difference; both are mean squares on [0, 1].
    """

    WORSE_MARGIN = 1.1  # residual above 1.1 x the raw change: the motion makes things worse

    def __init__(self, interpolation: int = cv2.INTER_CUBIC) -> None:
        self.residual = 0.0
        self.change = 0.0
        self.interpolation = interpolation

    def update(
        self,
        r0: np.ndarray,
        r1: np.ndarray,
        map_x: np.ndarray,
        map_y: np.ndarray,
        *,
        residual: float | None = None,
        shift: tuple[float, float] | None = None,
        valid: np.ndarray | None = None,
    ) -> None:
        """Add pair (r0, r1) of the reference; ``residual`` = its warp residual when already known
        (over all pixels; for an exact ``shift``, over the pixels it gets right, ``valid``)."""
        if residual is None:
            d2 = pair_residual(r0, r1, map_x, map_y, self.interpolation, shift=shift)
            residual = (
                masked_mean(d2, valid)
                if shift is not None and valid is not None
                else float(d2.mean(dtype=np.float64))
            )
        self.residual += residual
        self.change += frame_change(r0, r1)

    @property
    def value(self) -> float:
        # A (nearly) motionless reference gives nothing to explain: the flow cannot be wrong there.
        if self.change < 1e-8:
            return 1.0
        return float(np.clip(1.0 - self.residual / self.change, 0.0, 1.0))

    @property
    def worse_than_still(self) -> bool:
        """True when compensating for the motion leaves more difference than no compensation."""
        return self.change >= 1e-8 and self.residual > self.WORSE_MARGIN * self.change


def _flow_setup(clip: Any, reference: Any, flow: Any) -> tuple[int, FlowSource]:
    names = ("clip", "reference") if reference is not None else ("clip",)
    clips = (clip, reference) if reference is not None else (clip,)
    n = check_clips(*clips, names=names)
    shape = clip_shape(clip, name="clip")
    h, w = shape[:2]
    if reference is not None:
        ref_shape = clip_shape(reference, name="reference")
        if ref_shape != shape:
            raise LabError(
                f"reference frames are {ref_shape} but clip frames are {shape}; "
                "compare clips of the same size (upscale the candidate to the native size)"
            )
    flow_fn = clip_flow_fn(clip) or (clip_flow_fn(reference) if reference is not None else None)
    return n, make_source(flow, h, w, flow_fn=flow_fn)


FLOOR_CONTEXT = 64  # px of real surroundings the flicker-free copy keeps beyond the floor's window
FLOOR_MAX_SIDE = 512  # px: a larger frame's floor is measured on its central 512 x 512 (time, memory)


def warp_floor(
    frame: np.ndarray,
    shift: tuple[float, float] | None,
    interpolation: int,
    *,
    phase: tuple[float, float] = (0.25, 0.25),
) -> float:
    """The warp's own error on ``frame``: MSE on [0, 1] over a flicker-free pair made from it.

    The pair is a window of ``frame`` (:data:`FLOOR_CONTEXT` px in from each side, at most a
    sixth of the frame) and the same window of the whole frame moved exactly by the motion (an
    FFT shift of the frame's mirror-symmetric, so periodic and continuous, extension: exact for
    that content), so the content past the window's border is real, as it is past a clip's
    border. The warp under test brings the moved window back, seeing only the window. With
    ``shift`` (a translation, warped exactly) the motion is ``shift``; otherwise the remap with
    ``interpolation`` moves by ``phase`` (px, the flow's mean distance to whole pixels along x
    and y, :func:`flow_phase`: a zoom or a roll meets every sub-pixel phase, 0.25 on average;
    whole-pixel motion none). Only the pixels the warp can get right count
    (:func:`lab.metrics.flow.exact_valid`). A frame larger than :data:`FLOOR_MAX_SIDE` is
    measured on its central square of that side (a 4K floor would otherwise need 1.4 GB and
    seconds); a larger window has fewer pixels near its border, so it would read a little lower.
    """
    fh, fw = frame.shape[:2]
    top, left = max(0, (fh - FLOOR_MAX_SIDE) // 2), max(0, (fw - FLOOR_MAX_SIDE) // 2)
    frame = frame[top : top + FLOOR_MAX_SIDE, left : left + FLOOR_MAX_SIDE]
    f = (
        frame.astype(np.float32)
        if frame.dtype == np.uint8
        else to_unit(frame, np.float32) * np.float32(255.0)
    )
    h, w = f.shape[:2]
    dx, dy = shift if shift is not None else phase
    if float(dx).is_integer() and float(dy).is_integer():  # whole pixels: the warp copies samples exactly
        return 0.0
    c = min(FLOOR_CONTEXT, h // 6, w // 6)
    window = (slice(c, h - c), slice(c, w - c))
    truth = f[window]
    moved = _periodic_shift(f, -dx, -dy)[window]  # the window one frame later, moved by (dx, dy)
    wh, ww = truth.shape[:2]
    if shift is not None:
        back = exact_shift(moved, dx, dy)
    else:
        map_x = np.broadcast_to(np.arange(ww, dtype=np.float32)[None, :] + np.float32(dx), (wh, ww)).copy()
        map_y = np.broadcast_to(np.arange(wh, dtype=np.float32)[:, None] + np.float32(dy), (wh, ww)).copy()
        back = cv2.remap(
            np.ascontiguousarray(moved), map_x, map_y, interpolation, borderMode=cv2.BORDER_REPLICATE
        )
    d2 = (back - truth) ** 2
    if d2.ndim == 3:
        d2 = d2.mean(axis=2)
    return masked_mean(d2, exact_valid(wh, ww, dx, dy)) / 255.0**2


def _periodic_shift(f: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """out(p) = f(p + d) for the periodic, mirror-symmetric extension of ``f`` (2H x 2W), float32."""
    from scipy import fft as sfft

    h, w = f.shape[:2]
    ext = np.concatenate([f, f[:, ::-1]], axis=1)
    ext = np.concatenate([ext, ext[::-1]], axis=0)
    spec = sfft.rfft2(ext, axes=(0, 1), workers=-1)  # the real (half) transform is along x
    fx = np.fft.rfftfreq(2 * w)[None, :]
    fy = np.fft.fftfreq(2 * h)[:, None]
    ramp = np.exp(2j * np.pi * (fx * dx + fy * dy)).astype(np.complex64)
    spec *= ramp if spec.ndim == 2 else ramp[..., None]
    return sfft.irfft2(spec, s=(2 * h, 2 * w), axes=(0, 1), workers=-1)[:h, :w]


def flow_phase(map_x: np.ndarray, map_y: np.ndarray) -> tuple[float, float]:
    """Mean distance (px) of the remap coordinates to whole pixels, along x and y (0 to 0.5)."""
    return (
        float(np.abs(map_x - np.rint(map_x)).mean(dtype=np.float64)),
        float(np.abs(map_y - np.rint(map_y)).mean(dtype=np.float64)),
    )


class MotionCheck:
    """A quick DIS estimate beside a given global motion: how much of the reference's change each explains.

    On up to :data:`MOTION_CHECK_PAIRS` evenly spaced reference pairs, shrunk (area) to
    :data:`CHECK_WIDTH` px wide and taken to gray, it sums the raw frame change, the residual
    along the given motion (exact shift) and the residual along DIS "medium" flow (bicubic),
    all as mean squares. :attr:`estimate` and :attr:`given` are 1 - residual / change. Frames
    under 16 px, and pairs that do not change at all, are skipped.
    """

    def __init__(self, pairs: int | None) -> None:
        total = 1 if pairs is None else max(int(pairs), 1)
        count = min(MOTION_CHECK_PAIRS, total)
        self.at = {round(float(v)) for v in np.linspace(0, total - 1, count)}
        self.change = 0.0
        self.residual_given = 0.0
        self.residual_dis = 0.0
        self._dis = DISFlow("medium")

    def update(self, ref0: np.ndarray, ref1: np.ndarray, motion: tuple[float, float]) -> None:
        """Add one reference pair and the given motion (dx, dy) in px/frame at full size."""
        g0, g1 = gray8(ref0), gray8(ref1)
        h, w = g0.shape
        if min(h, w) < 16 or np.array_equal(g0, g1):  # too small for DIS, or nothing moved
            return
        scale = min(1.0, CHECK_WIDTH / w)
        if scale < 1.0:
            size = (max(16, round(w * scale)), max(16, round(h * scale)))
            g0 = cv2.resize(g0, size, interpolation=cv2.INTER_AREA)
            g1 = cv2.resize(g1, size, interpolation=cv2.INTER_AREA)
            scale = size[0] / w
        s0, s1 = g0.astype(np.float32), g1.astype(np.float32)
        sh, sw = s0.shape
        self.change += float(np.mean((s0 - s1) ** 2))
        dx, dy = motion[0] * scale, motion[1] * scale
        given = (s0 - exact_shift(s1, dx, dy)) ** 2
        self.residual_given += masked_mean(given, exact_valid(sh, sw, dx, dy))
        flow = self._dis(g0, g1)
        map_x = flow[..., 0] + np.arange(sw, dtype=np.float32)[None, :]
        map_y = flow[..., 1] + np.arange(sh, dtype=np.float32)[:, None]
        warped = cv2.remap(s1, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        self.residual_dis += float(np.mean((s0 - warped) ** 2))

    def _explained(self, residual: float) -> float | None:
        if self.change < 1e-6:  # a still reference: nothing to explain
            return None
        return float(np.clip(1.0 - residual / self.change, 0.0, 1.0))

    @property
    def estimate(self) -> float | None:
        """Share of the change the quick DIS estimate explains (None: nothing checked, or no change)."""
        return self._explained(self.residual_dis)

    @property
    def given(self) -> float | None:
        """Share of the change the given motion explains at the check's scale."""
        return self._explained(self.residual_given)


class WarpTally:
    """Warp error of one or more arms along one shared motion, tallied pair by pair.

    Each pair's motion maps come from the reference frames (``source.pair``) and are applied to
    every arm, so all arms are judged along the same motion. A pair whose motion is one
    translation is warped exactly (FFT phase shift) unless ``warp`` names a remap kernel; others
    are remapped with ``interpolation``. Per arm it keeps the masked mean squared residual of
    each pair (on [0, 1]), the warp floor on the first pair (:func:`warp_floor`) and, with
    ``heatmaps``, the per-pixel sum behind the flicker heat map; shared are the masked share of
    each pair, the flow's :class:`ConfidenceMeter`, (for DIS) how periodic the first reference
    frame is and (for a given motion) the quick :class:`MotionCheck` over ``pairs`` pairs.
    """

    def __init__(
        self,
        source: FlowSource,
        interpolation: int,
        arms: Sequence[str],
        *,
        heatmaps: bool,
        warp: str = "auto",
        pairs: int | None = None,
    ) -> None:
        h, w = source.shape
        if warp not in WARPS:
            raise choice_error("interpolation", warp, list(WARPS))
        self.source = source
        self.interpolation = interpolation
        self.warp = warp
        self.meter = ConfidenceMeter(interpolation)
        self.periodic = 0.0
        self.masked: list[float] = []
        self.curves: dict[str, list[float]] = {arm: [] for arm in arms}
        self.floors: dict[str, float] = {}
        self.used: set[str] = set()
        self.check = MotionCheck(pairs) if source.kind == "global" else None
        self.heat_sum = {arm: np.zeros((h, w), np.float32) for arm in arms} if heatmaps else {}
        self.heat_count = np.zeros((h, w), np.float32) if heatmaps else None

    def add(
        self,
        pair: int,
        references: tuple[np.ndarray, np.ndarray],
        frames: dict[str, tuple[np.ndarray, np.ndarray]],
        *,
        reference_arm: str | None = None,
    ) -> None:
        """Tally pair ``pair`` (t -> t+1) of each arm; ``reference_arm`` names the arm whose frames
        are the ``references`` (its residual then feeds the confidence without a second warp)."""
        ref0, ref1 = references
        map_x, map_y, valid = self.source.pair(pair, ref0, ref1)
        shift = self.source.motion if self.warp in ("auto", "exact") else None
        if self.warp == "exact" and shift is None:
            raise LabError(
                "interpolation='exact' needs motion that is one translation (a global (dx, dy), or ground truth "
                "that moves every pixel alike); use 'auto' (exact where it can be) or a remap kernel such as 'bicubic'"
            )
        if shift is not None:
            valid = valid & exact_valid(*self.source.shape, *shift)
        self.used.add("exact" if shift is not None else _NAMES[self.interpolation])
        if pair == 0 and self.source.kind == "dis":
            self.periodic = periodic_share(ref0)
        if self.check is not None and pair in self.check.at and self.source.motion is not None:
            self.check.update(ref0, ref1, self.source.motion)
        self.masked.append(1.0 - float(valid.mean()))
        if self.heat_count is not None:
            self.heat_count += valid
        residual = None
        phase = flow_phase(map_x, map_y) if pair == 0 and shift is None else (0.0, 0.0)
        for arm, (f0, f1) in frames.items():
            if pair == 0:
                self.floors[arm] = warp_floor(f0, shift, self.interpolation, phase=phase)
            d2 = pair_residual(f0, f1, map_x, map_y, self.interpolation, shift=shift)
            self.curves[arm].append(masked_mean(d2, valid))
            if arm == reference_arm:  # over all pixels: a mask may not hide a failing flow
                # (an exact shift: over the pixels it gets right, the rest is wrapped-in garbage)
                residual = masked_mean(d2, valid) if shift is not None else float(d2.mean(dtype=np.float64))
            if arm in self.heat_sum:
                d2[~valid] = 0.0
                self.heat_sum[arm] += d2
        self.meter.update(ref0, ref1, map_x, map_y, residual=residual, shift=shift, valid=valid)

    def verdict(
        self, *, max_masked: float = MAX_MASKED, min_confidence: float = MIN_CONFIDENCE
    ) -> tuple[bool, str]:
        """(reliable, message) for the motion over the pairs tallied (see :func:`judge`)."""
        floors = {
            arm: (mse_to_levels(float(np.mean(curve))), mse_to_levels(self.floors.get(arm, 0.0)))
            for arm, curve in self.curves.items()
        }
        return judge(
            self.source.kind,
            float(np.mean(self.masked)),
            self.meter.value,
            worse_than_still=self.meter.worse_than_still,
            periodic=self.periodic,
            max_masked=max_masked,
            min_confidence=min_confidence,
            estimate=self.check.estimate if self.check is not None else None,
            given=self.check.given if self.check is not None else None,
            floors=floors,
        )

    def result(self, arm: str, threshold: float, verdict: tuple[bool, str]) -> WarpError:
        """The :class:`WarpError` of ``arm``; ``threshold`` is its visibility threshold in levels."""
        curve, masked = np.asarray(self.curves[arm]), np.asarray(self.masked)
        heat = heat_to_levels(self.heat_sum[arm], self.heat_count) if self.heat_count is not None else None
        reliable, message = verdict
        return WarpError(
            curve,
            float(curve.mean()),
            masked,
            float(masked.mean()),
            self.meter.value,
            reliable,
            message,
            self.source.kind,
            heat,
            threshold,
            self.floors.get(arm, 0.0),
            "+".join(sorted(self.used)),
        )


def _temporal_pass(
    clip: Any,
    reference: Any,
    flow: Any,
    *,
    heatmap: bool,
    show_progress: bool,
    interpolation: str = "auto",
    max_masked: float = MAX_MASKED,
    min_confidence: float = MIN_CONFIDENCE,
) -> WarpError:
    """Stream ``clip`` (and its ``reference``, else itself) once through a :class:`WarpTally`."""
    n, source = _flow_setup(clip, reference, flow)
    tally = WarpTally(
        source, interpolation_flag(interpolation), ["clip"], heatmaps=heatmap, warp=interpolation, pairs=n - 1
    )
    frames = iter_frames(clip, name="clip")
    refs = iter_frames(reference, name="reference") if reference is not None else None
    prev = next(frames)
    ref_prev = next(refs) if refs is not None else prev
    threshold = visibility_threshold(float(gray8(ref_prev).mean()))
    for t in progress(range(n - 1), total=n - 1, desc="warp error", disable=not show_progress):
        cur = next(frames)
        ref_cur = next(refs) if refs is not None else cur
        tally.add(
            t, (ref_prev, ref_cur), {"clip": (prev, cur)}, reference_arm=None if refs is not None else "clip"
        )
        prev, ref_prev = cur, ref_cur
    verdict = tally.verdict(max_masked=max_masked, min_confidence=min_confidence)
    return tally.result("clip", threshold, verdict)


def heat_to_levels(sq_sum: np.ndarray, count: np.ndarray) -> np.ndarray:
    """sqrt(sum d^2 / (2 count)) in 8-bit levels; pixels never valid are 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(count > 0, sq_sum / (2.0 * np.maximum(count, 1)), 0.0)
    return (np.sqrt(var) * 255.0).astype(np.float32)


def warp_error(
    clip: Any,
    *,
    flow: Any = "auto",
    reference: Any = None,
    interpolation: str = "auto",
    max_masked: float = MAX_MASKED,
    min_confidence: float = MIN_CONFIDENCE,
    show_progress: bool = True,
) -> WarpError:
    """Flow-compensated warp error E_warp of a clip: flicker that motion does not explain.

    E_pair(t) = sum_p M_t(p) ||V_t(p) - W(V_t+1)(p)||^2 / sum_p M_t(p) over pixels and RGB
    channels on [0, 1] (so the denominator counts channels, as in the reference code), where W
    warps frame t+1 back to t along the flow (bicubic by default, see ``interpolation``) and M_t masks pixels whose flow leaves the
    frame or, for estimated flow, fails the forward-backward check (:func:`occlusion_mask`).
    E_warp = mean_t E_pair. Independent per-frame noise of standard deviation s gives
    E_warp = 2 s^2 with exact motion. Lower = more stable.

    Parameters
    ----------
    clip : Clip, list of frames or (N, H, W, 3) array
        The clip to measure (at least 2 frames).
    flow : 'auto', 'truth', 'dis' or (dx, dy)
        Motion source; 'auto' = the clip's (or reference's) ground truth when it has one, else DIS.
    reference : Clip, optional
        Same-size clip (the native render) on which DIS flow is estimated and whose ground-truth
        flow is used when ``clip`` has none. The same flow then serves every arm, as the anchors
        recommend.
    interpolation : {'auto', 'exact', 'bicubic', 'bilinear', 'lanczos'}
        How frame t+1 is resampled along the flow. Lai et al. warp bilinearly, but with exact
        sub-pixel motion an interpolating kernel itself blurs the warped frame and charges sharp
        native detail with false flicker (a 3 px grating moving 1.3 px/frame: 0.014 bilinear,
        0.0026 bicubic, 6e-5 Lanczos-4; on small sharp photos bicubic's own error is larger than
        the flicker it ranks). 'auto' (default) moves frames exactly, by an FFT phase shift
        (:func:`lab.metrics.flow.exact_shift`), whenever the pair's motion is one translation
        (a global (dx, dy), or ground truth alike at every pixel) and remaps bicubically
        otherwise; 'exact' insists on the FFT shift; a kernel name forces that remap everywhere
        ('bilinear' reproduces the paper's numbers). Each result carries its warp floor
        (``.floor_levels``, :func:`warp_floor`) and is flagged when the reading is within it.
    max_masked, min_confidence : float
        Reliability thresholds for estimated flow.
    show_progress : bool
        Show a progress bar over the frame pairs.

    A given motion (``(dx, dy)``, ``(0, 0)`` included) is checked against a quick DIS estimate
    on a few reference pairs (:class:`MotionCheck`); :func:`judge` is the one reliability rule
    (the report, the CLI and its CSV use it too).

    Returns
    -------
    WarpError
        ``.per_frame`` curve, ``.mean``, ``.masked_fraction``, ``.confidence``, ``.reliable``,
        ``.message``.

    References
    ----------
    .. [1] W.-S. Lai, J.-B. Huang, O. Wang, E. Shechtman, E. Yumer, M.-H. Yang, "Learning Blind
       Video Temporal Consistency", ECCV 2018 (arXiv 1808.00449); code
       phoenix104104/fast_blind_video_consistency ``evaluate_WarpError.py``.

    Examples
    --------
    >>> still = [np.full((16, 16, 3), 80, np.uint8)] * 3
    >>> warp_error(still, flow=(0, 0)).mean
    0.0
    """
    return _temporal_pass(
        clip,
        reference,
        flow,
        heatmap=False,
        show_progress=show_progress,
        interpolation=interpolation,
        max_masked=max_masked,
        min_confidence=min_confidence,
    )


def flicker_heatmap(
    clip: Any,
    *,
    flow: Any = "auto",
    reference: Any = None,
    interpolation: str = "auto",
    show_progress: bool = True,
) -> np.ndarray:
    """Per-pixel flicker: temporal standard deviation after motion compensation, 8-bit levels.

    sigma(p) = sqrt( sum_t M_t(p) d_t(p)^2 / (2 sum_t M_t(p)) ) * 255, with d_t the warp residual
    of :func:`warp_error` (mean over RGB). For independent frame-to-frame noise of standard
    deviation s this is s (the factor 2 undoes the difference of two noisy frames); a static
    clip with ``flow=(0, 0)`` gives the plain temporal standard deviation of the anchors' heat map.
    Returns float32 (H, W); show it with ``plt.imshow(heat, cmap="inferno")``.

    References
    ----------
    .. [1] Course-defined heat map (metrics anchors 1.5: per-pixel temporal sigma), made motion
       compensated with the warp of Lai et al., ECCV 2018.

    >>> still = [np.full((8, 8, 3), 80, np.uint8)] * 3
    >>> float(flicker_heatmap(still, flow=(0, 0)).max())
    0.0
    """
    result = _temporal_pass(
        clip, reference, flow, heatmap=True, show_progress=show_progress, interpolation=interpolation
    )
    assert result.heatmap is not None
    return result.heatmap


def frame_mae(f0: np.ndarray, f1: np.ndarray) -> float:
    """Mean |f0 - f1| over pixels and channels in 8-bit levels (uint8 or float [0, 1] frames)."""
    if f0.dtype == np.uint8 and f1.dtype == np.uint8:
        return float(cv2.absdiff(f0, f1).mean(dtype=np.float64))
    return float(np.mean(np.abs(to_unit(f0) - to_unit(f1))) * 255.0)


def vbench_flicker_score(clip: Any, *, show_progress: bool = True) -> float:
    """VBench temporal-flickering score (255 - mean_t MAE_t) / 255, in [0, 1] (1 = no flicker).

    MAE_t = mean over pixels and channels of |F_t - F_t+1| in 8-bit levels, averaged over all
    consecutive pairs. VBench assumes a *static* video ("please ensure the video is static"):
    real motion counts as flicker, so use it on locked-camera scenes; use :func:`warp_error`
    under motion.

    References
    ----------
    .. [1] Z. Huang et al., "VBench: Comprehensive Benchmark Suite for Video Generative Models",
       CVPR 2024; code Vchitect/VBench ``vbench/temporal_flickering.py``.

    Examples
    --------
    >>> still = [np.full((8, 8, 3), 80, np.uint8)] * 4
    >>> vbench_flicker_score(still)
    1.0
    """
    n = check_clips(clip, names=("clip",))
    total = 0.0
    prev = None
    for frame in progress(iter_frames(clip), total=n, desc="flicker", disable=not show_progress):
        if prev is not None:
            if frame.shape != prev.shape:
                raise LabError(f"clip frames change size from {prev.shape} to {frame.shape}")
            total += frame_mae(prev, frame)
        prev = frame
    return float((255.0 - total / (n - 1)) / 255.0)


def farneback(gray0: np.ndarray, gray1: np.ndarray) -> np.ndarray:
    """Farneback optical flow with TecoGAN's parameters (0.5, 3, 15, 3, 5, 1.2, 0), (H, W, 2) px."""
    return cv2.calcOpticalFlowFarneback(gray0, gray1, None, 0.5, 3, 15, 3, 5, 1.2, 0)


def tof_pair(native0: np.ndarray, native1: np.ndarray, cand0: np.ndarray, cand1: np.ndarray) -> float:
    """tOF of one frame pair: mean per-pixel Euclidean norm of the flow difference, pixels."""
    diff = farneback(gray8(native0), gray8(native1)) - farneback(gray8(cand0), gray8(cand1))
    return float(np.mean(np.sqrt(diff[..., 0] ** 2 + diff[..., 1] ** 2), dtype=np.float64))


def tof(native: Any, candidate: Any, *, skip: int = 0, show_progress: bool = True) -> float:
    """tOF: how differently the candidate clip moves than the native one, in pixels (0 = same).

    tOF = mean over pairs and pixels of || OF(b_t-1, b_t) - OF(g_t-1, g_t) ||, with OF the
    OpenCV Farneback flow on 8-bit gray frames with TecoGAN's parameters
    ``calcOpticalFlowFarneback(prev, next, None, 0.5, 3, 15, 3, 5, 1.2, 0)`` (b = native, g =
    candidate). TecoGAN skips the first and last 2 frames (``skip=2`` reproduces that) and crops
    frames to multiples of 32 for its network; here the whole frame is used.

    References
    ----------
    .. [1] M. Chu, Y. Xie, J. Mayer, L. Leal-Taixe, N. Thuerey, "Learning Temporal Coherence via
       Self-Supervision for GAN-based Video Generation" (TecoGAN), ACM TOG 2020; code
       thunil/TecoGAN ``metrics.py``.

    Examples
    --------
    >>> clip = [np.full((16, 16, 3), v, np.uint8) for v in (10, 20, 30)]
    >>> tof(clip, clip)
    0.0
    """
    if not isinstance(skip, (int, np.integer)) or skip < 0:
        raise LabError(f"skip must be a non-negative number of frames, got {skip!r}")
    n = check_clips(native, candidate, names=("native", "candidate"))
    if n - 2 * skip < 2:
        raise LabError(f"skip={skip} leaves fewer than 2 of the {n} frames; lower skip or use a longer clip")
    values = []
    prev = None
    pairs = zip(iter_frames(native, name="native"), iter_frames(candidate, name="candidate"))
    for t, (b, g) in enumerate(progress(pairs, total=n, desc="tOF", disable=not show_progress)):
        if b.shape != g.shape:
            raise LabError(
                f"native frame {t} is {b.shape} but candidate frame {t} is {g.shape}; sizes must match"
            )
        if prev is not None and skip <= t - 1 and t < n - skip:
            values.append(tof_pair(prev[0], b, prev[1], g))
        prev = (b, g)
    return float(np.mean(values))
