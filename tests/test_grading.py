"""Graded exercises: building student versions, leaks, and grading crafted submissions to a CSV.

One module fixture runs ``otter assign`` on exercise 1 into a temporary folder (without
re-running its tests: grading the reference solution below does that), then a folder of
crafted submissions is graded once and every test reads the resulting gradebook.
"""

from __future__ import annotations

import copy
import csv
import json
import zipfile
from pathlib import Path

import pytest

from lab.errors import LabError
from lab.grading import build as gb
from lab.grading import grade as gg
from lab.grading import student as gs
from lab.grading._worker import InvalidSubmission, read_submission, structure_notes

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
STUDENT_DIR = ROOT / "lessons" / "exercises"
EX1 = "ex01_pixels_and_bytes"
QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    [result] = gb.build(EXERCISES, out / "student", out / "dist", public_dir=out / "public", only=[EX1],
                        run_tests=False)
    return result


def _cells(nb: dict) -> list[dict]:
    return nb["cells"]


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _find(nb: dict, text: str) -> int:
    return next(i for i, c in enumerate(_cells(nb)) if text in _src(c))


def _set(nb: dict, text: str, source: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"][_find(nb, text)]["source"] = source
    return nb


# ---------------------------------------------------------------- sources and generated files


def test_every_source_parses_and_covers_the_course():
    sources = [gb.parse_source(p) for p in gb.sources(EXERCISES)]
    assert len(sources) >= 4
    lessons = {n for s in sources for n in s.lessons}
    assert {0, 1, 2, 3, 4, 5, 6, 7, 8, 9} <= lessons
    for source in sources:
        questions = [t for k, t in source.cells if k == "raw" and t.startswith("# BEGIN QUESTION")]
        assert len(questions) >= 4, source.name
        assert gb.hidden_source_lines(source), f"{source.name} has no hidden tests"


def test_committed_student_notebooks_exist_without_outputs():
    for source in map(gb.parse_source, gb.sources(EXERCISES)):
        path = STUDENT_DIR / f"{source.name}.ipynb"
        assert path.is_file(), f"{path} missing: run python -m lab.grading build"
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None
        assert (gs.PUBLIC_TESTS / source.name).is_dir()
        assert nb["metadata"]["course"]["exercise"] == source.name


def test_no_solution_line_survives_in_student_notebooks():
    for source in map(gb.parse_source, gb.sources(EXERCISES)):
        text = (STUDENT_DIR / f"{source.name}.ipynb").read_text(encoding="utf-8")
        lines = gb.solution_lines(source)
        assert lines, source.name
        leaked = [line for line in lines if json.dumps(line)[1:-1] in text or line in text]
        assert not leaked, f"{source.name}: {leaked}"


def _shipped_texts() -> dict[str, str]:
    texts = {}
    for folder in (STUDENT_DIR, ROOT / "lab"):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".py", ".ipynb", ".md", ".json", ".txt"}:
                texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_hidden_tests_are_not_in_lessons_or_the_package(built):
    texts = _shipped_texts()
    forbidden = [line for src in map(gb.parse_source, gb.sources(EXERCISES)) for line in gb.hidden_source_lines(src)]
    forbidden += gb.hidden_test_lines(built.bundle)  # otter's rewritten form (ast-unparsed) too
    leaks = gb.find_leaks(texts, forbidden)
    assert not leaks, leaks[:5]


def test_generated_student_version_matches_committed_and_strips_solutions(built):
    committed = (STUDENT_DIR / f"{EX1}.ipynb").read_text(encoding="utf-8")
    assert built.student.read_text(encoding="utf-8") == committed, "run: python -m lab.grading build"
    for test in built.public_tests.glob("*.py"):
        assert (gs.PUBLIC_TESTS / EX1 / test.name).read_text() == test.read_text()
    nb = json.loads(committed)
    answer_cells = [c for c in nb["cells"] if "otter_answer_cell" in c["metadata"].get("tags", [])]
    assert len(answer_cells) == len(QUESTIONS)
    assert all("..." in _src(c) for c in answer_cells)
    assert "# BEGIN SOLUTION" not in committed and "# SOLUTION" not in committed
    assert "HIDDEN" not in committed and "hidden: true" not in committed
    # student-side flow: setup, otter init with packaged public tests, a check per question, export
    sources = [_src(c) for c in nb["cells"]]
    assert "google.colab" in sources[0]
    assert f'otter_notebook("{EX1}")' in sources[1]
    assert [q for s in sources for q in QUESTIONS if s == f'grader.check("{q}")'] == QUESTIONS
    assert "export_submission(grader" in sources[-1]
    assert "otter_ignore" in nb["cells"][-1]["metadata"]["tags"]
    assert built.questions == {"q1": 1.0, "q2": 2.0, "q3": 2.0, "q4": 1.0, "q5": 1.0, "q6": 1.0}


