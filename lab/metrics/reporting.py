"""One streaming pass over a native clip and a candidate clip that computes every metric.

``report(native, candidate)`` reads both clips once, frame by frame, through a :class:`ReportPass`
(which keeps only running sums, per-frame values and two frames per arm; callers that make the
frames themselves feed it directly); it returns a tidy :class:`Report` (a list of
:class:`Record` rows, ``.to_pandas()`` when pandas is installed) and ``plot_report`` draws it.

What one pass measures
----------------------
Every frame: PSNR (Y) of candidate vs native. Every consecutive pair, both arms: VBench MAE,
flow-compensated warp error with one shared flow (``flow="truth"``: the clips' ground truth;
``"dis"``: DIS flow on the native clip with the occlusion mask; ``(dx, dy)``: a global motion
in px/frame), masked fraction, flow confidence and the flicker heat map. A translation is
warped exactly (FFT phase shift, ``interpolation="auto"``), other flows bicubically; each arm's
warp floor (the same measurement on a flicker-free copy of its first frame) is a
``warp_floor`` record, and a reading within it makes the report unreliable
(:func:`~lab.metrics.temporal.judge`, the one rule for every flag). On ``texture_frames``
evenly spaced frames (None = all): SSIM (Y), high-frequency share above ``cutoff``
cycles/pixel (0.5/k for a k-times upscale; 0.125 for 4x) and waxiness, Laplacian sharpness,
GLCM score, JPEG-95 compression ratio, the radial spectrum, and with ``include_mtf`` the
slanted-edge MTF50 (edge scenes only). On ``tof_pairs`` evenly spaced pairs: tOF (Farneback
costs ~0.3 s per 1080p pair, so it is sampled by default). ``interpolation`` is the warp
resampling of :func:`~lab.metrics.warp_error` ("auto" default). VMAF of the candidate for
each of ``vmaf_models`` (default: the standard and the NEG model; ``()`` skips it), by the
official libvmaf, which ffmpeg computes alongside from the frames this pass streams to it
(:class:`~lab.metrics.libvmaf.VmafStream`); left out with a warning where ffmpeg has no libvmaf.

Only running sums, per-frame numbers and two frames per arm are held, so a 4K clip pair
streamed from mp4 stays well under 1.5 GB.

References: the individual metrics in :mod:`lab.metrics` (Lai et al. 2018 warp error; VBench;
TecoGAN tOF; Diffusion-4K GLCM and compression ratio; Durall et al. 2020 spectrum; ISO 12233).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from lab import validate
from lab.arrays import to_uint8
from lab.errors import LabError, LabTypeError, choice_error
from lab.metrics import edges, spatial, spectrum, texture
from lab.metrics._common import (
    check_clips,
    clip_flow_fn,
    clip_shape,
    gray8,
    iter_frames,
)
from lab.metrics.flow import make_source
from lab.metrics.temporal import (
    MAX_MASKED,
    MIN_CONFIDENCE,
    VISIBILITY_LEVELS,
    WarpTally,
    frame_mae,
    interpolation_flag,
    tof_pair,
    visibility,
    visibility_threshold,
)
from lab.progress import progress

ARMS = ("native", "candidate")


@dataclass(frozen=True)
class Record:
    """One row of a report: a metric's value for one arm, with its unit.

    ``higher_is_better`` is None for diagnostics; ``reliable`` is False for numbers computed
    from estimated flow that failed its checks (do not rank on those).
    """

    metric: str
    value: float
    unit: str
    arm: str
    higher_is_better: bool | None = None
    reliable: bool = True
    detail: str = ""


@dataclass(eq=False, repr=False)
class Report(list):
    """A list of :class:`Record` rows plus the curves and maps behind them.

    Attributes
    ----------
    warp_curves : dict
        arm -> per-pair warp error (ndarray, MSE on [0, 1]); ``255 * sqrt`` of it is the RMS
        flicker in 8-bit grey levels that the ``flicker_rms`` records and :func:`plot_report` show.
    threshold_levels : float
        Visibility threshold (8-bit levels, :func:`lab.metrics.temporal.visibility_threshold`)
        for the first native frame's mean grey.
    masked_curve : ndarray
        Fraction of pixels masked per pair.
    psnr_curve : ndarray
        Per-frame PSNR (dB, Y) of the candidate against the native frame.
    spectra : dict
        arm -> :class:`~lab.metrics.spectrum.RadialSpectrum` averaged over the sampled frames.
    heatmaps : dict
        arm -> per-pixel flicker (8-bit levels), or empty when not requested.
    warps : dict
        arm -> :class:`~lab.metrics.temporal.WarpError` of its curve (``.rms_levels``,
        ``.per_frame_levels``, ``.verdict``), judged against the arm's own visibility threshold.
    thresholds : dict
        arm -> visibility threshold (8-bit levels) at the mean grey of the arm's first frame;
        ``threshold_levels`` is the native one.
    floors : dict
        arm -> the warp's own error on that arm (8-bit levels, ``WarpError.floor_levels``), also
        the ``warp_floor`` records; a reading within it makes ``reliable`` False.
    flow_source, reliable, message :
        Where the motion came from and whether the temporal numbers can be trusted (one rule for
        every flag: :func:`lab.metrics.temporal.judge`).
    """

    warp_curves: dict = field(default_factory=dict)
    masked_curve: np.ndarray = field(default_factory=lambda: np.zeros(0))
    psnr_curve: np.ndarray = field(default_factory=lambda: np.zeros(0))
    spectra: dict = field(default_factory=dict)
    heatmaps: dict = field(default_factory=dict)
    flow_source: str = ""
    reliable: bool = True
    message: str = ""
    cutoff: float = 0.125
    labels: dict = field(default_factory=dict)
    threshold_levels: float = VISIBILITY_LEVELS
    warps: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    floors: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        list.__init__(self)

    def __repr__(self) -> str:
        return f"<Report {len(self)} records, flow={self.flow_source}, reliable={self.reliable}>"

    def value(self, metric: str, arm: str = "candidate") -> float:
        """The value of ``metric`` for ``arm``; raises LabError listing what exists."""
        for rec in self:
            if rec.metric == metric and rec.arm == arm:
                return rec.value
        have = sorted({(r.metric, r.arm) for r in self})
        raise LabError(f"no record for metric={metric!r}, arm={arm!r}; available: {have}")

    def to_records(self) -> list[dict]:
        """Rows as plain dicts (for CSV or JSON)."""
        return [asdict(r) for r in self]

    def to_pandas(self) -> Any:
        """A tidy pandas DataFrame (one row per metric and arm). Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            raise LabError(
                "to_pandas needs pandas: pip install pandas (or use report.to_records())"
            ) from None
        return pd.DataFrame(self.to_records())

    def summary(self) -> str:
        """A plain-text table with units, then the flow verdict; no ranking if flow is unreliable."""
        lines = [f"{'metric':<24}{'arm':<11}{'value':>14}  unit"]
        for r in self:
            flag = "" if r.reliable else "  (UNRELIABLE)"
            lines.append(f"{r.metric:<24}{r.arm:<11}{r.value:>14.6g}  {r.unit}{flag}")
        flicker = {r.arm: r.value for r in self if r.metric == "flicker_rms"}
        if flicker:
            lines.append(
                "flicker (RMS motion-compensated difference, 8-bit grey levels): "
                + ", ".join(
                    f"{arm} {value:.2f} ({visibility(value, self.threshold_levels)})"
                    for arm, value in flicker.items()
                )
                + f"; visibility threshold {self.threshold_levels:.1f} levels (Chou & Li 1995)"
            )
        lines.append(self.message)
        return "\n".join(lines)


