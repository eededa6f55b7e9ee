"""Native rendering: every pixel of the target grid computed from the continuous scene.

Each scene band-limits itself to the grid it is rendered on (noise octaves above the
Nyquist limit fade out, shape edges are box-filtered over one pixel; see each scene's
``antialiasing`` text), so a native frame is what an ideal camera with square pixels would
record at that resolution. ``detail=`` overrides that limit: a frame rendered at 540p with
``detail="3840x2160"`` point-samples the detail a 4K grid resolves (graphics' negative
level-of-detail bias), so it aliases, as a renderer without mip-maps or a generator that
draws finer detail than its pixels hold. Frames are computed in float32 with torch on the
CPU or a CUDA GPU (the same numbers within 1e-4) and in horizontal bands when the memory guard says the
whole frame's float32 intermediates would not fit. At rest a frame is uint8 (H, W, 3).

The upscaled arm starts from a small frame made by a named source model
(:data:`SOURCE_MODELS`, :func:`render_source`): ``camera`` by default (what a camera of that
size records, an area downscale of a 4x finer render), ``sharp`` (it aliases) or ``soft``
(this module's own band-limited render at the small size, blurrier than a camera).

>>> from lab import scenes, native
>>> frame = native.render(scenes.get("skin"), "160x90")
>>> frame.shape, frame.dtype
((90, 160, 3), dtype('uint8'))
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from lab import validate
from lab.errors import LabError, LabTypeError, MemoryBudgetError, choice_error
from lab.memory import available_memory, check_memory, guard_frame
from lab.progress import progress
from lab.resolution import Resolution, parse
from lab.scenes import Scene
from lab.scenes.camera import check_time
from lab.video import Clip

if TYPE_CHECKING:
    import torch

MIN_BAND = 16  # rows: below this a band is all overhead, so the guard refuses instead
BAND_PIXELS = 1 << 20  # default band size (1 Mpx): float32 temporaries (4 MiB) stay in malloc's reused heap


def _scene(scene: object) -> Scene:
    if isinstance(scene, str):
        raise LabTypeError(f"pass a Scene, not its name: use lab.scenes.get({scene!r})")
    if not isinstance(scene, Scene):
        raise LabTypeError(
            f"expected a lab.scenes.Scene (from lab.scenes.get(name)), got {type(scene).__name__}"
        )
    return scene


def _device(device: str | None) -> str:
    import torch

    if device is None:
        from lab.config import device as default_device

        return default_device()
    if hasattr(device, "type"):  # a torch.device
        device = str(device)
    if not isinstance(device, str) or not (device == "cpu" or device.startswith("cuda")):
        raise LabError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise LabError("device 'cuda' was requested but no CUDA GPU is available; use device='cpu'")
    return device


def plan_bands(
    scene: Scene, resolution: str | Resolution, tile_rows: int | None = None
) -> list[tuple[int, int]]:
    """Row bands ``[(r0, r1), ...]`` to render ``scene`` at ``resolution`` within the memory guard.

    Bands hold about 1 megapixel (a 1080p frame is 2 bands, a 4K frame 8): large enough to
    amortise per-band work, small enough that float32 temporaries are recycled by the
    allocator and stay nearer the caches instead of being page-faulted in afresh, and the same
    size at every resolution, so the cost per pixel does not depend on the frame size.
    When the float32 intermediates of a band (``scene.planes`` planes) would not fit in half
    the available memory, bands shrink to what fits. ``tile_rows`` forces a band height.
    Raises :class:`MemoryBudgetError` when not even a 16-row band fits.

    >>> from lab import scenes
    >>> plan_bands(scenes.get("skin"), "160x90", tile_rows=40)
    [(0, 40), (40, 80), (80, 90)]
    """
    res = parse(resolution)
    row_bytes = scene.planes * 4 * res.width
    if tile_rows is not None:
        rows = validate.positive_int(tile_rows, "tile_rows")
    else:
        rows = min(res.height, max(MIN_BAND, BAND_PIXELS // res.width))
        try:
            check_memory(row_bytes * rows, f"float32 intermediates of a {res} {scene.name} frame")
        except MemoryBudgetError:
            rows = int(available_memory() * 0.5 // row_bytes)
            if rows < MIN_BAND:
                check_memory(row_bytes * MIN_BAND, f"a {MIN_BAND}-row band of a {res} {scene.name} frame")
    return [(r0, min(r0 + rows, res.height)) for r0 in range(0, res.height, rows)]


def busy() -> bool:
    """True when the machine is oversubscribed: the 1-minute load average is at least the CPU count."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:  # no load average on this platform
        return False


