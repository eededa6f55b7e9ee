"""Percent-format notebook sources: a ``# key: value`` header, then ``# %%`` cells.

Lessons (``tools/build_lessons.py``) and graded exercises (:mod:`lab.grading.build`) are
written as plain Python files in this format, so they diff and review like code, and are
built into notebooks. Markdown and raw cells are comment lines (``# text``); a code cell is
plain Python.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "01_demo.py"
>>> _ = path.write_text("# title: Demo\\n# %% [markdown]\\n# # Hello\\n# %%\\nx = 1\\n")
>>> read(path, required=("title",))
({'title': 'Demo'}, [('markdown', '# Hello'), ('code', 'x = 1')])
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from lab.errors import LabError

MARKERS = {"code": "", "markdown": "[markdown]", "raw": "[raw]"}  # cell kind -> text after '# %%'
_CELL = re.compile(r"^# %%(?P<rest>.*)$")
_HEADER = re.compile(r"^# (?P<key>[a-z_]+):\s*(?P<value>.*)$")
_HEADING = re.compile(r"^# #{1,6} \S")  # '# ## Title': a markdown heading written as a comment


def read(
    path: str | Path, *, required: Sequence[str], kinds: Sequence[str] = ("code", "markdown")
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The header (key -> value) and the cells ((kind, text), in order) of a percent-format source.

    ``required`` header keys must be present; ``kinds`` are the cell kinds allowed. Raises
    :class:`LabError` naming the file (and line) of the first problem.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and not _CELL.match(lines[i]):
        line = lines[i].strip()
        if line:
            match = _HEADER.match(line)
            if not match:
                raise LabError(f"{path.name}:{i + 1}: header lines look like '# key: value', got {line!r}")
            header[match["key"]] = match["value"].strip()
        i += 1
    for key in required:
        if key not in header:
            raise LabError(f"{path.name}: the header needs a '# {key}: ...' line before the first '# %%'")

    by_marker = {MARKERS[kind]: kind for kind in kinds}
    spelled = ["'# %%" + (f" {MARKERS[kind]}" if MARKERS[kind] else "") + "'" for kind in kinds]
    allowed = spelled[0] if len(spelled) == 1 else ", ".join(spelled[:-1]) + " or " + spelled[-1]
    cells: list[tuple[str, str]] = []
    kind: str | None = None
    body: list[str] = []
    for number, line in enumerate(lines[i:], start=i + 1):
        match = _CELL.match(line)
        if match:
            if kind is not None:
                cells.append(_finish(path, kind, body))
            rest = match["rest"].strip()
            if rest not in by_marker:
                raise LabError(f"{path.name}:{number}: a cell marker is {allowed}, got {line!r}")
            kind, body = by_marker[rest], []
        else:
            if kind not in (None, "code") and line.strip() and not line.startswith("#"):
                raise LabError(f"{path.name}:{number}: {kind} lines must start with '#', got {line!r}")
            if kind == "code" and _HEADING.match(line):
                raise LabError(
                    f"{path.name}:{number}: a markdown heading in a code cell ({line.strip()!r}) would show as a "
                    "comment; start a markdown cell with '# %% [markdown]' above it"
                )
            body.append(line)
    if kind is not None:
        cells.append(_finish(path, kind, body))
    if not cells:
        raise LabError(f"{path.name}: no cells found; start cells with '# %%'")
    return header, cells


def _finish(path: Path, kind: str, body: list[str]) -> tuple[str, str]:
    """One cell's text: blank edge lines dropped, and the '# ' comment prefix for non-code cells."""
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    if kind != "code":
        body = [line[2:] if line.startswith("# ") else line[1:] for line in body]
    text = "\n".join(body)
    if not text.strip():
        raise LabError(f"{path.name}: an empty {kind} cell; remove the stray '# %%'")
    return kind, text


def dumps(notebook: dict) -> str:
    """Serialise like Jupyter does (1-space indent, sorted keys, trailing newline)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
