"""Build student notebooks and autograder bundles from the exercise sources (otter assign).

Sources live in ``exercises/NN_name.py`` in the percent format the lessons use, with otter's
assignment markers in raw cells::

    # exercise: ex01_pixels_and_bytes
    # title: Pixels, bytes and bandwidth
    # lessons: 0, 1, 8

    # %% [markdown]
    # # Exercise 1: ...

    # %% [raw]
    # # BEGIN QUESTION
    # name: q1
    # points: 2

    # %% [raw]
    # # BEGIN SOLUTION

    # %%
    uhd_pixels = 3840 * 2160  # SOLUTION

    # %% [raw]
    # # END SOLUTION

    # %% [raw]
    # # BEGIN TESTS

    # %%
    assert isinstance(uhd_pixels, int)          # a public test: students run it with grader.check

    # %%
    # HIDDEN
    assert uhd_pixels == 8_294_400              # a hidden test: only in the autograder bundle

    # %% [raw]
    # # END TESTS

    # %% [raw]
    # # END QUESTION

A test cell may start with otter's config block to set points and a hint shown on failure::

    \"\"\" # BEGIN TEST CONFIG
    points: 1
    failure_message: "count every pixel: width * height"
    \"\"\" # END TEST CONFIG

:func:`build` turns each source into a master notebook, runs ``otter assign`` on it (which also
runs every test against the reference solution and fails the build if one does not pass),
then writes:

* ``lessons/exercises/<exercise>.ipynb``: the student notebook (solutions and hidden tests
  removed, outputs stripped, stable cell ids), with a Colab-only install cell, otter's
  ``grader.check("qN")`` after each question and a final cell that exports the submission;
* ``lab/grading/public_tests/<exercise>/qN.py``: the public tests, shipped in the package so
  ``grader.check`` works offline and on Colab;
* ``dist/autograder/<exercise>-autograder.zip`` (all tests, hidden ones included) and
  ``dist/autograder/<exercise>-solution.ipynb``: instructor-only, never committed.

Finally it verifies that no solution line and no hidden test line survives in what students get.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lab import colab_setup, percent_source
from lab.errors import LabError
from lab.grading.student import PUBLIC_TESTS
from lab.percent_source import dumps
from lab.progress import progress

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

ASSIGNMENT_CONFIG = """\
# ASSIGNMENT CONFIG
runs_on: colab
init_cell: true
check_all_cell: false
export_cell:
  pdf: false
  run_tests: false
run_tests: true
solutions_pdf: false
template_pdf: false
generate: true
tests:
  files: true
  ok_format: true
"""

INIT_CELL = """\
# Otter-grader: after each question, grader.check("qN") runs its public tests.
from lab.grading import otter_notebook

grader = otter_notebook("{name}")  # otter.Notebook reading the public tests shipped with the course"""

SUBMIT_MARKDOWN = """\
## Submit

Run every cell from the top (Kernel > Restart Kernel and Run All Cells) and make sure each
`grader.check` passes, then **save the notebook** (Ctrl+S) and run the cell below.

* In Jupyter it writes `{name}_submission.zip`: upload that zip (or the `.ipynb` itself).
* On Colab it cannot export: use File > Download > Download .ipynb and upload that file.

Your instructor grades it with further tests that are not in this notebook."""

EXPORT_CELL = """\
# Save the notebook first (Ctrl+S), then run this cell.
from lab.grading import export_submission

export_submission(grader, "{name}.ipynb")"""


MISTAKES_MARKER = "# COMMON MISTAKES"


@dataclass
class ExerciseSource:
    """One parsed exercise source file."""

    path: Path
    name: str
    title: str
    lessons: tuple[int, ...]
    cells: list[tuple[str, str]] = field(default_factory=list)  # (cell_type, source)


@dataclass
class BuildResult:
    """What :func:`build` wrote for one exercise."""

    name: str
    student: Path
    public_tests: Path
    bundle: Path
    solution: Path
    questions: dict[str, float]  # question -> points possible


def parse_source(path: str | Path) -> ExerciseSource:
    """Read a percent-format exercise source; raises :class:`LabError` naming file and line."""
    path = Path(path)
    header, cells = percent_source.read(
        path, required=("exercise", "title", "lessons"), kinds=("code", "markdown", "raw")
    )
    if not _NAME.match(header["exercise"]):
        raise LabError(f"{path.name}: exercise names are lower_snake_case, got {header['exercise']!r}")
    try:
        lessons = tuple(int(x) for x in header["lessons"].split(","))
    except ValueError:
        raise LabError(
            f"{path.name}: 'lessons' is a comma-separated list of numbers, got {header['lessons']!r}"
        ) from None
    if not any(kind == "raw" and text.startswith("# BEGIN QUESTION") for kind, text in cells):
        raise LabError(
            f"{path.name}: no '# BEGIN QUESTION' raw cell: an exercise needs at least one question"
        )
    return ExerciseSource(path, header["exercise"], header["title"], lessons, cells)


