"""Graded exercises: building student versions, leaks, and grading crafted submissions to a CSV.

One module fixture runs ``otter assign`` on exercise 1 into a temporary folder (without
re-running its tests: grading the reference solution below does that), then a folder of
crafted submissions is graded once and every test reads the resulting gradebook.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lab.errors import LabError
from lab.grading import build as gb
from lab.grading import grade as gg
from lab.grading import student as gs
from lab.grading.submission import InvalidSubmission, read_submission, structure_notes

ROOT = Path(__file__).resolve().parents[1]
# the grading tests run student code in bubblewrap (.ci/run installs it; README: apt-get install bubblewrap)
requires_sandbox = pytest.mark.skipif(
    gg.sb.check_available() is not None, reason=f"no sandbox here: {gg.sb.check_available()}"
)
EXERCISES = ROOT / "exercises"
STUDENT_DIR = ROOT / "lessons" / "exercises"
EX1 = "ex01_pixels_and_bytes"
QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    [result] = gb.build(
        EXERCISES, out / "student", out / "dist", public_dir=out / "public", only=[EX1], run_tests=False
    )
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
    forbidden = [
        line for src in map(gb.parse_source, gb.sources(EXERCISES)) for line in gb.hidden_source_lines(src)
    ]
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
        hidden = [
            c
            for m in zf.namelist()
            if m.startswith("tests/")
            for s in gb.read_ok_test(zf.read(m).decode())["suites"]
            for c in s["cases"]
            if c.get("hidden")
        ]
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

    import otter

    grader = gs.otter_notebook(EX1)
    assert isinstance(grader, otter.Notebook) and Path(grader._tests_dir) == gs.PUBLIC_TESTS / EX1
    monkeypatch.setitem(sys.modules, "otter", None)  # import otter now raises ImportError
    with pytest.raises(LabError, match=r"native4k-lab\[grading\]"):
        gs.otter_notebook(EX1)


def test_check_shows_hints_and_records_multiple_choice(monkeypatch):
    """grader.check: the hint of each failed public test, no traceback; a letter is 'recorded', not 'passed'."""
    monkeypatch.setenv("LAB_SMOKE", "1")
    grader = gs.otter_notebook("ex05_flicker")

    def pick_upscaler(results, budget):  # the usual mistake: ignores the budget
        return min(results, key=lambda name: results[name][0])

    env = {"pick_upscaler": pick_upscaler, "q6_answer": "c"}
    failed = grader.check("q4", env)
    text = repr(failed)
    assert text.startswith("q4: ❌") and "at most the budget" in text and "Traceback" not in text
    assert "<li>" in failed._repr_html_() and "Traceback" not in failed._repr_html_()
    recorded = repr(grader.check("q6", env))
    assert "answer recorded" in recorded and "pass" not in recorded


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
    cases = {
        "a.ipynb": b"{not json",
        "b.ipynb": b'{"hello": 1}',
        "c.ipynb": b"\xff\xfe\x00",
        "d.zip": b"PK nope",
    }
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


def test_students_one_row_each_and_symlinks_refused(tmp_path):
    (tmp_path / "bob_submission_2026_01_01.zip").write_bytes(b"")
    (tmp_path / "amy.ipynb").write_text("{}")
    (tmp_path / "zoe").mkdir()
    (tmp_path / "zoe" / "anything.ipynb").write_text("{}")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "a.ipynb").write_text("{}")
    (tmp_path / "two" / "b.ipynb").write_text("{}")
    (tmp_path / "pdf_only").mkdir()
    (tmp_path / "pdf_only" / "essay.pdf").write_bytes(b"%PDF")
    (tmp_path / "x.ipynb").mkdir()  # a folder with a notebook's name is still a student folder
    (tmp_path / "link.ipynb").symlink_to("/etc/hostname")
    (tmp_path / "linkdir").symlink_to(tmp_path / "zoe")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "amy-checkpoint.ipynb").write_text("{}")
    students = {s.id: s for s in gg.find_students(tmp_path)}
    assert sorted(students) == ["amy", "bob", "link", "linkdir", "pdf_only", "two", "x.ipynb", "zoe"]
    assert "symbolic link" in students["link"].problem and not students["link"].notebooks
    assert "symbolic link" in students["linkdir"].problem
    assert (
        students["pdf_only"].problem == "no notebook found"
        and students["x.ipynb"].problem == "no notebook found"
    )
    path, notes = students["two"].chosen()
    assert path is not None and notes == [f"2 notebooks: graded {path.name}"]
    with pytest.raises(LabError, match="does not exist"):
        gg.find_students(tmp_path / "nope")
    with pytest.raises(LabError, match="unknown exercise 'ex99'; the exercises are: ex01_pixels_and_bytes"):
        gg.resolve_bundle(exercise="ex99", dist_dir=tmp_path)
    with pytest.raises(LabError, match="build it first"):
        gg.resolve_bundle(exercise=EX1, dist_dir=tmp_path)
    with pytest.raises(LabError, match="say which exercise"):
        gg.resolve_bundle()


def test_read_submission_never_follows_a_symlink(tmp_path):
    target = tmp_path / "secret.ipynb"
    target.write_text((STUDENT_DIR / f"{EX1}.ipynb").read_text())
    (tmp_path / "link.ipynb").symlink_to(target)
    with pytest.raises(InvalidSubmission, match="symbolic link"):
        read_submission(tmp_path / "link.ipynb")


def test_gradebook_cells_that_look_like_formulas_are_escaped(tmp_path):
    result = gg.SubmissionResult(
        '=HYPERLINK("http://x","y")',
        "+a.ipynb",
        {"q1": 0.0},
        {"q1": 1.0},
        "invalid",
        ["-1 points; @ later"],
        sandbox="",
    )
    path = gg.write_gradebook(gg.gradebook_rows([result], {"q1": 1.0}), tmp_path / "g.csv")
    row = list(csv.DictReader(open(path, newline="", encoding="utf-8")))[1]
    assert row["student"] == '\'=HYPERLINK("http://x","y")' and row["file"] == "'+a.ipynb"
    assert row["reason"] == "'-1 points; @ later"
    assert gg.read_gradebook(path, {"q1": 1.0})[result.student].reason == result.reason


def test_hidden_test_split_rules():
    from lab.grading.hidden_tests import run_check, split

    test = split(
        "x_q1 = np.arange(3)\ny_q1 = f(x_q1)  # export shape=(3,)\nassert np.array_equal(y_q1, [0, 2, 4])",
        question="q1",
        number=2,
        points=1,
    )
    assert (
        test.kernel.endswith("# export shape=(3,)")
        and test.exports == ("y_q1",)
        and test.check.startswith("assert")
    )
    assert run_check(test, {"y_q1": np.array([0, 2, 4])}) is None
    assert run_check(test, {"y_q1": [0, 2, 5]}) == "wrong value"
    assert run_check(test, {}) == "y_q1 not exported"
    with pytest.raises(LabError, match="no '# export' line"):
        split("assert f(1) == 2", question="q1", number=1, points=1)
    with pytest.raises(LabError, match="uses student_var"):  # the check may not read the student's kernel
        split("y = f(1)  # export\nassert y == student_var", question="q1", number=1, points=1)
    with pytest.raises(LabError, match="must be 'name = expression'"):
        split("f(1)  # export\nassert True", question="q1", number=1, points=1)


def test_plain_data_refuses_everything_but_data():
    from lab.grading.plain_data import NotExportable, PlainDataError, decode, encode

    class AlwaysEqual(int):
        def __eq__(self, other):
            return True

    value = decode(
        encode([AlwaysEqual(3), {"a": (1, np.float32(2.5))}, np.eye(2, dtype=np.float32), float("nan")])
    )
    assert isinstance(value[0], NotExportable) and value[0] != 3  # a subclass never passes as an int
    assert value[1] == {"a": (1, 2.5)} and value[2].dtype == np.float32 and math.isnan(value[3])
    assert "not answered" in repr(decode(encode(...)))
    for bad in [
        {"pickle": "gASV"},
        {"ndarray": {"dtype": "|O", "shape": [1], "data": ""}},
        {"ndarray": {"dtype": "<f8", "shape": [2], "data": "AAAA"}},
        {"tuple": [1], "x": 2},
        {"dict": [[1]]},
    ]:
        with pytest.raises(PlainDataError):
            decode(bad)
    nested: list = []
    for _ in range(40):
        nested = [nested]
    with pytest.raises(PlainDataError):
        decode(nested)


# ---------------------------------------------------------------- grading a crafted folder

# Attacks: each tries to raise its own score, lower another's, read what it should not, or
# outlive the run. Every one must score no more than an empty notebook (0) while the controls
# graded beside it keep their exact scores.
MARK = "zz-grading-canary-4411"
ATTACKS = {
    # write a fake result file, then kill the process that runs the notebook
    "kill_parent": "import os, signal\nopen('result.json', 'w').write('[]')\nos.kill(os.getppid(), signal.SIGKILL)\n",
    # find every grading process through /proc and kill it
    "kill_grader": (
        "import os, signal\nfor pid in os.listdir('/proc'):\n    if pid.isdigit() and int(pid) != os.getpid():\n"
        "        try:\n            os.kill(int(pid), signal.SIGKILL)\n        except OSError:\n            pass\n"
    ),
    # forge replies on every pipe of the parent
    "forge_pipe": (
        "import os, json\nfake = json.dumps({'kind': 'test', 'id': 'q1-2', 'payload': json.dumps({'test': 'q1-2', "
        "'values': {'uhd_q1': {'pickle': 'x'}}})})\nfor fd in os.listdir(f'/proc/{os.getppid()}/fd'):\n    try:\n"
        "        with open(f'/proc/{os.getppid()}/fd/{fd}', 'w') as f:\n            f.write(fake + '\\n{\"kind\": \"done\"}\\n')\n"
        "    except OSError:\n        pass\n"
    ),
    # always-equal answers, and the builtins they would be compared with
    "always_equal": (
        "class AE(float):\n    def __eq__(self, other): return True\n    __ne__ = lambda s, o: False\n"
        "    __lt__ = __gt__ = __le__ = __ge__ = __eq__\n    def __abs__(self): return 0\n    def __sub__(self, o): return self\n"
        "    __rsub__ = __sub__\n    def strip(self): return self\n    lower = strip\n"
        "uhd_pixels = frame_bytes_u8 = frame_bytes_f32 = invented_share = q6_answer = AE()\n"
        "raw_bytes = size_for_factor = lambda *a, **k: AE()\nint = float = AE\n"
    ),
    # patch the libraries a grader might use in the kernel
    "patch_libs": (
        "import json, pickle, otter.test_files.ok_test as ok\nok.run_doctest = lambda *a, **k: (True, '')\n"
        "pickle.dump = pickle.dumps = lambda *a, **k: b''\njson.dumps = lambda *a, **k: '{\"uhd_q1\": 8294400}'\n"
    ),
    # look for the solutions, the bundle, other submissions and the grader's environment;
    # answer q1 correctly only if something was found
    "snoop": (
        "import glob, os\nfound = []\nfor root in ['/tmp', '/work', '/root', '/home', '/mnt', '/opt', '/srv', '/var']:\n"
        "    for base, dirs, files in os.walk(root, onerror=lambda e: None):\n"
        "        found += [f for f in files if f.endswith(('-solution.ipynb', '-autograder.zip')) or f.startswith(('control_correct', 'control_empty'))]\n"
        "found += [p for p in ['{folder}', '{bundle}', '{solution}'] if os.path.exists(p)]\n"
        "found += [p for p in glob.glob('/proc/*/cwd/*') if 'control_' in p or 'autograder' in p]\n"
        "for pid in os.listdir('/proc'):\n    try:\n        env = open(f'/proc/{{pid}}/environ', 'rb').read()\n"
        "    except (OSError, ValueError):\n        continue\n"
        f"    found += ['env'] if b'{MARK}' in env else []\n"
        "uhd_pixels = 3840 * 2160 if found else 0\n"
    ),
    # a detached process that outlives the notebook, and 20 that ignore SIGTERM
    "outlive": (
        "import subprocess, sys\nfor i in range(21):\n    subprocess.Popen([sys.executable, '-c', "
        f"'import os, signal, time; os.setsid(); signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)  # {MARK}'], "
        "start_new_session=True)\n"
    ),
    # replace the kernel's export function: an array of shape [2**64], a type name that is a lone surrogate
    "huge_shape": (
        "import json, lab.grading.plain_data as pd\nfrom IPython.display import publish_display_data\n"
        "def fake(test_id, values):\n    publish_display_data({pd.EXPORT_MIME: json.dumps({'test': test_id, 'values': "
        "{n: {'ndarray': {'dtype': '<f8', 'shape': [2**64], 'data': ''}} for n in values}})})\npd.publish = fake\n"
    ),
    "forged_name": (
        "import json, lab.grading.plain_data as pd\nfrom IPython.display import publish_display_data\n"
        "def fake(test_id, values):\n    publish_display_data({pd.EXPORT_MIME: json.dumps({'test': test_id, 'values': "
        "{n: {'unsupported': '\\ud800'} for n in values}})})\npd.publish = fake\n"
    ),
    # a lone surrogate written straight into the runner's result pipe
    "pipe_surrogate": (
        'import os\nline = \'{"kind": "cell", "index": 0, "problem": "error", "detail": "\\\\ud800"}\\n\'\n'
        "for fd in os.listdir(f'/proc/{os.getppid()}/fd'):\n    try:\n"
        "        with open(f'/proc/{os.getppid()}/fd/{fd}', 'w') as f:\n            f.write(line)\n"
        "    except OSError:\n        pass\n"
    ),
    # 60 000 newlines that froze every grading thread in the pip-install filter
    "pip_newlines": "\n" * 60_000 + "%pip install numpy\n",
    # 40 busy processes for 20 s: a neighbour graded at the same time must keep its exact score
    "cpu_hog": (
        "import subprocess, sys\nfor _ in range(40):\n    subprocess.Popen([sys.executable, '-c', "
        "'import time\\nt = time.time()\\nwhile time.time() - t < 20: pass'], start_new_session=True)\n"
    ),
    # fill the sandbox's / and /dev (unlimited tmpfs mounts before they were made read-only)
    "disk_fill": (
        "for path in ('/fill', '/dev/fill'):\n    try:\n        with open(path, 'wb') as f:\n"
        "            for _ in range(100):\n                f.write(b'x' * 10_000_000)\n    except OSError:\n        pass\n"
    ),
    # flood the output three ways
    "flood": (
        "import os, sys\nfrom IPython.display import display\nos.write(1, b'x' * 20_000_000)\n"
        "sys.stdout.write('y' * 5_000_000)\ndisplay({'text/plain': 'z' * 5_000_000}, raw=True)\n"
    ),
}

# expected points per question, status, and a fragment of the reason; the question cells each
# variant changes are named in the fixture
EXPECTED = {
    "control_correct": ([1, 2, 2, 1, 1, 1], "ok", ""),
    "control_empty": ([0, 0, 0, 0, 0, 0], "ok", "q1 0/1: hidden test 2 failed (not answered (still ...))"),
    "partial": ([1, 0, 1, 1, 1, 0], "ok", "q3 1/2"),
    "raising": ([1, 2, 2, 0, 1, 1], "ok", "raised ZeroDivisionError"),
    "endless": ([1, 2, 2, 1, 0, 1], "ok", "interrupted"),
    "loop_in_test": ([1, 2, 2, 1, 0, 1], "ok", "limit per test"),
    "recursion": ([1, 2, 0, 1, 1, 1], "ok", "RecursionError"),
    "memory": ([1, 2, 2, 1, 1, 1], "ok", "memory limit"),
    "corrupt": ([0, 0, 0, 0, 0, 0], "invalid", "not JSON"),
    "notebookless": ([0, 0, 0, 0, 0, 0], "invalid", "not a valid notebook"),
    "deleted": ([1, 0, 2, 1, 1, 1], "ok", "check cell(s) deleted: q2"),
    "shuffled": ([1, 2, 2, 1, 1, 1], "ok", "reordered"),  # question 6 moved first, and 4 MB printed
    "stubborn": ([0, 2, 2, 1, 1, 1], "ok", "interrupted"),  # ignores the interrupt: its kernel is replaced
    "dies": ([1, 2, 2, 0, 1, 1], "ok", "killed the kernel"),  # the points before and after still count
    "two_notebooks": ([1, 2, 2, 1, 1, 1], "ok", "2 notebooks: graded"),
    "no_notebook": ([0, 0, 0, 0, 0, 0], "invalid", "no notebook found"),
    "symlink_solution": ([0, 0, 0, 0, 0, 0], "invalid", "symbolic link"),
    "Jos\\xe9": ([1, 2, 2, 1, 1, 1], "ok", ""),  # b"Jos\xe9.ipynb", as a Latin-1 unzip leaves it
    "carol.ipynb": ([1, 2, 2, 1, 1, 1], "ok", "each has its own row"),
    "carol_submission_2.ipynb": ([0, 0, 0, 0, 0, 0], "ok", "each has its own row"),
    "fifo": ([0, 0, 0, 0, 0, 0], "invalid", "not a regular file"),
    "deep": ([0, 0, 0, 0, 0, 0], "invalid", "nested too deeply"),
    "digits": ([0, 0, 0, 0, 0, 0], "invalid", "not JSON"),
    "encrypted": ([0, 0, 0, 0, 0, 0], "invalid", "encrypted"),
    "deflate64": ([0, 0, 0, 0, 0, 0], "invalid", "compression method 9"),
    "bad_deflate": ([0, 0, 0, 0, 0, 0], "invalid", "zip"),
    "empty_answers": ([1, 2, 2, 1, 0, 1], "ok", "expected shape (2, 2), got (2, 0)"),
    "zero_d": ([1, 2, 2, 1, 1, 1], "ok", ""),  # an honest 0-d array answer keeps its point
    "odd_exception": ([1, 2, 2, 0, 1, 1], "ok", "raised X"),
    **{f"attack_{name}": ([0, 0, 0, 0, 0, 0], None, "") for name in ATTACKS},
}


def _patch_zip(raw: bytes, *, method: int | None = None, flags: int | None = None) -> bytes:
    """A zip with the compression method / flag bits rewritten in its local and central headers."""
    data = bytearray(raw)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        while at >= 0:
            if flags is not None:
                data[at + flag_at : at + flag_at + 2] = flags.to_bytes(2, "little")
            if method is not None:
                data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    return bytes(data)


def _outliving() -> list[int]:
    """Processes still alive whose command line carries the canary."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARK.encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _as_submitted(solution: dict, student: dict) -> dict:
    """The reference solution with the student notebook's set-up and export cells, as a student submits it."""
    for marker in ("otter_notebook(", "export_submission("):
        solution = _set(
            solution,
            "otter.Notebook(" if marker == "otter_notebook(" else "grader.export(",
            _src(student["cells"][_find(student, marker)]),
        )
    return solution


