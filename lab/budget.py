"""How long an interactive experiment will take, and the clip sizes each tier affords for it.

A widget that renders and measures a clip (the flicker meter) pays, per frame, for the native
render, the low-resolution render, the upscale and the measurement; each grows with the output
pixels, and the upscale's share depends on the method by orders of magnitude (bicubic is free
next to a render, the diffusion upscaler runs a network 10 times over every output pixel). The
constants below are seconds per output megapixel per frame, measured on a 2-core CPU with 2
torch threads (BENCHMARKS.md, "AI upscalers" and "The flicker meter's sizes"): they give an
estimate to show *before* starting, which the widget replaces with the measured pace once the
first steps are done. On a GPU no constants are kept (GPUs differ too much): the estimate
comes from the first steps.

>>> plan = clip_plan("bicubic", tier_name="cpu", tier_target="1920x1080", factor=4, frames=24)
>>> plan.target, plan.n_frames, plan.seconds <= BUDGET_S["cpu"]
(Resolution(width=960, height=540, name='540p'), 24, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.resolution import Resolution, parse

# seconds per output megapixel per frame on a 2-core CPU (2 torch threads)
CPU_RENDER_AND_MEASURE = 3.5  # native + camera-source render, warp error, heat maps, VMAF (flicker meter)
CPU_UPSCALE = {
    "diffusion-sr": 38.0,  # 19.7 s per 960x540 frame (BENCHMARKS.md, AI upscalers)
    "realesrgan-x4": 0.44,  # 3.69 s per 3840x2160 frame with 256-px tiles
    "learned-sr": 0.04,  # 0.07 s per 1920x1080 frame (x4)
}
# What a suggested experiment may take on each tier, in seconds: the lessons state "about a minute".
BUDGET_S = {"cpu": 60.0, "gpu": 60.0}
# 16:9 sizes whose quarter is whole pixels, largest first: the sizes a tier may shrink a clip to.
LADDER = tuple(
    parse(s)
    for s in ("3840x2160", "2560x1440", "1920x1080", "1280x720", "960x540", "768x432", "640x360", "384x216")
)
SMALLEST = parse("256x144")
FRAME_COUNTS = (24, 12, 8)


@dataclass(frozen=True)
class ClipPlan:
    """Sizes for one clip experiment: ``target`` and ``source`` resolutions, ``n_frames``, and
    ``seconds`` (estimated time on this tier; ``None`` where no constants are kept: on a GPU)."""

    target: Resolution
    source: Resolution
    n_frames: int
    seconds: float | None


def seconds_per_frame(method: str, target: Resolution) -> float:
    """Estimated CPU seconds to render, upscale and measure one frame pair at ``target``.

    >>> round(seconds_per_frame("diffusion-sr", parse("384x216")), 1)
    3.4
    """
    mpx = target.pixels / 1e6
    return mpx * (CPU_RENDER_AND_MEASURE + CPU_UPSCALE.get(method, 0.0))


def estimate(method: str, target: Resolution, n_frames: int, *, tier_name: str) -> float | None:
    """Estimated seconds for ``n_frames`` frame pairs of ``method`` at ``target`` on the tier
    ``tier_name`` ("cpu", "gpu", "smoke"); ``None`` on a GPU (measured from the first steps instead)."""
    if tier_name == "gpu":
        return None
    return n_frames * seconds_per_frame(method, target)


def upscale_seconds(method: str, target: Resolution, *, tier_name: str) -> float | None:
    """Estimated seconds to upscale one frame to ``target`` with ``method`` (``None`` on a GPU).

    >>> round(upscale_seconds("diffusion-sr", parse("1920x1080"), tier_name="cpu"))
    79
    """
    if tier_name == "gpu":
        return None
    return target.pixels / 1e6 * CPU_UPSCALE.get(method, 0.0)


def clip_plan(
    method: str,
    *,
    tier_name: str,
    tier_target: str | Resolution,
    factor: int,
    frames: int,
) -> ClipPlan:
    """The largest clip (most frames first, then the largest size up to the tier's target) that
    ``method`` renders and measures within :data:`BUDGET_S` on the CPU tier. On the GPU tier the
    diffusion upscaler gets 12 frames at 960x540 (not measured on a GPU: the meter times its
    first steps) and other methods the tier's target; the smoke tier keeps its thumbnail sizes.
    """
    top = parse(tier_target)
    if tier_name == "smoke":
        return _plan(top, factor, frames, method, tier_name)
    if tier_name == "gpu":  # no GPU constants: a slow method gets a clip a CPU would take minutes on
        slow = CPU_UPSCALE.get(method, 0.0) > 10 * CPU_RENDER_AND_MEASURE
        target = min(top, parse("960x540"), key=lambda r: r.pixels) if slow else top
        return _plan(target, factor, min(frames, 12) if slow else frames, method, tier_name)
    sizes = [r for r in LADDER if r.pixels <= top.pixels and r.width % factor == 0 and r.height % factor == 0]
    counts = sorted({n for n in (frames, *FRAME_COUNTS) if n <= frames}, reverse=True)
    for n in counts:
        for size in sizes:
            if estimate(method, size, n, tier_name=tier_name) <= BUDGET_S[tier_name]:  # type: ignore[operator]
                return _plan(size, factor, n, method, tier_name)
    return _plan(SMALLEST, factor, min(counts), method, tier_name)


def _plan(target: Resolution, factor: int, n_frames: int, method: str, tier_name: str) -> ClipPlan:
    source = Resolution(target.width // factor, target.height // factor)
    return ClipPlan(target, source, n_frames, estimate(method, target, n_frames, tier_name=tier_name))
