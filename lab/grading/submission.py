"""A submitted notebook, read as untrusted data: size limits, JSON, nbformat schema, structure.

Nothing here executes the submission. :func:`read_submission` loads a ``.ipynb`` or an otter
export ``.zip`` without following symbolic links, :func:`structure_notes` says which
``grader.check`` cells were deleted or moved, and :func:`code_cells` gives the code the
sandbox runs (pip installs neutralised: grading is offline).

Every path through here is total: whatever the bytes (a corrupt or encrypted zip, a zip bomb,
JSON nested 100 000 deep, a 5000-digit number), the result is a notebook or an
:class:`InvalidSubmission` saying why, and the work done is linear in the input's size.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any

_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']\s*\)""")
# one line at a time, horizontal space only: linear in the line's length (no backtracking across lines)
_INSTALL = re.compile(r"[ \t]*[%!][ \t]*pip[ \t]+install")
MAX_NOTEBOOK_BYTES = 20_000_000
MAX_ZIP_MEMBERS = 200  # an otter export holds the notebook and a log
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


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


def _notebook_in_zip(raw: bytes) -> tuple[bytes, str]:
    """The one ``.ipynb`` inside an otter export zip, read with limits on members, sizes and methods."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise InvalidSubmission(
                    f"the zip holds {len(members)} files, over the limit of {MAX_ZIP_MEMBERS}"
                )
            names = [
                m
                for m in members
                if m.filename.endswith(".ipynb") and "/." not in m.filename and not m.filename.startswith(".")
            ]
            if len(names) != 1:
                raise InvalidSubmission(f"the zip holds {len(names)} .ipynb files; exactly one was expected")
            info = names[0]
            if info.flag_bits & 0x1:
                raise InvalidSubmission("the notebook in the zip is encrypted; submit it unencrypted")
            if info.compress_type not in ZIP_METHODS:
                raise InvalidSubmission(
                    f"the notebook in the zip uses compression method {info.compress_type}; "
                    "only stored or deflated zips are read"
                )
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise InvalidSubmission(
                    f"the notebook in the zip is {info.file_size / 1e6:.0f} MB; over the limit"
                )
            with zf.open(info) as member:  # the sizes in the header may lie: read at most the limit
                data = member.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise InvalidSubmission("the notebook in the zip unpacks to more than the size limit")
            return data, Path(info.filename).name
    except InvalidSubmission:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as err:
        raise InvalidSubmission(f"not a valid zip file ({type(err).__name__}: {str(err)[:120]})") from None
    except (RuntimeError, NotImplementedError, ValueError, KeyError, IndexError, OverflowError) as err:
        # encrypted members, unknown methods, damaged headers the zipfile module does not expect
        raise InvalidSubmission(f"the zip cannot be read ({type(err).__name__}: {str(err)[:120]})") from None


def read_submission(path: Path, raw: bytes | None = None) -> tuple[Any, str]:
    """Load the notebook from a .ipynb or an otter export .zip; returns (notebook, name).

    ``raw`` is the file's content when already read (see :func:`read_bytes`). Raises only
    :class:`InvalidSubmission`, whatever the bytes.
    """
    raw = read_bytes(path) if raw is None else raw
    name = path.name
    if path.suffix.lower() == ".zip":
        raw, name = _notebook_in_zip(raw)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise InvalidSubmission(f"not a valid notebook: the file is not UTF-8 text ({err.reason})") from None
    except RecursionError:
        raise InvalidSubmission("not a valid notebook: the JSON is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError, and integers over Python's digit limit
        raise InvalidSubmission(f"not a valid notebook: the file is not JSON ({str(err)[:160]})") from None
    import nbformat

    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except RecursionError:
        raise InvalidSubmission("not a valid notebook: the JSON is nested too deeply") from None
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


def skip_installs(source: str) -> str:
    """``source`` with every ``%pip install`` / ``!pip install`` line commented out (grading is offline).

    One pass over the lines, each matched from its start with a pattern that cannot backtrack
    across lines: linear in the length of ``source``.
    """
    lines = source.split("\n")
    for i, line in enumerate(lines):
        found = _INSTALL.match(line)
        if found:
            indent = len(line) - len(line.lstrip(" \t"))
            lines[i] = f"{line[:indent]}# [grading: install skipped] {line[indent:]}"
    return "\n".join(lines)


def code_cells(nb: Any) -> list[tuple[int, str]]:
    """``(cell number, source)`` of every code cell (numbered from 1 among all cells), pip installs skipped."""
    return [
        (number, skip_installs(cell.source))
        for number, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code"
    ]