@pytest.fixture(scope="module")
def gradebook(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    empty = json.loads(built.student.read_text(encoding="utf-8"))
    solution = _as_submitted(json.loads(built.solution.read_text(encoding="utf-8")), empty)

    def save(name: str, nb: dict) -> None:
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    (folder / "control_correct").mkdir()  # one folder per student, holding otter's export zip
    with zipfile.ZipFile(folder / "control_correct" / f"{EX1}_submission.zip", "w") as zf:
        zf.writestr(f"{EX1}.ipynb", json.dumps(solution))
        zf.writestr(".OTTER_LOG", b"\x00")
    save("control_empty", empty)
    partial = _set(
        solution,
        "frame_bytes_u8 =",
        "frame_bytes_u8 = 3840 * 2160 * 3 * 8\nframe_bytes_f32 = 4 * frame_bytes_u8\n",
    )
    partial = _set(
        partial,
        "def raw_bytes",
        "def raw_bytes(width, height, fps, seconds, bytes_per_value=1):\n"
        "    return width * height * 3 * fps * seconds\n",
    )
    save("partial", _set(partial, "q6_answer =", 'q6_answer = "a"\n'))
    save("raising", _set(solution, "invented_share =", "invented_share = 1 / 0\n"))
    save("endless", _set(solution, "def size_for_factor", "while True:\n    pass\n"))
    save(
        "loop_in_test",
        _set(
            solution,
            "def size_for_factor",
            "def size_for_factor(size, factor):\n    while True:\n        pass\n",
        ),
    )
    save(
        "recursion",
        _set(
            solution,
            "def raw_bytes",
            "def raw_bytes(*args, **kwargs):\n    return raw_bytes(*args, **kwargs)\n",
        ),
    )
    save("memory", _set(solution, "uhd_pixels =", "uhd_pixels = 3840 * 2160\nhog = bytearray(8 * 2**30)\n"))
    (folder / "corrupt.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "notebookless.ipynb").write_text('{"hello": "world"}', encoding="utf-8")
    deleted = copy.deepcopy(solution)
    deleted["cells"] = [
        c for c in deleted["cells"] if "frame_bytes_u8 =" not in _src(c) and _src(c) != 'grader.check("q2")'
    ]
    save("deleted", deleted)
    reordered = _set(
        solution, "uhd_pixels =", "uhd_pixels = 3840 * 2160\nfor _ in range(20000):\n    print('x' * 200)\n"
    )
    start = _find(reordered, "**Question 6")
    block = reordered["cells"][start : start + 3]
    del reordered["cells"][start : start + 3]
    first = _find(reordered, "**Question 1")
    reordered["cells"][first:first] = block
    save("shuffled", reordered)
    save(
        "stubborn",
        _set(
            solution,
            "uhd_pixels =",
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
        ),
    )
    save("dies", _set(solution, "invented_share =", "import os\nos._exit(3)\n"))
    (folder / "two_notebooks").mkdir()
    (folder / "two_notebooks" / "old.ipynb").write_text(json.dumps(empty), encoding="utf-8")
    os.utime(folder / "two_notebooks" / "old.ipynb", (1_000_000_000, 1_000_000_000))
    (folder / "two_notebooks" / "new.ipynb").write_text(json.dumps(solution), encoding="utf-8")
    (folder / "no_notebook").mkdir()
    (folder / "no_notebook" / "answers.pdf").write_bytes(b"%PDF-1.4")
    (folder / "symlink_solution.ipynb").symlink_to(built.solution)
    with open(os.fsencode(str(folder)) + b"/Jos\xe9.ipynb", "w", encoding="utf-8") as f:
        f.write(json.dumps(solution))
    save("carol", solution)
    save("carol_submission_2", empty)
    os.mkfifo(folder / "fifo.ipynb")
    (folder / "deep.ipynb").write_bytes(b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    (folder / "digits.ipynb").write_text(
        json.dumps(solution).replace('"metadata": {', '"metadata": {"n": ' + "7" * 5000 + ", ", 1)
    )
    good_zip = io.BytesIO()
    with zipfile.ZipFile(good_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{EX1}.ipynb", json.dumps(solution))
    (folder / "encrypted.zip").write_bytes(_patch_zip(good_zip.getvalue(), flags=1))
    (folder / "deflate64.zip").write_bytes(_patch_zip(good_zip.getvalue(), method=9))
    damaged = bytearray(good_zip.getvalue())
    damaged[60:90] = bytes(30)
    (folder / "bad_deflate.zip").write_bytes(bytes(damaged))
    save(
        "empty_answers",
        _set(solution, "def size_for_factor", "def size_for_factor(size, factor):\n    return []\n"),
    )
    save(
        "zero_d",
        _set(
            solution,
            "invented_share =",
            "import numpy as np\ninvented_share = np.array(1 - (960 * 540) / (3840 * 2160))\n",
        ),
    )
    save(
        "odd_exception",
        _set(
            solution,
            "invented_share =",
            "E = type('X\\n\\x1b[2J fake row', (Exception,), {})\nraise E('boom')\n",
        ),
    )
    for name, code in ATTACKS.items():
        nb = copy.deepcopy(empty)
        at = _find(nb, "uhd_pixels =") if name == "snoop" else _find(nb, "uhd_pixels =") + 1
        code = (
            code.format(folder=folder, bundle=built.bundle, solution=built.solution)
            if name == "snoop"
            else code
        )
        nb["cells"].insert(
            at,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"attack-{name}".replace("_", "-"),
                "metadata": {},
                "outputs": [],
                "source": code,
            },
        )
        if name == "snoop":
            nb["cells"][at + 1]["source"] = "pass\n"  # keep snoop's answer
        save(f"attack_{name}", nb)
    out = folder.parent / "gradebook.csv"
    os.environ["GRADER_CANARY"] = MARK  # the grader's environment must not reach the sandbox
    try:
        settings = gg.Settings(timeout=90, cell_timeout=8, test_timeout=5, max_output_bytes=20_000)
        results = gg.grade_folder(folder, built.bundle, out, jobs=2, settings=settings)
    finally:
        del os.environ["GRADER_CANARY"]
    survivors = _outliving()
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return results, rows, survivors, out, folder


@requires_sandbox
def test_gradebook_header_and_possible_row(gradebook):
    rows = gradebook[1]
    assert list(rows[0]) == [
        "student",
        "file",
        *QUESTIONS,
        "total",
        "possible",
        "percent",
        "status",
        "reason",
        "sandbox",
        "sha256",
        "graded_with",
    ]
    assert rows[0]["student"] == gg.POSSIBLE_ROW
    assert [float(rows[0][q]) for q in QUESTIONS] == [1, 2, 2, 1, 1, 1] and float(rows[0]["total"]) == 8
    assert sorted(r["student"] for r in rows[1:]) == sorted(EXPECTED)  # one row per student, none lost


@requires_sandbox
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_crafted_submission_grades_as_expected(gradebook, student):
    rows = gradebook[1]
    row = next(r for r in rows if r["student"] == student)
    points, status, reason = EXPECTED[student]
    assert [float(row[q]) for q in QUESTIONS] == points, row["reason"]
    assert float(row["total"]) == sum(points)
    if status is not None:
        assert row["status"] == status, row["reason"]
    assert reason in row["reason"], row["reason"]
    if student == "control_correct":
        assert row["reason"] == "" and row["file"].endswith(".zip") and row["sandbox"] == "bwrap"
    if student == "shuffled":
        assert "output limit" in row["reason"]


@requires_sandbox
def test_nothing_outlives_the_run(gradebook):
    assert gradebook[2] == []


@requires_sandbox
def test_rerun_skips_unchanged_notebooks_and_regrades_changed_ones(gradebook, built, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    solution = built.solution.read_text(encoding="utf-8")
    (folder / "ann.ipynb").write_text(solution, encoding="utf-8")
    (folder / "ben.ipynb").write_text(solution, encoding="utf-8")
    out = tmp_path / "book.csv"
    first = {r.student: r for r in gg.grade_folder(folder, built.bundle, out, jobs=2)}
    assert first["ann"].total == first["ben"].total == 8 and first["ann"].seconds > 0
    (folder / "ben.ipynb").write_text(built.student.read_text(encoding="utf-8"), encoding="utf-8")
    second = {r.student: r for r in gg.grade_folder(folder, built.bundle, out, jobs=2)}
    assert second["ann"].reused and second["ann"].total == 8  # unchanged: read back, not regraded
    assert not second["ben"].reused and second["ben"].seconds > 0 and second["ben"].total == 0


def test_no_sandbox_rows_are_marked(built, tmp_path, monkeypatch):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "ann.ipynb").write_text(built.solution.read_text(encoding="utf-8"), encoding="utf-8")
    [row] = gg.grade_folder(
        tmp_path / "s", built.bundle, tmp_path / "g.csv", settings=gg.Settings(sandbox=False)
    )
    assert row.total == 8 and row.sandbox == "none"
    monkeypatch.setattr(gg.sb, "_AVAILABLE", {"bwrap": "bubblewrap is not installed"})
    with pytest.raises(LabError, match="--no-sandbox"):
        gg.grade_folder(tmp_path / "s", built.bundle, tmp_path / "g.csv")


def test_cli_rejects_bad_settings_before_grading(built, tmp_path, capsys):
    from lab.grading.__main__ import main

    assert main(["grade", str(tmp_path), "--exercise", EX1, "--dist", str(tmp_path)]) == 2
    assert "build it first" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path)])  # --exercise or --bundle is required
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.ipynb").write_text(built.student.read_text(encoding="utf-8"), encoding="utf-8")
    base = ["grade", str(tmp_path / "subs"), "--bundle", str(built.bundle)]
    for extra, message in [
        (["--timeout", "inf"], "--timeout must be a positive number of seconds"),
        (["--cell-timeout", "0"], "--cell-timeout must be a positive number"),
        (["--out", str(tmp_path)], "is a folder"),
        (["--out", str(tmp_path / "nowhere" / "g.csv")], "does not exist"),
    ]:
        assert main(base + extra) == 2
        assert message in capsys.readouterr().err
    assert main(base + ["--out", "/proc/gradebook.csv"]) == 2  # a place nobody can write, root included
    assert "cannot create a file in the folder /proc" in capsys.readouterr().err


