"""Native vs upscaled, side by side: the pipeline behind ``python -m lab compare``.

One call renders a built-in scene twice, natively at the target resolution and at a low source
resolution upscaled to the target, and writes, into one output folder:

* ``native_frame0.png``, ``upscaled_frame0.png``, ``source_frame0.png``: the first frame of each
  arm (the source at its own low resolution);
* ``crop_native.png``, ``crop_upscaled.png``, ``crop_source.png``: the same region of each,
  enlarged with nearest-neighbour so every pixel stays a visible square;
* ``side_by_side.png``: those crops next to each other, with labels;
* ``native.mp4``, ``upscaled.mp4``: H.264 video of both arms;
* ``details.csv``: one row per arm with the cost per frame and every detail/flicker metric
  that :mod:`lab.metrics` provides (the table grows as metrics are added).

Everything is validated before any rendering starts, and the files are assembled in a hidden
temporary folder beside the output folder and moved in only when all of them are complete, so
bad input or a crash leaves nothing half-written.

>>> settings = CompareSettings.make(resolution="320x180", source="80x45", frames=3)
>>> settings.factor
4.0
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lab.arrays import check_frame
from lab.errors import LabError, LabTypeError, choice_error
from lab.files import STOP as STOP  # re-exported: the CLI's SIGTERM handler sets compare.STOP
from lab.files import StagingFolder as _Staging
from lab.files import check_output_dir
from lab.files import check_stop as _check_stop
from lab.optional import opencv
from lab.progress import progress
from lab.resolution import Resolution, check_memory, guard_frame, parse
from lab.video import Clip, Mp4Writer, check_encodable

cv2 = opencv()

DEFAULT_SCENE = "skin"
DEFAULT_RESOLUTION = "1080p"
DEFAULT_FACTOR = 4
MOTIONS = ("static", "pan", "subpixel", "zoom", "rotate", "shots")
REGIONS = ("detail", "centre")  # where the zoom crops are cut: the most detailed native region, or the middle
# Frames of both arms are kept (as uint8) for the metrics only while they fit in this share of
# free memory; beyond it the clips are rendered a second time instead (streaming).
CACHE_FRACTION = 0.25


# --- settings -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompareSettings:
    """Validated settings of one comparison. Build with :meth:`make`, which checks everything.

    Sizes are in pixels; ``crop`` is the side of the zoomed region in target pixels and
    ``zoom`` its nearest-neighbour enlargement; ``fps`` is frames per second of the clips.
    """

    scene: str = DEFAULT_SCENE
    resolution: Resolution = field(default_factory=lambda: parse(DEFAULT_RESOLUTION))
    source: Resolution = field(default_factory=lambda: parse(DEFAULT_RESOLUTION).scaled(1 / DEFAULT_FACTOR))
    method: str = "bicubic"
    frames: int = 24
    fps: float = 24.0
    motion: str = "pan"
    seed: int = 0
    crop: int = 128
    zoom: int = 4
    video: bool = True
    region: str = "detail"
    source_detail: str = "camera"

    @property
    def factor(self) -> float:
        """Upscale factor target width / source width (4.0 for 1080p from 270p)."""
        return self.resolution.width / self.source.width

    @classmethod
    def make(
        cls,
        *,
        scene: str = DEFAULT_SCENE,
        resolution: str | Resolution = DEFAULT_RESOLUTION,
        source: str | Resolution | None = None,
        method: str = "bicubic",
        frames: int = 24,
        fps: float = 24.0,
        motion: str = "pan",
        seed: int = 0,
        crop: int = 128,
        zoom: int = 4,
        video: bool = True,
        region: str = "detail",
        source_detail: str = "camera",
        check_names: bool = True,
    ) -> CompareSettings:
        """Check every setting and return them; raises :class:`LabError` naming the bad one.

        ``source`` defaults to the target divided by 4. ``source_detail`` names the source model
        of the low-res frame (:data:`lab.native.SOURCE_MODELS`): "camera" (default: what a camera
        at that size records, an ideal area downscale), "sharp" (it draws the target's detail and
        aliases) or "soft" (over-smoothed); see :func:`lab.native.render_source`. ``check_names=False`` skips looking the
        scene and method up in their registries (for callers that have done it already).

        >>> CompareSettings.make(resolution="4k", source="540p").factor
        4.0
        """
        target = parse(resolution)
        if source is None:
            if target.width % DEFAULT_FACTOR or target.height % DEFAULT_FACTOR:
                raise LabError(
                    f"{target} is not divisible by {DEFAULT_FACTOR}; give the low resolution explicitly "
                    f"(for example --from {target.width // 2}x{target.height // 2})"
                )
            low = target.scaled(1 / DEFAULT_FACTOR)
        else:
            low = parse(source)
        if low.width >= target.width or low.height >= target.height:
            raise LabError(
                f"the source resolution {low} must be smaller than the target {target} in both sides; "
                "an upscaler enlarges"
            )
        if abs(low.height - target.height * low.width / target.width) > 1.0:  # same shape, to a pixel
            raise LabError(
                f"source {low} and target {target} have different shapes (aspect {low.aspect:.3f} vs "
                f"{target.aspect:.3f}); pick sizes with the same aspect ratio, e.g. 540p -> 4k"
            )
        if video and not target.is_even():  # both mp4s are at the target size; the source is never encoded
            raise LabError(
                f"H.264 video needs an even width and height, and the target {target} is not; "
                "choose an even size such as 320x180, or turn video off (--no-video)"
            )
        if video:
            check_encodable(target)  # refused now, not after minutes of rendering
        for name, value, low_bound in (
            ("frames", frames, 1),
            ("crop", crop, 8),
            ("zoom", zoom, 1),
            ("seed", seed, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise LabTypeError(f"{name} must be an integer, got {value!r}")
            if value < low_bound:
                raise LabError(f"{name} must be at least {low_bound}, got {value}")
        # rendering needs at least a float32 frame of the target and two uint8 frames: refuse early
        guard_frame(target, "float32", copies=2)
        if zoom > 16:
            raise LabError(
                f"zoom must be at most 16 (each crop pixel becomes zoom x zoom pixels), got {zoom}"
            )
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not (math.isfinite(fps) and fps > 0):
            raise LabError(f"fps must be a positive number, got {fps!r}")
        if not isinstance(scene, str) or not isinstance(method, str) or not isinstance(motion, str):
            raise LabTypeError("scene, method and motion must be strings")
        method = method.strip().lower()
        if region not in REGIONS:
            raise choice_error("crop region", region, REGIONS)
        from lab.native import SOURCE_MODELS

        if source_detail not in SOURCE_MODELS:
            raise choice_error("source detail", source_detail, list(SOURCE_MODELS))
        if check_names:
            from lab import scenes, upscale

            motions = tuple(getattr(scenes, "MOTIONS", MOTIONS))
            if motion not in motions:
                raise choice_error("motion", motion, motions)
            if scene not in scenes.names():
                if Path(scene).is_file() or Path(scene).suffix.lower() in {
                    ".mp4",
                    ".mov",
                    ".mkv",
                    ".webm",
                    ".avi",
                }:
                    raise LabError(
                        f"{scene!r} is a video file, not a scene; compare renders built-in scenes. To measure your "
                        "own clips use: python -m lab report NATIVE.mp4 CANDIDATE.mp4"
                    )
                raise choice_error("scene", scene, scenes.names())
            upscaler = upscale.get(method)  # raises, listing the registry, for an unknown method
            exact = target.width / low.width
            if upscaler.scales and (
                exact != round(exact)
                or round(exact) not in upscaler.scales
                or low.height * round(exact) != target.height
            ):
                sizes = ", ".join(
                    f"--from {target.width // k}x{target.height // k}"
                    for k in upscaler.scales
                    if target.width % k == 0 and target.height % k == 0
                )
                raise LabError(
                    f"{method} only upscales by x{', x'.join(map(str, upscaler.scales))}, and {low} -> {target} "
                    f"is x{exact:.3g}" + (f"; try {sizes}" if sizes else "")
                )
        return cls(
            scene,
            target,
            low,
            method,
            int(frames),
            float(fps),
            motion,
            int(seed),
            int(crop),
            int(zoom),
            video,
            region,
            source_detail,
        )


# --- results --------------------------------------------------------------------------------
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
            "'vs native' and waxiness compare with the native arm."
        )
        return format_table(self.columns, self.rows) + note


# --- metrics (the table extends itself as lab.metrics grows) --------------------------------
@dataclass(frozen=True)
class Column:
    """One metric column: ``compute(arm) -> value`` where ``arm`` is an :class:`_Arm`."""

    title: str
    metric: str  # the lab.metrics function it needs
    compute: Callable[[_Arm], Any]
    needs_reference: bool = False
    needs_pairs: bool = False
    static_only: bool = False  # meaningful only without camera motion (VBench counts motion as flicker)


@dataclass
class _Arm:
    label: str
    clip: Clip
    first: np.ndarray
    reference: _Arm | None
    seconds_per_frame: float
    vmaf: dict[str, Any] = field(default_factory=dict)  # model -> VmafResult, measured once for both columns
    warp: Any = None  # WarpError along the true motion, measured once for both flicker columns


FLICKER_COLUMN = "flicker RMS (grey levels, true flow)"
VISIBLE_COLUMN = "flicker vs visibility threshold"


def _arm_warp(arm: _Arm) -> Any:
    """The arm's warp error along the scene's true motion (measured once, kept)."""
    if arm.warp is None:
        fn = _metric("warp_error")
        assert fn is not None
        arm.warp = _quiet(fn, arm.clip, flow="truth")
    return arm.warp


def _visibility(arm: _Arm) -> str:
    """ "visible (3.8 levels)" or "below visibility (3.8 levels)": the RMS flicker against the threshold."""
    w = _arm_warp(arm)
    return f"{'visible' if w.visible else 'below visibility'} ({w.threshold_levels:.1f} levels)"


def _arm_vmaf(arm: _Arm) -> dict[str, Any]:
    """The arm's VMAF against its reference under the standard and NEG models (one ffmpeg pass, kept)."""
    if not arm.vmaf:
        assert arm.reference is not None
        fn = _metric("vmaf_scores")
        assert fn is not None
        arm.vmaf.update(fn(arm.reference.clip, arm.clip, models=("vmaf_v0.6.1", "vmaf_v0.6.1neg")))
    return arm.vmaf


