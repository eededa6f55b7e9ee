"""The settings of one native-vs-upscaled comparison (``python -m lab compare``), checked up front.

:meth:`CompareSettings.make` refuses bad input before any rendering starts, naming the bad
setting and what to give instead.

>>> CompareSettings.make(resolution="320x180", source="80x45", frames=3, check_names=False).factor
4.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lab import validate
from lab.errors import LabError, LabTypeError, choice_error
from lab.memory import guard_frame
from lab.resolution import Resolution, parse
from lab.scenes.camera import MOTIONS
from lab.video import check_encodable

DEFAULT_SCENE = "skin"
DEFAULT_RESOLUTION = "1080p"
DEFAULT_FACTOR = 4
REGIONS = ("detail", "centre")  # where the zoom crops are cut: the most detailed native region, or the middle
MAX_ZOOM = 16  # each crop pixel becomes at most 16 x 16 pixels
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi"}


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
        target, low = _sizes(resolution, source)
        _check_video(target, video)
        counts = _counts(target, frames=frames, crop=crop, zoom=zoom, seed=seed)
        rate = validate.positive_number(fps, "fps")
        if not isinstance(scene, str) or not isinstance(method, str) or not isinstance(motion, str):
            raise LabTypeError("scene, method and motion must be strings")
        method = method.strip().lower()
        _check_choices(region, source_detail)
        if check_names:
            _check_names(scene, method, motion, target, low)
        return cls(
            scene,
            target,
            low,
            method,
            counts["frames"],
            rate,
            motion,
            counts["seed"],
            counts["crop"],
            counts["zoom"],
            video,
            region,
            source_detail,
        )


def _counts(target: Resolution, **values: object) -> dict[str, int]:
    """The integer settings as ints, checked (then the target frame against free memory, then the zoom)."""
    least = {"frames": 1, "crop": 8, "zoom": 1, "seed": 0}
    counts = {name: _count(value, name, least[name]) for name, value in values.items()}
    # rendering needs at least a float32 frame of the target and two uint8 frames: refuse early
    guard_frame(target, "float32", copies=2)
    if counts["zoom"] > MAX_ZOOM:
        raise LabError(
            f"zoom must be at most {MAX_ZOOM} (each crop pixel becomes zoom x zoom pixels), got {counts['zoom']}"
        )
    return counts


def _count(value: object, name: str, least: int) -> int:
    """``value`` as an int of at least ``least`` ("frames must be at least 1, got 0")."""
    number = validate.integer(value, name)
    if number < least:
        raise LabError(f"{name} must be at least {least}, got {number}")
    return number


def _sizes(resolution: str | Resolution, source: str | Resolution | None) -> tuple[Resolution, Resolution]:
    """(target, low): the low size defaults to the target / 4; both must have one shape, low smaller."""
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
    return target, low


def _check_video(target: Resolution, video: bool) -> None:
    """Both mp4s are at the target size (the source is never encoded): H.264 must take it."""
    if not video:
        return
    if not target.is_even():
        raise LabError(
            f"H.264 video needs an even width and height, and the target {target} is not; "
            "choose an even size such as 320x180, or turn video off (--no-video)"
        )
    check_encodable(target)  # refused now, not after minutes of rendering


def _check_choices(region: str, source_detail: str) -> None:
    from lab.native import SOURCE_MODELS

    if region not in REGIONS:
        raise choice_error("crop region", region, REGIONS)
    if source_detail not in SOURCE_MODELS:
        raise choice_error("source detail", source_detail, list(SOURCE_MODELS))


def _check_names(scene: str, method: str, motion: str, target: Resolution, low: Resolution) -> None:
    """Look the motion, scene and method up in their registries."""
    _check_motion(motion)
    _check_scene(scene)
    _check_method(method, target, low)


def _check_motion(motion: str) -> None:
    if motion not in MOTIONS:
        raise choice_error("motion", motion, list(MOTIONS))


def _check_scene(scene: str) -> None:
    """A registered scene; a video file's name gets pointed at ``python -m lab report``."""
    from lab import scenes

    if scene in scenes.names():
        return
    if Path(scene).is_file() or Path(scene).suffix.lower() in VIDEO_SUFFIXES:
        raise LabError(
            f"{scene!r} is a video file, not a scene; compare renders built-in scenes. To measure your "
            "own clips use: python -m lab report NATIVE.mp4 CANDIDATE.mp4"
        )
    raise choice_error("scene", scene, scenes.names())


def _check_method(method: str, target: Resolution, low: Resolution) -> None:
    """A registered upscaler (the registry lists them when not) that can make ``low`` -> ``target``."""
    from lab import upscale

    upscaler = upscale.get(method)
    exact = target.width / low.width
    if not upscaler.scales or (
        exact == round(exact)
        and round(exact) in upscaler.scales
        and low.height * round(exact) == target.height
    ):
        return
    sizes = ", ".join(
        f"--from {target.width // k}x{target.height // k}"
        for k in upscaler.scales
        if target.width % k == 0 and target.height % k == 0
    )
    raise LabError(
        f"{method} only upscales by x{', x'.join(map(str, upscaler.scales))}, and {low} -> {target} "
        f"is x{exact:.3g}" + (f"; try {sizes}" if sizes else "")
    )
