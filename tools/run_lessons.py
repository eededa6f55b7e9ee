"""Execute lesson notebooks top to bottom, time them, and keep their figures for review.

Runs each lesson in a fresh python3 kernel with the working directory ``lessons/`` (as a
student would), in smoke mode (``LAB_SMOKE=1``, seconds per lesson) unless ``--full``
(the sizes this machine's tier picks: what a student on a CPU or GPU gets). Writes, under
``--out``:

* ``NN_name.ipynb``: the executed notebook, with outputs;
* ``figures/NN_name-cellCCC-K.png``: every figure the lesson displayed;
* ``widgets/NN_name-MODEL.png|jpeg``: the last image each ``ipywidgets.Image`` showed;

and prints a table of wall-clock seconds per lesson. Exit status 1 when a lesson raised.

    python tools/run_lessons.py --out /tmp/lesson-run              # smoke mode, all lessons
    python tools/run_lessons.py --full --only 03 05 --out /tmp/run  # full CPU/GPU mode, two lessons

``--colab`` runs a lesson as Colab would: a ``google.colab`` module exists in the kernel before
the first cell, so the set-up cell installs the course package (from a wheel in ``--workdir``,
the folder the kernel starts in, or from the course address). CI uses it to check that set-up
cell on Colab's Python (3.13, in the Debian 13 root of tools/py313_root.sh), in a virtual
environment holding what Colab preinstalls at Colab's versions (tools/environments.toml).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"


def lesson_paths(only: list[str] | None = None) -> list[Path]:
    """Lesson notebooks in course order, optionally only those whose name starts with one of ``only``."""
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(prefix) for prefix in only)]
    return paths


def kernel_env(full: bool) -> dict[str, str]:
    """Environment for the kernel: smoke mode unless ``full`` (the installed ``lab`` package is used)."""
    env = dict(os.environ)
    env.pop("LAB_SMOKE", None)
    if not full:
        env["LAB_SMOKE"] = "1"
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


COLAB_MARKER = """\
import importlib.machinery, sys, types  # as on Colab: the module google.colab exists
sys.modules["google.colab"] = types.ModuleType("google.colab")
sys.modules["google.colab"].__spec__ = importlib.machinery.ModuleSpec("google.colab", None)"""


def execute(
    path: Path, *, full: bool, timeout: int, workdir: Path = LESSONS, colab: bool = False
) -> tuple[object, float, str | None]:
    """Run one notebook in ``workdir``; returns (executed notebook, seconds, error text or None)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    if colab:
        notebook.cells.insert(0, nbformat.v4.new_code_cell(COLAB_MARKER))
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        store_widget_state=True,
    )
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_env(full))  # the kernel inherits this process's environment
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as err:
        error = str(err)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return notebook, time.perf_counter() - start, error


def save_images(notebook: object, stem: str, out: Path) -> int:
    """Write every displayed PNG and every widget image of an executed notebook; returns the count."""
    count = 0
    figures = out / "figures"
    for index, cell in enumerate(notebook.cells):
        for k, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" in data:
                figures.mkdir(parents=True, exist_ok=True)
                (figures / f"{stem}-cell{index:03d}-{k}.png").write_bytes(base64.b64decode(data["image/png"]))
                count += 1
    state = (
        notebook.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    for model_id, model in state.items():
        if model.get("model_name") != "ImageModel":
            continue
        fmt = model.get("state", {}).get("format", "png")
        for buffer in model.get("buffers", []):
            if buffer.get("path") == ["value"] and buffer.get("data"):
                widgets = out / "widgets"
                widgets.mkdir(parents=True, exist_ok=True)
                (widgets / f"{stem}-{model_id[:8]}.{fmt}").write_bytes(base64.b64decode(buffer["data"]))
                count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full", action="store_true", help="run at this machine's tier sizes instead of smoke mode"
    )
    parser.add_argument("--only", nargs="*", help="lesson number prefixes to run, e.g. 00 03")
    parser.add_argument("--out", type=Path, required=True, help="folder for executed notebooks and figures")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument(
        "--workdir", type=Path, default=LESSONS, help="folder the kernel starts in (default: lessons/)"
    )
    parser.add_argument(
        "--colab", action="store_true", help="run as on Colab: the set-up cell installs the course"
    )
    args = parser.parse_args(argv)

    paths = lesson_paths(args.only)
    if not paths:
        print("no lesson notebooks matched", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    mode = ("full" if args.full else "smoke") + (", as on Colab" if args.colab else "")
    rows = []
    failed = False
    for path in paths:
        print(f"running {path.name} ({mode}) ...", flush=True)
        notebook, seconds, error = execute(
            path, full=args.full, timeout=args.timeout, workdir=args.workdir, colab=args.colab
        )
        nbformat.write(notebook, args.out / path.name)
        images = save_images(notebook, path.stem, args.out)
        rows.append((path.stem, seconds, images, "ok" if error is None else "ERROR"))
        if error is not None:
            failed = True
            print(error[-3000:], file=sys.stderr)
    print("\n| lesson | mode | wall time (s) | images | status |\n|---|---|---:|---:|---|")
    for stem, seconds, images, status in rows:
        print(f"| {stem} | {mode} | {seconds:.1f} | {images} | {status} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
