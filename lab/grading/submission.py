"""A submitted notebook, read as untrusted data: size limits, JSON, nbformat schema, structure.

Nothing here executes the submission. :func:`read_submission` loads a ``.ipynb`` or an otter
export ``.zip`` without following symbolic links, :func:`structure_notes` says which
``grader.check`` cells were deleted or moved, and :func:`code_cells` gives the code the
sandbox runs (pip installs neutralised: grading is offline).
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']\s*\)""")
_INSTALL = re.compile(r"^(\s*)([%!]\s*pip\s+install.*)$", re.MULTILINE)
MAX_NOTEBOOK_BYTES = 20_000_000


class InvalidSubmission(Exception):
    """The file cannot be graded at all (not a notebook, corrupt JSON, too large...)."""


def read_bytes(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of a regular file, refusing symbolic links and files over ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        if os.path.islink(path):
            raise InvalidSubmission("refused: the submission is a symbolic link, not a file") from None
        raise InvalidSubmission(f"cannot read the file ({err.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidSubmission("refused: not a regular file")
        if info.st_size > limit:
            raise InvalidSubmission(
                f"the file is {info.st_size / 1e6:.0f} MB, over the {limit / 1e6:.0f} MB limit"
            )
        return handle.read(limit + 1)[:limit]


def read_submission(path: Path, raw: bytes | None = None) -> tuple[Any, str]:
    """Load the notebook from a .ipynb or an otter export .zip; returns (notebook, name).

    ``raw`` is the file's content when already read (see :func:`read_bytes`).
    """
    raw = read_bytes(path) if raw is None else raw
    name = path.name
    if path.suffix.lower() == ".zip":
        import io

        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = [
                    n
                    for n in zf.namelist()
                    if n.endswith(".ipynb") and "/." not in n and not n.startswith(".")
                ]
                if len(names) != 1:
                    raise InvalidSubmission(
                        f"the zip holds {len(names)} .ipynb files; exactly one was expected"
                    )
                info = zf.getinfo(names[0])
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    raise InvalidSubmission(
                        f"the notebook in the zip is {info.file_size / 1e6:.0f} MB; over the limit"
                    )
                raw, name = zf.read(names[0]), Path(names[0]).name
        except (zipfile.BadZipFile, zipfile.LargeZipFile) as err:
            raise InvalidSubmission(f"not a valid zip file ({err})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidSubmission(f"not a valid notebook: the file is not JSON ({err})") from None
    import nbformat

    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types for a bad structure
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InvalidSubmission(f"not a valid notebook: {first[:200]}") from None
    return nb, name


def structure_notes(nb: Any, questions: list[str]) -> list[str]:
    """Notes on deleted or reordered question cells (the grade itself comes from the tests)."""
    found = [q for cell in nb.cells if cell.cell_type == "code" for q in _CHECK.findall(cell.source)]
    notes = []
    missing = [q for q in questions if q not in found]
    if missing:
        notes.append(f"check cell(s) deleted: {', '.join(missing)}")
    order = [q for q in dict.fromkeys(found) if q in questions]
    if order != [q for q in questions if q in order]:
        notes.append(f"cells reordered (questions appear as {', '.join(order)})")
    return notes


def code_cells(nb: Any) -> list[tuple[int, str]]:
    """``(cell number, source)`` of every code cell (numbered from 1 among all cells), pip installs skipped."""
    return [
        (number, _INSTALL.sub(r"\1# [grading: install skipped] \2", cell.source))
        for number, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code"
    ]
