"""Interactive tools for notebooks: compare, pixel loupe, wipe, flicker meter and cost explorer.

Built only from core ``ipywidgets`` controls plus ``ipywidgets.Image``, so the same code runs
on Colab (ipywidgets 7.7.1) and JupyterLab 4 (ipywidgets 8.x). The classes are thin: their
callbacks call :mod:`lab.render_cache`, :mod:`lab.viz`, :mod:`lab.metrics` and :mod:`lab.cost`,
so every behaviour is testable by setting widget values from Python.

How images reach the browser
----------------------------
Frames are never sent at full size. Each view crops and shrinks on the Python side to its
viewport (thumbnails ``panel_width`` px wide, loupe panels ``loupe_size`` px square; the
defaults, 288 px, put three panels in a row of a notebook's ~960 px output), then sends a
JPEG while a slider moves and replaces it with a lossless PNG once the value has been still
for ``settle_s`` seconds (or at once when the 'sharp' toggle is on). Every payload stays
under :data:`MAX_PAYLOAD` bytes. Image widgets are created empty and filled by later updates,
so no image bytes travel with a widget's first message (Colab's custom widget manager is
known to drop binary buffers sent that way).

Long work (renders, clips, cost measurements) runs in a background thread with a progress
bar and a Cancel button checked between frames; an error is shown in the widget, which
keeps working.

>>> from lab import widgets
>>> tool = widgets.explore("zoneplate", target="256x144", source="64x36")   # doctest: +SKIP
>>> tool                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import html
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from lab import viz
from lab.boxes import Box
from lab.errors import LabError
from lab.native import SOURCE_MODELS, check_source_model
from lab.progress import format_seconds, on_steps
from lab.render_cache import (
    NATIVE,
    Cancelled,
    Render,
    RenderCache,
    RenderKey,
    default_cache,
    render_frame,
)
from lab.resolution import Resolution, parse
from lab.scenes.camera import MOTIONS
from lab.validate import choice, integer, number, positive_int, positive_number

if TYPE_CHECKING:
    from lab.metrics.temporal import WarpError

MAX_PAYLOAD = 2 * 1024 * 1024  # bytes: no image message to the browser may exceed this
_BAR_STEPS = 1000  # resolution of a progress bar that moves within frames
ZOOMS = (1, 2, 4, 8, 16, 32)
TARGETS = ("256x144", "540p", "720p", "1080p", "1440p", "4k")
SOURCE_DIVISORS = (2, 3, 4, 6, 8)


def _widgets():
    import ipywidgets

    return ipywidgets


def _error_html(err: BaseException) -> str:
    return f"<span style='color:#b00020'><b>{html.escape(type(err).__name__)}</b>: {html.escape(str(err))}</span>"


# --- image output with JPEG-while-moving, PNG-at-rest -------------------------------------
class ImageView:
    """An ``ipywidgets.Image`` that shows numpy frames: JPEG on each update, then PNG once the
    image has been still for ``settle_s`` seconds (``None``: never automatically; call
    :meth:`settle`). ``sharp=True`` sends PNG straight away.

    Attributes ``image`` (the widget), ``frame`` (last uint8 image shown), ``format``.
    """

    def __init__(self, *, settle_s: float | None = 0.3, quality: int = 85, css_class: str = "") -> None:
        w = _widgets()
        self.image = w.Image(format="png", value=b"")
        if css_class:
            self.image.add_class(css_class)
        self.settle_s = settle_s
        self.quality = quality
        self.sharp = False
        self.frame: np.ndarray | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._version = 0
        self._size: tuple[int, int] | None = None

    @property
    def format(self) -> str:
        """'jpeg' or 'png': what the browser currently holds."""
        return str(self.image.format)

    def show(self, frame: np.ndarray, *, sharp: bool | None = None) -> None:
        """Send ``frame`` (uint8 RGB, already viewport sized)."""
        if frame.shape[0] * frame.shape[1] > 4096 * 4096 // 4:
            raise LabError(
                f"refusing to send a {frame.shape[1]}x{frame.shape[0]} image to the browser; "
                "crop or shrink it first (lab.viz.loupe / lab.viz.thumbnail)"
            )
        with self._lock:
            self._version += 1
            version = self._version
            self.frame = frame
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if sharp or (sharp is None and self.sharp):
            self._send(frame, "png")
            return
        self._send(frame, "jpeg")
        if self.settle_s is not None:
            timer = threading.Timer(self.settle_s, self._settle_if_current, args=(version,))
            timer.daemon = True
            with self._lock:
                self._timer = timer
            timer.start()

    def settle(self) -> None:
        """Replace the current JPEG with the lossless PNG now."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            frame = self.frame
        if frame is not None and self.format != "png":
            self._send(frame, "png")

    def _settle_if_current(self, version: int) -> None:
        with self._lock:
            current = version == self._version
        if current:
            self.settle()

    def _send(self, frame: np.ndarray, fmt: str) -> None:
        data = viz.encode_image(frame, fmt, quality=self.quality)
        if len(data) > MAX_PAYLOAD and fmt == "png":  # a noisy PNG: fall back to a high-quality JPEG
            fmt, data = "jpeg", viz.encode_image(frame, "jpeg", quality=95)
        if len(data) > MAX_PAYLOAD:
            raise LabError(
                f"encoded image is {len(data) / 2**20:.1f} MiB, over the 2 MiB limit; use a smaller viewport"
            )
        height, width = frame.shape[:2]
        with self.image.hold_sync():
            self.image.format = fmt
            self.image.value = data
        if self._size != (width, height):  # pin the displayed size: the browser must not rescale pixels
            self._size = (width, height)
            self.image.layout.width = f"{width}px"
            self.image.layout.height = f"{height}px"
            self.image.layout.min_width = f"{width}px"


