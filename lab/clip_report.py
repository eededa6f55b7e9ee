"""``python -m lab report NATIVE.mp4 CANDIDATE.mp4``: the detail and flicker report of any two clips.

The bring-your-own-clip path of lesson 9 as a command: the native (reference) clip and a
candidate of the same size, from any tool, measured by :func:`lab.metrics.report` in one
streaming pass over the files' own Y, U, V planes (luma as the files store it, no RGB round
trip), with VMAF from libvmaf on the two files themselves. The table is printed; ``report.csv``, the report figure (``report.png``) and the
flicker heat maps (``flicker_heatmaps.png``) are written into a folder that appears only when
complete.

>>> parse_flow("1.5,-2")
(1.5, -2.0)
>>> parse_flow("none")
(0.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError
from lab.metrics.reporting import Report
from lab.tables import csv_text
from lab.video import Clip, read_mp4

NO_MOTION_NOTE = (
    "--flow none: frames are compared without motion compensation, so any camera motion counts "
    "as flicker; use it for a tripod shot, or give --flow dis or --flow=DX,DY"
)


def parse_flow(text: str) -> str | tuple[float, float]:
    """``"dis"``, ``"none"`` (= no motion, (0, 0)) or ``"DX,DY"`` in px/frame, as :func:`lab.metrics.report` takes it."""
    text = text.strip().lower()
    if text == "dis":
        return "dis"
    if text == "none":
        return (0.0, 0.0)
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        dx, dy = (float(p) for p in parts)
    except ValueError:
        raise LabError(
            f"--flow must be dis, none or DX,DY (e.g. 1.5,0; write a negative pan as --flow=-2,0), "
            f"got {text!r}"
        ) from None
    return (dx, dy)


def open_pair(
    native: str | Path, candidate: str | Path, frames: int | None = None, *, planes: str = "yuv"
) -> tuple[Clip, Clip]:
    """Open both videos and check they can be compared: same size, and the same number of frames
    (or at least ``frames`` each, of which the first ``frames`` are used). ``planes="yuv"``
    (default) decodes the files' own Y, U, V planes, so luma is measured as the files store it."""
    clips = (
        read_mp4(native, name="native", planes=planes),
        read_mp4(candidate, name="candidate", planes=planes),
    )
    a, b = clips
    if a.resolution != b.resolution:
        raise LabError(
            f"the clips differ in size: native {a.resolution}, candidate {b.resolution}; upscale the candidate to "
            "the native size first (e.g. ffmpeg -i CANDIDATE -vf scale=W:H:flags=bicubic OUT.mp4)"
        )
    shortest = min(len(a), len(b))
    if shortest < 2:
        which = "native" if len(a) < 2 else "candidate"
        raise LabError(
            f"the {which} clip has {shortest} frame; flicker needs at least 2 frames (is it a still image?)"
        )
    if frames is None:
        if len(a) != len(b):
            raise LabError(
                f"the clips differ in length: native {len(a)} frames, candidate {len(b)}; pass --frames "
                f"{min(len(a), len(b))} to compare the first {min(len(a), len(b))}"
            )
        frames = len(a)
    if frames < 2 or frames > min(len(a), len(b)):
        raise LabError(
            f"--frames must be between 2 and {min(len(a), len(b))} (the shorter clip), got {frames}"
        )
    return a.head(frames), b.head(frames)


def file_vmaf(native: str | Path, candidate: str | Path, frames: int | None) -> list:
    """VMAF records computed by libvmaf on the two files themselves (their own YUV, no RGB round
    trip), over the first ``frames`` frames when given. Empty, with a warning, where ffmpeg lacks libvmaf."""
    import warnings

    from lab.metrics.libvmaf import vmaf_scores
    from lab.metrics.reporting import vmaf_records

    try:
        results = vmaf_scores(Path(native), Path(candidate), frames=frames)
    except LabError as err:
        warnings.warn(f"VMAF left out of the report: {err}", stacklevel=3)
        return []
    return vmaf_records(results, source="libvmaf on the two files")


@dataclass
class ClipReport:
    """What :func:`run` produced: the report, the files written, and where."""

    report: Report
    out: Path
    files: dict[str, Path]


def run(
    native: str | Path,
    candidate: str | Path,
    *,
    flow: str = "dis",
    frames: int | None = None,
    out: str | Path = "report-out",
    show_progress: bool = True,
) -> ClipReport:
    """Measure ``candidate`` against ``native`` and write report.csv, report.png and flicker_heatmaps.png into ``out``."""
    from lab import metrics, viz
    from lab.files import StagingFolder, check_output_dir

    motion = parse_flow(flow)
    out = check_output_dir(out)
    native_clip, candidate_clip = open_pair(native, candidate, frames)
    rep = metrics.report(native_clip, candidate_clip, flow=motion, show_progress=show_progress)
    rep.extend(file_vmaf(native, candidate, frames))
    rep.labels = {"native": Path(native).name, "candidate": Path(candidate).name}
    if flow.strip().lower() == "none":
        rep.message = f"{NO_MOTION_NOTE}. {rep.message}"
    files: dict[str, Path] = {}
    try:
        with StagingFolder(out) as tmp:
            records = rep.to_records()
            (tmp / "report.csv").write_text(csv_text(list(records[0]), records), encoding="utf-8")
            (tmp / "report.png").write_bytes(viz.figure_png(metrics.plot_report(rep)))
            if rep.heatmaps:
                heat = viz.heatmap_figure({rep.labels[arm]: m for arm, m in rep.heatmaps.items()})
                (tmp / "flicker_heatmaps.png").write_bytes(viz.figure_png(heat))
            files = {p.name: out / p.name for p in tmp.iterdir()}
    except OSError as err:
        raise LabError(
            f"could not write the report into {out}: {err.strerror or err}; nothing was written"
        ) from None
    return ClipReport(rep, out, files)


__all__ = ["NO_MOTION_NOTE", "ClipReport", "open_pair", "parse_flow", "run"]