def _cell(kind: str, text: str, cell_id: str, metadata: dict | None = None) -> dict:
    cell: dict = {
        "cell_type": kind,
        "id": cell_id,
        "metadata": metadata or {},
        "source": text.splitlines(keepends=True),
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _head(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def _question_config(text: str) -> dict:
    """The YAML under a ``# BEGIN QUESTION`` raw cell (``name``, ``points``...)."""
    import yaml

    return yaml.safe_load("\n".join(text.strip().splitlines()[1:])) or {}


def cells_by_question(source: ExerciseSource) -> Iterator[tuple[str, str, str]]:
    """``(question, kind, text)`` of every cell, with the name of the question it sits in ("" before the first)."""
    question = ""
    for kind, text in source.cells:
        if kind == "raw" and _head(text) == "# BEGIN QUESTION":
            question = str(_question_config(text)["name"])
        yield question, kind, text


@dataclass(frozen=True)
class SourceTest:
    """One test cell of an exercise source: its question, number there (public and hidden counted), config and code."""

    question: str
    number: int
    config: dict
    code: str

    @property
    def hidden(self) -> bool:
        return bool(self.config.get("hidden", False))


def source_tests(source: ExerciseSource) -> list[SourceTest]:
    """Every test cell between ``# BEGIN TESTS`` and ``# END TESTS``, its TEST CONFIG block parsed off.

    A cell without a config block is hidden when its first line is a comment saying so
    (otter's ``# HIDDEN``).
    """
    import yaml

    out: list[SourceTest] = []
    counts: dict[str, int] = {}
    inside = False
    for question, kind, text in cells_by_question(source):
        if kind == "raw":
            inside = {"# BEGIN TESTS": True, "# END TESTS": False}.get(_head(text), inside)
            continue
        if not inside or kind != "code":
            continue
        lines = text.splitlines()
        config = (
            {"hidden": True}
            if lines and lines[0].lstrip().startswith("#") and "hidden" in lines[0].lower()
            else {}
        )
        if lines and re.match(r'^\s*"""\s*#\s*BEGIN TEST CONFIG', lines[0]):
            end = next(i for i, line in enumerate(lines) if re.match(r'^\s*"""\s*#\s*END TEST CONFIG', line))
            config = yaml.safe_load("\n".join(lines[1:end])) or {}
            lines = lines[end + 1 :]
        counts[question] = counts.get(question, 0) + 1
        out.append(SourceTest(question, counts[question], config, "\n".join(lines)))
    return out


def common_mistakes(source: ExerciseSource) -> dict[str, list[tuple[str, str]]]:
    """Wrong answers a student is likely to write, per question: ``{question: [(why, code), ...]}``.

    Written in a raw cell inside the question (never shown to students)::

        # COMMON MISTAKES
        - why: subtracts uint8 frames, which wrap around
          code: |
            def temporal_mae(frames):
                return float(np.mean([np.abs(a - b).mean() for a, b in zip(frames, frames[1:])]))

    The tests run each through the question's public and hidden tests: the public tests must
    catch it with a hint, and it must lose points.
    """
    import yaml

    out: dict[str, list[tuple[str, str]]] = {}
    for question, kind, text in cells_by_question(source):
        if kind == "raw" and text.startswith(MISTAKES_MARKER):
            items = yaml.safe_load(text[len(MISTAKES_MARKER) :]) or []
            if not isinstance(items, list) or not all(
                isinstance(m, dict) and {"why", "code"} <= set(m) for m in items
            ):
                raise LabError(
                    f"{source.path.name}, {question}: COMMON MISTAKES is a YAML list of {{why, code}} entries"
                )
            out.setdefault(question, []).extend((str(m["why"]), str(m["code"])) for m in items)
    return out


def master_notebook(source: ExerciseSource) -> dict:
    """The otter master notebook (nbformat 4 JSON dict) for an exercise source."""
    cells = [_cell("raw", ASSIGNMENT_CONFIG, "config")]
    cells += [
        _cell(kind, text, f"m{i:03d}")
        for i, (kind, text) in enumerate(source.cells)
        if not (kind == "raw" and text.startswith(MISTAKES_MARKER))
    ]  # authoring notes, not for otter
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def student_notebook(generated: dict, source: ExerciseSource, url: str | None) -> dict:
    """Rewrite otter's student notebook: our setup, init and export cells, stable ids, no outputs."""
    out: list[tuple[str, str, dict]] = []
    for cell in generated["cells"]:
        text, kind = _text(cell), cell["cell_type"]
        meta = dict(cell.get("metadata", {}))
        meta.pop("id", None)
        if kind == "code" and text.strip().startswith("%pip install") and "otter-grader" in text:
            setup = colab_setup.setup_cell(url, also={"otter-grader>=6.0": "otter"})
            out.append(
                (
                    "code",
                    setup,
                    {
                        "cellView": "form",
                        "jupyter": {"source_hidden": True},
                        "tags": ["setup", "otter_ignore"],
                        "deletable": False,
                        "editable": False,
                    },
                )
            )
        elif kind == "code" and text.startswith("# Initialize Otter"):
            out.append(("code", INIT_CELL.format(name=source.name), meta))
        elif kind == "markdown" and text.startswith("## Submission"):
            out.append(("markdown", SUBMIT_MARKDOWN.format(name=source.name), meta))
        elif kind == "code" and "grader.export(" in text:
            meta["tags"] = sorted(set(meta.get("tags", [])) | {"otter_ignore"})
            out.append(("code", EXPORT_CELL.format(name=source.name), meta))
        elif kind == "markdown" and not text.strip():
            continue  # otter's trailing spacer cell
        else:
            out.append((kind, text, meta))
    cells = []
    for index, (kind, text, meta) in enumerate(out):
        digest = hashlib.sha1(f"{source.name}:{index}".encode()).hexdigest()[:8]
        cells.append(_cell(kind, text, f"c{index:03d}-{digest}", meta))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "course": {
                "exercise": source.name,
                "title": source.title,
                "lessons": list(source.lessons),
                "url": url or "",
                "source": f"exercises/{source.path.name}",
            },
            "colab": {"provenance": []},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def solution_lines(source: ExerciseSource) -> list[str]:
    """Lines of reference solution (``# SOLUTION`` lines and ``# BEGIN/END SOLUTION`` blocks).

    Only lines that do not also occur outside the solutions are returned (a line such as
    ``return out`` in a prompt is not a leak).
    """
    solution: list[str] = []
    public: set[str] = set()
    for kind, text in source.cells:
        inside = False
        for line in text.splitlines():
            stripped = line.strip()
            if kind == "code" and re.match(r"#\s*BEGIN SOLUTION", stripped):
                inside = True
            elif kind == "code" and re.match(r"#\s*END SOLUTION", stripped):
                inside = False
            elif kind == "code" and re.search(r"#\s*SOLUTION\s*$", stripped):
                solution.append(re.sub(r"#\s*SOLUTION\s*$", "", stripped).strip())
            elif inside:
                solution.append(stripped)
            else:
                public.add(stripped)
    return [line for line in solution if len(line) >= 6 and line not in public and not line.startswith("#")]


def test_cells(source: ExerciseSource) -> list[tuple[bool, list[str]]]:
    """``(hidden, code lines)`` of every test cell of a source (lines after any TEST CONFIG block)."""
    return [(test.hidden, test.code.splitlines()) for test in source_tests(source)]


def hidden_source_lines(source: ExerciseSource) -> list[str]:
    """Code lines of the hidden tests written in an exercise source (public test lines left out)."""
    cells = test_cells(source)
    public = {line.strip() for hidden, lines in cells if not hidden for line in lines}
    return [
        line.strip()
        for hidden, lines in cells
        if hidden
        for line in lines
        if len(line.strip()) >= 6
        and not line.strip().startswith("#")
        and line.strip() not in public
        and not _is_import(line)
    ]


def _is_import(line: str) -> bool:
    """An import line: shared by many files, no secret."""
    return bool(re.match(r"\s*(import\s|from\s+\S+\s+import\s)", line))


def read_ok_test(text: str, where: str = "test file") -> dict:
    """The ``test = {...}`` dict of an otter OK-format test file, read without executing it."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "test" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LabError(f"{where} has no 'test = {{...}}' dict: is it an otter OK-format test?")


def _bundle_tests(bundle: str | Path) -> list[dict]:
    with zipfile.ZipFile(bundle) as zf:
        names = sorted(
            (m for m in zf.namelist() if m.startswith("tests/") and m.endswith(".py")), key=_natural
        )
        return [read_ok_test(zf.read(m).decode("utf-8"), f"{bundle}:{m}") for m in names]


def hidden_test_lines(bundle: str | Path) -> list[str]:
    """Code lines of the hidden test cases inside an autograder bundle (zip).

    Lines that a public test case also contains (an import, say) are left out: they are public.
    """
    hidden: list[str] = []
    public: set[str] = set()
    for test in _bundle_tests(bundle):
        for case in (c for suite in test["suites"] for c in suite["cases"]):
            for line in case["code"].splitlines():
                code = re.sub(r"^(>>>|\.\.\.)\s?", "", line.strip()).strip()
                if case.get("hidden"):
                    if len(code) >= 6 and not code.startswith("#") and not _is_import(code):
                        hidden.append(code)
                else:
                    public.add(code)
    return [line for line in hidden if line not in public]


SPEC_NAME = "grading.json"


def grading_spec(source: ExerciseSource) -> dict:
    """The bundle's grading spec: points per question and every hidden test, split (see :mod:`.hidden_tests`).

    Raises :class:`LabError` naming the test when a hidden test does not follow the export rule,
    or when a question's points differ from the sum of its hidden tests' points.
    """
    from lab.grading.hidden_tests import split

    questions = {
        str(_question_config(text)["name"]): float(_question_config(text).get("points", 0))
        for _, kind, text in cells_by_question(source)
        if kind == "raw" and _head(text) == "# BEGIN QUESTION"
    }
    tests: list[dict] = []
    for test in source_tests(source):
        where = f"{source.path.name}, {test.question} test {test.number}"
        if test.hidden:
            tests.append(
                split(
                    test.code,
                    question=test.question,
                    number=test.number,
                    points=float(test.config.get("points", 1)),
                    where=where,
                ).to_json()
            )
        elif test.config.get("points"):
            raise LabError(
                f"{where}: public tests carry no points (student code could fake them); "
                "give the points to hidden tests"
            )
    for q, points in questions.items():
        hidden = sum(t["points"] for t in tests if t["question"] == q)
        if abs(hidden - points) > 1e-9:
            raise LabError(
                f"{source.path.name}: {q} is worth {points:g} points but its hidden tests add up to {hidden:g}"
            )
    return {"exercise": source.name, "questions": questions, "tests": tests}


def load_spec(bundle: str | Path) -> tuple[dict[str, float], list]:
    """``(points per question, hidden tests)`` from an autograder bundle's grading spec."""
    from lab.grading.hidden_tests import HiddenTest

    try:
        with zipfile.ZipFile(bundle) as zf:
            spec = json.loads(zf.read(SPEC_NAME).decode("utf-8"))
    except KeyError:
        raise LabError(
            f"{bundle} has no {SPEC_NAME}: it was built by an older version; rebuild it with: "
            "python -m lab.grading build"
        ) from None
    except zipfile.BadZipFile as err:
        raise LabError(f"{bundle} is not a valid autograder zip ({err})") from None
    questions = {str(q): float(p) for q, p in spec["questions"].items()}
    return questions, [HiddenTest.from_json(t) for t in spec["tests"]]


def spec_exercise(bundle: str | Path) -> str:
    """The exercise an autograder bundle grades (the ``exercise`` of its grading spec)."""
    try:
        with zipfile.ZipFile(bundle) as zf:
            return str(json.loads(zf.read(SPEC_NAME).decode("utf-8")).get("exercise", ""))
    except (KeyError, zipfile.BadZipFile, ValueError) as err:
        raise LabError(f"{bundle} is not a valid autograder zip ({err})") from None


def question_points(bundle: str | Path) -> dict[str, float]:
    """Points possible per question, in question order, read from an autograder bundle."""
    return load_spec(bundle)[0]


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def find_leaks(texts: dict[str, str], forbidden: list[str]) -> list[str]:
    """``"where: line"`` for every forbidden line found in any of ``texts`` (name -> content)."""
    found = []
    for where, content in texts.items():
        for line in forbidden:
            if line in content:
                found.append(f"{where}: {line}")
    return found


def package_env(**extra: str) -> dict[str, str]:
    """The environment with this ``lab`` importable (installed or a source checkout) in child processes."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    env.update(extra)
    return env


def _run_otter_assign(master: Path, result: Path, *, run_tests: bool = True) -> None:
    cmd = [sys.executable, "-m", "otter", "assign", str(master), str(result), "--no-pdfs"]
    proc = subprocess.run(
        cmd + ([] if run_tests else ["--no-run-tests"]),
        cwd=master.parent,
        capture_output=True,
        text=True,
        env=package_env(LAB_SMOKE="1", MPLBACKEND="Agg"),
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise LabError(
            f"otter assign failed for {master.name} (a reference solution may fail its tests):\n{tail}"
        )


def build_one(
    source: ExerciseSource,
    *,
    student_dir: Path,
    dist_dir: Path,
    public_dir: Path,
    url: str | None,
    run_tests: bool = True,
) -> BuildResult:
    """Run otter assign on one exercise and write the student, public-test and bundle outputs."""
    spec = grading_spec(source)  # malformed hidden tests fail here, before otter assign runs
    with tempfile.TemporaryDirectory(prefix=f"assign-{source.name}-") as tmp:
        work = Path(tmp)
        master = work / f"{source.name}.ipynb"
        master.write_text(dumps(master_notebook(source)), encoding="utf-8")
        _run_otter_assign(master, work / "out", run_tests=run_tests)
        out = work / "out"
        generated = json.loads((out / "student" / master.name).read_text(encoding="utf-8"))
        zips = sorted((out / "autograder").glob("*.zip"))
        if len(zips) != 1:
            raise LabError(f"otter assign wrote {len(zips)} autograder zips for {source.name}, expected 1")
        student = student_dir / f"{source.name}.ipynb"
        student_dir.mkdir(parents=True, exist_ok=True)
        student.write_text(dumps(student_notebook(generated, source, url)), encoding="utf-8")
        tests = public_dir / source.name
        if tests.exists():
            shutil.rmtree(tests)
        tests.mkdir(parents=True)
        for test in sorted((out / "student" / "tests").glob("*.py")):
            shutil.copy2(test, tests / test.name)
        dist_dir.mkdir(parents=True, exist_ok=True)
        bundle = dist_dir / f"{source.name}-autograder.zip"
        shutil.copy2(zips[0], bundle)
        with zipfile.ZipFile(bundle, "a") as zf:
            zf.writestr(SPEC_NAME, json.dumps(spec, indent=1))
        solution = dist_dir / f"{source.name}-solution.ipynb"
        shutil.copy2(out / "autograder" / master.name, solution)
    shipped = {str(student): student.read_text(encoding="utf-8")}
    shipped.update({str(p): p.read_text(encoding="utf-8") for p in tests.glob("*.py")})
    leaks = find_leaks(shipped, solution_lines(source)) + find_leaks(shipped, hidden_test_lines(bundle))
    if leaks:
        raise LabError(
            f"{source.name}: solutions or hidden tests leaked into the student files:\n" + "\n".join(leaks)
        )
    return BuildResult(source.name, student, tests, bundle, solution, question_points(bundle))


def sources(source_dir: str | Path = "exercises") -> list[Path]:
    """Every exercise source (``NN_*.py``) in ``source_dir``, in course order."""
    return sorted(Path(source_dir).glob("[0-9][0-9]_*.py"))


def build(
    source_dir: str | Path = "exercises",
    student_dir: str | Path = "lessons/exercises",
    dist_dir: str | Path = "dist/autograder",
    *,
    public_dir: str | Path = PUBLIC_TESTS,
    only: list[str] | None = None,
    url: str | None = None,
    run_tests: bool = True,
) -> list[BuildResult]:
    """Build every exercise (or those named in ``only``); see the module docstring for outputs.

    Each exercise takes a few seconds (otter assign runs the reference solution against
    every test). Raises :class:`LabError` when a source is malformed, a reference solution
    fails a test, or a solution/hidden test would leak to students. ``run_tests=False`` skips
    running the reference solutions (faster; for tests of the tooling itself).

    >>> results = build(only=["ex01_pixels_and_bytes"])  # doctest: +SKIP
    >>> results[0].student.name  # doctest: +SKIP
    'ex01_pixels_and_bytes.ipynb'
    """
    paths = sources(source_dir)
    if not paths:
        raise LabError(f"no exercise sources (NN_name.py) found in {source_dir}")
    parsed = [parse_source(p) for p in paths]
    names = [s.name for s in parsed]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise LabError(f"exercise names used twice: {', '.join(sorted(duplicates))}")
    if only:
        unknown = set(only) - set(names)
        if unknown:
            raise LabError(
                f"unknown exercise(s) {', '.join(sorted(unknown))}; choose from: {', '.join(names)}"
            )
        parsed = [s for s in parsed if s.name in only]
    results = []
    for source in progress(parsed, total=len(parsed), desc="otter assign"):
        results.append(
            build_one(
                source,
                student_dir=Path(student_dir),
                dist_dir=Path(dist_dir),
                public_dir=Path(public_dir),
                url=url,
                run_tests=run_tests,
            )
        )
    return results