# --- progress, cancel and errors ---------------------------------------------------------
class Status:
    """A progress bar, a Cancel button and a message area shared by the tools' long jobs.

    ``background=True`` runs jobs in a thread so the kernel stays free to receive the Cancel
    click; ``background=False`` runs them inline (used by tests and scripts).
    """

    def __init__(self, *, background: bool = True) -> None:
        w = _widgets()
        self.background = background
        self.bar = w.IntProgress(
            value=0, min=0, max=1, description="", layout=w.Layout(width="240px", visibility="hidden")
        )
        self.cancel_button = w.Button(
            description="Cancel",
            button_style="warning",
            disabled=True,
            layout=w.Layout(width="80px", visibility="hidden"),
        )
        self.message = w.HTML(value="")
        self.cancel_button.on_click(lambda _: self.request_cancel())
        self.ui = w.HBox([self.bar, self.cancel_button, self.message])
        self.ui.add_class("lab-status")
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.traceback = ""

    @property
    def busy(self) -> bool:
        """True while a background job runs."""
        return self._thread is not None and self._thread.is_alive()

    def request_cancel(self) -> None:
        """Ask the running job to stop at its next check."""
        self._cancel.set()
        self.message.value = "cancelling..."

    def cancelled(self) -> bool:
        """True once Cancel was pressed for the running job."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if Cancel was pressed (call between frames or tiles)."""
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")

    def step(self, done: int, total: int, text: str = "") -> None:
        """Update the bar to ``done`` of ``total`` with a short text; also checks for Cancel."""
        self.bar.max = max(1, total)
        self.bar.value = min(done, self.bar.max)
        if text:
            self.message.value = html.escape(text)
        self.check()

    def fraction(self, done: float, text: str = "") -> None:
        """Update the bar to the fraction ``done`` (0-1) of the job, for progress inside one
        frame (e.g. per denoising step); also checks for Cancel."""
        if text:
            self.message.value = html.escape(text)
        self.bar.max = _BAR_STEPS
        self.bar.value = int(round(min(max(done, 0.0), 1.0) * _BAR_STEPS))
        self.check()

    def run(self, job: Callable[[], Any], on_done: Callable[[Any], None], *, text: str = "working") -> None:
        """Run ``job()`` with the bar shown; pass its result to ``on_done``; show errors.

        A new job waits for (and first cancels) a job still running.
        """
        if self.busy:
            self.request_cancel()
            self.wait()
        self._cancel.clear()
        self.error = None
        self.bar.layout.visibility = "visible"
        self.bar.value = 0
        self.cancel_button.disabled = False
        self.cancel_button.layout.visibility = "visible"
        self.message.value = html.escape(text)

        def body() -> None:
            try:
                result = job()
                on_done(result)
            except Cancelled as err:
                self.message.value = f"<i>{html.escape(str(err))}</i>"
            except Exception as err:  # shown in the widget: the tool must keep working
                self.error = err
                self.message.value = _error_html(err)
                self.traceback = traceback.format_exc()
            finally:
                self.cancel_button.disabled = True
                self.cancel_button.layout.visibility = "hidden"
                self.bar.layout.visibility = "hidden"

        if self.background:
            self._thread = threading.Thread(target=body, daemon=True)
            self._thread.start()
        else:
            body()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running job (if any) has finished."""
        if self._thread is not None:
            self._thread.join(timeout)


class _Tool:
    """Base class: ``.ui`` is the root widget; displaying the tool displays it."""

    ui: Any
    status: Status

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.ui)

    def wait(self, timeout: float | None = None) -> _Tool:
        """Block until background work has finished (for scripts and tests); returns self."""
        self.status.wait(timeout)
        return self


# --- controls and settings shared by the tools ---------------------------------------
_STYLE = {"description_width": "70px"}  # the labels of the tools' dropdowns line up


def _dropdown(options: Iterable[Any], value: Any, description: str) -> Any:
    """A labelled ``ipywidgets.Dropdown`` in the tools' style."""
    return _widgets().Dropdown(options=list(options), value=value, description=description, style=_STYLE)


def _size(res: Resolution) -> str:
    return f"{res.width}x{res.height}"


def _size_label(res: Resolution) -> str:
    return f"{res.name} ({res.width}x{res.height})" if res.name else _size(res)


def _scene_names(names: Sequence[str] | None) -> tuple[str, ...]:
    """``names``, or every built-in scene."""
    if names is not None:
        return tuple(names)
    from lab import scenes

    return tuple(scenes.names())


def _method_names(names: Sequence[str] | None) -> tuple[str, ...]:
    """``names``, or every registered upscaler."""
    if names is not None:
        return tuple(names)
    from lab import upscale

    return tuple(upscale.methods())


def _settle_time(settle_s: object) -> float | None:
    """Seconds an image must stay still before its PNG replaces the JPEG; None: never by itself."""
    return None if settle_s is None else number(settle_s, "settle_s", minimum=0.0)


def _settings_given_once(settings: object, scene: str | None, options: dict[str, Any]) -> None:
    """Refuse a settings object together with a scene or keyword options: one would be ignored."""
    if settings is not None and (scene is not None or options):
        given = ", ".join(["scene"] * (scene is not None) + list(options))
        raise LabError(f"give either settings or keyword options, not both; got settings and {given}")


# --- 1. compare --------------------------------------------------------------------------
def _source_options(target: Resolution) -> list[tuple[str, str]]:
    out = []
    for d in SOURCE_DIVISORS:
        if target.width % d == 0 and target.height % d == 0:
            size = f"{target.width // d}x{target.height // d}"
            out.append((f"{size} (1/{d})", size))
    return out or [(f"{_size(target)} (1/1)", _size(target))]


def _with_value(options: list[tuple[str, str]], value: str, *, first: bool) -> list[tuple[str, str]]:
    """``options`` with ``value`` added (first or last) when it is not one of them yet."""
    if value in [v for _, v in options]:
        return options
    return [(value, value)] + options if first else options + [(value, value)]


@dataclass(frozen=True)
class CompareToolSettings:
    """What a :class:`Compare` shows, complete and checked: build it with :meth:`make`.

    Sizes are :class:`~lab.resolution.Resolution`; ``t`` is seconds; ``panel_width`` is the
    thumbnails' width in px; ``settle_s`` the seconds before a still JPEG becomes a PNG.
    """

    scene: str
    target: Resolution
    source: Resolution
    methods: tuple[str, ...]
    scene_names: tuple[str, ...]
    method_names: tuple[str, ...]
    motion: str
    seed: int
    t: float
    source_model: str
    scene_options: dict[str, Any]
    panel_width: int
    settle_s: float | None

    @classmethod
    def make(
        cls,
        scene: str | None = None,
        *,
        target: str | Resolution | None = None,
        source: str | Resolution | None = None,
        methods: Sequence[str] = ("bicubic",),
        seed: int = 0,
        t: float = 0.0,
        motion: str = "static",
        source_model: str = "camera",
        scene_options: dict | None = None,
        panel_width: int = 288,
        scene_names: Sequence[str] | None = None,
        method_names: Sequence[str] | None = None,
        settle_s: float | None = 0.3,
    ) -> CompareToolSettings:
        """Fill the defaults (this machine's size tier, every built-in scene and registered
        upscaler, the first scene) and check every value; raises :class:`LabError` naming the bad one.

        >>> CompareToolSettings.make("skin", target="256x144", source="64x36").methods
        ('bicubic',)
        """
        from lab import config

        tier = config.tier()
        scenes, upscalers = _scene_names(scene_names), _method_names(method_names)
        return cls(
            scene=choice(scenes[0] if scene is None else scene, "scene", scenes),
            target=parse(target) if target is not None else tier.target,
            source=parse(source) if source is not None else tier.source,
            methods=tuple(choice(m, "upscaler", upscalers) for m in methods),
            scene_names=scenes,
            method_names=upscalers,
            motion=choice(motion, "motion", MOTIONS),
            seed=integer(seed, "seed"),
            t=number(t, "t", minimum=0.0),
            source_model=check_source_model(source_model),
            scene_options=dict(scene_options or {}),
            panel_width=positive_int(panel_width, "panel_width"),
            settle_s=_settle_time(settle_s),
        )