def _metric(name: str) -> Callable[..., Any] | None:
    """The function ``lab.metrics.<name>`` when it exists (and imports), else None."""
    try:
        from lab import metrics

        fn = getattr(metrics, name)
    except (ImportError, AttributeError):
        return None
    return fn if callable(fn) else None


def _quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a metric without its own progress bar (compare shows one bar for the whole run)."""
    import inspect

    if "show_progress" in inspect.signature(fn).parameters:
        kwargs["show_progress"] = False
    return fn(*args, **kwargs)


def _columns(motion: str = "static") -> list[Column]:
    """The metric columns available now; static-camera-only ones are dropped under motion."""

    def m(name: str) -> Callable[..., Any]:
        fn = _metric(name)
        assert fn is not None
        return fn

    specs = [
        Column(
            "PSNR vs native (dB)",
            "psnr",
            lambda a: m("psnr")(a.reference.first, a.first),
            needs_reference=True,
        ),
        Column(
            "SSIM vs native", "ssim", lambda a: m("ssim")(a.reference.first, a.first), needs_reference=True
        ),
        Column("high-freq share", "high_frequency_share", lambda a: m("high_frequency_share")(a.first)),
        Column(
            "detail kept (waxiness)",
            "waxiness",
            lambda a: m("waxiness")(a.reference.first, a.first),
            needs_reference=True,
        ),
        Column("sharpness (Laplacian var)", "sharpness", lambda a: m("sharpness")(a.first)),
        Column("GLCM entropy (bits)", "glcm_score", lambda a: m("glcm_score")(a.first)),
        Column("JPEG-q95 ratio", "compression_ratio", lambda a: m("compression_ratio")(a.first)),
        # VMAF (official libvmaf via ffmpeg) of the whole clip, both models in one pass; "n/a" without libvmaf
        Column("VMAF vs native", "vmaf_scores", lambda a: _arm_vmaf(a)["vmaf_v0.6.1"], needs_reference=True),
        Column(
            "VMAF NEG vs native",
            "vmaf_scores",
            lambda a: _arm_vmaf(a)["vmaf_v0.6.1neg"],
            needs_reference=True,
        ),
        Column(
            "VBench flicker score",
            "vbench_flicker_score",
            lambda a: _quiet(m("vbench_flicker_score"), a.clip),
            needs_pairs=True,
            static_only=True,
        ),
        # RMS of the frame difference left after warping along the true motion, in 8-bit grey levels,
        # next to the luminance visibility threshold (lab.metrics.visibility_threshold, Chou & Li 1995)
        Column(FLICKER_COLUMN, "warp_error", lambda a: _arm_warp(a).rms_levels, needs_pairs=True),
        Column(VISIBLE_COLUMN, "warp_error", _visibility, needs_pairs=True),
    ]
    return [c for c in specs if _metric(c.metric) is not None and (motion == "static" or not c.static_only)]


def _value(column: Column, arm: _Arm, frames: int) -> Any:
    if column.needs_pairs and frames < 2:
        return ""
    if column.needs_reference and arm.reference is None:
        return ""  # the native arm is its own reference
    try:
        value = column.compute(arm)
    except LabError:  # the metric does not apply here (e.g. a frame smaller than its patch)
        return "n/a"
    if isinstance(value, str):
        return value
    if hasattr(value, "mean") and not isinstance(value, (int, float, np.generic)):
        value = value.mean
    return float(value)


# --- images ---------------------------------------------------------------------------------
def crop_box(res: Resolution, side: int, centre: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """(x0, y0, width, height) of a ``side`` x ``side`` crop around ``centre`` (x, y) in pixels,
    the frame's middle by default, shifted and clamped so it stays inside the frame.

    >>> crop_box(Resolution(320, 180), 128)
    (96, 26, 128, 128)
    >>> crop_box(Resolution(320, 180), 64, centre=(310, 5))
    (256, 0, 64, 64)
    """
    w, h = min(side, res.width), min(side, res.height)
    cx, cy = centre if centre is not None else (res.width // 2, res.height // 2)
    x0 = int(min(max(cx - w // 2, 0), res.width - w))
    y0 = int(min(max(cy - h // 2, 0), res.height - h))
    return x0, y0, w, h


def detail_centre(frame: np.ndarray, side: int) -> tuple[int, int]:
    """Centre (x, y) of the ``side``-pixel block where ``frame`` has the most fine detail
    (Laplacian energy, as the notebooks' loupe finds it), for zoom crops that show something.

    >>> f = np.zeros((90, 160, 3), np.uint8); f[60:80, 120:140:2] = 255
    >>> detail_centre(f, 30)
    (144, 75)
    """
    from lab.viz import interesting_regions

    return interesting_regions(frame, box=(side, side))["most detail"]


def zoom_crop(frame: np.ndarray, box: tuple[int, int, int, int], size: tuple[int, int]) -> np.ndarray:
    """Cut ``box`` (x0, y0, w, h) out of ``frame`` and enlarge it to ``size`` (w, h) with nearest.

    >>> zoom_crop(np.arange(16, dtype=np.uint8).reshape(4, 4, 1).repeat(3, 2), (1, 1, 2, 2), (4, 4))[:, :, 0]
    array([[ 5,  5,  6,  6],
           [ 5,  5,  6,  6],
           [ 9,  9, 10, 10],
           [ 9,  9, 10, 10]], dtype=uint8)
    """
    frame = check_frame(frame)
    x0, y0, w, h = box
    region = np.ascontiguousarray(frame[y0 : y0 + h, x0 : x0 + w])
    return cv2.resize(region, size, interpolation=cv2.INTER_NEAREST)


def labelled_row(tiles: list[np.ndarray], labels: list[str], *, gap: int = 8) -> np.ndarray:
    """Tiles of equal height side by side on a dark background, each with a text label above.

    >>> labelled_row([np.zeros((64, 64, 3), np.uint8)] * 2, ["a", "b"]).shape
    (89, 152, 3)
    """
    if len(tiles) != len(labels) or not tiles:
        raise LabError("labelled_row needs one label per tile and at least one tile")
    height = tiles[0].shape[0]
    scale = max(0.5, min(1.0, height / 512))
    header = int(34 * scale)
    width = sum(t.shape[1] for t in tiles) + gap * (len(tiles) + 1)
    canvas = np.full((header + height + gap, width, 3), 24, np.uint8)
    x = gap
    for tile, label in zip(tiles, labels):
        if tile.shape[0] != height:
            raise LabError("all tiles must have the same height")
        canvas[header : header + height, x : x + tile.shape[1]] = tile
        cv2.putText(
            canvas,
            label,
            (x, header - int(10 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7 * scale,
            (235, 235, 235),
            1,
            cv2.LINE_AA,
        )
        x += tile.shape[1] + gap
    return canvas


def _write_png(path: Path, frame: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise LabError(f"could not encode {path.name} as PNG")
    path.write_bytes(data.tobytes())


# --- table ----------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def format_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """Rows as an aligned text table with a header line.

    >>> print(format_table(["arm", "dB"], [{"arm": "native", "dB": 1.23456}]))
    arm     dB
    ------  -----
    native  1.235
    """
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def _csv_text(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: (repr(v) if isinstance(v, float) else v) for c, v in row.items()})
    return buffer.getvalue()


# --- frames kept for the metrics -------------------------------------------------------------
class FrameStore:
    """Keeps one arm's uint8 frames for the metrics: in memory, or as raw files in ``folder``.

    Spilling to disk bounds memory for long 4K/8K comparisons without rendering twice.

    >>> store = FrameStore(Resolution(4, 2))
    >>> store.append(np.zeros((2, 4, 3), np.uint8)); len(store.clip(24.0))
    1
    """

    def __init__(self, res: Resolution, folder: Path | None = None) -> None:
        self.res = res
        self.folder = folder
        self.frames: list[np.ndarray] = []
        self.count = 0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def append(self, frame: np.ndarray) -> None:
        """Keep ``frame`` (uint8, the store's resolution)."""
        if frame.shape != self.res.shape or frame.dtype != np.uint8:
            raise LabError(f"FrameStore for {self.res} got {frame.dtype} {frame.shape}")
        if self.folder is None:
            self.frames.append(frame)
        else:
            np.ascontiguousarray(frame).tofile(self.folder / f"{self.count:06d}.raw")
        self.count += 1

    def _load(self, t: int) -> np.ndarray:
        if self.folder is None:
            return self.frames[t]
        return np.fromfile(self.folder / f"{t:06d}.raw", np.uint8).reshape(self.res.shape)

    def clip(self, fps: float, *, flow: Callable[[int], np.ndarray] | None = None, name: str = "") -> Clip:
        """The kept frames as a lazy :class:`Clip` (with the ground-truth ``flow`` when given)."""
        return Clip.from_function(self._load, self.count, self.res, fps, flow=flow, name=name)


MEMORY_CACHE_LIMIT = 2**30  # bytes of frames (both arms) kept in memory at most; beyond, spill to disk


def _frame_stores(s: CompareSettings, folder: Path) -> tuple[FrameStore, FrameStore] | None:
    """Stores for both arms: in memory when small, on disk when large, None when neither fits."""
    need = 2 * s.resolution.clip_bytes(s.frames)
    try:
        check_memory(need, "frames kept for the metrics", fraction=CACHE_FRACTION)
        in_memory = need <= MEMORY_CACHE_LIMIT
    except LabError:
        in_memory = False
    if in_memory:
        return FrameStore(s.resolution), FrameStore(s.resolution)
    if shutil.disk_usage(folder.parent).free > 1.2 * need + 2**30:
        return FrameStore(s.resolution, folder / "native"), FrameStore(s.resolution, folder / "upscaled")
    return None  # the metrics render both clips again, streaming


# --- the pipeline ---------------------------------------------------------------------------
def _timed(iterator: Iterator[np.ndarray]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    frame = next(iterator)
    return frame, time.perf_counter() - start


def run(
    settings: CompareSettings, out: str | os.PathLike[str] = "compare-out", *, show_progress: bool = True
) -> CompareResult:
    """Render, measure and write one native-vs-upscaled comparison into the folder ``out``.

    Frames stream one at a time into both mp4 writers; for the metrics the uint8 frames are
    kept in memory up to :data:`MEMORY_CACHE_LIMIT` (1 GiB), else as raw files in the staging
    folder (removed before the outputs move into place), else both clips are rendered again.

    >>> import tempfile  # doctest: +SKIP
    >>> s = CompareSettings.make(resolution="320x180", source="80x45", frames=2)  # doctest: +SKIP
    >>> sorted(run(s, tempfile.mkdtemp(), show_progress=False).files)[:2]  # doctest: +SKIP
    ['crop_native', 'crop_source']
    """
    from lab import native, scenes

    if not isinstance(settings, CompareSettings):
        raise LabTypeError(
            f"run needs CompareSettings (use CompareSettings.make), got {type(settings).__name__}"
        )
    out = check_output_dir(out)
    start = time.perf_counter()
    s = settings
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
    try:
        return _render_and_write(s, scene, native_clip, upscaled_clip, out, start, show_progress)
    except OSError as err:  # a full disk, a folder removed underneath: the staging folder is gone already
        raise LabError(
            f"could not write the outputs into {out}: {err.strerror or err}; nothing was written"
        ) from None


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

    files: dict[str, Path] = {}
    with _Staging(out) as tmp, contextlib.ExitStack() as stack:
        writers = (
            [
                stack.enter_context(Mp4Writer(tmp / f"{arm}.mp4", s.resolution, s.fps))
                for arm in ("native", "upscaled")
            ]
            if s.video
            else []
        )
        stores = _frame_stores(s, tmp / ".frames")
        native_seconds = upscaled_seconds = 0.0
        firsts: list[np.ndarray] = []
        native_iter, upscaled_iter = iter(native_clip), iter(upscaled_clip)
        steps = progress(
            range(s.frames), total=s.frames, desc=f"{s.scene}: native + {s.method}", disable=not show_progress
        )
        for t in steps:
            _check_stop()
            frame_n, dt_n = _timed(native_iter)
            frame_u, dt_u = _timed(upscaled_iter)
            native_seconds += dt_n
            upscaled_seconds += dt_u
            if t == 0:
                firsts = [frame_n, frame_u]
            for writer, frame in zip(writers, (frame_n, frame_u)):
                writer.write(frame)
            if stores is not None:
                stores[0].append(frame_n)
                stores[1].append(frame_u)
        if s.video:
            files["native_mp4"] = out / "native.mp4"
            files["upscaled_mp4"] = out / "upscaled.mp4"

        # images: full first frames, matched nearest-neighbour zoom crops, a labelled side-by-side
        source_first = native.render_source(scene, s.source, 0.0, model=s.source_detail, target=s.resolution)
        side = min(s.crop, s.resolution.width, s.resolution.height)
        box = crop_box(s.resolution, s.crop, detail_centre(firsts[0], side) if s.region == "detail" else None)
        sx, sy = s.source.width / s.resolution.width, s.source.height / s.resolution.height
        x0, y0, w, h = box
        src_box = (
            int(round(x0 * sx)),
            int(round(y0 * sy)),
            max(1, int(round(w * sx))),
            max(1, int(round(h * sy))),
        )
        tile = (w * s.zoom, h * s.zoom)
        crops = {
            "source": zoom_crop(source_first, src_box, tile),
            "upscaled": zoom_crop(firsts[1], box, tile),
            "native": zoom_crop(firsts[0], box, tile),
        }
        images = {
            "native_frame0": firsts[0],
            "upscaled_frame0": firsts[1],
            "source_frame0": source_first,
            **{f"crop_{k}": v for k, v in crops.items()},
            "side_by_side": labelled_row(
                list(crops.values()),
                [
                    f"source {s.source.width}x{s.source.height} (pixels x{s.factor * s.zoom:g})",
                    f"{s.method} x{s.factor:g} (pixels x{s.zoom})",
                    f"native {s.resolution.width}x{s.resolution.height} (pixels x{s.zoom})",
                ],
            ),
        }
        for key, image in images.items():
            _write_png(tmp / f"{key}.png", image)
            files[key] = out / f"{key}.png"

        # the detail / flicker table, from the kept frames (or rendering both arms again)
        def kept(clip: Clip, index: int) -> Clip:
            if stores is None:
                return clip
            return stores[index].clip(s.fps, flow=clip.flow if clip.has_flow else None, name=clip.name)

        native_arm = _Arm(
            f"native {s.resolution.width}x{s.resolution.height}",
            kept(native_clip, 0),
            firsts[0],
            None,
            native_seconds / s.frames,
        )
        upscaled_arm = _Arm(
            f"{s.method} from {s.source.width}x{s.source.height} {s.source_detail}",
            kept(upscaled_clip, 1),
            firsts[1],
            native_arm,
            upscaled_seconds / s.frames,
        )
        columns = _columns(s.motion)
        header = ["arm", "render ms/frame", *(c.title for c in columns)]
        rows: list[dict[str, Any]] = []
        for arm in (native_arm, upscaled_arm):
            rows.append({"arm": arm.label, "render ms/frame": 1000.0 * arm.seconds_per_frame})
        cells = [
            (row, arm, column) for row, arm in zip(rows, (native_arm, upscaled_arm)) for column in columns
        ]
        for row, arm, column in progress(cells, total=len(cells), desc="metrics", disable=not show_progress):
            row[column.title] = _value(column, arm, s.frames)
        shutil.rmtree(tmp / ".frames", ignore_errors=True)  # spilled frames are not an output
        (tmp / "details.csv").write_text(_csv_text(header, rows))
        files["details_csv"] = out / "details.csv"
    return CompareResult(out, files, header, rows, time.perf_counter() - start)
