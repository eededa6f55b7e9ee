"""Pictures of the comparison: pixel helpers shared with the widgets, and static matplotlib figures.

Pixel helpers (numpy/OpenCV, uint8 in and out) do the work the interactive tools need:
:func:`thumbnail`, :func:`loupe` (nearest-neighbour zoom with an optional pixel grid),
:func:`wipe`, :func:`interesting_regions` and :func:`encode_image`/:func:`decode_image`.
Boxes are ``(x0, y0, x1, y1)`` frame pixels (:mod:`lab.boxes`).

Figure builders return a :class:`matplotlib.figure.Figure` (never ``plt.show()``), in one
style, with labelled axes in pixels, seconds or bytes: :func:`side_by_side`,
:func:`loupe_figure`, :func:`wipe_figure`, :func:`flicker_figure` and :func:`cost_figure`.
They are the print/PDF versions of the tools in :mod:`lab.widgets`.

>>> a = np.zeros((36, 64, 3), np.uint8)
>>> img, box = loupe(a, 10, 10, zoom=4, size=(32, 32))
>>> img.shape, box
((32, 32, 3), (6, 6, 14, 14))
"""

from __future__ import annotations

import io
import re
import textwrap
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lab import validate
from lab.arrays import check_frame, to_uint8
from lab.boxes import Box, clamp_box
from lab.errors import LabError, LabTypeError, choice_error
from lab.optional import opencv

cv2 = opencv()

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from lab.cost import CostReport
    from lab.resolution import Resolution

# --- style -------------------------------------------------------------------------------
STYLE: dict[RcKeyType, Any] = {  # matplotlib rc settings of every figure
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.grid": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "image.interpolation": "nearest",
}
COLORS: dict[str, str] = {
    "native": "#1b1b1b",
    "nearest": "#8c564b",
    "bilinear": "#2ca02c",
    "bicubic": "#1f77b4",
    "area": "#9467bd",
    "lanczos": "#ff7f0e",
    "upscaled": "#1f77b4",
    "candidate": "#1f77b4",
    "realesrgan-x4": "#d62728",
    "learned-sr": "#17becf",
    "diffusion-sr": "#e377c2",
    "fresh-noise": "#e377c2",
    "warped-noise": "#bcbd22",
    # lesson 5 names the bicubic arms by their source model
    "soft": "#9edae5",
    "camera": "#1f77b4",
    "sharp": "#393b79",
}
_CYCLE = ["#d62728", "#17becf", "#bcbd22", "#e377c2", "#7f7f7f", "#393b79", "#637939"]
# A method's variants ("bicubic (sharp)"): line style, marker and how much the method's colour is
# darkened (< 1) or lightened (> 1). The camera source is the default: the plain method's style.
_VARIANTS: dict[str, tuple[str, str, float]] = {
    "camera": ("-", "o", 1.0),
    "sharp": ("--", "^", 0.55),
    "soft": (":", "v", 1.6),
    "independent": ("-.", "s", 0.7),
    "fixed": ("--", "D", 1.4),
    "warped": (":", "P", 0.55),
}
_SIZE_WORDS = re.compile(r"\b\d+x\d+\b|->|\bfrom\b")
LOUPE_COLOR = (255, 40, 40)  # RGB of the rectangle marking the loupe on thumbnails
GRID_SHADE = 0.55  # pixel-grid lines darken the pixel under them to this fraction
WARP_LABEL = "warp error (mean squared, [0, 1] scale)"  # lab.metrics.warp_error units
FLICKER_LABEL = "flicker: RMS difference after\nmotion compensation (8-bit levels)"  # WarpError.rms_levels
HEAT_LABEL = "flicker σ per pixel (8-bit levels)"  # lab.metrics.flicker_heatmap units
METRIC_MIN = 16  # detail metrics of a loupe crop use at least this many pixels per side


@dataclass(frozen=True)
class ArmStyle:
    """How one arm is drawn in every figure: ``color`` (hex), ``linestyle`` and ``marker``."""

    color: str
    linestyle: str
    marker: str


