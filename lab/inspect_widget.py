"""The inspector widget: point :func:`lab.inspect.inspect_clip` at a clip and read its evidence.

A dropdown of example clips (see :mod:`lab.inspect_examples`) and a text box for the path
of the student's own mp4 or folder of frames; Inspect runs the search in the background with
a progress bar and Cancel, then shows the error curve and the spectrum (one figure, sent as
a PNG of its on-screen size) and the plain-text verdict.

>>> from lab.inspect_widget import Inspector
>>> tool = Inspector({"my clip": "my_clip.mp4"}, inspect_now=False)   # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab.errors import LabError
from lab.widgets import ImageView, Status, _figure_pixels, _Tool, _widgets


class Inspector(_Tool):
    """Inspect example clips or the student's own: verdict, error curve, spectrum, flicker.

    ``clips`` maps labels to paths (or is a list of :class:`lab.inspect_examples.Example`);
    ``path`` pre-fills the "your clip" box, which wins over the dropdown when not empty.
    ``inspect_fn`` replaces :func:`lab.inspect.inspect_clip` (tests). ``background=False``
    runs inline. After a run, ``.result`` is the :class:`~lab.inspect.InspectResult`.
    """

    def __init__(
        self,
        clips: dict[str, str | os.PathLike[str]] | list[Any] | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        frames: int = 4,
        flicker: bool = True,
        background: bool = True,
        inspect_now: bool = True,
        inspect_fn: Callable[..., Any] | None = None,
    ) -> None:
        w = _widgets()
        if isinstance(clips, list):
            table = {ex.label: ex.path for ex in clips}
        else:
            table = dict(clips or {})
        if not table and path is None:
            raise LabError("give example clips (a dict label -> path) or the path of your own clip")
        self.clips = {str(k): Path(v) for k, v in table.items()}
        self.frames = int(frames)
        self.flicker = bool(flicker)
        if inspect_fn is None:
            from lab.inspect import inspect_clip

            inspect_fn = inspect_clip
        self._inspect = inspect_fn
        self.status = Status(background=background)
        labels = list(self.clips) or ["(your clip)"]
        self.choice = w.Dropdown(
            options=labels, value=labels[0], description="example", style={"description_width": "70px"}
        )
        self.path = w.Text(
            value=str(path) if path is not None else "",
            placeholder="or the path of your own mp4 or folder of frames",
            description="your clip",
            style={"description_width": "70px"},
            layout=w.Layout(width="460px"),
        )
        self.button = w.Button(description="Inspect", button_style="primary", icon="search")
        self.button.on_click(lambda _: self.inspect())
        self.plot = ImageView(settle_s=None, css_class="lab-inspect-plot")
        self.summary = w.HTML(value="")
        self.result: Any = None
        self.ui = w.VBox(
            [w.HBox([self.choice, self.path, self.button]), self.status.ui, self.plot.image, self.summary]
        )
        self.ui.add_class("lab-inspect")
        if inspect_now:
            self.inspect()

    def target(self) -> Path:
        """The clip Inspect runs on: the typed path if any, else the chosen example."""
        typed = self.path.value.strip()
        if typed:
            return Path(typed).expanduser()
        if self.choice.value not in self.clips:
            raise LabError("type the path of your clip in the box first")
        return self.clips[self.choice.value]

    def inspect(self) -> None:
        """Inspect the current clip in the background; Cancel stops between candidates."""
        try:
            target = self.target()
        except LabError as err:
            self.status.message.value = f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
            return

        def job() -> Any:
            return self._inspect(
                target,
                frames=self.frames,
                flicker=self.flicker,
                show_progress=False,
                on_step=lambda i, n, text: self.status.step(i, n, text),
            )

        self.status.run(job, self._shown, text=f"inspecting {target.name}")

    def _shown(self, result: Any) -> None:
        import matplotlib.pyplot as plt

        self.result = result
        fig = result.plot()
        try:
            self.plot.show(_figure_pixels(fig), sharp=True)
        finally:
            plt.close(fig)
        self.summary.value = f"<pre>{html.escape(result.summary())}</pre>"
        self.status.message.value = html.escape(
            f"{result.verdict}"
            + (f" from ~{result.estimated_source_height}p" if result.estimated_source_height else "")
            + f" ({result.seconds:.1f} s)"
        )
