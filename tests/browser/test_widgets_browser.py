"""The interactive tools in a real browser: JupyterLab + headless Chromium through Playwright.

Starts ``jupyter lab`` on 127.0.0.1 (free port, empty token, a temporary root folder holding a
copy of two lesson notebooks, notebook windowing mode 'none' so off-screen cells render), runs
every cell of lesson 1, waits for the loupe images to load, moves the loupe's x slider with the
keyboard and checks that the displayed loupe image changed; then runs lesson 9 and presses Play
on its flicker meter. Screenshots go to test-artifacts/.

Needs Debian's Chromium (``apt-get install -y chromium chromium-driver``); skipped without it.
The kernel runs with ``LAB_SMOKE=1`` so renders are thumbnail sized.
"""

from __future__ import annotations

import contextlib
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
# The lessons driven here: lesson 1 opens with the explorer (compare + loupe + wipe) on the zone
# plate, lesson 9 ends with the flicker meter on a clip pair.
LOUPE_LESSON = ROOT / "lessons" / "01_pixels_and_resolution.ipynb"
FLICKER_LESSON = ROOT / "lessons" / "09_bring_your_own_clip.ipynb"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install -y chromium chromium-driver)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(cmd: list[str], *, cwd: Path, env: dict[str, str], port: int, log_path: Path, name: str):
    """Start a Jupyter server (``cmd``), wait until its /api/status answers, yield its URL; stop it after."""
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
    for lesson in (LOUPE_LESSON, FLICKER_LESSON):
        shutil.copy(lesson, root / lesson.name)
    port = _free_port()
    env = dict(
        os.environ,
        LAB_SMOKE="1",
        JUPYTER_RUNTIME_DIR=str(runtime),
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.expose_app_in_browser=True",
        "--ServerApp.open_browser=False",
        "--allow-root",
    ]
    with serve(cmd, cwd=root, env=env, port=port, log_path=base / "server.log", name="jupyter lab") as url:
        yield url, base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # a dev dependency: missing it is an error, not a skip

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _open(browser, jupyter, lesson: Path):
    """A new page with ``lesson`` open in JupyterLab and its kernel idle."""
    url, _ = jupyter
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    # a workspace of its own, so the layout saved by an earlier test does not reopen its notebook
    pg.goto(f"{url}/lab/workspaces/{lesson.stem}/tree/{lesson.name}")
    pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
    pg.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    _wait_kernel_idle(pg)
    return context, pg


def _run_all(pg) -> None:
    pg.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def _wait_kernel_idle(pg, timeout_s: float = 120) -> None:
    pg.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            return k && k.status === 'idle';
        }""",
        timeout=timeout_s * 1000,
    )


def _shot(pg, name: str, selector: str | None = None, *, prefix: str = "browser") -> Path:
    """A screenshot of the page (or of ``selector``'s first match) in test-artifacts/PREFIX-NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{prefix}-{name}.png"
    if selector is None:
        pg.screenshot(path=str(path), full_page=True)
    else:
        pg.locator(selector).first.screenshot(path=str(path))
    return path


IMAGES_LOADED = """(sel) => {
    const imgs = Array.from(document.querySelectorAll(sel));
    return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""


def test_loupe_slider_changes_the_image_in_a_real_browser(browser, jupyter):
    context, pg = _open(browser, jupyter, LOUPE_LESSON)
    _run_all(pg)
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
        arg=[".lab-loupe .widget-slider .widget-readout", before_text],
        timeout=30_000,
    )
    pg.wait_for_function(
        "([sel, old]) => Array.from(document.querySelectorAll(sel)).some((img, i) => img.src !== old[i])",
        arg=[loupe_imgs, before_src],
        timeout=30_000,
    )
    pg.wait_for_function(IMAGES_LOADED, arg=loupe_imgs, timeout=30_000)
    time.sleep(1.0)
    after_png = pg.locator(loupe_imgs).first.screenshot()
    _shot(pg, "explorer-after")
    _shot(pg, "loupe-after", ".lab-loupe")
    assert readout.inner_text() != before_text
    assert after_png != before_png, "the loupe image looks the same after moving the slider"
    info = pg.locator(".lab-loupe .widget-html").first.inner_text()
    assert "px" in info
    context.close()


def test_flicker_meter_plays_in_a_real_browser(browser, jupyter):
    context, pg = _open(browser, jupyter, FLICKER_LESSON)
    _run_all(pg)
    pg.wait_for_selector(".lab-flicker", timeout=240_000)
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
        arg=".lab-flicker .widget-slider .widget-readout",
        timeout=30_000,
    )
    time.sleep(2.0)  # without 'repeat', Play stops at the last frame
    pg.wait_for_function(IMAGES_LOADED, arg=curve, timeout=30_000)
    after = pg.locator(curve).first.screenshot()
    _shot(pg, "flicker-meter", ".lab-flicker")
    assert readout.inner_text().strip() != "0"
    assert after != before, "the frame marker on the warp-error curve did not move"
    context.close()