def test_grade_folder_argument_errors(built, tmp_path):
    with pytest.raises(LabError, match="jobs"):
        gg.grade_folder(tmp_path, built.bundle, jobs=0)
    with pytest.raises(LabError, match="nothing to grade"):
        gg.grade_folder(tmp_path, built.bundle, tmp_path / "g.csv")


@pytest.mark.notebooks
@pytest.mark.parametrize(
    "name",
    [
        "ex01_pixels_and_bytes",
        "ex03_upscaling_kernels",
        "ex04_texture_and_text",
        "ex05_flicker",
        "ex08_compute_bill",
    ],
)
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
    nbclient.NotebookClient(
        nb, timeout=300, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [
        (i, o.ename, o.evalue)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert (
        text.count("❌ not yet") >= 5
    )  # every code question's public check fails before answering, with a hint
    assert "Traceback" not in text and "answer recorded" not in text  # hints, not doctest tracebacks
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
@pytest.mark.parametrize(
    "name", ["ex03_upscaling_kernels", "ex04_texture_and_text", "ex05_flicker", "ex08_compute_bill"]
)
def test_reference_solution_passes_every_test_and_committed_files_are_fresh(name, tmp_path):
    """otter assign runs the reference solution against every test (hidden ones too) and fails otherwise."""
    [result] = gb.build(
        EXERCISES, tmp_path / "student", tmp_path / "dist", public_dir=tmp_path / "public", only=[name]
    )
    assert result.student.read_text(encoding="utf-8") == (STUDENT_DIR / f"{name}.ipynb").read_text(
        encoding="utf-8"
    ), "run: python -m lab.grading build"
    for test in result.public_tests.glob("*.py"):
        assert (gs.PUBLIC_TESTS / name / test.name).read_text() == test.read_text()
    assert len(result.questions) >= 4 and sum(result.questions.values()) >= 6
    assert not gb.find_leaks(
        {"student": result.student.read_text(encoding="utf-8")}, gb.hidden_test_lines(result.bundle)
    )
    if (
        gg.sb.check_available() is None
    ):  # graded in the sandbox: the solution earns every point, the blank notebook none
        subs = tmp_path / "subs"
        subs.mkdir()
        student = json.loads(result.student.read_text(encoding="utf-8"))
        solution = _as_submitted(json.loads(result.solution.read_text(encoding="utf-8")), student)
        (subs / "solved.ipynb").write_text(json.dumps(solution), encoding="utf-8")
        (subs / "blank.ipynb").write_text(result.student.read_text(encoding="utf-8"), encoding="utf-8")
        graded = {r.student: r for r in gg.grade_folder(subs, result.bundle, tmp_path / "g.csv", jobs=2)}
        assert graded["solved"].total == sum(result.questions.values()) and graded["solved"].reason == ""
        assert graded["blank"].total == 0 and graded["blank"].status == "ok"