@contextlib.contextmanager
def cpu_threads(threads: int | None, device: str) -> Iterator[None]:
    """Run torch CPU work on ``threads`` intra-op threads, restoring the setting afterwards.

    ``None`` picks automatically: one thread when :func:`busy`, else torch's current setting.
    On a shared 2-core machine torch's fork/join per op made two threads 5-17x slower than one
    (see BENCHMARKS.md); on a free machine the default keeps all cores.
    """
    import torch

    if threads is not None:
        threads = validate.positive_int(threads, "threads")
    before = torch.get_num_threads()
    want = threads if threads is not None else (1 if busy() else before)
    if device != "cpu" or want == before:
        yield
        return
    torch.set_num_threads(want)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _to_uint8(rgb: torch.Tensor) -> np.ndarray:
    """(3, h, W) float tensor in [0, 1] -> (h, W, 3) uint8, rounding like ``lab.arrays.to_uint8``."""
    import torch

    q = rgb.mul(255.0).round_().clamp_(0.0, 255.0).to(torch.uint8)
    return q.permute(1, 2, 0).contiguous().cpu().numpy()


def lod_bias(resolution: str | Resolution, detail: str | Resolution | None) -> float:
    """Octaves of level-of-detail bias that give a ``resolution`` grid the detail of ``detail``.

    0 for None (each grid band-limits to itself); -2 for 540p drawing 4K detail.

    >>> lod_bias("960x540", "3840x2160")
    -2.0
    """
    if detail is None:
        return 0.0
    return math.log2(parse(resolution).height / parse(detail).height)


def _shaded_bands(
    scene: Scene,
    res: Resolution,
    t: float,
    device: str | None,
    tile_rows: int | None,
    threads: int | None,
    detail: str | Resolution | None = None,
) -> Iterator[tuple[int, int, torch.Tensor]]:
    """Validate the call, then yield (row0, row1, (3, rows, W) float32 band) for each row band."""
    import torch

    scene = _scene(scene)
    t = check_time(t)
    dev = _device(device)
    bias = lod_bias(res, detail)
    with torch.no_grad(), cpu_threads(threads, dev):
        for r0, r1 in plan_bands(scene, res, tile_rows):
            yield r0, r1, scene.shade(scene.grid(res, t, (r0, r1), dev, bias))


def render_tensor(
    scene: Scene,
    resolution: str | Resolution,
    t: float = 0.0,
    *,
    device: str | None = None,
    tile_rows: int | None = None,
    threads: int | None = None,
    detail: str | Resolution | None = None,
) -> torch.Tensor:
    """The frame at time ``t`` (s) as a (3, H, W) float32 tensor in [0, 1] on ``device``.

    For GPU pipelines and exact comparisons; :func:`render` is the usual entry point.
    """
    import torch

    res = parse(resolution)
    guard_frame(res, "float32", copies=1)
    out: torch.Tensor | None = None
    for r0, r1, band in _shaded_bands(scene, res, t, device, tile_rows, threads, detail):
        if out is None:
            out = torch.empty((3, res.height, res.width), dtype=torch.float32, device=band.device)
        out[:, r0:r1] = band
    assert out is not None
    return out


def render_float(
    scene: Scene,
    resolution: str | Resolution,
    t: float = 0.0,
    *,
    device: str | None = None,
    tile_rows: int | None = None,
    threads: int | None = None,
    detail: str | Resolution | None = None,
) -> np.ndarray:
    """The frame at time ``t`` (s) as (H, W, 3) float32 numpy in [0, 1] (before quantisation).

    >>> from lab import scenes
    >>> render_float(scenes.get("edge"), "64x36").dtype
    dtype('float32')
    """
    from lab.arrays import to_numpy

    return to_numpy(
        render_tensor(
            scene, resolution, t, device=device, tile_rows=tile_rows, threads=threads, detail=detail
        )
    )


def render(
    scene: Scene,
    resolution: str | Resolution,
    t: float = 0.0,
    *,
    device: str | None = None,
    tile_rows: int | None = None,
    threads: int | None = None,
    detail: str | Resolution | None = None,
) -> np.ndarray:
    """Render ``scene`` natively at ``resolution`` at time ``t`` (s): uint8 (H, W, 3) RGB.

    Every pixel is computed from the continuous scene on the target grid, anti-aliased as the
    scene documents (``scene.antialiasing``). ``device`` is "cpu", "cuda" or None (CUDA when
    present). Large frames are rendered in row bands when the memory guard requires it (or
    every ``tile_rows`` rows); the result does not depend on the banding beyond float rounding.
    ``threads`` sets torch's CPU threads for this call (None: one thread when the machine is
    oversubscribed, see :func:`cpu_threads`). ``detail`` (a resolution) draws the detail that
    grid resolves instead of this one's (see the module docstring); None band-limits to this grid.

    >>> from lab import scenes
    >>> f = render(scenes.get("zoneplate"), "64x36", 0.0)
    >>> f.shape, f.dtype.name
    ((36, 64, 3), 'uint8')
    """
    res = parse(resolution)
    guard_frame(res, "uint8")
    out = np.empty(res.shape, np.uint8)
    for r0, r1, band in _shaded_bands(scene, res, t, device, tile_rows, threads, detail):
        out[r0:r1] = _to_uint8(band)
    return out