class _Sampler:
    """Evenly spaced indices of the frames (or pairs) that get the costly per-image metrics.

    ``count``: None for all, 0 for none, else that many evenly spaced indices.
    """

    def __init__(self, total: int, count: int | None) -> None:
        if count is None or count >= total:
            self.indices = set(range(total))
        elif count == 0:
            self.indices = set()
        else:
            self.indices = {round(float(v)) for v in np.linspace(0, total - 1, count)}

    def __contains__(self, index: int) -> bool:
        return index in self.indices


def _count_option(value: Any, name: str) -> int | None:
    """A positive count or None (all); 0 and other non-counts are refused as a type error."""
    if value is None:
        return None
    count = validate.integer(value, name)
    if count < 1:
        raise LabTypeError(f"{name} must be a positive integer or None (all), got {value!r}")
    return count


VMAF_RECORDS = {"vmaf_v0.6.1": "vmaf", "vmaf_v0.6.1neg": "vmaf_neg", "vmaf_4k_v0.6.1": "vmaf_4k"}

_SPATIAL_UNITS = {  # metric -> (unit, higher is better, detail); cutoff filled in per report
    "high_frequency_share": ("fraction", True, "energy above {cutoff:g} cycles/px"),
    "sharpness": ("levels^2", True, "Laplacian variance"),
    "glcm_score": ("bits", True, "Diffusion-4K GLCM entropy"),
    "compression_ratio": ("x", False, "raw / JPEG q95 bytes"),
    "mtf50": ("cycles/px", True, "slanted edge"),
}


