"""Build the lesson notebooks (lessons/NN_*.ipynb) from their sources (lessons/src/NN_*.py).

Lessons are written as plain Python files in the "percent" format, which diffs and reviews
like code:

    # lesson: 1
    # title: Pixels and resolution
    # gpu: false

    # %% [markdown]
    # # Lesson 1: Pixels and resolution
    # Some narration...

    # %%
    from lab import resolution
    resolution.parse("4k").pixels

The header (``# key: value`` lines before the first ``# %%``) holds the notebook settings:
``lesson`` (number), ``title``, ``gpu`` (true: the notebook asks Colab for a T4 GPU). Each
``# %% [markdown]`` cell is markdown with the leading ``# `` of every line removed; each
plain ``# %%`` cell is code. The builder adds, in front of every lesson, the cells made by :mod:`lab.colab_setup`:

1. when the course's address (``[project.urls] Repository`` in pyproject.toml) is a GitHub
   repository, a markdown cell with the "Open in Colab" badge;
2. a collapsed set-up cell that, only on Colab, installs the course package (which carries
   the trained weights) from an uploaded wheel or from that address.

Notebooks are written without outputs and with stable cell ids, so rebuilding an unchanged
source gives a byte-identical file.

Usage::

    python tools/build_lessons.py                      # rebuild every lesson
    python tools/build_lessons.py --check              # fail if a notebook is stale or has outputs

To publish the course, set ``Repository`` under ``[project.urls]`` in pyproject.toml and rebuild.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1])
)  # the lab package of this checkout, installed or not
from lab import colab_setup, percent_source  # noqa: E402
from lab.errors import LabError  # noqa: E402
from lab.percent_source import dumps  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "lessons" / "src"
OUT = ROOT / "lessons"
PYPROJECT = ROOT / "pyproject.toml"


@dataclass
class Lesson:
    """One parsed lesson source."""

    path: Path
    number: int
    title: str
    gpu: bool
    cells: list[tuple[str, str]] = field(default_factory=list)  # (cell_type, source)

    @property
    def notebook_name(self) -> str:
        return self.path.stem + ".ipynb"


def parse_source(path: Path) -> Lesson:
    """Read one percent-format lesson source; raises LabError naming the file and line."""
    header, cells = percent_source.read(path, required=("lesson", "title"))
    gpu = header.get("gpu", "false").lower()
    if gpu not in {"true", "false"}:
        raise LabError(f"{path.name}: 'gpu' must be true or false, got {gpu!r}")
    return Lesson(path, int(header["lesson"]), header["title"], gpu == "true", cells)


def build_notebook(lesson: Lesson, url: str | None) -> dict:
    """The notebook (as a JSON-ready dict, nbformat 4.5) for ``lesson``, for the course address ``url``."""
    cells: list[tuple[str, str]] = []
    badge = colab_setup.badge_markdown(url, f"lessons/{lesson.notebook_name}")
    if badge is not None:
        cells.append(("markdown", badge))
    if lesson.gpu:
        cells.append(
            (
                "markdown",
                "*On Colab this lesson asks for a GPU runtime (T4); it also runs on a CPU, at smaller sizes.*",
            )
        )
    cells.append(("setup", colab_setup.setup_cell(url)))
    cells += lesson.cells
    out = []
    for index, (kind, text) in enumerate(cells):
        digest = hashlib.sha1(f"{lesson.path.stem}:{index}".encode()).hexdigest()[:8]
        cell: dict = {
            "cell_type": "markdown" if kind == "markdown" else "code",
            "id": f"c{index:03d}-{digest}",
        }
        if kind == "markdown":
            cell["metadata"] = {}
        else:
            meta: dict = {}
            if kind == "setup":
                meta = {
                    "cellView": "form",
                    "jupyter": {"source_hidden": True},
                    "tags": ["setup", "hide-input"],
                }
            cell.update(execution_count=None, metadata=meta, outputs=[])
        cell["source"] = text.splitlines(keepends=True)
        out.append(cell)
    metadata: dict = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "course": {
            "lesson": lesson.number,
            "title": lesson.title,
            "url": url or "",
            "source": f"lessons/src/{lesson.path.name}",
        },
        "colab": {"provenance": [], "toc_visible": True},
    }
    if lesson.gpu:
        metadata["accelerator"] = "GPU"
        metadata["colab"]["gpuType"] = "T4"
    return {"cells": out, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def sources() -> list[Path]:
    """Every lesson source, in course order."""
    return sorted(SRC.glob("[0-9][0-9]_*.py"))


def has_outputs(notebook: dict) -> list[int]:
    """Indices of code cells that carry outputs or an execution count."""
    return [
        i
        for i, cell in enumerate(notebook.get("cells", []))
        if cell.get("cell_type") == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only verify that every notebook is up to date")
    parser.add_argument(
        "--pyproject", type=Path, default=PYPROJECT, help="where the course address is read from"
    )
    args = parser.parse_args(argv)
    try:
        url = colab_setup.course_url(args.pyproject)
    except LabError as err:
        parser.error(str(err))

    problems: list[str] = []
    paths = sources()
    if not paths:
        problems.append(f"no lesson sources found in {SRC.relative_to(ROOT)}")
    numbers: dict[int, str] = {}
    for path in paths:
        try:
            lesson = parse_source(path)
        except LabError as err:
            problems.append(str(err))
            continue
        if lesson.number in numbers:
            problems.append(
                f"{path.name}: lesson number {lesson.number} is also used by {numbers[lesson.number]}"
            )
        numbers[lesson.number] = path.name
        target = OUT / lesson.notebook_name
        text = dumps(build_notebook(lesson, url))
        if args.check:
            if not target.exists():
                problems.append(f"{target.name} is missing: run python tools/build_lessons.py")
            elif target.read_text(encoding="utf-8") != text:
                stale = has_outputs(json.loads(target.read_text(encoding="utf-8")))
                why = f"has outputs in cells {stale}" if stale else "differs from its source"
                fix = "run python tools/build_lessons.py"
                if stale:  # most likely opened and saved in place by Jupyter: say how to avoid it
                    fix += " (strips them; likely saved by Jupyter: open the lessons from a copy, python -m lab lessons)"
                problems.append(f"{target.name} {why}: {fix}")
        elif not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    built = {p.stem for p in paths}
    for orphan in sorted(OUT.glob("[0-9][0-9]_*.ipynb")):
        if orphan.stem not in built:
            problems.append(f"{orphan.name} has no source lessons/src/{orphan.stem}.py")
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.check and not problems:
        print(f"{len(paths)} lesson notebooks match their sources")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
