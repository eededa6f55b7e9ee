"""The first cells of every lesson and exercise notebook: the Colab badge and the set-up cell.

The course's public address has one home, ``[project.urls] Repository`` in pyproject.toml;
:func:`course_url` reads it and the notebook builders (``tools/build_lessons.py`` and
``python -m lab.grading build``) stamp it into the cells made here.

On Colab the set-up cell installs the package, which carries the trained weights (no clone, no
``sys.path`` edits, no change of folder): from a course wheel uploaded to Colab's files when
there is one, otherwise from the published address; with neither, it tells the student how to
upload the wheel. Outside Colab it does nothing, because README command (a) installed the course.

>>> github_slug("https://github.com/someone/native4k-lab.git")
'someone/native4k-lab'
>>> "pip" in setup_cell(None)
True
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from lab.errors import LabError

PACKAGE = "native4k-lab"
WHEEL_GLOB = "native4k_lab-*.whl"  # how pip names the package's wheels
BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")

_SETUP = """\
#@title Setup (hidden): on Colab, installs the course package; elsewhere it does nothing
import glob
import importlib
import importlib.util
import subprocess
import sys

COURSE_URL = "{url}"  # where the course is published; empty when it is not
MISSING = [name for name in {modules!r} if importlib.util.find_spec(name) is None]
if "google.colab" in sys.modules and MISSING:
    # Colab's own torch, numpy, ipywidgets and OpenCV are kept: the package only bounds them from below.
    wheels = sorted(glob.glob("{wheel_glob}"))  # a course wheel uploaded to Colab's files
    if wheels:
        spec = f"{{wheels[-1]}}[{extras}]"
    elif COURSE_URL:
        spec = f"{package}[{extras}] @ git+{{COURSE_URL}}"
    else:
        raise RuntimeError(
            "The course package is not installed yet. Upload the file {wheel_glob} your instructor gave "
            "you (Files panel on the left, into /content), then run this cell again."
        )
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", spec{also}], check=True)
    importlib.invalidate_caches()"""


def course_url(pyproject: str | Path) -> str | None:
    """The course's git address from ``[project.urls] Repository`` in ``pyproject``, or None when unset.

    Raises :class:`LabError` for an address pip cannot install from (not ``https://``).
    """
    path = Path(pyproject)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LabError(f"cannot read the course address from {path}: {exc}") from exc
    url = data.get("project", {}).get("urls", {}).get("Repository")
    if not url:
        return None
    if not isinstance(url, str) or not url.startswith("https://") or any(c in url for c in " \"'\\{}"):
        raise LabError(f"[project.urls] Repository in {path} must be an https:// git address, got {url!r}")
    return url


def github_slug(url: str | None) -> str | None:
    """``owner/name`` of a GitHub address (the form Colab's badge links need), else None."""
    match = _GITHUB.match(url or "")
    return f"{match.group(1)}/{match.group(2)}" if match else None


def badge_markdown(url: str | None, notebook: str) -> str | None:
    """The "Open in Colab" badge for ``notebook`` (its path in the repository), or None without a GitHub address."""
    slug = github_slug(url)
    if slug is None:
        return None
    return f"[![Open In Colab]({BADGE_SVG})](https://colab.research.google.com/github/{slug}/blob/main/{notebook})"


def setup_cell(url: str | None, *, extras: str = "colab", also: dict[str, str] | None = None) -> str:
    """Source of the set-up cell: on Colab, ``pip install`` the course with ``extras``.

    ``also`` maps further pip requirements to the module each provides (``{"otter-grader>=6.0":
    "otter"}``); the cell installs when the course or one of those modules is missing.
    """
    if url is not None and any(c in url for c in " \"'\\{}"):
        raise LabError(f"the course address may not contain quotes, braces or spaces: {url!r}")
    also = also or {}
    also_args = "".join(f', "{requirement}"' for requirement in also)
    modules = ("lab", *also.values())
    return _SETUP.format(
        url=url or "", wheel_glob=WHEEL_GLOB, extras=extras, package=PACKAGE, also=also_args, modules=modules
    )


__all__ = ["PACKAGE", "WHEEL_GLOB", "course_url", "github_slug", "badge_markdown", "setup_cell"]