class ReportPass:
    """The running state of :func:`report`: feed both arms frame by frame with :meth:`add`, then
    :meth:`finish` returns the :class:`Report`.

    Only running sums, per-frame numbers and the previous frame of each arm are held. Callers
    that make the frames themselves (``lab.compare`` renders and encodes them, the flicker meter
    plays them) feed them here, so each frame is measured in the pass that makes it.

    ``shape`` is one frame's (H, W, 3); ``frames`` the number that will be fed. ``flow_fn`` is
    the clips' ground-truth flow (for ``flow="truth"`` or ``"auto"``). ``texture_frames`` and
    ``tof_pairs`` count the evenly spaced frames (pairs) that get the costly per-image metrics:
    None for all, 0 for none. The other options are those of :func:`report`. With one frame,
    the temporal records are left out.
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        frames: int,
        *,
        flow: Any = "truth",
        flow_fn: Any = None,
        cutoff: float = 0.125,
        texture_frames: int | None = 3,
        tof_pairs: int | None = 4,
        include_mtf: bool = False,
        heatmaps: bool = True,
        interpolation: str = "auto",
        max_masked: float = MAX_MASKED,
        min_confidence: float = MIN_CONFIDENCE,
        vmaf_models: Sequence[str] = ("vmaf_v0.6.1", "vmaf_v0.6.1neg"),
        planes: str = "rgb",
    ) -> None:
        h, w = shape[:2]
        if planes not in ("rgb", "yuv"):
            raise choice_error("planes", planes, ["rgb", "yuv"])
        self.planes = planes
        if planes == "yuv":  # the Y plane is what is measured; VMAF from the files (vmaf_records)
            vmaf_models = ()
        self.shape = tuple(shape)
        self.cutoff = validate.positive_number(cutoff, "cutoff")
        self.interp = interpolation_flag(interpolation)
        self.source = make_source(flow, h, w, flow_fn=flow_fn)
        self.include_mtf = include_mtf
        self.limits = {"max_masked": max_masked, "min_confidence": min_confidence}
        self.tex_at = _Sampler(frames, texture_frames)
        self.tof_at = _Sampler(frames - 1, tof_pairs)
        self.count = 0
        self.prev: dict[str, np.ndarray] | None = None
        self.thresholds = {arm: VISIBILITY_LEVELS for arm in ARMS}
        self.psnr_curve: list[float] = []
        self.ssim_values: list[float] = []
        self.per_arm: dict[str, dict[str, list[float]]] = {arm: {} for arm in ARMS}
        self.spec_sum: dict[str, np.ndarray] = {}
        self.spec_freq: np.ndarray | None = None
        self.tally = WarpTally(
            self.source, self.interp, ARMS, heatmaps=heatmaps, warp=interpolation, pairs=frames - 1
        )
        self.mae = {arm: 0.0 for arm in ARMS}
        self.tofs: list[float] = []
        self.vmaf_problem = ""  # why VMAF was left out, if it was
        self.vmaf = self._open_vmaf(vmaf_models)

    # --- feeding ------------------------------------------------------------------------------
    def add(self, nat: np.ndarray, cand: np.ndarray) -> None:
        """Measure the next frame of the native and the candidate arm (same shape)."""
        t = self.count
        if nat.shape != self.shape or cand.shape != self.shape:
            raise LabError(
                f"frame {t}: native {nat.shape} and candidate {cand.shape} must both be {self.shape}"
            )
        channel = "y"
        if self.planes == "yuv":  # PSNR/SSIM on the Y planes; the rest on Y alone, as decoded
            channel = "yuv"
            full = {"native": nat, "candidate": cand}
            nat, cand = (np.ascontiguousarray(f[..., 0]) if f.ndim == 3 else f for f in (nat, cand))
        cur = {"native": nat, "candidate": cand}
        if t == 0:  # each arm's visibility threshold, at its first frame's mean grey
            self.thresholds = {arm: visibility_threshold(float(gray8(f).mean())) for arm, f in cur.items()}
        if self.vmaf is not None:
            self.vmaf.add(to_uint8(nat), to_uint8(cand))
        pair = full if self.planes == "yuv" else cur
        self.psnr_curve.append(spatial.psnr(pair["native"], pair["candidate"], channel=channel))
        if t in self.tex_at:
            self.ssim_values.append(spatial.ssim(pair["native"], pair["candidate"], channel=channel))
            self._texture(cur)
        if self.prev is not None:
            self._pair(t - 1, self.prev, cur)
        self.prev = cur
        self.count += 1

    def feed(self, pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        """:meth:`add` each (native, candidate) frame pair; stops the VMAF stream if one fails."""
        try:
            for nat, cand in pairs:
                self.add(nat, cand)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Stop the VMAF stream (after an error or an interrupt while feeding)."""
        if self.vmaf is not None:
            self.vmaf.abort()

    def _texture(self, cur: dict[str, np.ndarray]) -> None:
        """The no-reference detail metrics and spectrum of each arm (of its Y plane for planes="yuv")."""
        h, w = self.shape[:2]
        for arm, raw in cur.items():
            share, spec = spectrum.spectrum_stats(raw, cutoff=self.cutoff)
            self._add(arm, "high_frequency_share", share)
            self._add(arm, "sharpness", texture.sharpness(raw))
            self._add(arm, "glcm_score", texture.glcm_score(raw) if min(h, w) >= 64 else float("nan"))
            self._add(arm, "compression_ratio", texture.compression_ratio(raw))
            if self.include_mtf:
                self._add(arm, "mtf50", edges.mtf50(raw))
            self.spec_freq = spec.frequency
            self.spec_sum[arm] = self.spec_sum.get(arm, 0) + spec.power

    def _add(self, arm: str, metric: str, value: float) -> None:
        self.per_arm[arm].setdefault(metric, []).append(float(value))

    def _pair(self, pair: int, prev: dict[str, np.ndarray], cur: dict[str, np.ndarray]) -> None:
        """Warp error, VBench MAE and heat map of both arms along one shared flow, plus tOF."""
        nat0, nat1 = prev["native"], cur["native"]
        if pair in self.tof_at:  # before the flow maps exist: Farneback at 4K needs the room
            self.tofs.append(tof_pair(nat0, nat1, prev["candidate"], cur["candidate"]))
        pairs = {arm: (prev[arm], cur[arm]) for arm in ARMS}
        self.tally.add(pair, (nat0, nat1), pairs, reference_arm="native")
        for arm in ARMS:
            self.mae[arm] += frame_mae(prev[arm], cur[arm])

    # --- the report ---------------------------------------------------------------------------
    def finish(self, labels: dict[str, str] | None = None) -> Report:
        """The :class:`Report` of the frames fed (closes the VMAF stream); ``labels``: arm -> name."""
        vmaf_results = self._close_vmaf()
        out = Report(flow_source=self.source.kind, cutoff=self.cutoff)
        out.labels = dict(labels) if labels else {arm: arm for arm in ARMS}
        out.psnr_curve = np.asarray(self.psnr_curve)
        out.threshold_levels = self.thresholds["native"]
        out.thresholds = dict(self.thresholds)
        if self.spec_freq is not None:
            count = len(self.tex_at.indices)
            out.spectra = {
                arm: spectrum.RadialSpectrum(self.spec_freq, self.spec_sum[arm] / count) for arm in ARMS
            }
        self._spatial_records(out)
        if self.count > 1:
            self._temporal_results(out)
            self._flicker_records(out)
            self._flow_records(out)
        out.extend(vmaf_records(vmaf_results))
        return out

    def _spatial_records(self, out: Report) -> None:
        """PSNR over all frames; SSIM, the detail metrics and waxiness over the sampled frames."""
        psnr_mean = float("inf") if np.isinf(out.psnr_curve).any() else float(out.psnr_curve.mean())
        out.append(
            Record(
                "psnr_y", psnr_mean, "dB", "candidate", True, detail="BT.601 Y vs native, mean over frames"
            )
        )
        if not self.ssim_values:
            return
        frames = len(self.ssim_values)
        out.append(
            Record(
                "ssim_y", float(np.mean(self.ssim_values)), "1", "candidate", True, detail=f"{frames} frames"
            )
        )
        for metric, (unit, better, detail) in _SPATIAL_UNITS.items():
            for arm in ARMS:
                if metric in self.per_arm[arm]:
                    value = float(np.mean(self.per_arm[arm][metric]))
                    out.append(
                        Record(metric, value, unit, arm, better, detail=detail.format(cutoff=self.cutoff))
                    )
        native_hf = float(np.mean(self.per_arm["native"]["high_frequency_share"]))
        cand_hf = float(np.mean(self.per_arm["candidate"]["high_frequency_share"]))
        out.append(
            Record(
                "waxiness",
                cand_hf / native_hf if native_hf > 0 else float("nan"),
                "ratio",
                "candidate",
                True,
                detail="high-frequency share relative to native (1 = native detail)",
            )
        )

    def _temporal_results(self, out: Report) -> None:
        """The flow verdict, the curves, the heat maps and a :class:`WarpError` per arm."""
        verdict = self.tally.verdict(**self.limits)
        out.reliable, out.message = verdict
        out.warps = {arm: self.tally.result(arm, self.thresholds[arm], verdict) for arm in ARMS}
        out.masked_curve = out.warps["native"].masked_per_frame
        out.warp_curves = {arm: warp.per_frame for arm, warp in out.warps.items()}
        out.heatmaps = {arm: warp.heatmap for arm, warp in out.warps.items() if warp.heatmap is not None}
        out.floors = {arm: warp.floor_levels for arm, warp in out.warps.items()}

    def _flicker_records(self, out: Report) -> None:
        """VBench score and RMS flicker of each arm against the native visibility threshold."""
        pairs = self.count - 1
        for arm in ARMS:
            out.append(
                Record(
                    "vbench_flicker_score",
                    float((255.0 - self.mae[arm] / pairs) / 255.0),
                    "1",
                    arm,
                    True,
                    detail="static scenes only: motion counts as flicker",
                )
            )
        threshold = out.threshold_levels
        for arm in ARMS:
            levels = out.warps[arm].rms_levels
            out.append(
                Record(
                    "flicker_rms",
                    levels,
                    "8-bit levels",
                    arm,
                    False,
                    out.reliable,
                    detail=f"RMS motion-compensated frame difference, flow={self.source.kind}; "
                    f"{visibility(levels, threshold)} (threshold {threshold:.1f} levels)",
                )
            )
        out.append(
            Record(
                "visibility_threshold",
                threshold,
                "8-bit levels",
                "native",
                None,
                detail="luminance JND at the first native frame's mean grey (Chou & Li 1995)",
            )
        )

    def _flow_records(self, out: Report) -> None:
        """Warp error (and mean heat) per arm, the flow's masked share and confidence, and tOF."""
        kind, reliable = self.source.kind, out.reliable
        for arm in ARMS:
            out.append(
                Record(
                    "warp_error",
                    out.warps[arm].mean,
                    "MSE [0,1]",
                    arm,
                    False,
                    reliable,
                    detail=f"flow={kind} (internal unit; flicker_rms is the same in grey levels)",
                )
            )
            warp = out.warps[arm]
            out.append(
                Record(
                    "warp_floor",
                    warp.floor_levels,
                    "8-bit levels",
                    arm,
                    None,
                    not warp.within_floor,
                    detail=f"the {warp.warp} warp's own error on a flicker-free copy of the first frame; "
                    + ("the reading is within it" if warp.within_floor else "far below the reading"),
                )
            )
            if out.heatmaps:
                heat = float(out.heatmaps[arm].mean())
                detail = "mean of the motion-compensated temporal std map"
                out.append(Record("flicker_mean", heat, "8-bit levels", arm, False, reliable, detail=detail))
        masked = float(out.masked_curve.mean())
        out.append(Record("masked_fraction", masked, "fraction", "flow", None, reliable, detail=kind))
        out.append(
            Record("flow_confidence", self.tally.meter.value, "fraction", "flow", None, reliable, detail=kind)
        )
        if self.tofs:
            tof = float(np.mean(self.tofs))
            out.append(
                Record("tof", tof, "px", "candidate", False, detail=f"{len(self.tofs)} pairs, Farneback")
            )

    # --- VMAF, streamed to ffmpeg alongside ---------------------------------------------------
    def _open_vmaf(self, models: Sequence[str]) -> Any:
        """A :class:`~lab.metrics.libvmaf.VmafStream` fed during the pass, or None (no models, gray
        frames, or an ffmpeg without libvmaf: then :attr:`vmaf_problem` says why)."""
        from lab.metrics.libvmaf import VmafStream

        if not models or len(self.shape) != 3:
            return None
        try:
            return VmafStream(self.shape[1], self.shape[0], models=models)
        except LabError as err:
            self.vmaf_problem = str(err)
            return None

    def _close_vmaf(self) -> dict[str, Any]:
        """model -> VmafResult, or {} when VMAF was left out (e.g. frames too small for libvmaf)."""
        if self.vmaf is None:
            return {}
        try:
            return self.vmaf.close()
        except LabError as err:
            self.vmaf_problem = str(err)
            return {}