def test_public_tests_hold_no_hidden_case(built):
    for path in built.public_tests.glob("*.py"):
        test = gb.read_ok_test(path.read_text())
        assert all(not c.get("hidden") for s in test["suites"] for c in s["cases"])
    with zipfile.ZipFile(built.bundle) as zf:
        hidden = [c for m in zf.namelist() if m.startswith("tests/")
                  for s in gb.read_ok_test(zf.read(m).decode())["suites"] for c in s["cases"] if c.get("hidden")]
    assert len(hidden) >= 6


def test_parse_source_errors(tmp_path):
    bad = tmp_path / "01_bad.py"
    bad.write_text("# exercise: ex_bad\n# title: t\n\n# %%\nx = 1\n")
    with pytest.raises(LabError, match="lessons"):
        gb.parse_source(bad)
    bad.write_text("# exercise: ex_bad\n# title: t\n# lessons: 1\n\n# %%\nx = 1\n")
    with pytest.raises(LabError, match="BEGIN QUESTION"):
        gb.parse_source(bad)
    bad.write_text("# exercise: Ex-Bad\n# title: t\n# lessons: 1\n\n# %% [raw]\n# # BEGIN QUESTION\n")
    with pytest.raises(LabError, match="lower_snake_case"):
        gb.parse_source(bad)
    bad.write_text("# exercise: ex_bad\n# title: t\n# lessons: 1\n\n# %% [raw]\nnot a comment\n")
    with pytest.raises(LabError, match="must start with '#'"):
        gb.parse_source(bad)
    with pytest.raises(LabError, match="no exercise sources"):
        gb.build(tmp_path / "nothing")
    with pytest.raises(LabError, match="unknown exercise"):
        gb.build(EXERCISES, only=["ex99_missing"])


# ---------------------------------------------------------------- student side


def test_otter_notebook_reads_packaged_tests_and_explains_missing_otter(monkeypatch):
    import sys

    grader = gs.otter_notebook(EX1)
    assert type(grader).__name__ == "Notebook" and Path(grader._tests_dir) == gs.PUBLIC_TESTS / EX1
    monkeypatch.setitem(sys.modules, "otter", None)  # import otter now raises ImportError
    with pytest.raises(LabError, match=r"native4k-lab\[grading\]"):
        gs.otter_notebook(EX1)


def test_public_tests_lookup_and_errors():
    assert Path(gs.public_tests(EX1)).is_dir()
    assert set(gs.exercises()) >= {EX1, "ex03_upscaling_kernels", "ex05_flicker", "ex08_compute_bill"}
    with pytest.raises(LabError, match="installed exercises"):
        gs.public_tests("ex99_nope")


def test_export_submission_paths(tmp_path, monkeypatch, capsys):
    import sys

    import otter

    monkeypatch.chdir(tmp_path)
    grader = otter.Notebook(tests_dir=gs.public_tests(EX1))
    assert gs.export_submission(grader, "missing.ipynb") is None
    assert "submit the .ipynb" in capsys.readouterr().out
    (tmp_path / "mine.ipynb").write_text((STUDENT_DIR / f"{EX1}.ipynb").read_text())
    path = gs.export_submission(grader, "mine.ipynb")
    assert path and zipfile.ZipFile(path).namelist()[0] == "mine.ipynb"
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert gs.export_submission(grader, "mine.ipynb") is None
    assert "File > Download" in capsys.readouterr().out
    monkeypatch.delitem(sys.modules, "google.colab")
    monkeypatch.setattr(type(grader), "_grading_mode", True)
    assert gs.export_submission(grader, "mine.ipynb") is None


# ---------------------------------------------------------------- worker pieces


def test_read_submission_rejects_broken_files(tmp_path):
    cases = {"a.ipynb": b"{not json", "b.ipynb": b'{"hello": 1}', "c.ipynb": b"\xff\xfe\x00", "d.zip": b"PK nope"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InvalidSubmission, match="not a valid"):
            read_submission(tmp_path / name)
    nb_text = (STUDENT_DIR / f"{EX1}.ipynb").read_text()
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.writestr("x.ipynb", nb_text)
        zf.writestr("y.ipynb", nb_text)
    with pytest.raises(InvalidSubmission, match="2 .ipynb"):
        read_submission(tmp_path / "two.zip")


