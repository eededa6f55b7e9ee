"""The detail and flicker table of ``python -m lab compare``, read from one :func:`lab.metrics.report` pass.

Each :class:`Column` reads one value of an arm from the :class:`~lab.metrics.Report` that
:func:`measurement` streams both arms through: spatial metrics on frame 0, temporal ones over
all frames along the scene's true motion. A cell is blank where it does not apply (the native
arm is its own reference; a single frame has no pairs) and "n/a" where the metric could not
be measured (a frame smaller than its patch, an ffmpeg without libvmaf).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lab.compare_settings import CompareSettings
from lab.errors import LabError
from lab.metrics.reporting import ARMS, Report, ReportPass  # ARMS: the native and the upscaled arm
from lab.metrics.temporal import WarpError, visibility
from lab.video import Clip

if TYPE_CHECKING:
    from lab.compare import Bill

FLICKER_COLUMN = "flicker RMS (grey levels, true flow)"
VISIBLE_COLUMN = "flicker vs visibility threshold"


@dataclass(frozen=True)
class Column:
    """One table column: ``read(report, arm)`` is the value of ``arm`` ("native" or "candidate")."""

    title: str
    read: Callable[[Report, str], Any]
    needs_reference: bool = False  # blank for the native arm
    needs_pairs: bool = False  # blank for a single frame
    static_only: bool = False  # meaningful only without camera motion (VBench counts motion as flicker)


def _record(metric: str, *, per_arm: bool = True) -> Callable[[Report, str], float]:
    """A reader of the report's ``metric`` for the arm (or always for the candidate)."""
    return lambda rep, arm: rep.value(metric, arm if per_arm else "candidate")


def _visibility(warp: WarpError) -> str:
    """ "visible (3.8 levels)" or "below visibility (3.8 levels)": the RMS flicker against the threshold."""
    return f"{visibility(warp.rms_levels, warp.threshold_levels)} ({warp.threshold_levels:.1f} levels)"


COLUMNS = (
    Column("PSNR vs native (dB)", lambda rep, arm: float(rep.psnr_curve[0]), needs_reference=True),
    Column("SSIM vs native", _record("ssim_y", per_arm=False), needs_reference=True),
    Column("high-freq share", _record("high_frequency_share")),
    Column("detail kept (waxiness)", _record("waxiness", per_arm=False), needs_reference=True),
    Column("sharpness (Laplacian var)", _record("sharpness")),
    Column("GLCM entropy (bits)", _record("glcm_score")),
    Column("JPEG-q95 ratio", _record("compression_ratio")),
    # VMAF (official libvmaf via ffmpeg) of the whole clip, both models in one pass; "n/a" without libvmaf
    Column("VMAF vs native", _record("vmaf", per_arm=False), needs_reference=True),
    Column("VMAF NEG vs native", _record("vmaf_neg", per_arm=False), needs_reference=True),
    Column("VBench flicker score", _record("vbench_flicker_score"), needs_pairs=True, static_only=True),
    # RMS of the frame difference left after warping along the true motion, in 8-bit grey levels,
    # next to the luminance visibility threshold (lab.metrics.visibility_threshold, Chou & Li 1995)
    Column(FLICKER_COLUMN, lambda rep, arm: rep.warps[arm].rms_levels, needs_pairs=True),
    Column(VISIBLE_COLUMN, lambda rep, arm: _visibility(rep.warps[arm]), needs_pairs=True),
)


def columns(motion: str = "static") -> list[Column]:
    """The table's metric columns; static-camera-only ones are dropped under motion."""
    return [c for c in COLUMNS if motion == "static" or not c.static_only]


def measurement(s: CompareSettings, native_clip: Clip, upscaled_clip: Clip) -> ReportPass:
    """The report pass the table reads: spatial metrics on frame 0 only, no tOF or heat maps,
    warp error along the scene's true motion, VMAF under the standard and NEG models."""
    return ReportPass(
        s.resolution.shape,
        s.frames,
        flow="truth",
        flow_fn=native_clip.flow if native_clip.has_flow else upscaled_clip.flow,
        texture_frames=1,
        tof_pairs=0,
        heatmaps=False,
        vmaf_models=("vmaf_v0.6.1", "vmaf_v0.6.1neg"),
    )


COST_COLUMN = "cost ms/frame (render + upscale)"
CAMERA_COLUMN = "camera source ms/frame (not billed)"


def table_rows(s: CompareSettings, rep: Report, bill: Bill) -> tuple[list[str], list[dict[str, Any]]]:
    """(header, rows): one row per arm with its label, its cost per frame as a real pipeline pays
    it (``bill``, a :class:`lab.compare.Bill` per frame: native render; render at the source size
    plus the upscale), the time of the camera source's supersampled render (pixels only, not
    billed) and every column of :func:`columns` for the settings' motion."""
    chosen = columns(s.motion)
    labels = (
        f"native {s.resolution.width}x{s.resolution.height}",
        f"{s.method} from {s.source.width}x{s.source.height} {s.source_detail}",
    )
    costs = ((bill.native, ""), (bill.upscaled, 1000.0 * bill.camera if s.source_detail == "camera" else ""))
    rows = []
    for label, arm, (cost, camera) in zip(labels, ARMS, costs):
        row: dict[str, Any] = {"arm": label, COST_COLUMN: 1000.0 * cost, CAMERA_COLUMN: camera}
        row.update({c.title: _cell(c, rep, arm, s.frames) for c in chosen})
        rows.append(row)
    return ["arm", COST_COLUMN, CAMERA_COLUMN, *(c.title for c in chosen)], rows


def _cell(column: Column, rep: Report, arm: str, frames: int) -> Any:
    """The column's value for ``arm``: "" where it does not apply, "n/a" where it was not measured."""
    if (column.needs_pairs and frames < 2) or (column.needs_reference and arm == "native"):
        return ""
    try:
        value = column.read(rep, arm)
    except LabError:  # left out of the report (e.g. VMAF without libvmaf)
        return "n/a"
    if isinstance(value, str):
        return value
    value = float(value)
    return "n/a" if math.isnan(value) else value  # e.g. GLCM of a frame smaller than its patch