def vmaf_records(results: dict[str, Any], *, source: str = "") -> list[Record]:
    """Report rows for :func:`~lab.metrics.libvmaf.vmaf_scores` results (model -> VmafResult)."""
    where = f", {source}" if source else ""
    return [
        Record(
            VMAF_RECORDS[model],
            result.mean,
            "0-100",
            "candidate",
            True,
            detail=f"{model}, mean over {len(result.per_frame)} frames{where} (per frame: blind to flicker)",
        )
        for model, result in results.items()
    ]


def report(
    native_clip: Any,
    candidate_clip: Any,
    *,
    flow: Any = "truth",
    cutoff: float = 0.125,
    texture_frames: int | None = 3,
    tof_pairs: int | None = 4,
    include_mtf: bool = False,
    heatmaps: bool = True,
    interpolation: str = "auto",
    max_masked: float = MAX_MASKED,
    min_confidence: float = MIN_CONFIDENCE,
    vmaf_models: Sequence[str] = ("vmaf_v0.6.1", "vmaf_v0.6.1neg"),
    planes: str | None = None,
    show_progress: bool = True,
) -> Report:
    """Compare a candidate clip (e.g. upscaled) with the native clip in one streaming pass.

    What is measured on which frames, and with which options, is listed in the module docstring
    (:mod:`lab.metrics.reporting`). ``native_clip`` and ``candidate_clip``: Clips, lists of frames
    or (N, H, W, 3) arrays of the same size and frame count (upscale the candidate first).

    Returns a :class:`Report`: rows ``(metric, value, unit, arm, higher_is_better, reliable,
    detail)``; curves, spectra and heat maps as attributes; ``.summary()``, ``.to_pandas()``.

    ``planes``: "rgb" frames, or "yuv" frames holding a file's own Y, U, V planes
    (:func:`lab.video.read_mp4` with ``planes="yuv"``): then every metric reads the Y plane as
    decoded (no RGB round trip that clips) and VMAF is left to :func:`vmaf_records` of
    ``vmaf_scores`` on the files themselves. None takes the clips' ``planes`` attribute.

    >>> rng = np.random.default_rng(0)
    >>> clip = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)] * 3
    >>> rep = report(clip, clip, flow=(0, 0), show_progress=False)
    >>> rep.value("warp_error", "candidate")
    0.0
    """
    n, shape = _check_arms(native_clip, candidate_clip)
    if planes is None:
        kinds = {getattr(c, "planes", "rgb") for c in (native_clip, candidate_clip)}
        if len(kinds) > 1:
            raise LabError("one clip holds RGB frames and the other Y, U, V planes; read both the same way")
        planes = kinds.pop()
    stream = ReportPass(
        shape,
        n,
        flow=flow,
        flow_fn=clip_flow_fn(native_clip) or clip_flow_fn(candidate_clip),
        cutoff=cutoff,
        texture_frames=_count_option(texture_frames, "texture_frames"),
        tof_pairs=_count_option(tof_pairs, "tof_pairs"),
        include_mtf=include_mtf,
        heatmaps=heatmaps,
        interpolation=interpolation,
        max_masked=max_masked,
        min_confidence=min_confidence,
        vmaf_models=vmaf_models,
        planes=planes,
    )
    frames = zip(iter_frames(native_clip, name="native"), iter_frames(candidate_clip, name="candidate"))
    stream.feed(progress(frames, total=n, desc="report", disable=not show_progress))
    out = stream.finish(
        {arm: (getattr(c, "name", "") or arm) for arm, c in zip(ARMS, (native_clip, candidate_clip))}
    )
    if stream.vmaf_problem:
        warnings.warn(f"VMAF left out of the report: {stream.vmaf_problem}", stacklevel=2)
    return out


