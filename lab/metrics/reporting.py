"""One streaming pass over a native clip and a candidate clip that computes every metric.

``report(native, candidate)`` reads both clips once, frame by frame, keeping only running sums,
per-frame values and two frames per arm; it returns a tidy :class:`Report` (a list of
:class:`Record` rows, ``.to_pandas()`` when pandas is installed) and ``plot_report`` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from lab.arrays import to_uint8
from lab.errors import LabError, LabTypeError
from lab.metrics import edges, spatial, spectrum, texture
from lab.metrics._common import (
    Y_WEIGHTS,
    check_clips,
    check_finite_scalar,
    clip_flow_fn,
    clip_shape,
    gray8,
    iter_frames,
    to_unit,
)
from lab.metrics.flow import make_source, periodic_share
from lab.metrics.temporal import (
    MAX_MASKED,
    MIN_CONFIDENCE,
    VISIBILITY_LEVELS,
    ConfidenceMeter,
    frame_mae,
    heat_to_levels,
    interpolation_flag,
    judge,
    masked_mean,
    mse_to_levels,
    pair_residual,
    tof_pair,
    visibility,
    visibility_threshold,
)
from lab.optional import opencv
from lab.progress import progress

cv2 = opencv()

ARMS = ("native", "candidate")
_Y32 = Y_WEIGHTS.astype(np.float32)


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
    flow_source, reliable, message :
        Where the motion came from and whether the temporal numbers can be trusted.
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
    """Evenly spaced indices of the frames (or pairs) that get the costly per-image metrics."""

    def __init__(self, total: int, count: int | None) -> None:
        if count is None or count >= total:
            self.indices = set(range(total))
        else:
            self.indices = {round(float(v)) for v in np.linspace(0, total - 1, max(count, 1))}

    def __contains__(self, index: int) -> bool:
        return index in self.indices


def _count_option(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise LabTypeError(f"{name} must be a positive integer or None (all), got {value!r}")
    return int(value)


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
    interpolation: str = "bicubic",
    max_masked: float = MAX_MASKED,
    min_confidence: float = MIN_CONFIDENCE,
    vmaf_models: Sequence[str] = ("vmaf_v0.6.1", "vmaf_v0.6.1neg"),
    show_progress: bool = True,
) -> Report:
    """Compare a candidate clip (e.g. upscaled) with the native clip in one streaming pass.

    Every frame: PSNR (Y) of candidate vs native. Every consecutive pair, both arms: VBench MAE,
    flow-compensated warp error with one shared flow (``flow="truth"``: the clips' ground truth;
    ``"dis"``: DIS flow on the native clip with the occlusion mask; ``(dx, dy)``: a global motion
    in px/frame), masked fraction, flow confidence and the flicker heat map. On ``texture_frames``
    evenly spaced frames (None = all): SSIM (Y), high-frequency share above ``cutoff``
    cycles/pixel (0.5/k for a k-times upscale; 0.125 for 4x) and waxiness, Laplacian sharpness,
    GLCM score, JPEG-95 compression ratio, the radial spectrum, and with ``include_mtf`` the
    slanted-edge MTF50 (edge scenes only). On ``tof_pairs`` evenly spaced pairs: tOF (Farneback
    costs ~0.3 s per 1080p pair, so it is sampled by default). ``interpolation`` is the warp
    resampling of :func:`~lab.metrics.warp_error` (bicubic default). VMAF of the candidate for
    each of ``vmaf_models`` (default: the standard and the NEG model; ``()`` skips it), by the
    official libvmaf, which ffmpeg computes alongside from the frames this pass streams to it
    (:class:`~lab.metrics.libvmaf.VmafStream`); left out with a warning where ffmpeg has no libvmaf.

    Only running sums, per-frame numbers and two frames per arm are held, so a 4K clip pair
    streamed from mp4 stays well under 1.5 GB.

    Parameters
    ----------
    native_clip, candidate_clip : Clip, list of frames or (N, H, W, 3) array
        Same size and frame count (upscale the candidate to the native size first).

    Returns
    -------
    Report
        Rows ``(metric, value, unit, arm, higher_is_better, reliable, detail)``; curves, spectra and
        heat maps as attributes; ``.summary()``, ``.to_pandas()``.

    References
    ----------
    See the individual metrics in :mod:`lab.metrics` (Lai et al. 2018 warp error; VBench;
    TecoGAN tOF; Diffusion-4K GLCM and compression ratio; Durall et al. 2020 spectrum; ISO 12233).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clip = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)] * 3
    >>> rep = report(clip, clip, flow=(0, 0), show_progress=False)
    >>> rep.value("warp_error", "candidate")
    0.0
    """
    cutoff = check_finite_scalar(cutoff, "cutoff", positive=True)
    texture_frames = _count_option(texture_frames, "texture_frames")
    tof_pairs = _count_option(tof_pairs, "tof_pairs")
    interp = interpolation_flag(interpolation)
    n = check_clips(native_clip, candidate_clip, names=("native", "candidate"))
    shape = clip_shape(native_clip, name="native")
    cshape = clip_shape(candidate_clip, name="candidate")
    if shape != cshape:
        raise LabError(
            f"native frames are {shape} but candidate frames are {cshape}; upscale the candidate to the "
            "native size before comparing"
        )
    h, w = shape[:2]
    flow_fn = clip_flow_fn(native_clip) or clip_flow_fn(candidate_clip)
    source = make_source(flow, h, w, flow_fn=flow_fn)
    tex_at = _Sampler(n, texture_frames)
    tof_at = _Sampler(n - 1, tof_pairs)

    psnr_curve: list[float] = []
    ssim_values: list[float] = []
    per_arm: dict[str, dict[str, list[float]]] = {arm: {} for arm in ARMS}
    spec_sum: dict[str, np.ndarray] = {}
    spec_freq: np.ndarray | None = None
    warp = {arm: [] for arm in ARMS}
    mae = {arm: 0.0 for arm in ARMS}
    heat_sum = {arm: np.zeros((h, w), np.float32) for arm in ARMS} if heatmaps else {}
    heat_cnt = np.zeros((h, w), np.float32) if heatmaps else None
    masked: list[float] = []
    tofs: list[float] = []
    meter = ConfidenceMeter(interp)
    periodic = 0.0
    threshold = VISIBILITY_LEVELS

    def add(arm: str, metric: str, value: float) -> None:
        per_arm[arm].setdefault(metric, []).append(float(value))

    vmaf_stream = _vmaf_stream(vmaf_models, shape)
    prev: dict[str, np.ndarray] | None = None
    frames = zip(iter_frames(native_clip, name="native"), iter_frames(candidate_clip, name="candidate"))
    try:
        for t, (nat, cand) in enumerate(progress(frames, total=n, desc="report", disable=not show_progress)):
            if nat.shape != shape or cand.shape != shape:
                raise LabError(
                    f"frame {t}: native {nat.shape} and candidate {cand.shape} must both be {shape}"
                )
            cur = {"native": nat, "candidate": cand}
            if t == 0:
                threshold = visibility_threshold(float(gray8(nat).mean()))
            if vmaf_stream is not None:
                vmaf_stream.add(to_uint8(nat), to_uint8(cand))
            # PSNR on BT.601 Y (float32 luma difference; the MSE is summed in float64)
            diff = to_unit(nat, np.float32)
            diff -= to_unit(cand, np.float32)
            dy = cv2.transform(diff, _Y32[None, :]) if nat.ndim == 3 else 219.0 * diff
            del diff
            mse = float(cv2.norm(dy, cv2.NORM_L2SQR)) / dy.size
            psnr_curve.append(float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse))
            if t in tex_at:
                ssim_values.append(spatial.ssim(nat, cand))
                for arm in ARMS:
                    raw = cur[arm]
                    share, spec = spectrum.spectrum_stats(raw, cutoff=cutoff)
                    add(arm, "high_frequency_share", share)
                    add(arm, "sharpness", texture.sharpness(raw))
                    add(arm, "glcm_score", texture.glcm_score(raw) if min(h, w) >= 64 else float("nan"))
                    add(arm, "compression_ratio", texture.compression_ratio(raw))
                    if include_mtf:
                        add(arm, "mtf50", edges.mtf50(raw))
                    spec_freq = spec.frequency
                    spec_sum[arm] = spec_sum.get(arm, 0) + spec.power
            if prev is not None:
                pair = t - 1
                if pair in tof_at:  # before the flow maps exist: Farneback at 4K needs the room
                    tofs.append(tof_pair(prev["native"], nat, prev["candidate"], cand))
                map_x, map_y, valid = source.pair(pair, prev["native"], nat)
                masked.append(1.0 - float(valid.mean()))
                if heat_cnt is not None:
                    heat_cnt += valid
                if pair == 0 and source.kind == "dis":
                    periodic = periodic_share(prev["native"])
                for arm in ARMS:
                    d2 = pair_residual(prev[arm], cur[arm], map_x, map_y, interp)
                    warp[arm].append(masked_mean(d2, valid))
                    if arm == "native":  # the reference residual over all pixels, for the flow's confidence
                        meter.update(
                            prev["native"], nat, map_x, map_y, residual=float(d2.mean(dtype=np.float64))
                        )
                    mae[arm] += frame_mae(prev[arm], cur[arm])
                    if heatmaps:
                        d2[~valid] = 0.0
                        heat_sum[arm] += d2
                del map_x, map_y, valid
            prev = cur
    except BaseException:
        if vmaf_stream is not None:
            vmaf_stream.abort()
        raise

    confidence = meter.value
    masked_arr = np.asarray(masked)
    reliable, message = judge(
        source.kind,
        float(masked_arr.mean()),
        confidence,
        worse_than_still=meter.worse_than_still,
        periodic=periodic,
        max_masked=max_masked,
        min_confidence=min_confidence,
    )
    out = Report(flow_source=source.kind, reliable=reliable, message=message, cutoff=cutoff)
    out.labels = {arm: (getattr(c, "name", "") or arm) for arm, c in zip(ARMS, (native_clip, candidate_clip))}
    out.psnr_curve = np.asarray(psnr_curve)
    out.masked_curve = masked_arr
    out.warp_curves = {arm: np.asarray(v) for arm, v in warp.items()}
    if spec_freq is not None:
        count = len(tex_at.indices)
        out.spectra = {arm: spectrum.RadialSpectrum(spec_freq, spec_sum[arm] / count) for arm in ARMS}
    if heatmaps and heat_cnt is not None:
        out.heatmaps = {arm: heat_to_levels(heat_sum[arm], heat_cnt) for arm in ARMS}

    psnr_mean = float("inf") if np.isinf(out.psnr_curve).any() else float(out.psnr_curve.mean())
    out.append(
        Record("psnr_y", psnr_mean, "dB", "candidate", True, detail="BT.601 Y vs native, mean over frames")
    )
    out.append(
        Record(
            "ssim_y", float(np.mean(ssim_values)), "1", "candidate", True, detail=f"{len(ssim_values)} frames"
        )
    )
    units = {
        "high_frequency_share": ("fraction", True, f"energy above {cutoff:g} cycles/px"),
        "sharpness": ("levels^2", True, "Laplacian variance"),
        "glcm_score": ("bits", True, "Diffusion-4K GLCM entropy"),
        "compression_ratio": ("x", False, "raw / JPEG q95 bytes"),
        "mtf50": ("cycles/px", True, "slanted edge"),
    }
    for metric, (unit, better, detail) in units.items():
        for arm in ARMS:
            if metric in per_arm[arm]:
                out.append(
                    Record(metric, float(np.mean(per_arm[arm][metric])), unit, arm, better, detail=detail)
                )
    native_hf = float(np.mean(per_arm["native"]["high_frequency_share"]))
    cand_hf = float(np.mean(per_arm["candidate"]["high_frequency_share"]))
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
    for arm in ARMS:
        out.append(
            Record(
                "vbench_flicker_score",
                float((255.0 - mae[arm] / (n - 1)) / 255.0),
                "1",
                arm,
                True,
                detail="static scenes only: motion counts as flicker",
            )
        )
    out.threshold_levels = threshold
    for arm in ARMS:
        levels = mse_to_levels(float(out.warp_curves[arm].mean()))
        out.append(
            Record(
                "flicker_rms",
                levels,
                "8-bit levels",
                arm,
                False,
                reliable,
                detail=f"RMS motion-compensated frame difference, flow={source.kind}; "
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
    for arm in ARMS:
        out.append(
            Record(
                "warp_error",
                float(out.warp_curves[arm].mean()),
                "MSE [0,1]",
                arm,
                False,
                reliable,
                detail=f"flow={source.kind} (internal unit; flicker_rms is the same in grey levels)",
            )
        )
        if heatmaps:
            out.append(
                Record(
                    "flicker_mean",
                    float(out.heatmaps[arm].mean()),
                    "8-bit levels",
                    arm,
                    False,
                    reliable,
                    detail="mean of the motion-compensated temporal std map",
                )
            )
    out.append(
        Record(
            "masked_fraction",
            float(masked_arr.mean()),
            "fraction",
            "flow",
            None,
            reliable,
            detail=source.kind,
        )
    )
    out.append(Record("flow_confidence", confidence, "fraction", "flow", None, reliable, detail=source.kind))
    if tofs:
        out.append(
            Record(
                "tof", float(np.mean(tofs)), "px", "candidate", False, detail=f"{len(tofs)} pairs, Farneback"
            )
        )
    if vmaf_stream is not None:
        try:
            vmaf_results = vmaf_stream.close()
        except LabError as err:  # e.g. frames too small for libvmaf's filters
            import warnings

            warnings.warn(f"VMAF left out of the report: {err}", stacklevel=2)
            vmaf_results = {}
        for model, result in vmaf_results.items():
            out.append(
                Record(
                    VMAF_RECORDS[model],
                    result.mean,
                    "0-100",
                    "candidate",
                    True,
                    detail=f"{model}, mean over {len(result.per_frame)} frames (per frame: blind to flicker)",
                )
            )
    return out


VMAF_RECORDS = {"vmaf_v0.6.1": "vmaf", "vmaf_v0.6.1neg": "vmaf_neg", "vmaf_4k_v0.6.1": "vmaf_4k"}


def _vmaf_stream(models: Sequence[str], shape: tuple[int, ...]) -> Any:
    """A :class:`~lab.metrics.libvmaf.VmafStream` fed during the pass, or None (no models, gray frames,
    or an ffmpeg without libvmaf: then VMAF is left out with a warning)."""
    import warnings

    from lab.metrics.libvmaf import VmafStream

    if not models or len(shape) != 3:
        return None
    try:
        return VmafStream(shape[1], shape[0], models=models)
    except LabError as err:
        warnings.warn(f"VMAF left out of the report: {err}", stacklevel=3)
        return None


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
    ax.set_ylabel("flicker: RMS difference after motion comp. (8-bit levels)")
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
        fig.colorbar(im, ax=list(axes[2:]), label="temporal std after motion comp. (8-bit levels)")
    fig.suptitle(rep.message, fontsize=10, color="black" if rep.reliable else "red", wrap=True)
    return fig