class Compare(_Tool):
    """Native vs upscaled panels side by side, each labelled with method, resolution and render time.

    Controls: scene, motion, target and source resolution, upscaler(s) (every name in
    :func:`lab.upscale.methods`, learned and generative ones included), seed, time t (s) and a
    Render button. Renders go through a :class:`~lab.render_cache.RenderCache`, so repeating a
    setting is instant. ``renderer(key) -> frame`` replaces :func:`lab.render_cache.render_frame`
    (for your own frames or tests). After each render the listeners added with
    :meth:`on_render` are called (the loupe and the wipe use this).

    What it shows comes from ``settings`` (a :class:`CompareToolSettings`) or, without it, from
    ``scene`` and the keyword ``options`` of :meth:`CompareToolSettings.make`: target, source,
    methods, seed, t, motion, ``source_model`` (how the low-res frame is made,
    :data:`lab.native.SOURCE_MODELS`), ``scene_options`` (options of the first scene, for example
    ``{"k": 540.0}``, the zone plate's chirp rate, used while that scene is selected),
    panel_width, scene_names, method_names and settle_s.

    >>> c = Compare("skin", target="256x144", source="64x36", methods=["bicubic"], background=False)  # doctest: +SKIP
    >>> [r.key.method for r in c.renders]                                                               # doctest: +SKIP
    ['native', 'bicubic']
    """

    def __init__(
        self,
        scene: str | None = None,
        *,
        settings: CompareToolSettings | None = None,
        cache: RenderCache | None = None,
        renderer: Callable[[RenderKey], np.ndarray] | None = None,
        background: bool = True,
        render_now: bool = True,
        **options: Any,
    ) -> None:
        _settings_given_once(settings, scene, options)
        self.settings = settings or CompareToolSettings.make(scene, **options)
        self.panel_width, self.settle_s = self.settings.panel_width, self.settings.settle_s
        self.cache = cache if cache is not None else default_cache()
        self.renderer = renderer if renderer is not None else render_frame
        self.status = Status(background=background)
        self.renders: list[Render] = []
        self.errors: dict[str, BaseException] = {}
        self.box: Box | None = None  # loupe rectangle drawn on thumbnails
        self.scene_options = {self.settings.scene: dict(self.settings.scene_options)}
        self._listeners: list[Callable[[Compare], None]] = []
        self._thumbs: dict[RenderKey, np.ndarray] = {}
        self._views: list[ImageView] = []
        self._captions: list[Any] = []
        self._build_controls()
        self._wire()
        self.ui = self._layout()
        if render_now:
            self.render()

    def _build_controls(self) -> None:
        """One control per setting, starting at the settings' values, and the Render button."""
        w, s = _widgets(), self.settings
        self.scene = _dropdown(s.scene_names, s.scene, "scene")
        self.motion = _dropdown(MOTIONS, s.motion, "motion")
        targets = [(_size_label(parse(x)), _size(parse(x))) for x in TARGETS]
        self.target = _dropdown(_with_value(targets, _size(s.target), first=True), _size(s.target), "target")
        sources = _with_value(_source_options(s.target), _size(s.source), first=False)
        self.source = _dropdown(sources, _size(s.source), "source")
        self.methods = w.SelectMultiple(
            options=s.method_names,
            value=s.methods,
            description="upscalers",
            rows=min(6, max(3, len(s.method_names))),
            style=_STYLE,
        )
        self.source_model = _dropdown(SOURCE_MODELS, s.source_model, "source is")
        self.seed = w.IntText(value=s.seed, description="seed", style=_STYLE, layout=w.Layout(width="160px"))
        self.t = w.BoundedFloatText(
            value=s.t,
            min=0.0,
            max=600.0,
            step=1 / 24,
            description="t (s)",
            style=_STYLE,
            layout=w.Layout(width="160px"),
        )
        self.render_button = w.Button(description="Render", button_style="primary", icon="play")

    def _wire(self) -> None:
        self.render_button.on_click(lambda _: self.render())
        self.target.observe(self._on_target, names="value")

    def _layout(self) -> Any:
        """Controls in three columns, the status line, then the panels (filled by each render)."""
        w = _widgets()
        self.panels = w.HBox([], layout=w.Layout(flex_flow="row wrap"))
        self.panels.add_class("lab-compare-panels")
        controls = w.HBox(
            [
                w.VBox([self.scene, self.motion, self.target, self.source]),
                w.VBox([self.methods, self.source_model]),
                w.VBox([self.seed, self.t, self.render_button]),
            ]
        )
        ui = w.VBox([controls, self.status.ui, self.panels])
        ui.add_class("lab-compare")
        return ui

    # -- parameters -> keys -> renders
    def keys(self) -> list[RenderKey]:
        """The render keys the current control values ask for: native first, then each upscaler."""
        key = partial(
            RenderKey.make,
            self.scene.value,
            self.target.value,
            seed=int(self.seed.value),
            t=float(self.t.value),
            motion=str(self.motion.value),
            options=self.scene_options.get(self.scene.value),
        )
        upscaled = [
            key(method=m, source=self.source.value, source_model=str(self.source_model.value))
            for m in self.methods.value
        ]
        return [key()] + upscaled

    def _on_target(self, change: dict) -> None:
        tgt = parse(change["new"])
        old = parse(self.source.value)
        options = _source_options(tgt)
        values = [v for _, v in options]
        ratio = max(1, round(parse(change["old"]).width / old.width)) if change.get("old") else 4
        wanted = f"{tgt.width // ratio}x{tgt.height // ratio}"
        self.source.options = options
        self.source.value = wanted if wanted in values else values[min(len(values) - 1, 2)]

    def render(self) -> None:
        """Render (or fetch from the cache) every panel, in the background with progress."""
        try:
            keys = self.keys()
        except Exception as err:  # e.g. a source larger than the target: say so in the widget
            self.status.message.value = _error_html(err)
            return

        def job() -> tuple[list[Render], dict[str, BaseException]]:
            renders: list[Render] = []
            errors: dict[str, BaseException] = {}
            pace = _Pace(self.status, len(keys))
            for i, key in enumerate(keys):
                pace.at(i, f"rendering {key.label} ({i + 1}/{len(keys)})")
                try:
                    with on_steps(pace.inner):  # a diffusion upscale shows its steps and can be cancelled
                        renders.append(self.cache.get_or_render(key, partial(self.renderer, key)))
                except Cancelled:
                    raise
                except Exception as err:  # one failing upscaler must not hide the others
                    errors[key.label] = err
            self.status.step(len(keys), len(keys))
            return renders, errors

        self.status.run(job, self._rendered, text=self._render_estimate(keys))

    def _render_estimate(self, keys: list[RenderKey]) -> str:
        """ "rendering" and, where an upscaler is slow on this CPU (diffusion-sr), how slow (an estimate)."""
        from lab import budget, config

        tier = config.tier().name
        slow = [k for k in keys if k.method != NATIVE and k not in self.cache]
        seconds = [
            budget.upscale_seconds(k.method, Resolution(k.width, k.height), tier_name=tier) for k in slow
        ]
        total = sum(s for s in seconds if s is not None)
        if total < 5.0:
            return "rendering"
        return f"rendering: about {format_seconds(total)} of upscaling on a 2-core CPU (estimate)"

    def _rendered(self, result: tuple[list[Render], dict[str, BaseException]]) -> None:
        renders, errors = result
        self.renders, self.errors = renders, errors
        # thumbnails are kept per render key: re-showing cached renders does not shrink 4K frames again
        self._thumbs = {
            r.key: self._thumbs[r.key] if r.key in self._thumbs else viz.thumbnail(r.frame, self.panel_width)
            for r in renders
        }
        self._build_panels()
        if errors:
            self.status.message.value = "<br>".join(
                f"{html.escape(label)}: {_error_html(err)}" for label, err in errors.items()
            )
        else:
            total = sum(r.seconds for r in renders)
            self.status.message.value = f"{len(renders)} panels, {format_seconds(total)} of rendering"
        for listener in list(self._listeners):
            listener(self)

    def _build_panels(self) -> None:
        w = _widgets()
        self._views, self._captions, children = [], [], []
        for r in self.renders:
            view = ImageView(settle_s=self.settle_s, css_class="lab-compare-image")
            caption = w.HTML(value=f"<b>{html.escape(r.key.label)}</b><br>render {format_seconds(r.seconds)}")
            self._views.append(view)
            self._captions.append(caption)
            children.append(w.VBox([view.image, caption]))
        for label, err in self.errors.items():
            children.append(
                w.VBox(
                    [w.HTML(value=f"<b>{html.escape(label)}</b><br>{_error_html(err)}")],
                    layout=w.Layout(width=f"{self.panel_width}px"),
                )
            )
        self.panels.children = children
        self.redraw(sharp=True)

    def redraw(self, *, sharp: bool | None = None) -> None:
        """Re-send the thumbnails (with the loupe rectangle when :attr:`box` is set)."""
        for view, r in zip(self._views, self.renders):
            thumb = self._thumbs[r.key]
            if self.box is not None:
                thumb = viz.draw_box(thumb, self.box, thumb.shape[1] / r.frame.shape[1])
            view.show(thumb, sharp=sharp)

    def on_render(self, listener: Callable[[Compare], None]) -> None:
        """Call ``listener(compare)`` after every completed render."""
        self._listeners.append(listener)
        if self.renders:
            listener(self)

    @property
    def views(self) -> list[ImageView]:
        """The thumbnail views, one per successful render."""
        return list(self._views)

    def render_of(self, method: str) -> Render:
        """The current render of ``method`` ('native' or an upscaler name)."""
        for r in self.renders:
            if r.key.method == method:
                return r
        raise LabError(
            f"no {method!r} panel rendered; rendered: {', '.join(r.key.method for r in self.renders) or 'none'}"
        )