def _check_arms(native_clip: Any, candidate_clip: Any) -> tuple[int, tuple[int, ...]]:
    """The common frame count and frame shape of both clips; refuses different ones."""
    n = check_clips(native_clip, candidate_clip, names=("native", "candidate"))
    shape = clip_shape(native_clip, name="native")
    cshape = clip_shape(candidate_clip, name="candidate")
    if shape != cshape:
        raise LabError(
            f"native frames are {shape} but candidate frames are {cshape}; upscale the candidate to the "
            "native size before comparing"
        )
    return n, shape


def plot_report(rep: Report) -> Any:
    """A matplotlib Figure for a :class:`Report`: warp-error curves, spectra and flicker heat maps.

    Panels: (a) per-pair warp error of both arms (and masked fraction when flow is estimated);
    (b) radial log-power spectra with the high-frequency cutoff; (c, d) flicker heat maps on one
    colour scale. The title carries the flow verdict, in red when the flow is unreliable.

    >>> rng = np.random.default_rng(0)
    >>> clip = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)] * 3
    >>> fig = plot_report(report(clip, clip, flow=(0, 0), show_progress=False))
    >>> len(fig.axes) >= 3
    True
    """
    import matplotlib

    if not isinstance(rep, Report):
        raise LabTypeError(f"plot_report needs the Report returned by report(), got {type(rep).__name__}")
    # readable when a notebook shrinks the figure to its column: 11 pt text on 3.4-inch panels
    with matplotlib.rc_context({"font.size": 11, "axes.titlesize": 11, "legend.fontsize": 10}):
        return _plot_report(rep)