def _flow_fn(scene: Scene, res: Resolution, fps: float):
    def flow(t: int) -> np.ndarray:
        return scene.flow(res, t / fps, (t + 1) / fps)

    return flow


def _streamed(frame_fn, n: int, desc: str, show: bool):
    def iterate() -> Iterator[np.ndarray]:
        for t in progress(range(n), total=n, desc=desc, disable=not show):
            yield frame_fn(t)

    return iterate


def render_clip(
    scene: Scene,
    resolution: str | Resolution,
    n_frames: int,
    fps: float = 24.0,
    *,
    device: str | None = None,
    show_progress: bool = True,
) -> Clip:
    """A lazy :class:`~lab.video.Clip` of ``n_frames`` native frames at ``fps`` (frame t at t/fps s).

    Nothing is rendered until frames are read; iterating shows a progress bar. The clip
    carries the scene's exact flow: ``clip.flow(t) == scene.flow(res, t/fps, (t+1)/fps)``.

    >>> from lab import scenes
    >>> clip = render_clip(scenes.get("skin", motion="pan"), "64x36", 3, show_progress=False)
    >>> len(clip), clip.flow(0).shape
    (3, (36, 64, 2))
    """
    scene = _scene(scene)
    res = parse(resolution)
    n = validate.positive_int(n_frames, "n_frames")
    fps = validate.positive_number(fps, "fps")
    dev = _device(device)

    def frame(t: int) -> np.ndarray:
        return render(scene, res, t / fps, device=dev)

    return Clip(
        frame,
        n,
        res,
        fps,
        flow=_flow_fn(scene, res, fps),
        name=f"{scene.name} native {res.width}x{res.height}",
        iterate=_streamed(frame, n, f"rendering {scene.name} {res.width}x{res.height}", show_progress),
    )


SOURCE_MODELS = {
    "camera": (
        "a camera at the source size: each pixel integrates the light falling on its square area "
        "(rendered 4x finer, then averaged), as an ideal area downscale of the native frame would hold"
    ),
    "sharp": (
        "a generator that draws the target's detail on its small grid without filtering it: the "
        "point samples alias, and the false patterns shimmer under motion"
    ),
    "soft": (
        "a renderer that band-limits to its own grid with a wide safety margin: detail within about an "
        "octave of the source's Nyquist limit fades out, so it is blurrier than a camera"
    ),
}
DEFAULT_SOURCE_MODEL = "camera"
CAMERA_SUPERSAMPLE = 4  # camera pixels are averaged over 4 x 4 point samples of the 4x finer grid


def check_source_model(model: object) -> str:
    """Return ``model`` if it names a source model, else raise an error listing :data:`SOURCE_MODELS`."""
    if not isinstance(model, str) or model not in SOURCE_MODELS:
        raise choice_error("source model", model, list(SOURCE_MODELS))
    return model


