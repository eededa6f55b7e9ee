"""The interactive tools in a real browser: JupyterLab + headless Chromium through Playwright.

Starts ``jupyter lab`` on 127.0.0.1 (free port, empty token, a temporary root folder holding a
copy of the notebook, notebook windowing mode 'none' so off-screen cells render), runs every
cell, waits for the loupe images to load, moves the loupe's x slider with the keyboard and
checks that the displayed loupe image changed. Screenshots go to test-artifacts/.

Needs Debian's Chromium (``apt-get install -y chromium chromium-driver``); skipped without it.
The kernel runs with ``LAB_SMOKE=1`` so renders are thumbnail sized.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The notebook to drive. None: a small generated notebook calling lab.widgets (below). Point it
# at a lesson, e.g. ROOT / "lessons" / "01_pixels_and_resolution.ipynb", to test that instead.
NOTEBOOK: Path | None = None
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium chromium-driver)"),
]

GENERATED_CELLS = [
    ("markdown", "# Widgets smoke notebook\nCompare, loupe and wipe on a zone plate, then the flicker meter."),
    ("code", "from lab import widgets"),
    ("code", 'tool = widgets.explore("zoneplate", methods=["bicubic", "nearest"], zoom=8, loupe_size=256)\ntool'),
    ("code", 'meter = widgets.FlickerMeter("foliage", method="bicubic", motion="pan", width=256)\nmeter'),
]


def _notebook_json(cells: list[tuple[str, str]]) -> dict:
    out = []
    for i, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"cell-{i}", "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return {
        "cells": out,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    """User settings: render every cell (no windowing), no news or update pop-ups."""
    tracker = settings_dir / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    notes = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    """A JupyterLab server on a free localhost port serving a temp folder with the notebook."""
    base = tmp_path_factory.mktemp("jupyter")
    root, settings, workspaces, runtime = (base / n for n in ("root", "settings", "workspaces", "runtime"))
    for d in (root, settings, workspaces, runtime):
        d.mkdir()
    _write_settings(settings)
    if NOTEBOOK is not None:
        name = NOTEBOOK.name
        shutil.copy(NOTEBOOK, root / name)
    else:
        name = "widgets_smoke.ipynb"
        (root / name).write_text(json.dumps(_notebook_json(GENERATED_CELLS), indent=1))
    port = _free_port()
    env = dict(os.environ, LAB_SMOKE="1", JUPYTER_RUNTIME_DIR=str(runtime),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
           "--ServerApp.disable_check_xsrf=True", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={workspaces}", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.open_browser=False", "--allow-root"]
    log = open(base / "server.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{(base / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"jupyter lab did not start:\n{(base / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, name, base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(jupyter):
    from playwright.sync_api import sync_playwright  # a dev dependency: missing it is an error, not a skip

    url, name, _ = jupyter
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(f"{url}/lab/tree/{name}")
        pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
        pg.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        _wait_kernel_idle(pg)
        yield pg
        context.close()
        browser.close()


def _wait_kernel_idle(pg, timeout_s: float = 120) -> None:
    pg.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            return k && k.status === 'idle';
        }""",
        timeout=timeout_s * 1000,
    )


def _shot(pg, name: str, selector: str | None = None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    if selector is None:
        pg.screenshot(path=str(path), full_page=True)
    else:
        pg.locator(selector).first.screenshot(path=str(path))
    return path


IMAGES_LOADED = """(sel) => {
    const imgs = Array.from(document.querySelectorAll(sel));
    return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""


def test_loupe_slider_changes_the_image_in_a_real_browser(page):
    pg = page
    pg.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    pg.wait_for_selector(".lab-loupe", timeout=120_000)
    loupe_imgs = ".lab-loupe img.lab-loupe-image"
    pg.wait_for_function(IMAGES_LOADED, arg=loupe_imgs, timeout=120_000)
    _wait_kernel_idle(pg)
    time.sleep(1.0)  # let the PNG-at-rest replace the first JPEG
    pg.locator(".lab-loupe").first.scroll_into_view_if_needed()
    _shot(pg, "explorer-before")
    before_src = pg.eval_on_selector_all(loupe_imgs, "imgs => imgs.map(i => i.src)")
    before_png = pg.locator(loupe_imgs).first.screenshot()
    readout = pg.locator(".lab-loupe .widget-slider .widget-readout").first
    before_text = readout.inner_text()

    handle = pg.locator(".lab-loupe .widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(12):
        pg.keyboard.press("ArrowRight")
    pg.keyboard.press("PageUp")
    pg.wait_for_function(
        "([sel, old]) => { const r = document.querySelector(sel); return r && r.innerText !== old; }",
        arg=[".lab-loupe .widget-slider .widget-readout", before_text], timeout=30_000)
    pg.wait_for_function(
        "([sel, old]) => Array.from(document.querySelectorAll(sel)).some((img, i) => img.src !== old[i])",
        arg=[loupe_imgs, before_src], timeout=30_000)
    pg.wait_for_function(IMAGES_LOADED, arg=loupe_imgs, timeout=30_000)
    time.sleep(1.0)
    after_png = pg.locator(loupe_imgs).first.screenshot()
    _shot(pg, "explorer-after")
    _shot(pg, "loupe-after", ".lab-loupe")
    assert readout.inner_text() != before_text
    assert after_png != before_png, "the loupe image looks the same after moving the slider"
    info = pg.locator(".lab-loupe .widget-html").first.inner_text()
    assert "px" in info


def test_flicker_meter_plays_in_a_real_browser(page):
    pg = page
    pg.wait_for_selector(".lab-flicker", timeout=120_000)
    curve = ".lab-flicker img.lab-flicker-curve"
    pg.wait_for_function(IMAGES_LOADED, arg=curve, timeout=180_000)
    pg.wait_for_function(IMAGES_LOADED, arg=".lab-flicker img.lab-flicker-heatmap", timeout=60_000)
    pg.locator(".lab-flicker").first.scroll_into_view_if_needed()
    time.sleep(1.0)
    before = pg.locator(curve).first.screenshot()
    readout = pg.locator(".lab-flicker .widget-slider .widget-readout").first
    assert readout.inner_text().strip() == "0"
    # Play is linked to the frame slider in the kernel (widgets.link): pressing it must advance the frames
    pg.locator(".lab-flicker .widget-play button").first.click()
    pg.wait_for_function(
        "(sel) => { const r = document.querySelector(sel); return r && r.innerText.trim() !== '0'; }",
        arg=".lab-flicker .widget-slider .widget-readout", timeout=30_000)
    time.sleep(2.0)  # without 'repeat', Play stops at the last frame
    pg.wait_for_function(IMAGES_LOADED, arg=curve, timeout=30_000)
    after = pg.locator(curve).first.screenshot()
    _shot(pg, "flicker-meter", ".lab-flicker")
    assert readout.inner_text().strip() != "0"
    assert after != before, "the frame marker on the warp-error curve did not move"
