"""The loupe and the flicker meter in Colab's widget front end: classic Notebook 6.5 + ipywidgets 7.7.1.

Colab renders widgets with ipywidgets 7.7.1 in a classic-notebook-like front end, not with the
ipywidgets 8 of a JupyterLab install. This test builds that pairing and drives it in Debian's
Chromium through Playwright:

* the notebook server runs in a virtual environment of its own, made in a temporary folder, with
  Colab's front-end versions (``[colab.frontend]`` in tools/environments.toml: ``notebook`` 6.5.7,
  whose page loads the widget manager of ``widgetsnbextension`` 3.6.10);
* the kernel runs this Python (where the course and its dependencies are installed) with Colab's
  ``ipywidgets`` 7.7.1 placed first on ``sys.path``, so the kernel speaks ipywidgets 7's protocol;
* a notebook shows the explorer (compare + loupe) and the flicker meter at thumbnail size
  (``LAB_SMOKE=1``); the test waits for their images, moves the loupe's x slider with the keyboard
  and checks that the loupe image changed, presses Play on the flicker meter and checks that the
  frame advanced and the curve's marker moved, and fails on any widget error in the page (a
  console error, an uncaught exception, "Error displaying widget") or an error in a cell.

Needs Debian's Chromium (``apt-get install -y chromium chromium-driver``); skipped without it.
Needs the package registry (or pip's cache) to build the server's environment. Screenshots go
to test-artifacts/.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
import tomllib
import venv
from pathlib import Path

import pytest
from test_widgets_browser import CHROMIUM, CHROMIUM_ARGS, IMAGES_LOADED, ROOT, _free_port, serve
from test_widgets_browser import _shot as _browser_shot

_shot = functools.partial(_browser_shot, prefix="classic")

FRONTEND = tomllib.loads((ROOT / "tools" / "environments.toml").read_text(encoding="utf-8"))["colab"][
    "frontend"
]
KERNEL = "colab-ipywidgets7"
# The cells a student runs: the explorer (its loupe under the panels) and the flicker meter.
CELLS = [
    "import ipywidgets\nprint('ipywidgets', ipywidgets.__version__)",
    "from lab import widgets\n"
    'explorer = widgets.explore("zoneplate", methods=["bicubic", "lanczos"], background=False)\n'
    "explorer",
    'widgets.FlickerMeter("fabric", n_frames=4, background=False)',
]
# What a widget that cannot be shown leaves in the page, in ipywidgets 7's and 8's words.
WIDGET_ERRORS = ("Error displaying widget", "Could not create", "A Jupyter widget could not be displayed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install -y chromium chromium-driver)",
    ),
]


def _pip(python: Path, *args: str, cwd: Path) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *args], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, f"pip install {' '.join(args)} failed:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    """A classic Notebook 6.5 server (its own venv) whose kernel has ipywidgets 7.7.1 first on its path."""
    base = tmp_path_factory.mktemp("classic")
    server_env, overlay, data, root, runtime = (
        base / n for n in ("server-venv", "ipywidgets7", "jupyter-data", "root", "runtime")
    )
    for d in (overlay, data, root, runtime):
        d.mkdir()
    venv.create(server_env, with_pip=True)
    server_python = server_env / "bin" / "python"
    _pip(
        server_python,
        f"notebook=={FRONTEND['notebook']}",
        f"widgetsnbextension=={FRONTEND['widgetsnbextension']}",
        cwd=base,
    )
    # Colab's ipywidgets for the kernel, ahead of this Python's own (an 8.x for JupyterLab)
    _pip(
        Path(sys.executable),
        "--no-deps",
        "--target",
        str(overlay),
        f"ipywidgets=={FRONTEND['ipywidgets']}",
        "ipython_genutils",
        cwd=base,
    )
    pythonpath = os.pathsep.join([str(overlay), str(ROOT)])
    spec = data / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipywidgets 7.7.1)",
                "language": "python",
                "env": {"PYTHONPATH": pythonpath, "LAB_SMOKE": "1", "LAB_DEVICE": "cpu"},
            }
        )
    )
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3 (ipywidgets 7.7.1)"}
    nbformat.write(notebook, root / "colab_widgets.ipynb")

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH", "VIRTUAL_ENV"))}
    env.update(JUPYTER_PATH=str(data), JUPYTER_RUNTIME_DIR=str(runtime), LAB_SMOKE="1")
    cmd = [
        str(server_python),
        "-m",
        "notebook",
        "--no-browser",
        f"--port={port}",
        "--NotebookApp.ip=127.0.0.1",
        "--NotebookApp.token=",
        "--NotebookApp.password=",
        f"--NotebookApp.notebook_dir={root}",
        "--NotebookApp.disable_check_xsrf=True",
        "--allow-root",
    ]
    log_path = base / "server.log"
    with serve(cmd, cwd=root, env=env, port=port, log_path=log_path, name="the notebook server") as url:
        yield url, log_path


KERNEL_IDLE = """() => {
    const nb = window.Jupyter && Jupyter.notebook;
    return !!(nb && nb.kernel && nb.kernel.is_connected() && !nb.kernel_busy
              && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'));
}"""
# every cell ran, or one raised (the kernel then skips the cells after it)
CELLS_DONE = """(n) => {
    const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code');
    return !!document.querySelector('#notebook .output_error')
        || (cells.length === n && cells.every(c => typeof c.input_prompt_number === 'number'));
}"""


def _wait(pg, problems: list[str], script: str, arg: object = None, timeout_s: float = 60) -> None:
    """``pg.wait_for_function``, failing at once, with them, when the page reports widget errors."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout_s
    while True:
        if problems:
            raise AssertionError("widget errors in the browser:\n" + "\n".join(problems[:10]))
        try:
            pg.wait_for_function(script, arg=arg, timeout=2_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                _shot(pg, "timeout")  # what the page showed when the wait gave up
                state = pg.evaluate(
                    "(sel) => sel ? Array.from(document.querySelectorAll(sel)).map(i => "
                    "[String(i.src).slice(0, 40), i.complete, i.naturalWidth]) : null",
                    arg if isinstance(arg, str) else None,
                )
                raise AssertionError(
                    f"timed out waiting for {script[:60]!r} (arg {arg!r}); elements: {state}"
                ) from None


def test_loupe_and_flicker_meter_work_in_classic_notebook_with_ipywidgets_7(classic):
    from playwright.sync_api import sync_playwright  # a dev dependency: missing it is an error, not a skip

    url, log_path = classic
    problems: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 1400, "height": 1400})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.on("pageerror", lambda err: problems.append(f"uncaught in the page: {err}"))
        pg.on(
            "console",
            lambda msg: (
                problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" and "favicon" not in msg.text and "custom.js" not in msg.text
                else None
            ),
        )
        try:
            pg.goto(f"{url}/notebooks/colab_widgets.ipynb")
            _wait(pg, problems, KERNEL_IDLE, timeout_s=120)
            # the classic page (notebook 6.5 serves nbclassic's front end) with ipywidgets 7's manager
            widget_modules = pg.evaluate(
                "() => Object.keys(require.s.contexts._.defined).filter(m => m.includes('jupyter-js-widgets'))"
            )
            assert widget_modules, "widgetsnbextension's widget manager was not loaded"
            pg.evaluate("() => Jupyter.notebook.execute_all_cells()")
            _wait(pg, problems, CELLS_DONE, arg=len(CELLS), timeout_s=300)
            _wait(pg, problems, KERNEL_IDLE, timeout_s=300)
            outputs = pg.locator("#notebook .output_area").all_inner_texts()
            assert any(f"ipywidgets {FRONTEND['ipywidgets']}" in text for text in outputs), outputs
            errors = pg.locator("#notebook .output_error").all_inner_texts()
            assert not errors, f"a cell raised:\n{errors[0][-3000:]}"

            # the loupe: its images load, and moving its x slider changes the image
            loupe_imgs = ".lab-loupe img.lab-loupe-image"
            pg.locator(".lab-loupe").first.scroll_into_view_if_needed()
            _wait(pg, problems, IMAGES_LOADED, arg=loupe_imgs, timeout_s=120)
            time.sleep(1.0)  # let the PNG-at-rest replace the first JPEG
            pg.locator(".lab-loupe").first.scroll_into_view_if_needed()
            _shot(pg, "explorer-before")
            before_src = pg.eval_on_selector_all(loupe_imgs, "imgs => imgs.map(i => i.src)")
            before_png = pg.locator(loupe_imgs).first.screenshot()
            readout = ".lab-loupe .widget-slider .widget-readout"
            before_text = pg.locator(readout).first.inner_text()
            # ipywidgets 7 draws sliders with jQuery UI; 8 with noUiSlider
            handle = pg.locator(".lab-loupe .widget-slider .ui-slider-handle").first
            handle.focus()
            for _ in range(12):
                pg.keyboard.press("ArrowRight")
            pg.keyboard.press("PageUp")
            _wait(
                pg,
                problems,
                "([sel, old]) => { const r = document.querySelector(sel); return r && r.innerText !== old; }",
                arg=[readout, before_text],
                timeout_s=30,
            )
            _wait(
                pg,
                problems,
                "([sel, old]) => Array.from(document.querySelectorAll(sel)).some((img, i) => img.src !== old[i])",
                arg=[loupe_imgs, before_src],
                timeout_s=30,
            )
            _wait(pg, problems, IMAGES_LOADED, arg=loupe_imgs, timeout_s=30)
            time.sleep(1.0)
            after_png = pg.locator(loupe_imgs).first.screenshot()
            _shot(pg, "explorer-after")
            _shot(pg, "loupe-after", ".lab-loupe")
            assert after_png != before_png, "the loupe image looks the same after moving the slider"
            assert "px" in pg.locator(".lab-loupe .widget-html").first.inner_text()

            # the flicker meter: computed at thumbnail size; Play advances the frame and the marker
            curve = ".lab-flicker img.lab-flicker-curve"
            _wait(pg, problems, IMAGES_LOADED, arg=curve, timeout_s=120)
            _wait(pg, problems, IMAGES_LOADED, arg=".lab-flicker img.lab-flicker-heatmap", timeout_s=60)
            pg.locator(".lab-flicker").first.scroll_into_view_if_needed()
            time.sleep(1.0)
            before = pg.locator(curve).first.screenshot()
            frame = ".lab-flicker .widget-slider .widget-readout"
            assert pg.locator(frame).first.inner_text().strip() == "0"
            pg.locator(".lab-flicker .widget-play button").first.click()
            _wait(
                pg,
                problems,
                "(sel) => { const r = document.querySelector(sel); return r && r.innerText.trim() !== '0'; }",
                arg=frame,
                timeout_s=30,
            )
            time.sleep(2.0)  # without 'repeat', Play stops at the last frame
            _wait(pg, problems, IMAGES_LOADED, arg=curve, timeout_s=30)
            after = pg.locator(curve).first.screenshot()
            _shot(pg, "flicker-meter", ".lab-flicker")
            _shot(pg, "page")
            assert after != before, "the frame marker on the warp-error curve did not move"

            page_text = pg.locator("#notebook").inner_text()
            problems += [f"page shows: {words}" for words in WIDGET_ERRORS if words in page_text]
        finally:
            context.close()
            chromium.close()
    assert not problems, "widget errors in the browser:\n" + "\n".join(problems[:10])