def test_structure_notes_spot_deleted_and_reordered_cells():
    import nbformat

    nb = nbformat.reads((STUDENT_DIR / f"{EX1}.ipynb").read_text(), as_version=4)
    assert structure_notes(nb, QUESTIONS) == []
    i = next(k for k, c in enumerate(nb.cells) if c.source == 'grader.check("q2")')
    gone = copy.deepcopy(nb)
    del gone.cells[i]
    assert structure_notes(gone, QUESTIONS) == ["check cell(s) deleted: q2"]
    swapped = copy.deepcopy(nb)
    j = next(k for k, c in enumerate(nb.cells) if c.source == 'grader.check("q5")')
    swapped.cells[i], swapped.cells[j] = swapped.cells[j], swapped.cells[i]
    assert "reordered" in structure_notes(swapped, QUESTIONS)[0]


def test_student_ids_and_discovery(tmp_path):
    (tmp_path / "bob_submission_2026_01_01.zip").write_bytes(b"")
    (tmp_path / "amy.ipynb").write_text("{}")
    (tmp_path / "zoe").mkdir()
    (tmp_path / "zoe" / "anything.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "amy-checkpoint.ipynb").write_text("{}")
    found = gg.find_submissions(tmp_path)
    assert [gg.student_id(p, tmp_path) for p in found] == ["amy", "bob", "zoe"]
    with pytest.raises(LabError, match="does not exist"):
        gg.find_submissions(tmp_path / "nope")
    with pytest.raises(LabError, match="build it first"):
        gg.resolve_bundle(exercise="ex99", dist_dir=tmp_path)
    with pytest.raises(LabError, match="say which exercise"):
        gg.resolve_bundle()


# ---------------------------------------------------------------- grading a crafted folder

# expected points per question, status, and a fragment of the reason
EXPECTED = {
    "correct": ([1, 2, 2, 1, 1, 1], "ok", ""),
    "empty": ([0, 0, 0, 0, 0, 0], "ok", "q1 0/1"),
    "partial": ([1, 0, 1, 1, 1, 0], "ok", "q3 1/2"),
    "raising": ([1, 2, 2, 0, 1, 1], "ok", "raised ZeroDivisionError"),
    "endless": ([1, 2, 2, 1, 0, 1], "ok", "interrupted"),
    "corrupt": ([0, 0, 0, 0, 0, 0], "invalid", "not JSON"),
    "notebookless": ([0, 0, 0, 0, 0, 0], "invalid", "not a valid notebook"),
    "deleted": ([1, 0, 2, 1, 1, 1], "ok", "check cell(s) deleted: q2"),
    "shuffled": ([1, 2, 2, 1, 1, 1], "ok", "reordered"),  # question 6 moved first, and 4 MB printed
    "stubborn": ([0, 0, 0, 0, 0, 0], "timeout", "limit"),
    "dies": ([0, 0, 0, 0, 0, 0], "error", "kernel died"),
}


@pytest.fixture(scope="module")
def gradebook(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    solution = json.loads(built.solution.read_text(encoding="utf-8"))
    empty = json.loads(built.student.read_text(encoding="utf-8"))

    def save(name: str, nb: dict) -> None:
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    (folder / "correct").mkdir()  # one folder per student, holding otter's export zip
    with zipfile.ZipFile(folder / "correct" / f"{EX1}_submission.zip", "w") as zf:
        zf.writestr(f"{EX1}.ipynb", json.dumps(solution))
        zf.writestr(".OTTER_LOG", b"\x00")
    save("empty", empty)
    partial = _set(solution, "frame_bytes_u8 =", "frame_bytes_u8 = 3840 * 2160 * 3 * 8\nframe_bytes_f32 = 4 * frame_bytes_u8\n")
    partial = _set(partial, "def raw_bytes", "def raw_bytes(width, height, fps, seconds, bytes_per_value=1):\n"
                                             "    return width * height * 3 * fps * seconds\n")
    save("partial", _set(partial, "q6_answer =", 'q6_answer = "a"\n'))
    save("raising", _set(solution, "invented_share =", "invented_share = 1 / 0\n"))
    save("endless", _set(solution, "def size_for_factor", "while True:\n    pass\n"))
    (folder / "corrupt.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "notebookless.ipynb").write_text('{"hello": "world"}', encoding="utf-8")
    deleted = copy.deepcopy(solution)
    deleted["cells"] = [c for c in deleted["cells"] if "frame_bytes_u8 =" not in _src(c) and _src(c) != 'grader.check("q2")']
    save("deleted", deleted)
    reordered = _set(solution, "uhd_pixels =", "uhd_pixels = 3840 * 2160\nfor _ in range(20000):\n    print('x' * 200)\n")
    start = _find(reordered, "**Question 6")
    block = reordered["cells"][start:start + 3]
    del reordered["cells"][start:start + 3]
    first = _find(reordered, "**Question 1")
    reordered["cells"][first:first] = block
    save("shuffled", reordered)
    save("stubborn", _set(solution, "uhd_pixels =", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                   "while True:\n    pass\n"))
    save("dies", _set(solution, "invented_share =", "import os\nos._exit(3)\n"))
    out = folder.parent / "gradebook.csv"
    results = gg.grade_folder(folder, built.bundle, out, jobs=2, timeout=60, cell_timeout=8, max_output_bytes=20_000)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return results, rows


def test_gradebook_header_and_possible_row(gradebook):
    _, rows = gradebook
    assert list(rows[0]) == ["student", "file", *QUESTIONS, "total", "possible", "percent", "status", "reason"]
    assert rows[0]["student"] == gg.POSSIBLE_ROW
    assert [float(rows[0][q]) for q in QUESTIONS] == [1, 2, 2, 1, 1, 1] and float(rows[0]["total"]) == 8
    assert sorted(r["student"] for r in rows[1:]) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_crafted_submission_grades_as_expected(gradebook, student):
    _, rows = gradebook
    row = next(r for r in rows if r["student"] == student)
    points, status, reason = EXPECTED[student]
    assert [float(row[q]) for q in QUESTIONS] == points, row["reason"]
    assert float(row["total"]) == sum(points)
    assert row["status"] == status, row["reason"]
    assert reason in row["reason"]
    if student == "correct":
        assert row["reason"] == "" and row["file"].endswith(".zip")
    if student == "shuffled":
        assert "output truncated" in row["reason"]


def test_reference_solution_passes_and_empty_fails_every_test(gradebook):
    results, _ = gradebook
    by = {r.student: r for r in results}
    assert by["correct"].total == 8 and by["correct"].status == "ok"
    empty_reason = by["empty"].reason
    for q in QUESTIONS:
        assert f"{q} 0/" in empty_reason  # every question lost all its points
    assert "public test 1 failed" in empty_reason and "hidden test 2 failed" in empty_reason


def test_cli_rejects_missing_inputs(tmp_path, capsys):
    from lab.grading.__main__ import main

    assert main(["grade", str(tmp_path), "--exercise", "ex99", "--dist", str(tmp_path)]) == 2
    assert "build it first" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path)])  # --exercise or --bundle is required