def _plot_report(rep: Report) -> Any:
    from matplotlib.figure import Figure

    n_maps = len(rep.heatmaps)
    # a bare Figure (not pyplot): returning it from a notebook cell shows it once
    fig = Figure(figsize=(3.4 * (2 + n_maps), 3.6), layout="constrained")
    axes = fig.subplots(1, 2 + n_maps)
    ax = axes[0]
    for arm, curve in rep.warp_curves.items():
        ax.plot(
            np.arange(len(curve)),
            255.0 * np.sqrt(np.maximum(curve, 0.0)),
            marker="o",
            ms=3,
            label=rep.labels.get(arm, arm),
        )
    ax.axhline(
        rep.threshold_levels,
        color="k",
        ls="--",
        lw=0.8,
        label=f"visibility threshold {rep.threshold_levels:.1f}",
    )
    ax.set_ylim(bottom=0)
    ax.set_xlabel("frame pair t -> t+1")
    ax.set_ylabel("flicker RMS, motion-compensated\n(8-bit levels)")
    ax.set_title(f"flicker, flow = {rep.flow_source}")
    if rep.flow_source == "dis" and len(rep.masked_curve):
        twin = ax.twinx()
        twin.plot(rep.masked_curve, color="gray", ls=":", label="masked fraction")
        twin.set_ylabel("masked fraction of pixels")
        twin.set_xlabel(ax.get_xlabel())  # hidden (shared x), set for completeness
        twin.set_ylim(0, 1)
    ax.legend()
    ax = axes[1]
    for arm, spec in rep.spectra.items():
        ax.plot(spec.frequency, spec.log_power, label=rep.labels.get(arm, arm))
    ax.axvline(rep.cutoff, color="k", ls="--", lw=0.8, label=f"cutoff {rep.cutoff:g}")
    ax.set_xlabel("spatial frequency (cycles/pixel)")
    ax.set_ylabel("log10 power (luma)")
    ax.set_title("radial power spectrum")
    ax.legend()
    if rep.heatmaps:
        vmax = max(float(np.percentile(m, 99.5)) for m in rep.heatmaps.values()) or 1.0
        for ax, (arm, heat) in zip(axes[2:], rep.heatmaps.items()):
            im = ax.imshow(heat, cmap="inferno", vmin=0, vmax=vmax)
            ax.set_title(f"flicker: {rep.labels.get(arm, arm)}")
            ax.set_xlabel("x (pixels)")
            ax.set_ylabel("y (pixels)")
        fig.colorbar(im, ax=list(axes[2:]), label="temporal std, motion-compensated\n(8-bit levels)")
    fig.suptitle(rep.message, fontsize=10, color="black" if rep.reliable else "red", wrap=True)
    return fig