# --- 2. loupe ----------------------------------------------------------------------------
class Loupe(_Tool):
    """The same region magnified in every panel of a :class:`Compare`, nearest-neighbour so each
    pixel is a block, with an optional pixel grid.

    Move it with the x / y sliders (frame pixels of the loupe centre) and the zoom selector, or
    the 'jump to' menu of interesting regions (most detail; biggest error of each upscaler).
    On a new scene or frame size it opens again where the first upscaler differs most from
    native; a new upscaler, seed or time keeps the position, so the same place can be compared.
    Clicking on a thumbnail cannot move it: core ``ipywidgets.Image`` reports no clicks, and the
    click-aware widgets (ipyevents, ipycanvas) do not work on Colab. Each panel shows the crop's
    pixel coordinates, high-frequency share and sharpness (:func:`lab.viz.crop_metrics`).

    >>> loupe = Loupe(Compare("fabric", target="256x144", source="64x36", background=False))  # doctest: +SKIP
    >>> loupe.x.value = 100   # every panel updates                                          # doctest: +SKIP
    """

    def __init__(
        self,
        compare: Compare | None = None,
        *,
        zoom: int = 8,
        loupe_size: int = 288,
        grid: bool = True,
        metrics: bool = True,
        settle_s: float | None = 0.3,
        **compare_kwargs: Any,
    ) -> None:
        w = _widgets()
        if zoom not in ZOOMS:
            raise LabError(f"zoom must be one of {ZOOMS}, got {zoom!r}")
        self.compare = compare if compare is not None else Compare(settle_s=settle_s, **compare_kwargs)
        self.status = self.compare.status
        self.loupe_size = int(loupe_size)
        self.settle_s = settle_s
        self.show_metrics = metrics
        self.x = w.IntSlider(value=0, min=0, max=1, description="x (px)", continuous_update=True)
        self.y = w.IntSlider(value=0, min=0, max=1, description="y (px)", continuous_update=True)
        self.zoom = w.Dropdown(options=[(f"{z}x", z) for z in ZOOMS], value=zoom, description="zoom")
        self.grid = w.Checkbox(value=grid, description="pixel grid")
        self.sharp = w.ToggleButton(
            value=False, description="sharp (PNG)", tooltip="send lossless PNG on every move"
        )
        self.jump = w.Dropdown(options=[("jump to...", "")], value="", description="")
        self.info = w.HTML(value="")
        self.panels = w.HBox([], layout=w.Layout(flex_flow="row wrap"))
        self.panels.add_class("lab-loupe-panels")
        self.views: list[ImageView] = []
        self.captions: list[Any] = []
        self.crops: list[np.ndarray] = []
        self.metrics: list[dict[str, float]] = []
        self.box: tuple[int, int, int, int] | None = None
        self._listeners: list[Callable[[Loupe], None]] = []
        self._regions: dict[str, tuple[int, int]] = {}
        self._regions_of: tuple = ()
        self._scene: tuple | None = None  # (scene, width, height, options) the loupe was last opened on
        self._quiet = False
        for control in (self.x, self.y, self.zoom, self.grid):
            control.observe(lambda _: self.update(), names="value")
        self.sharp.observe(self._on_sharp, names="value")
        self.jump.observe(self._on_jump, names="value")
        controls = w.HBox(
            [w.VBox([self.x, self.y]), w.VBox([self.zoom, self.grid]), w.VBox([self.jump, self.sharp])]
        )
        self.ui = w.VBox([controls, self.info, self.panels])
        self.ui.add_class("lab-loupe")
        self.compare.on_render(self._on_render)

    def _on_render(self, compare: Compare) -> None:
        w = _widgets()
        if not compare.renders:
            self.panels.children = []
            return
        height, width = compare.renders[0].frame.shape[:2]
        native = next((r.frame for r in compare.renders if r.key.method == NATIVE), compare.renders[0].frame)
        others = {r.key.method: r.frame for r in compare.renders if r.key.method != NATIVE}
        box = max(4, self.loupe_size // int(self.zoom.value))
        signature = (tuple(r.key for r in compare.renders), box)
        if signature != self._regions_of:  # a full-frame search: only when the renders change
            self._regions = viz.interesting_regions(native, others, box=(box, box))
            self._regions_of = signature
        self._quiet = True
        try:
            key = compare.renders[0].key
            scene = (key.scene, key.width, key.height, key.options)
            moved = scene != self._scene  # a new scene or size: the old position means nothing there
            self._scene = scene
            self.x.max, self.y.max = width - 1, height - 1
            if moved:  # open where the first upscaler differs most from native: there is something to see
                start = next(
                    (xy for name, xy in self._regions.items() if name.startswith("biggest error")),
                    (width // 2, height // 2),
                )
                self.x.value, self.y.value = start
        finally:
            self._quiet = False
        self.jump.options = [("jump to...", "")] + [(name, name) for name in self._regions]
        self.jump.value = ""
        self.views = [ImageView(settle_s=self.settle_s, css_class="lab-loupe-image") for _ in compare.renders]
        for view in self.views:
            view.sharp = bool(self.sharp.value)
        self.captions = [w.HTML(value="") for _ in compare.renders]
        self.panels.children = [w.VBox([v.image, c]) for v, c in zip(self.views, self.captions)]
        self.update(sharp=True)

    def _on_sharp(self, change: dict) -> None:
        for view in self.views:
            view.sharp = bool(change["new"])
        if change["new"]:
            self.settle()

    def _on_jump(self, change: dict) -> None:
        name = change["new"]
        if not name or name not in self._regions:
            return
        x, y = self._regions[name]
        self._quiet = True
        try:
            self.x.value, self.y.value = x, y
        finally:
            self._quiet = False
        self.update()
        self.jump.value = ""  # back to the prompt, so the same region can be chosen again

    def update(self, *, sharp: bool | None = None) -> None:
        """Re-crop every panel at the current x, y, zoom and grid and send the images."""
        if self._quiet or not self.compare.renders:
            return
        zoom, grid = int(self.zoom.value), bool(self.grid.value)
        size = (self.loupe_size, self.loupe_size)
        crops, metrics = [], []
        for view, caption, r in zip(self.views, self.captions, self.compare.renders):
            image, box = viz.loupe(r.frame, self.x.value, self.y.value, zoom=zoom, size=size, grid=grid)
            x0, y0, x1, y1 = box
            mx0, my0, mx1, my1 = viz.metric_box(box, r.frame.shape[1], r.frame.shape[0])
            crop = r.frame[my0:my1, mx0:mx1]
            crops.append(crop)
            view.show(image, sharp=sharp)
            text = f"<b>{html.escape(r.key.label)}</b>"
            if self.show_metrics:
                m = viz.crop_metrics(crop)
                metrics.append(m)
                text += (
                    f"<br>HF share {m['high_frequency_share']:.3f} · sharpness {m['sharpness']:.1f} (levels²)"
                )
            caption.value = text
        self.box, self.crops, self.metrics = box, crops, metrics
        x0, y0, x1, y1 = box
        self.info.value = (
            f"x {x0}-{x1 - 1} px, y {y0}-{y1 - 1} px: {x1 - x0}x{y1 - y0} target pixels "
            f"shown at {zoom}x; metrics over {crop.shape[1]}x{crop.shape[0]} px"
        )
        self.compare.box = box
        self.compare.redraw(sharp=sharp)
        for listener in list(self._listeners):
            listener(self)

    def settle(self) -> None:
        """Send lossless PNGs of the current views now (thumbnails included)."""
        for view in self.views + self.compare.views:
            view.settle()

    def on_update(self, listener: Callable[[Loupe], None]) -> None:
        """Call ``listener(loupe)`` after every loupe move."""
        self._listeners.append(listener)


# --- 3. wipe -----------------------------------------------------------------------------
class Wipe(_Tool):
    """A slider that wipes between the native render and one upscaled render at the same crop.

    Given a :class:`Loupe`, the wipe shows the loupe's crop at the loupe's zoom (nearest
    neighbour, whole pixel blocks), so both say the same magnification; given a
    :class:`Compare`, the whole frame shrunk to ``width`` px (area averaging). ``position`` (0-1) is the
    fraction of the width showing the native render at the start; the slider holds it in
    percent (0-100), so a value typed into its readout, ``20`` or ``30%``, means that percent.
    """

    def __init__(
        self,
        source: Loupe | Compare,
        *,
        method: str | None = None,
        position: float = 0.5,
        width: int = 640,
        settle_s: float | None = 0.3,
    ) -> None:
        w = _widgets()
        self.loupe: Loupe | None
        if isinstance(source, Loupe):
            self.loupe, self.compare = source, source.compare
        elif isinstance(source, Compare):
            self.loupe, self.compare = None, source
        else:
            raise LabError(f"Wipe needs a Loupe or a Compare, got {type(source).__name__}")
        self.status = self.compare.status
        self.width = int(width)
        self.position = w.FloatSlider(
            value=100.0 * min(1.0, number(position, "position", minimum=0.0)),
            min=0.0,
            max=100.0,
            step=1.0,
            description="wipe (%)",
            readout_format=".0f",  # typed into the readout, "20" and "30%" are percent
            continuous_update=True,
        )
        self.method = w.Dropdown(options=[], description="upscaled")
        self.view = ImageView(settle_s=settle_s, css_class="lab-wipe-image")
        self.caption = w.HTML(value="")
        self.position.observe(lambda _: self.update(), names="value")
        self.method.observe(lambda _: self.update(), names="value")
        self.ui = w.VBox([w.HBox([self.position, self.method]), self.view.image, self.caption])
        self.ui.add_class("lab-wipe")
        self.compare.on_render(self._on_render)
        if self.loupe is not None:
            self.loupe.on_update(lambda _: self.update())

    @property
    def fraction(self) -> float:
        """The share of the width (0-1) showing the native render."""
        return float(self.position.value) / 100.0

    def _on_render(self, compare: Compare) -> None:
        names = [r.key.method for r in compare.renders if r.key.method != NATIVE]
        keep = self.method.value if self.method.value in names else (names[0] if names else None)
        self.method.options = names
        if keep is not None:
            self.method.value = keep
        self.update(sharp=True)

    def update(self, *, sharp: bool | None = None) -> None:
        """Recompose the wipe image at the current position, method and crop."""
        if not self.compare.renders or self.method.value is None:
            self.caption.value = "render a native and an upscaled panel to wipe between them"
            return
        try:
            native = self.compare.render_of(NATIVE)
            other = self.compare.render_of(self.method.value)
        except LabError as err:
            self.caption.value = _error_html(err)
            return
        a, b = native.frame, other.frame
        if self.loupe is not None and self.loupe.box is not None:
            x0, y0, x1, y1 = self.loupe.box
            zoom = int(self.loupe.zoom.value)  # the loupe's magnification: one zoom on screen, not two
            grid = bool(self.loupe.grid.value)
            a, b = (viz.magnify(f[y0:y1, x0:x1], zoom, grid=grid) for f in (a, b))
            where = f"crop x {x0}-{x1 - 1}, y {y0}-{y1 - 1} px at {zoom}x"
        else:
            a, b = viz.thumbnail(a, self.width), viz.thumbnail(b, self.width)
            where = f"whole frame shrunk to {a.shape[1]} px wide"
        self.view.show(viz.wipe(a, b, self.fraction), sharp=sharp)
        self.caption.value = (
            f"left {self.fraction:.0%}: <b>{html.escape(native.key.label)}</b> | right: "
            f"<b>{html.escape(other.key.label)}</b> ({where})"
        )


class Explorer(_Tool):
    """Compare, loupe and wipe wired together on one set of renders (see :func:`explore`)."""

    def __init__(self, scene: str | None = None, **kwargs: Any) -> None:
        w = _widgets()
        wipe_width = kwargs.pop("wipe_width", 640)
        loupe_kw = {k: kwargs.pop(k) for k in ("zoom", "loupe_size", "grid", "metrics") if k in kwargs}
        self.compare = Compare(scene, render_now=False, **kwargs)
        self.status = self.compare.status
        self.loupe = Loupe(self.compare, settle_s=self.compare.settle_s, **loupe_kw)
        self.wipe = Wipe(self.loupe, width=wipe_width, settle_s=self.compare.settle_s)
        self.ui = w.VBox([self.compare.ui, self.loupe.ui, self.wipe.ui])
        self.ui.add_class("lab-explorer")
        self.compare.render()


def explore(scene: str | None = None, **kwargs: Any) -> Explorer:
    """Side-by-side compare + synchronised loupe + wipe for a built-in scene.

    Keyword arguments go to :class:`Compare` (target, source, methods, seed, t, motion...) and
    to :class:`Loupe` (zoom, loupe_size, grid, metrics); ``wipe_width`` sizes the wipe.

    >>> explore("sign", target="1080p", source="480x270", methods=["bicubic", "lanczos"])  # doctest: +SKIP
    """
    return Explorer(scene, **kwargs)


# --- 4. flicker meter --------------------------------------------------------------------
class _CurvePlot:
    """The per-frame curve figure rendered once; the current-frame marker is drawn onto the
    cached pixels, so moving through frames costs a line and a JPEG, not a matplotlib draw."""

    def __init__(
        self, curves: dict[str, Sequence[float]], ylabel: str, threshold: float | None = None
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = viz.flicker_figure(curves, ylabel=ylabel, width_in=6.0, threshold=threshold)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        self.pixels = np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
        ax = fig.axes[0]
        height = self.pixels.shape[0]
        y_lo, y_hi = ax.get_ylim()
        (_, top) = ax.transData.transform((0, y_hi))
        (_, bottom) = ax.transData.transform((0, y_lo))
        self.rows = (int(height - top), int(height - bottom))
        self._x = lambda i: int(round(ax.transData.transform((i, y_lo))[0]))

    def at(self, frame: int) -> np.ndarray:
        from lab.optional import opencv

        cv2 = opencv()

        out = self.pixels.copy()
        x = self._x(frame)
        cv2.line(out, (x, self.rows[0]), (x, self.rows[1]), (214, 39, 40), 2)
        return out


def _vmaf_note(rep: Any, problem: str) -> str:
    """ "; VMAF of the upscaled clip 71.2 (NEG 70.0) ..." from a report, or why it is missing (HTML)."""
    try:
        standard, neg = rep.value("vmaf"), rep.value("vmaf_neg")
    except LabError:
        return f"; VMAF not available: {html.escape(problem)}" if problem else ""
    return f"; VMAF of the upscaled clip {standard:.1f} (NEG {neg:.1f}), 0-100, judged frame by frame: blind to flicker"


# Flicker of a still camera is the least telling case: it comes last in the meter's menu.
_FLICKER_MOTIONS = tuple(sorted(MOTIONS, key=lambda motion: motion == "static"))


@dataclass(frozen=True)
class FlickerMeterSettings:
    """What a :class:`FlickerMeter` renders and measures, complete and checked: build it with
    :meth:`make`. Sizes are :class:`~lab.resolution.Resolution`; ``fps`` frames per second;
    ``width`` the frames' display width in px; ``settle_s`` seconds before a still JPEG becomes a PNG.
    """

    scene: str
    target: Resolution
    source: Resolution
    method: str
    motion: str
    n_frames: int
    fps: float
    seed: int
    flow: Any
    width: int
    source_model: str
    scene_names: tuple[str, ...]
    method_names: tuple[str, ...]
    settle_s: float | None
    tier: str = "cpu"
    estimate_s: float | None = None

    @classmethod
    def make(
        cls,
        scene: str | None = None,
        *,
        target: str | Resolution | None = None,
        source: str | Resolution | None = None,
        method: str = "bicubic",
        motion: str = "pan",
        n_frames: int | None = None,
        fps: float = 24.0,
        seed: int = 0,
        flow: Any = "auto",
        width: int = 480,
        source_model: str = "camera",
        scene_names: Sequence[str] | None = None,
        method_names: Sequence[str] | None = None,
        settle_s: float | None = 0.3,
        clips: tuple[Any, Any] | None = None,
    ) -> FlickerMeterSettings:
        """Fill the defaults (the 'foliage' scene; sizes and clip length that this machine's tier
        renders and measures with ``method`` in about a minute, :func:`lab.budget.clip_plan`) and
        check every value; raises :class:`LabError` naming the bad one. ``estimate_s`` is the
        estimated time of the computation (``None`` on a GPU: measured from its first steps).
        With ``clips`` the frame rate is theirs and the menus hold only the given scene and
        method (no registry lookup).

        >>> FlickerMeterSettings.make("fabric", method="diffusion-sr").n_frames   # doctest: +SKIP
        12
        """
        from lab import budget, config

        tier = config.tier()
        scene = "foliage" if scene is None else scene
        if clips is not None:
            scene_names, method_names = scene_names or [scene], method_names or [method]
        scenes, upscalers = _scene_names(scene_names), _method_names(method_names)
        method = choice(method, "upscaler", upscalers)
        plan = budget.clip_plan(
            method, tier_name=tier.name, tier_target=tier.target, factor=tier.factor, frames=tier.frames
        )
        tgt = parse(target) if target is not None else plan.target
        if source is not None:
            src = parse(source)
        else:
            src = (
                plan.source
                if target is None
                else Resolution(tgt.width // tier.factor, tgt.height // tier.factor)
            )
        n = positive_int(n_frames if n_frames is not None else plan.n_frames, "n_frames")
        return cls(
            scene=choice(scene, "scene", scenes),
            target=tgt,
            source=src,
            method=method,
            motion=choice(motion, "motion", MOTIONS),
            n_frames=n,
            fps=positive_number(clips[0].fps if clips is not None else fps, "fps"),
            seed=integer(seed, "seed"),
            flow=flow,
            width=positive_int(width, "width"),
            source_model=check_source_model(source_model),
            scene_names=scenes,
            method_names=upscalers,
            settle_s=_settle_time(settle_s),
            tier=tier.name,
            estimate_s=None if clips is not None else budget.estimate(method, tgt, n, tier_name=tier.name),
        )

    def plan_text(self) -> str:
        """What a computation of these settings renders and how long it should take, for a person.

        >>> FlickerMeterSettings.make("fabric", target="384x216", n_frames=12).plan_text()  # doctest: +SKIP
        'renders 12 frames at 384x216 from 96x54 (bicubic): about 3 s on a 2-core CPU (estimate)'
        """
        what = f"renders {self.n_frames} frames at {_size(self.target)} from {_size(self.source)} ({self.method})"
        if self.estimate_s is None:
            return f"{what}: time estimated from the first steps"
        return f"{what}: about {format_seconds(self.estimate_s)} on a 2-core CPU (estimate)"


class FlickerMeter(_Tool):
    """Play a native and an upscaled clip in step, with a live per-frame flicker curve
    (current frame marked) and both clips' flicker heat maps.

    Flicker is shown as a person reads it: the RMS difference between consecutive frames left
    after motion compensation, in 8-bit grey levels, next to the visibility threshold of
    :func:`lab.metrics.visibility_threshold`. ``source_model`` names how the small frames are
    made (:data:`lab.native.SOURCE_MODELS`; "camera" by default).

    The Play button and the frame slider are linked kernel-side with ``widgets.link`` (the
    browser-side ``jslink`` is broken on Colab). Press 'Compute' to render both clips
    (cancellable between frames) and measure them in the same pass with one
    :class:`lab.metrics.ReportPass` (warp error, heat maps, VMAF) along the scenes'
    ground-truth motion.
    ``clips=(native_clip, upscaled_clip)`` measures clips you already have instead.

    What it renders comes from ``settings`` (a :class:`FlickerMeterSettings`) or, without it,
    from ``scene`` and the keyword ``options`` of :meth:`FlickerMeterSettings.make`: target,
    source, method, motion, n_frames, fps, seed, flow, width, source_model, scene_names,
    method_names and settle_s.
    """

    def __init__(
        self,
        scene: str | None = None,
        *,
        settings: FlickerMeterSettings | None = None,
        clips: tuple[Any, Any] | None = None,
        background: bool = True,
        compute_now: bool = True,
        **options: Any,
    ) -> None:
        _settings_given_once(settings, scene, options)
        self.settings = s = settings or FlickerMeterSettings.make(scene, clips=clips, **options)
        self.target_res, self.source_res, self.n_frames = s.target, s.source, s.n_frames
        self.fps, self.seed, self.flow, self.width = s.fps, s.seed, s.flow, s.width
        self._given = clips
        self.status = Status(background=background)
        self.frames: dict[str, list[np.ndarray]] = {}
        self.curves: dict[str, np.ndarray] = {}
        self.heatmaps: dict[str, np.ndarray] = {}
        self.results: dict[str, WarpError] = {}
        self._plot: _CurvePlot | None = None
        self._build_controls()
        self._build_views()
        self._wire()
        self.ui = self._layout()
        if compute_now:
            self.compute()

    def _build_controls(self) -> None:
        """The clip menus, the Compute button, and Play with its frame slider."""
        w, s = _widgets(), self.settings
        self.scene = _dropdown(s.scene_names, s.scene, "scene")
        self.motion = _dropdown(_FLICKER_MOTIONS, s.motion, "motion")
        self.method = _dropdown(s.method_names, s.method, "upscaler")
        self.source_model = _dropdown(SOURCE_MODELS, s.source_model, "source")
        self.compute_button = w.Button(description="Compute", button_style="primary", icon="play")
        self.play = w.Play(
            value=0, min=0, max=1, step=1, interval=int(1000 / min(self.fps, 8)), description="play"
        )
        self.frame = w.IntSlider(value=0, min=0, max=1, description="frame", continuous_update=True)

    def _build_views(self) -> None:
        """Both clips' frames with captions, the curve, the heat maps and the per-frame readout."""
        w, settle_s = _widgets(), self.settings.settle_s
        self.native_view = ImageView(settle_s=settle_s, css_class="lab-flicker-native")
        self.upscaled_view = ImageView(settle_s=settle_s, css_class="lab-flicker-upscaled")
        self.curve_view = ImageView(settle_s=settle_s, css_class="lab-flicker-curve")
        self.heat_view = ImageView(settle_s=None, css_class="lab-flicker-heatmap")
        self.native_caption, self.upscaled_caption = w.HTML(value=""), w.HTML(value="")
        self.readout = w.HTML(value="")

    def _wire(self) -> None:
        w = _widgets()
        self.compute_button.on_click(lambda _: self.compute())
        self._link = w.link((self.play, "value"), (self.frame, "value"))
        self.frame.observe(lambda _: self.update(), names="value")

    def _layout(self) -> Any:
        """Controls, status, Play and slider, readout, the two clips side by side, curve, heat maps."""
        w = _widgets()
        frames = w.HBox(
            [
                w.VBox([self.native_view.image, self.native_caption]),
                w.VBox([self.upscaled_view.image, self.upscaled_caption]),
            ]
        )
        ui = w.VBox(
            [
                self._controls_row(),
                self.status.ui,
                w.HBox([self.play, self.frame]),
                self.readout,
                frames,
                self.curve_view.image,
                self.heat_view.image,
            ]
        )
        ui.add_class("lab-flicker")
        return ui

    def _controls_row(self) -> Any:
        """The menus and Compute; with given clips, their names instead of menus naming a scene not playing."""
        w = _widgets()
        if self._given is None:
            return w.HBox(
                [
                    w.VBox([self.scene, self.motion]),
                    w.VBox([self.method, self.source_model]),
                    self.compute_button,
                ]
            )
        names = " vs ".join(
            html.escape(getattr(c, "name", "") or role)
            for c, role in zip(self._given, ("native", "upscaled"))
        )
        return w.HBox([w.HTML(value=f"measuring the clips you passed: <b>{names}</b>"), self.compute_button])

    def _clips(self) -> tuple[Any, Any]:
        if self._given is not None:
            return self._given
        from lab import native, scenes

        scene = scenes.get(self.scene.value, seed=self.seed, motion=self.motion.value)
        nat = native.render_clip(scene, self.target_res, self.n_frames, fps=self.fps, show_progress=False)
        up = native.upscaled_clip(
            scene,
            self.target_res,
            self.source_res,
            self.method.value,
            self.n_frames,
            fps=self.fps,
            seed=self.seed,
            show_progress=False,
            source_model=self.source_model.value,
        )
        return nat, up

    def compute(self) -> None:
        """Render both clips frame by frame (progress, Cancel) and measure them as they come in one
        :func:`lab.metrics.report` pass: flicker curves and heat maps along the motion, and VMAF."""
        from lab.metrics.reporting import ARMS

        def job() -> tuple[dict, dict, dict, dict, str]:
            nat, up = self._clips()
            other = self.method.value if self._given is None else (up.name or "upscaled")
            names = ("native", other if other != "native" else "upscaled")
            frames, rep, problem = self._render_and_measure(nat, up, names)
            results = {name: rep.warps[arm] for name, arm in zip(names, ARMS)}
            curves = {name: np.asarray(r.per_frame_levels, np.float64) for name, r in results.items()}
            heat = {name: rep.heatmaps[arm] for name, arm in zip(names, ARMS)}
            return frames, results, curves, heat, _vmaf_note(rep, problem)

        plan = (
            "measuring the clips you passed" if self._given is not None else self._settings_now().plan_text()
        )
        self.status.run(job, self._computed, text=plan)

    def _settings_now(self) -> FlickerMeterSettings:
        """The settings with the menus' current scene, motion, method and source model."""
        from dataclasses import replace

        from lab import budget

        s, method = self.settings, str(self.method.value)
        estimate = budget.estimate(method, s.target, s.n_frames, tier_name=s.tier)
        return replace(
            s,
            scene=str(self.scene.value),
            motion=str(self.motion.value),
            method=method,
            source_model=str(self.source_model.value),
            estimate_s=estimate,
        )

    def _render_and_measure(
        self, nat: Any, up: Any, names: tuple[str, str]
    ) -> tuple[dict[str, list[np.ndarray]], Any, str]:
        """Both clips' frames (kept for playback), their report, and why VMAF is missing if it is."""
        from collections.abc import Iterator

        from lab.memory import guard_clip
        from lab.metrics._common import clip_flow_fn
        from lab.metrics.reporting import ARMS, ReportPass

        n = min(len(nat), len(up))
        for clip in (nat, up):
            guard_clip(clip.resolution, n)
        measure = ReportPass(
            nat.resolution.shape,
            n,
            flow=self.flow,
            flow_fn=clip_flow_fn(nat) or clip_flow_fn(up),
            texture_frames=0,
            tof_pairs=0,
        )
        frames: dict[str, list[np.ndarray]] = {name: [] for name in names}
        pace = _Pace(self.status, n)

        def rendered() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for t in range(n):
                pace.at(t, f"rendering and measuring frame {t + 1}/{n}")
                pair = (nat.frame(t), up.frame(t))
                for name, frame in zip(names, pair):
                    frames[name].append(frame)
                yield pair

        with on_steps(pace.inner):  # steps inside one frame (the diffusion upscaler's): progress and Cancel
            measure.feed(rendered())
        self.status.step(n, n + 1, "VMAF of the upscaled clip")
        return frames, measure.finish(dict(zip(ARMS, names))), measure.vmaf_problem

    def _computed(self, result: tuple[dict, dict, dict, dict, str]) -> None:
        self.frames, self.results, self.curves, self.heatmaps, vmaf_note = result
        n = min(len(f) for f in self.frames.values())
        self.play.max = n - 1
        self.frame.max = n - 1
        threshold = min(r.threshold_levels for r in self.results.values())
        self._plot = _CurvePlot({k: list(v) for k, v in self.curves.items()}, viz.FLICKER_LABEL, threshold)
        heat_fig = viz.heatmap_figure(self.heatmaps, width_in=8.0)
        self.heat_view.show(_figure_pixels(heat_fig), sharp=True)
        summary = []
        for name, r in self.results.items():
            summary.append(
                f"<b>{html.escape(name)}</b>: flicker {html.escape(r.verdict)}"
                + ("" if r.reliable else f" <i>({html.escape(r.message)})</i>")
            )
        self.status.message.value = "; ".join(summary) + vmaf_note
        self.update(sharp=True)

    def update(self, *, sharp: bool | None = None) -> None:
        """Show frame ``self.frame.value`` of both clips and mark it on the curve."""
        if not self.frames or self._plot is None:
            return
        t = int(self.frame.value)
        (n_name, n_frames), (u_name, u_frames) = list(self.frames.items())[:2]
        self.native_view.show(viz.thumbnail(n_frames[t], self.width), sharp=sharp)
        self.upscaled_view.show(viz.thumbnail(u_frames[t], self.width), sharp=sharp)
        pair = min(t, len(next(iter(self.curves.values()))) - 1)
        self.curve_view.show(self._plot.at(pair), sharp=sharp)
        self.native_caption.value = f"<b>{html.escape(n_name)}</b> frame {t}"
        self.upscaled_caption.value = f"<b>{html.escape(u_name)}</b> frame {t}"
        values = ", ".join(f"{html.escape(k)} {v[pair]:.2f}" for k, v in self.curves.items())
        self.readout.value = (
            f"frame {t} at {t / self.fps:.3f} s; flicker (RMS difference after motion "
            f"compensation, 8-bit grey levels) of pair {pair} -> {pair + 1}: {values}"
        )


class _Pace:
    """Progress of a job of ``total`` units (frames) on a :class:`Status`, with steps inside a unit
    (:func:`lab.progress.on_steps`) and the time left at the measured pace."""

    clock = staticmethod(time.perf_counter)  # seconds

    def __init__(self, status: Status, total: int) -> None:
        self.status, self.total = status, total
        self.start = self.clock()
        self.unit = 0
        self.text = ""

    def at(self, unit: int, text: str) -> None:
        """Unit ``unit`` (0-based) begins."""
        self.unit, self.text = unit, text
        self._show(unit / self.total, text)

    def inner(self, done: int, total: int, what: str) -> None:
        """``done`` of ``total`` steps of ``what`` inside the current unit are done."""
        fraction = (self.unit + done / max(1, total)) / self.total
        self._show(fraction, f"{self.text}: {what} {done}/{total}")

    def _show(self, fraction: float, text: str) -> None:
        elapsed = self.clock() - self.start
        if fraction > 0 and elapsed > 0.5:
            text += f"; about {format_seconds(elapsed * (1 - fraction) / fraction)} left"
        self.status.fraction(fraction, text)


# --- 5. cost explorer --------------------------------------------------------------------
class CostExplorer(_Tool):
    """Render time and memory against pixel count, native vs low-res + upscale, measured on
    this device with :func:`lab.cost.measure`; the plot shows the fitted power law
    ``time = a * pixels^b`` and the 4K point (a hollow star when extrapolated)."""

    def __init__(
        self,
        scene: str = "zoneplate",
        *,
        method: str = "bicubic",
        sizes: Sequence[str] | None = None,
        factor: int = 4,
        repeats: int = 2,
        background: bool = True,
        measure_now: bool = False,
        scene_names: Sequence[str] | None = None,
        method_names: Sequence[str] | None = None,
        measure: Callable[..., Any] | None = None,
    ) -> None:
        from lab import cost

        w = _widgets()
        all_sizes = [_size(r) for r in cost.default_sizes(factor)]
        chosen = list(sizes) if sizes is not None else all_sizes
        options = list(dict.fromkeys(all_sizes + chosen + ["1920x1080", "3840x2160"]))
        self.factor = int(factor)
        self._measure = measure or cost.measure
        self.status = Status(background=background)
        self.scene = _dropdown(_scene_names(scene_names), scene, "scene")
        self.method = _dropdown(_method_names(method_names), method, "upscaler")
        self.sizes = w.SelectMultiple(
            options=options, value=tuple(chosen), description="sizes", rows=6, style=_STYLE
        )
        self.repeats = w.IntSlider(value=repeats, min=1, max=9, description="repeats", style=_STYLE)
        self.measure_button = w.Button(description="Measure", button_style="primary", icon="play")
        self.measure_button.on_click(lambda _: self.measure())
        self.plot = ImageView(settle_s=None, css_class="lab-cost-plot")
        self.table = w.HTML(value="")
        self.report: Any = None
        controls = w.HBox([w.VBox([self.scene, self.method, self.repeats, self.measure_button]), self.sizes])
        self.ui = w.VBox([controls, self.status.ui, self.plot.image, self.table])
        self.ui.add_class("lab-cost")
        if measure_now:
            self.measure()

    def measure(self) -> None:
        """Measure the chosen sizes in the background; Cancel stops between renders."""

        def job() -> Any:
            return self._measure(
                self.scene.value,
                list(self.sizes.value),
                method=self.method.value,
                factor=self.factor,
                repeats=int(self.repeats.value),
                cancel=self.status.cancelled,
                on_step=lambda i, n, text: self.status.step(i, n, f"measuring {text}"),
                show_progress=False,
            )

        self.status.run(job, self._measured, text="measuring")

    def _measured(self, report: Any) -> None:
        self.report = report
        fig = viz.cost_figure(report)
        self.plot.show(_figure_pixels(fig), sharp=True)
        self.table.value = f"<pre>{html.escape(report.table())}</pre>"
        parts = []
        for mode in ("native", "upscaled"):
            if mode in report.fits:
                est = report.at(mode)
                if est.measured:
                    parts.append(f"{mode} at 4K: {format_seconds(est.seconds)} (measured)")
                else:
                    parts.append(
                        f"{mode} at 4K: <b>extrapolated</b> ~{format_seconds(est.seconds)}, "
                        f"{est.peak_bytes / 2**20:.0f} MiB ({html.escape(report.extrapolation_note(mode))}; "
                        "add 3840x2160 to the sizes to measure it)"
                    )
        self.status.message.value = "; ".join(parts)


def _figure_pixels(fig: Any) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