def test_grade_folder_argument_errors(built, tmp_path):
    with pytest.raises(LabError, match="jobs"):
        gg.grade_folder(tmp_path, built.bundle, jobs=0)
    with pytest.raises(LabError, match="no .ipynb"):
        gg.grade_folder(tmp_path, built.bundle, tmp_path / "g.csv")


@pytest.mark.notebooks
@pytest.mark.parametrize("name", ["ex01_pixels_and_bytes", "ex03_upscaling_kernels", "ex04_texture_and_text", "ex05_flicker", "ex08_compute_bill"])
def test_unanswered_student_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    """A student who runs every cell before answering sees hints and failed checks, never a crash."""
    import nbclient
    import nbformat

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("LAB_SMOKE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    path = tmp_path / f"{name}.ipynb"
    path.write_text((STUDENT_DIR / f"{name}.ipynb").read_text(encoding="utf-8"), encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert text.count("Test case failed") >= 6  # every question's public test fails before answering
    assert (tmp_path / f"{name}_submission.zip").is_file()


def test_export_submission_uses_the_server_session_path(tmp_path, monkeypatch):
    import otter

    monkeypatch.chdir(tmp_path)
    renamed = tmp_path / "ex01 copy (1).ipynb"
    renamed.write_text((STUDENT_DIR / f"{EX1}.ipynb").read_text())
    monkeypatch.setenv("JPY_SESSION_NAME", str(renamed))
    monkeypatch.setattr("otter.check.notebook.save_notebook", lambda path, timeout=10: True)
    path = gs.export_submission(otter.Notebook(tests_dir=gs.public_tests(EX1)), f"{EX1}.ipynb")
    assert path and Path(path).name == "ex01 copy (1)_submission.zip"
    assert zipfile.ZipFile(path).namelist()[0] == "ex01 copy (1).ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ex03_upscaling_kernels", "ex04_texture_and_text", "ex05_flicker", "ex08_compute_bill"])
def test_reference_solution_passes_every_test_and_committed_files_are_fresh(name, tmp_path):
    """otter assign runs the reference solution against every test (hidden ones too) and fails otherwise."""
    [result] = gb.build(EXERCISES, tmp_path / "student", tmp_path / "dist", public_dir=tmp_path / "public", only=[name])
    assert result.student.read_text(encoding="utf-8") == (STUDENT_DIR / f"{name}.ipynb").read_text(encoding="utf-8"), \
        "run: python -m lab.grading build"
    for test in result.public_tests.glob("*.py"):
        assert (gs.PUBLIC_TESTS / name / test.name).read_text() == test.read_text()
    assert len(result.questions) >= 4 and sum(result.questions.values()) >= 6
    assert not gb.find_leaks({"student": result.student.read_text(encoding="utf-8")}, gb.hidden_test_lines(result.bundle))