def _camera_frame(
    scene: Scene, res: Resolution, t: float, device: str | None, threads: int | None
) -> np.ndarray:
    """Box-filter ``CAMERA_SUPERSAMPLE``-times finer renders band by band: uint8 (H, W, 3)."""
    k = CAMERA_SUPERSAMPLE
    fine = Resolution(res.width * k, res.height * k)
    rows = plan_bands(scene, fine)[0]
    band_rows = max(k, (rows[1] - rows[0]) // k * k)
    out = np.empty(res.shape, np.uint8)
    for r0, r1, band in _shaded_bands(scene, fine, t, device, band_rows, threads):
        c, h, w = band.shape
        pooled = band.reshape(c, h // k, k, w // k, k).mean(dim=(2, 4))
        out[r0 // k : r1 // k] = _to_uint8(pooled)
    return out


def render_source(
    scene: Scene,
    source: str | Resolution,
    t: float = 0.0,
    *,
    model: str = DEFAULT_SOURCE_MODEL,
    target: str | Resolution | None = None,
    device: str | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """The small frame an upscaled arm starts from, under a named source model: uint8 (H, W, 3).

    ``model`` (see :data:`SOURCE_MODELS`):

    * ``"camera"`` (default): what a camera with square pixels at ``source`` records. Each
      pixel is the mean of 4 x 4 samples of the scene rendered on a 4x finer grid, so at an
      upscale factor of 4 it is the ``cv2.INTER_AREA`` downscale of the native frame. This is
      the fair comparison: the upscaler gets all the detail the small grid can hold.
    * ``"sharp"``: the small grid point-samples the detail of ``target`` (required), as a
      renderer without mip-maps or a generator sharper than its pixels: it aliases.
    * ``"soft"``: the scene band-limited to the small grid by its own anti-aliasing, which
      fades detail out well below the Nyquist limit: an over-smoothed source.

    >>> from lab import scenes
    >>> render_source(scenes.get("skin"), "32x18").shape
    (18, 32, 3)
    """
    scene = _scene(scene)
    model = check_source_model(model)
    src = parse(source)
    guard_frame(src, "uint8")
    if model == "camera":
        return _camera_frame(scene, src, check_time(t), device, threads)
    if model == "sharp":
        if target is None:
            raise LabError(
                "source model 'sharp' draws the target's detail, so it needs the target resolution: "
                "pass target=, e.g. target='3840x2160'"
            )
        return render(scene, src, t, device=device, threads=threads, detail=parse(target))
    return render(scene, src, t, device=device, threads=threads)


def render_upscaled(
    scene: Scene,
    target: str | Resolution,
    source: str | Resolution,
    method: str = "bicubic",
    t: float = 0.0,
    *,
    seed: int | None = None,
    device: str | None = None,
    source_model: str = DEFAULT_SOURCE_MODEL,
) -> np.ndarray:
    """Render ``scene`` at ``source`` then upscale it to ``target`` with ``method``: uint8 (H, W, 3).

    The comparison partner of :func:`render` at ``target``: same content, same camera, but
    the small frame holds only what ``source_model`` gives it (see :func:`render_source`):
    "camera" (default, an ideal camera or area downscale at the source size), "sharp" (it
    draws the target's detail and aliases) or "soft" (over-smoothed).

    >>> from lab import scenes
    >>> render_upscaled(scenes.get("skin"), "128x72", "32x18").shape
    (72, 128, 3)
    """
    from lab.upscale import get as get_method
    from lab.upscale import upscale

    scene = _scene(scene)
    tgt, src = parse(target), parse(source)
    get_method(method)  # unknown methods fail before rendering
    check_source_model(source_model)
    low = render_source(scene, src, t, model=source_model, target=tgt, device=device)
    return upscale(low, method, size=tgt, seed=seed)


def upscaled_clip(
    scene: Scene,
    target: str | Resolution,
    source: str | Resolution,
    method: str = "bicubic",
    n_frames: int = 24,
    fps: float = 24.0,
    *,
    seed: int | None = None,
    device: str | None = None,
    show_progress: bool = True,
    source_model: str = DEFAULT_SOURCE_MODEL,
) -> Clip:
    """A lazy clip rendered at ``source`` and upscaled to ``target``, with the exact flow at ``target``.

    With a ``seed``, frame t is upscaled with seed ``seed + t`` (a stochastic upscaler draws
    fresh noise every frame, as a per-frame generator would); without one, ``seed=None``.
    ``source_model`` names how the small frames are made, as in :func:`render_source`.

    >>> from lab import scenes
    >>> clip = upscaled_clip(scenes.get("skin"), "128x72", "32x18", "bicubic", 2, show_progress=False)
    >>> clip.frame(0).shape, clip.has_flow
    ((72, 128, 3), True)
    """
    from lab.upscale import get as get_method
    from lab.upscale import upscale

    scene = _scene(scene)
    tgt, src = parse(target), parse(source)
    n = validate.positive_int(n_frames, "n_frames")
    fps = validate.positive_number(fps, "fps")
    get_method(method)
    model = check_source_model(source_model)
    dev = _device(device)

    def frame(t: int) -> np.ndarray:
        low = render_source(scene, src, t / fps, model=model, target=tgt, device=dev)
        return upscale(low, method, size=tgt, seed=None if seed is None else seed + t)

    tag = "" if model == DEFAULT_SOURCE_MODEL else f" ({model} source)"
    return Clip(
        frame,
        n,
        tgt,
        fps,
        flow=_flow_fn(scene, tgt, fps),
        name=f"{scene.name} {src.width}x{src.height}{tag} {method} to {tgt.width}x{tgt.height}",
        iterate=_streamed(
            frame, n, f"rendering {scene.name} {src.width}x{src.height} ({model}) + {method}", show_progress
        ),
    )
