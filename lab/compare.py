"""Native vs upscaled, side by side: the pipeline behind ``python -m lab compare``.

One call renders a built-in scene twice, natively at the target resolution and at a low source
resolution upscaled to the target, and writes, into one output folder:

* ``native_frame0.png``, ``upscaled_frame0.png``, ``source_frame0.png``: the first frame of each
  arm (the source at its own low resolution);
* ``crop_native.png``, ``crop_upscaled.png``, ``crop_source.png``: the same region of each,
  enlarged with nearest-neighbour so every pixel stays a visible square;
* ``side_by_side.png``: those crops next to each other, with labels;
* ``native.mp4``, ``upscaled.mp4``: H.264 video of both arms;
* ``details.csv``: one row per arm with the cost per frame and the detail/flicker metrics of
  :mod:`lab.compare_table`, all measured by :func:`lab.metrics.report` in the same pass.

Everything is validated before any rendering starts (:mod:`lab.compare_settings`), and the files
are assembled in a hidden temporary folder beside the output folder and moved in only when all
of them are complete, so bad input or a crash leaves nothing half-written. The images come from
:mod:`lab.composition`, the table text from :mod:`lab.tables`.

>>> settings = CompareSettings.make(resolution="320x180", source="80x45", frames=3)
>>> settings.factor
4.0
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lab.compare_settings import DEFAULT_RESOLUTION, DEFAULT_SCENE, MOTIONS, REGIONS, CompareSettings
from lab.compare_table import FLICKER_COLUMN, VISIBLE_COLUMN, measurement, table_rows
from lab.composition import crop_box, detail_centre, first_frame_images, labelled_row, write_png, zoom_crop
from lab.errors import LabError, LabTypeError
from lab.files import STOP, StagingFolder, check_output_dir, check_stop, remove_stale_staging
from lab.metrics.reporting import Report
from lab.progress import progress
from lab.tables import csv_text, format_table, format_transposed
from lab.video import Clip, Mp4Writer

__all__ = [
    "global_motion",
    "DEFAULT_RESOLUTION",
    "DEFAULT_SCENE",
    "FLICKER_COLUMN",
    "MOTIONS",
    "REGIONS",
    "STOP",
    "VISIBLE_COLUMN",
    "CompareResult",
    "CompareSettings",
    "check_output_dir",
    "crop_box",
    "detail_centre",
    "format_table",
    "labelled_row",
    "remove_stale_staging",
    "run",
    "zoom_crop",
]


@dataclass
class CompareResult:
    """What :func:`run` wrote: the output folder, each file by role, and the detail table."""

    out: Path
    files: dict[str, Path]
    columns: list[str]
    rows: list[dict[str, Any]]
    seconds: float

    def table(self) -> str:
        """The detail table as aligned text (what the CLI prints), with a note on what was measured."""
        note = (
            "\nSpatial metrics are measured on frame 0, temporal ones over all frames; "
            "'vs native' and waxiness\ncompare with the native arm. The upscaled arm's cost is what a "
            "renderer at the source size pays plus the\nupscale; the camera source's 4x4 supersampled "
            "render makes its pixels and is not billed."
        )
        return format_transposed(self.columns, self.rows, "arm") + note


# --- the pipeline ---------------------------------------------------------------------------
def run(
    settings: CompareSettings, out: str | os.PathLike[str] = "compare-out", *, show_progress: bool = True
) -> CompareResult:
    """Render, measure and write one native-vs-upscaled comparison into the folder ``out``.

    Frames stream one at a time into both mp4 writers and through one :func:`lab.metrics.report`
    pass (:func:`lab.compare_table.measurement`); no clip is kept in memory or on disk.

    >>> import tempfile  # doctest: +SKIP
    >>> s = CompareSettings.make(resolution="320x180", source="80x45", frames=2)  # doctest: +SKIP
    >>> sorted(run(s, tempfile.mkdtemp(), show_progress=False).files)[:2]  # doctest: +SKIP
    ['crop_native', 'crop_source']
    """
    if not isinstance(settings, CompareSettings):
        raise LabTypeError(
            f"run needs CompareSettings (use CompareSettings.make), got {type(settings).__name__}"
        )
    out = check_output_dir(out)
    start = time.perf_counter()
    scene, native_clip, upscaled_clip = _arms(settings)
    try:
        return _render_and_write(settings, scene, native_clip, upscaled_clip, out, start, show_progress)
    except OSError as err:  # a full disk, a folder removed underneath: the staging folder is gone already
        raise LabError(
            f"could not write the outputs into {out}: {err.strerror or err}; nothing was written"
        ) from None


def global_motion(settings: CompareSettings) -> tuple[float, float] | None:
    """The scene's motion as one translation (dx, dy), in px per frame at the target size, or None.

    None when the camera does more than translate (a zoom, a roll, cuts) or fewer than two frames
    are rendered. The flow is sampled on a grid about 180 px tall and scaled to the target.

    >>> global_motion(CompareSettings.make(resolution="1920x1080", source="480x270", frames=4))
    (-3.6, -0.9)
    """
    from lab import scenes
    from lab.resolution import Resolution

    if settings.frames < 2:
        return None
    scene = scenes.get(settings.scene, seed=settings.seed, motion=settings.motion)
    target = settings.resolution
    step = max(1, target.height // 180)
    grid = Resolution(max(2, target.width // step), max(2, target.height // step))
    pairs = []
    for k in (0, settings.frames - 2):
        flow = scene.flow(grid, k / settings.fps, (k + 1) / settings.fps)
        if float(np.ptp(flow[..., 0])) > 1e-4 or float(np.ptp(flow[..., 1])) > 1e-4:
            return None
        pairs.append((float(flow[0, 0, 0]), float(flow[0, 0, 1])))
    if max(abs(a - b) for a, b in zip(pairs[0], pairs[1])) > 1e-4:
        return None
    dx, dy = pairs[0]
    return round(dx * target.width / grid.width, 3), round(dy * target.height / grid.height, 3)


def _arms(s: CompareSettings) -> tuple[Any, Clip, Clip]:
    """The scene and its two lazy clips: rendered natively, and from the source size upscaled."""
    from lab import native, scenes

    scene = scenes.get(s.scene, seed=s.seed, motion=s.motion)
    # one progress bar (ours) for both arms
    native_clip = native.render_clip(scene, s.resolution, s.frames, fps=s.fps, show_progress=False)
    upscaled_clip = native.upscaled_clip(
        scene,
        s.resolution,
        s.source,
        s.method,
        s.frames,
        fps=s.fps,
        seed=s.seed,
        show_progress=False,
        source_model=s.source_detail,
    )
    return scene, native_clip, upscaled_clip


def _render_and_write(
    s: CompareSettings,
    scene: Any,
    native_clip: Clip,
    upscaled_clip: Clip,
    out: Path,
    start: float,
    show_progress: bool,
) -> CompareResult:
    """The body of :func:`run`: stream both arms into the staging folder, then write images and the table."""
    from lab import native

    with StagingFolder(out) as tmp:
        firsts, seconds, rep = _stream(s, scene, native_clip, upscaled_clip, tmp, show_progress)
        files = {f"{arm}_mp4": out / f"{arm}.mp4" for arm in ("native", "upscaled") if s.video}
        source0 = native.render_source(scene, s.source, 0.0, model=s.source_detail, target=s.resolution)
        for key, image in first_frame_images(s, firsts[0], firsts[1], source0).items():
            write_png(tmp / f"{key}.png", image)
            files[key] = out / f"{key}.png"
        header, rows = table_rows(s, rep, seconds)
        (tmp / "details.csv").write_text(csv_text(header, rows))
        files["details_csv"] = out / "details.csv"
    return CompareResult(out, files, header, rows, time.perf_counter() - start)


@dataclass
class Bill:
    """Seconds per frame, summed over the frames so far: what each arm costs a real pipeline.

    ``native``: the native render. ``upscaled``: what a generator at the source size pays, its
    own render at that size (the ``soft`` source model: band-limited to its grid, like any
    renderer) plus the upscale. ``camera``: the render of the ``camera`` source (4x4
    supersampled, to stand in for a sensor's area integration, work a camera does for free):
    the pixels the upscaler gets, not billed. For the ``soft`` and ``sharp`` source models the
    bill is their own render, so ``camera`` stays 0.
    """

    native: float = 0.0
    upscaled: float = 0.0
    camera: float = 0.0
    upscale: float = 0.0

    def per_frame(self, frames: int) -> Bill:
        """The sums divided by ``frames``."""
        return Bill(self.native / frames, self.upscaled / frames, self.camera / frames, self.upscale / frames)


def _upscaled_frames(s: CompareSettings, scene: Any, bill: Bill) -> Iterator[np.ndarray]:
    """The upscaled arm's frames (those of :func:`lab.native.upscaled_clip` for the settings),
    timed part by part into ``bill``."""
    from lab import native
    from lab.upscale import upscale

    for k in range(s.frames):
        t = k / s.fps
        start = time.perf_counter()
        low = native.render_source(scene, s.source, t, model=s.source_detail, target=s.resolution)
        rendered = time.perf_counter()
        frame = upscale(low, s.method, size=s.resolution, seed=s.seed + k)
        upscaled = time.perf_counter()
        own_render = rendered - start
        if s.source_detail == "camera":
            bill.camera += own_render
            own_start = time.perf_counter()
            native.render_source(scene, s.source, t, model="soft")  # what a renderer at the small size pays
            own_render = time.perf_counter() - own_start
        bill.upscale += upscaled - rendered
        bill.upscaled += own_render + (upscaled - rendered)
        yield frame


def _stream(
    s: CompareSettings, scene: Any, native_clip: Clip, upscaled_clip: Clip, tmp: Path, show_progress: bool
) -> tuple[list[np.ndarray], Bill, Report]:
    """Render both arms frame by frame into the mp4 writers and the report pass.

    Returns the first frame of each arm, the :class:`Bill` per frame and the report."""
    bill = Bill()
    arms = (iter(native_clip), _upscaled_frames(s, scene, bill))
    firsts: list[np.ndarray] = []
    steps = progress(
        range(s.frames), total=s.frames, desc=f"{s.scene}: native + {s.method}", disable=not show_progress
    )
    with contextlib.ExitStack() as stack:
        writers = [
            stack.enter_context(Mp4Writer(tmp / f"{arm}.mp4", s.resolution, s.fps))
            for arm in (("native", "upscaled") if s.video else ())
        ]
        measure = measurement(s, native_clip, upscaled_clip)  # after the writers: feed() closes it on errors

        def rendered() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for _ in steps:
                check_stop()
                frame, dt = _timed(arms[0])
                bill.native += dt
                pair = [frame, next(arms[1])]
                if not firsts:
                    firsts.extend(pair)
                for writer, frame in zip(writers, pair):
                    writer.write(frame)
                yield pair[0], pair[1]

        measure.feed(rendered())
        rep = measure.finish()
    return firsts, bill.per_frame(s.frames), rep


def _timed(iterator: Iterator[np.ndarray]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    frame = next(iterator)
    return frame, time.perf_counter() - start