def _shade(color: str, factor: float) -> str:
    """``color`` darkened (factor < 1) or mixed towards white (factor > 1)."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], np.float64)
    rgb = rgb * factor if factor <= 1 else rgb + (255 - rgb) * min(1.0, factor - 1.0)
    return "#" + "".join(f"{int(round(v)):02x}" for v in np.clip(rgb, 0, 255))


def arm_style(name: str) -> ArmStyle:
    """The one style of an arm, the same in every figure: the colour of its method (the first
    word: 'native', 'bicubic', 'realesrgan-x4'...), shaded and dashed for a variant named after
    it ('bicubic (sharp)', 'diffusion-sr (warped noise)'). Sizes in the name are ignored.

    >>> arm_style("bicubic 480x270 -> 1920x1080") == arm_style("bicubic (camera)") == arm_style("bicubic")
    True
    >>> arm_style("bicubic (sharp)").color != arm_style("bicubic (camera)").color
    True
    """
    words = _SIZE_WORDS.sub(" ", (name or "").lower()).replace("(", " ").replace(")", " ").split()
    method = words[0] if words else ""
    base = COLORS.get(method, _CYCLE[zlib.crc32(method.encode()) % len(_CYCLE)])
    variant = next((w for w in words[1:] if w in _VARIANTS), None)
    if variant is None:
        return ArmStyle(base, "-", "o")
    linestyle, marker, factor = _VARIANTS[variant]
    return ArmStyle(_shade(base, factor) if factor != 1.0 else base, linestyle, marker)


def color_for(name: str) -> str:
    """The colour of :func:`arm_style` for a method or arm name ('native', 'bicubic (sharp)'...).

    >>> color_for("native"), color_for("bicubic 480x270 -> 1920x1080")
    ('#1b1b1b', '#1f77b4')
    """
    return arm_style(name).color


# --- pixel helpers -----------------------------------------------------------------------
def magnify(crop: np.ndarray, zoom: int, *, grid: bool = False) -> np.ndarray:
    """Enlarge ``crop`` by an integer ``zoom`` with nearest neighbour: every pixel becomes a
    zoom x zoom block. ``grid`` darkens the first row and column of each block (zoom >= 3) so
    single pixels are countable.

    >>> magnify(np.full((1, 2, 3), 200, np.uint8), 3, grid=True)[:, :, 0]
    array([[110, 110, 110, 110, 110, 110],
           [110, 200, 200, 110, 200, 200],
           [110, 200, 200, 110, 200, 200]], dtype=uint8)
    """
    zoom = validate.positive_int(zoom, "zoom")
    crop = np.ascontiguousarray(crop)
    h, w = crop.shape[:2]
    big = cv2.resize(crop, (w * zoom, h * zoom), interpolation=cv2.INTER_NEAREST_EXACT)
    if grid and zoom >= 3:
        blocks = big.reshape(
            h, zoom, w, zoom, -1
        )  # a view: (block row, row in block, block col, col in block)
        shade = np.uint16(round(GRID_SHADE * 256))
        blocks[:, 0] = (blocks[:, 0] * shade >> 8).astype(np.uint8)  # top row of every block
        blocks[:, 1:, :, 0] = (blocks[:, 1:, :, 0] * shade >> 8).astype(np.uint8)  # left column, rest
    return big


def loupe(
    frame: np.ndarray,
    x: float,
    y: float,
    *,
    zoom: int = 8,
    size: tuple[int, int] = (320, 320),
    grid: bool = False,
) -> tuple[np.ndarray, Box]:
    """Magnify the region of ``frame`` around pixel (x, y) to about ``size`` = (width, height) px.

    The crop is ``size // zoom`` source pixels, clamped inside the frame, enlarged by
    :func:`magnify`; returns (image, (x0, y0, x1, y1) of the crop in frame pixels).

    >>> img, box = loupe(np.zeros((2160, 3840, 3), np.uint8), 3839, 0, zoom=16, size=(320, 160))
    >>> img.shape, box
    ((160, 320, 3), (3820, 0, 3840, 10))
    """
    frame = check_frame(frame)
    h, w = frame.shape[:2]
    box = clamp_box(w, h, x, y, max(1, size[0] // zoom), max(1, size[1] // zoom))
    x0, y0, x1, y1 = box
    return magnify(to_uint8(frame[y0:y1, x0:x1]), zoom, grid=grid), box


def thumbnail(frame: np.ndarray, width: int) -> np.ndarray:
    """Shrink ``frame`` to ``width`` px wide (area averaging, aspect kept); never enlarges.

    >>> thumbnail(np.zeros((2160, 3840, 3), np.uint8), 480).shape
    (270, 480, 3)
    """
    frame = to_uint8(check_frame(frame))
    h, w = frame.shape[:2]
    if w <= width:
        return frame.copy()
    height = max(1, int(round(h * width / w)))
    return cv2.resize(frame, (int(width), height), interpolation=cv2.INTER_AREA)


def draw_box(image: np.ndarray, box: Box, scale: float, *, color=LOUPE_COLOR) -> np.ndarray:
    """A copy of ``image`` with ``box`` (frame pixels) outlined; ``scale`` = image px per frame px."""
    out = np.ascontiguousarray(image).copy()
    x0, y0, x1, y1 = (int(round(v * scale)) for v in box)
    h, w = out.shape[:2]
    x1, y1 = min(max(x1 - 1, x0 + 1), w - 1), min(max(y1 - 1, y0 + 1), h - 1)
    cv2.rectangle(out, (x0, y0), (x1, y1), tuple(int(c) for c in color), 1 if min(h, w) < 200 else 2)
    return out


def wipe(a: np.ndarray, b: np.ndarray, position: float, *, divider: bool = True) -> np.ndarray:
    """Show ``a`` left of the split and ``b`` right of it; ``position`` in [0, 1] is the
    fraction of the width that shows ``a``. A 1 px white divider marks the split.

    >>> a, b = np.zeros((2, 4, 3), np.uint8), np.full((2, 4, 3), 9, np.uint8)
    >>> wipe(a, b, 0.5, divider=False)[0, :, 0]
    array([0, 0, 9, 9], dtype=uint8)
    """
    a, b = to_uint8(check_frame(a, name="a")), to_uint8(check_frame(b, name="b"))
    if a.shape != b.shape:
        raise LabError(
            f"wipe needs two images of one size, got {a.shape} and {b.shape}; crop both the same way"
        )
    if not 0.0 <= float(position) <= 1.0:
        raise LabError(f"wipe position must be in [0, 1] (fraction of the width showing a), got {position}")
    split = int(round(float(position) * a.shape[1]))
    out = b.copy()
    out[:, :split] = a[:, :split]
    if divider and 0 < split < a.shape[1]:
        out[:, split] = 255
    return out


def encode_image(image: np.ndarray, fmt: str = "png", *, quality: int = 85) -> bytes:
    """Encode an RGB uint8 image as PNG (lossless) or JPEG (``quality`` 1-100) bytes.

    >>> encode_image(np.zeros((4, 4, 3), np.uint8))[:4]
    b'\\x89PNG'
    """
    image = to_uint8(check_frame(image, name="image", allow_gray=True))
    fmt = fmt.lower()
    if fmt in ("jpg", "jpeg"):
        ok, buf = cv2.imencode(".jpg", _bgr(image), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    elif fmt == "png":
        ok, buf = cv2.imencode(".png", _bgr(image), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    else:
        raise choice_error("image format", fmt, ["png", "jpeg"])
    if not ok:
        raise LabError(f"OpenCV could not encode a {image.shape} image as {fmt}")
    return buf.tobytes()


def decode_image(data: bytes) -> np.ndarray:
    """Decode PNG/JPEG bytes to an RGB uint8 (H, W, 3) array (the inverse of :func:`encode_image`)."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise LabTypeError(f"expected non-empty image bytes, got {type(data).__name__}")
    img = cv2.imdecode(np.frombuffer(bytes(data), np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise LabError("these bytes are not a PNG or JPEG image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _bgr(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


def _block_means(values: np.ndarray, box_w: int, box_h: int) -> tuple[np.ndarray, int, int]:
    h, w = values.shape
    gw, gh = max(1, w // box_w), max(1, h // box_h)
    return cv2.resize(values.astype(np.float32), (gw, gh), interpolation=cv2.INTER_AREA), gw, gh


def _argmax_centre(values: np.ndarray, w: int, h: int, box_w: int, box_h: int) -> tuple[int, int]:
    grid, gw, gh = _block_means(values, box_w, box_h)
    gy, gx = np.unravel_index(int(np.argmax(grid)), grid.shape)
    return int((gx + 0.5) * w / gw), int((gy + 0.5) * h / gh)


def interesting_regions(
    native: np.ndarray, others: Mapping[str, np.ndarray] | None = None, *, box: tuple[int, int] = (40, 40)
) -> dict[str, tuple[int, int]]:
    """Centres (x, y) in pixels of regions worth a look, for a 'jump to' menu.

    'centre'; 'most detail' where the native frame's Laplacian energy is highest (box-sized
    blocks); and for each of ``others`` (name -> frame of the same size), 'biggest error: name'
    where it differs most from the native frame.

    >>> f = np.zeros((80, 160, 3), np.uint8); f[62:78, 122:138] = 255
    >>> interesting_regions(f, box=(20, 20))["most detail"]
    (130, 70)
    """
    native = to_uint8(check_frame(native, name="native"))
    h, w = native.shape[:2]
    gray = cv2.cvtColor(native, cv2.COLOR_RGB2GRAY)
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    out = {"centre": (w // 2, h // 2), "most detail": _argmax_centre(lap, w, h, *box)}
    for name, frame in (others or {}).items():
        frame = to_uint8(check_frame(frame, name=name))
        if frame.shape != native.shape:
            raise LabError(f"{name} has shape {frame.shape} but native has {native.shape}")
        diff = cv2.absdiff(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), gray)
        out[f"biggest error: {name}"] = _argmax_centre(diff, w, h, *box)
    return out


# --- figures -----------------------------------------------------------------------------
def as_panels(panels: Any) -> list[tuple[str, np.ndarray]]:
    """Normalise panels to a list of (label, uint8 frame).

    Accepts a mapping label -> frame, a sequence of (label, frame) pairs, or objects with
    ``.label`` and ``.frame`` such as :class:`lab.render_cache.Render`.
    """
    if isinstance(panels, Mapping):
        items = list(panels.items())
    elif isinstance(panels, (list, tuple)):
        items = []
        for p in panels:
            if hasattr(p, "label") and hasattr(p, "frame"):
                items.append((p.label, p.frame))
            elif isinstance(p, (list, tuple)) and len(p) == 2:
                items.append((str(p[0]), p[1]))
            else:
                raise LabTypeError(f"a panel must be (label, frame) or a Render, got {type(p).__name__}")
    else:
        raise LabTypeError(
            f"panels must be a dict label -> frame or a list of (label, frame), got {type(panels).__name__}"
        )
    if not items:
        raise LabError("no panels to show: give at least one (label, frame)")
    return [(str(label), to_uint8(check_frame(frame, name=str(label)))) for label, frame in items]


def _figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), layout="constrained")


def _image_axes(ax, image: np.ndarray, title: str, extent=None, *, pixels: bool = False) -> None:
    # Overviews are shown smaller than their pixel grid: nearest-neighbour display would draw false
    # moire on zone plates and weaves, so matplotlib's anti-aliased resampling is used there.
    # Magnified crops (pixels=True) keep nearest so each pixel shows as a block.
    ax.imshow(image, interpolation="nearest" if pixels else "antialiased", extent=extent)
    ax.set_title(title, color="#1b1b1b")
    ax.set_xlabel("x (px)")
    ax.set_ylabel("y (px)")


def side_by_side(panels: Any, *, width_in: float = 4.0) -> Figure:
    """Native and upscaled frames side by side, each titled with its label.

    >>> fig = side_by_side({"native": np.zeros((36, 64, 3), np.uint8), "bicubic": np.ones((36, 64, 3), np.uint8)})
    >>> len(fig.axes)
    2
    """
    import matplotlib

    items = as_panels(panels)
    h, w = items[0][1].shape[:2]
    with matplotlib.rc_context(STYLE):
        fig = _figure(width_in * len(items), width_in * h / w + 0.8)
        for ax, (label, frame) in zip(fig.subplots(1, len(items), squeeze=False)[0], items):
            _image_axes(ax, frame, label)
    return fig


def loupe_figure(
    panels: Any,
    x: float,
    y: float,
    *,
    zoom: int = 8,
    crop: int | None = None,
    grid: bool = True,
    metrics: bool = True,
) -> Figure:
    """Thumbnails with the loupe marked (top) and the same ``crop`` x ``crop`` px region of
    every panel magnified with nearest neighbour (bottom), axes in frame pixel coordinates.
    Without ``crop`` the region is what a 320 px loupe shows at ``zoom`` (320 // zoom px).

    With ``metrics`` each crop is titled with its high-frequency share and sharpness
    (:func:`crop_metrics`).
    """
    import matplotlib

    items = as_panels(panels)
    h, w = items[0][1].shape[:2]
    if crop is None:
        crop = max(8, 320 // validate.positive_int(zoom, "zoom"))
    x0, y0, x1, y1 = clamp_box(w, h, x, y, crop, crop)
    with matplotlib.rc_context(STYLE):
        fig = _figure(3.2 * len(items), 3.2 * h / w + 3.8)
        axes = fig.subplots(2, len(items), squeeze=False, height_ratios=[h / w, 1.0])
        for col, (label, frame) in enumerate(items):
            top, bottom = axes[0, col], axes[1, col]
            _image_axes(top, frame, label)
            top.add_patch(_rectangle(x0, y0, x1, y1))
            part = frame[y0:y1, x0:x1]
            title = f"x {x0}-{x1 - 1}, y {y0}-{y1 - 1} px"
            if metrics:
                mx0, my0, mx1, my1 = metric_box((x0, y0, x1, y1), w, h)
                m = crop_metrics(frame[my0:my1, mx0:mx1])
                title += f"\nHF share {m['high_frequency_share']:.3f} · sharpness {m['sharpness']:.1f}"
            _image_axes(bottom, part, title, extent=(x0 - 0.5, x1 - 0.5, y1 - 0.5, y0 - 0.5), pixels=True)
            if grid and (x1 - x0) <= 64:
                bottom.set_xticks(np.arange(x0 - 0.5, x1, 1.0), minor=True)
                bottom.set_yticks(np.arange(y0 - 0.5, y1, 1.0), minor=True)
                bottom.grid(which="minor", color="black", linewidth=0.3, alpha=0.5)
                bottom.tick_params(which="minor", length=0)
    return fig


def _rectangle(x0: int, y0: int, x1: int, y1: int):
    from matplotlib.patches import Rectangle

    return Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="#ff2828", linewidth=1.5)


def wipe_figure(
    a: np.ndarray,
    b: np.ndarray,
    position: float = 0.5,
    *,
    labels: tuple[str, str] = ("native", "upscaled"),
    box: Box | None = None,
) -> Figure:
    """One image: ``a`` left of the split and ``b`` right of it, optionally cropped to ``box``
    = (x0, y0, x1, y1) frame pixels, with both sides labelled."""
    import matplotlib

    a, b = to_uint8(check_frame(a, name="a")), to_uint8(check_frame(b, name="b"))
    if box is not None:
        x0, y0, x1, y1 = box
        a, b = a[y0:y1, x0:x1], b[y0:y1, x0:x1]
    else:
        x0, y0 = 0, 0
    image = wipe(a, b, position)
    h, w = image.shape[:2]
    with matplotlib.rc_context(STYLE):
        fig = _figure(6.0, 6.0 * h / w + 0.8)
        ax = fig.subplots()
        _image_axes(
            ax,
            image,
            f"wipe at {position:.0%}: {labels[0]} | {labels[1]}",
            extent=(x0 - 0.5, x0 + w - 0.5, y0 + h - 0.5, y0 - 0.5),
        )
        split = x0 + position * w - 0.5
        kw: dict[str, Any] = dict(
            color="white", fontsize=9, va="top", bbox=dict(facecolor="black", alpha=0.6, pad=2)
        )
        ax.text(x0 + 0.02 * w, y0 + 0.03 * h, labels[0], ha="left", **kw)
        ax.text(x0 + 0.98 * w, y0 + 0.03 * h, labels[1], ha="right", **kw)
        ax.axvline(split, color="white", linewidth=1)
    return fig


def flicker_figure(
    curves: Mapping[str, Sequence[float] | np.ndarray],
    heatmaps: Mapping[str, np.ndarray] | None = None,
    *,
    frame: int | None = None,
    ylabel: str = FLICKER_LABEL,
    heat_label: str = HEAT_LABEL,
    width_in: float = 9.0,
    threshold: float | None = None,
) -> Figure:
    """Per-frame flicker curves (one per clip) with frame ``frame`` marked, and beside them
    each clip's flicker heat map on one shared colour scale.

    ``curves`` maps a clip name to one value per consecutive frame pair (t -> t+1), by
    default in 8-bit grey levels (``WarpError.per_frame_levels``). ``threshold`` (same unit)
    draws the visibility threshold as a dashed line. The legend sits beside the plot, so it
    never covers a curve.

    >>> fig = flicker_figure({"native": [1, 1.2], "bicubic": [2, 3]}, frame=1)
    >>> fig.axes[0].get_xlabel()
    'frame pair t -> t+1'
    """
    import matplotlib

    if not isinstance(curves, Mapping) or not curves:
        raise LabError("curves must be a non-empty dict: clip name -> per-frame values")
    heatmaps = dict(heatmaps or {})
    n_heat = len(heatmaps)
    with matplotlib.rc_context(STYLE):
        fig = _figure(width_in, 3.0)
        grid = fig.add_gridspec(1, 1 + n_heat, width_ratios=[2.0] + [1.0] * n_heat)
        _curve_axes(fig.add_subplot(grid[0, 0]), curves, frame, threshold, ylabel)
        if n_heat:
            _heat_axes(fig, [fig.add_subplot(grid[0, 1 + i]) for i in range(n_heat)], heatmaps, heat_label)
    return fig


def _curve_axes(
    ax: Any,
    curves: Mapping[str, Sequence[float] | np.ndarray],
    frame: int | None,
    threshold: float | None,
    ylabel: str,
) -> None:
    """One line per curve, ``frame`` ringed on each and marked, ``threshold`` dotted, legend outside."""
    from matplotlib.ticker import MaxNLocator

    for name, values in curves.items():
        ys = np.asarray(values, dtype=np.float64)
        style = arm_style(name)
        color = style.color
        ax.plot(
            np.arange(len(ys)),
            ys,
            marker=style.marker,
            markersize=3,
            linestyle=style.linestyle,
            label=name,
            color=color,
        )
        if frame is not None and 0 <= frame < len(ys):
            ring = dict(marker="o", markersize=8, markerfacecolor="none", markeredgecolor=color)
            ax.plot([frame], [ys[frame]], **ring)
    if frame is not None:
        ax.axvline(frame, color="#d62728", linewidth=1, linestyle="--", label=f"frame {frame}")
    if threshold is not None:
        ax.axhline(
            threshold, color="black", linewidth=1, linestyle=":", label=f"visible above {threshold:.1f}"
        )
    ax.set_xlabel("frame pair t -> t+1")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    ax.set_title("flicker per frame (lower is steadier)")


def _heat_axes(fig: Figure, axes: list, heatmaps: Mapping[str, np.ndarray], label: str) -> None:
    vmax = max(float(np.percentile(np.asarray(m, np.float64), 99.5)) for m in heatmaps.values()) or 1.0
    images = []
    for ax, (name, heat) in zip(axes, heatmaps.items()):
        images.append(
            ax.imshow(
                np.asarray(heat, np.float32), cmap="inferno", vmin=0, vmax=vmax, interpolation="nearest"
            )
        )
        # the name on lines of its own, wrapped to the axes' width, so neighbouring titles never overlap
        chars = max(
            8, int(ax.get_position().width * fig.get_figwidth() * 72 / (0.62 * STYLE["axes.titlesize"]))
        )
        ax.set_title("flicker map:\n" + textwrap.fill(name, chars))
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    fig.colorbar(images[-1], ax=axes, label=label, shrink=0.8)


def heatmap_figure(
    heatmaps: Mapping[str, np.ndarray], *, label: str = HEAT_LABEL, width_in: float = 8.0
) -> Figure:
    """Flicker heat maps side by side on one shared colour scale (99.5th percentile of all).

    >>> fig = heatmap_figure({"native": np.zeros((9, 16)), "bicubic": np.ones((9, 16))})
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['flicker map:\\nnative', 'flicker map:\\nbicubic']
    """
    import matplotlib

    if not isinstance(heatmaps, Mapping) or not heatmaps:
        raise LabError("heatmaps must be a non-empty dict: clip name -> (H, W) map")
    first = np.asarray(next(iter(heatmaps.values())))
    if first.ndim != 2:
        raise LabError(f"a heat map must be 2-D (H, W), got shape {first.shape}")
    with matplotlib.rc_context(STYLE):
        fig = _figure(width_in, width_in / len(heatmaps) * first.shape[0] / first.shape[1] + 0.9)
        _heat_axes(fig, list(fig.subplots(1, len(heatmaps), squeeze=False)[0]), heatmaps, label)
    return fig


def cost_figure(report: CostReport, *, highlight: str = "4k") -> Figure:
    """Render time and peak memory against pixel count, native vs low-res + upscale, with the
    fitted power laws and the ``highlight`` size (default 4K) starred: a filled star when it was
    measured, a hollow one labelled 'extrapolated' when predicted from the fit."""
    import matplotlib

    from lab.resolution import parse

    target = parse(highlight)
    with matplotlib.rc_context(STYLE):
        fig = _figure(9.0, 3.6)
        ax_t, ax_m = fig.subplots(1, 2)
        for mode in ("native", "upscaled"):
            if not report.of(mode):
                continue
            _cost_points(ax_t, ax_m, report, mode, target)
            if mode in report.fits:
                _cost_star(ax_t, ax_m, report, mode, target)
        for ax, ylabel in ((ax_t, "render time (s)"), (ax_m, "peak extra memory (MiB)")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("output size (megapixels)")
            ax.set_ylabel(ylabel)
            ax.axvline(target.megapixels, color="#999999", linewidth=0.8, linestyle=":")
            ax.grid(True, which="both", alpha=0.25)
        ax_t.legend(loc="upper left")
        ax_t.set_title(f"time on {report.device} ({report.scene}); ☆ = extrapolated")
        ax_m.set_title(f"memory ({report.memory_note or 'peak'})")
    return fig


def _cost_points(ax_t: Any, ax_m: Any, report: CostReport, mode: str, target: Resolution) -> None:
    """The measured seconds (``ax_t``) and MiB (``ax_m``) of one ``mode`` and their fitted power laws."""
    pts = report.of(mode)
    label = "native render" if mode == "native" else f"render 1/{report.factor} + {report.method}"
    color = color_for(mode)
    mpx = np.array([p.pixels for p in pts]) / 1e6
    for ax, values, fits, scale in (
        (ax_t, [p.seconds for p in pts], report.fits, 1.0),
        (ax_m, [p.peak_bytes for p in pts], report.memory_fits, 2.0**-20),
    ):
        ax.plot(mpx, np.asarray(values, np.float64) * scale, "o", color=color, label=label)
        if mode in fits:
            law = fits[mode]
            xs = np.geomspace(
                min(mpx.min(), target.megapixels) * 0.8, max(mpx.max(), target.megapixels) * 1.25, 50
            )
            ax.plot(
                xs,
                np.asarray(law.predict(xs * 1e6)) * scale,
                "-",
                color=color,
                alpha=0.6,
                label=f"fit: {law.a:.2g}·px^{law.b:.2f}" if ax is ax_t else None,
            )


def _cost_star(ax_t: Any, ax_m: Any, report: CostReport, mode: str, target: Resolution) -> None:
    """A star at ``target`` on both axes: filled when measured, hollow and so labelled when extrapolated."""
    est = report.at(mode, target)
    color = color_for(mode)
    star = dict(
        marker="*",
        markersize=15,
        markerfacecolor=color if est.measured else "white",
        markeredgecolor=color,
        linestyle="none",
    )
    ax_t.plot([target.megapixels], [est.seconds], **star)
    ax_t.annotate(
        f"{target.name or target} {'measured' if est.measured else 'extrapolated'}: {est.seconds:.3g} s",
        (target.megapixels, est.seconds),
        textcoords="offset points",
        xytext=(-8, 8 if mode == "native" else -14),
        ha="right",
    )
    ax_m.plot([target.megapixels], [est.peak_bytes / 2**20], **star)


def figure_png(fig: Figure, *, dpi: int | None = None) -> bytes:
    """PNG bytes of a figure (for an ``ipywidgets.Image`` or a file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or STYLE["savefig.dpi"])
    return buf.getvalue()


def metric_box(box: Box, width: int, height: int) -> Box:
    """The region the detail metrics of a loupe ``box`` are computed on: the box itself, grown
    around its centre to at least :data:`METRIC_MIN` px per side (a spectrum of a 4 x 4 crop
    at 32x zoom would be meaningless).

    >>> metric_box((100, 100, 104, 104), 3840, 2160)
    (94, 94, 110, 110)
    """
    x0, y0, x1, y1 = box
    bw, bh = max(x1 - x0, METRIC_MIN), max(y1 - y0, METRIC_MIN)
    return clamp_box(width, height, (x0 + x1) / 2, (y0 + y1) / 2, bw, bh)


def crop_metrics(crop: np.ndarray) -> dict[str, float]:
    """Detail metrics of an image crop (at least 8 x 8 px) from :mod:`lab.metrics`:
    'high_frequency_share' (fraction of spectral energy above the high-frequency cutoff, 0-1)
    and 'sharpness' (variance of the Laplacian of luma, 8-bit levels squared)."""
    from lab import metrics

    crop = to_uint8(check_frame(crop, name="crop"))
    return {
        "high_frequency_share": float(metrics.high_frequency_share(crop)),
        "sharpness": float(metrics.sharpness(crop)),
    }
