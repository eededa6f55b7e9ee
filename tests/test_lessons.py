"""The lesson notebooks: built from their sources, committed without outputs, well formed,
and executable top to bottom in smoke mode (LAB_SMOKE=1) without raising."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lab import percent_source
from lab.errors import LabError

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
GPU_LESSONS_MIN = 1  # at least one lesson (the AI ones) asks Colab for a GPU


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_lessons", ROOT / "tools" / "build_lessons.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["build_lessons"] = module
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


def _code(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def _markdown(notebook: dict) -> str:
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- the authoring tool-chain ---------------------------------------------------------------
def test_course_has_ten_lessons_numbered_by_their_file_names():
    assert NOTEBOOKS, "no lesson notebooks in lessons/"
    numbers = [_load(p)["metadata"]["course"]["lesson"] for p in NOTEBOOKS]
    assert numbers == [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(10)), "the course has ten lessons, 00 to 09"


def test_course_map_links_every_lesson():
    readme = (LESSONS / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"]({path.name})" in readme, f"lessons/README.md does not link {path.name}"


def test_notebooks_are_in_sync_with_their_sources(capsys):
    status = builder.main(["--check"])
    assert status == 0, capsys.readouterr().err


def test_committed_notebooks_have_no_outputs():
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", "lessons"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        paths = {ROOT / p for p in listed if p.endswith(".ipynb")}
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked sdist)
        paths = set(LESSONS.rglob("*.ipynb"))
    paths |= set(NOTEBOOKS)  # and the lessons about to be committed
    paths = sorted(p for p in paths if p.exists() and ".ipynb_checkpoints" not in p.parts)
    assert paths, "no notebooks found under lessons/"
    dirty = {str(p.relative_to(ROOT)): builder.has_outputs(_load(p)) for p in paths}
    dirty = {name: cells for name, cells in dirty.items() if cells}
    assert not dirty, (
        f"notebooks committed with outputs: {dirty}. Jupyter saves outputs into the notebook it opened: "
        "strip them with python tools/build_lessons.py (or git checkout lessons/), and run the lessons "
        "from a copy: python -m lab lessons"
    )


def test_parse_source_reads_header_and_cells(tmp_path):
    src = tmp_path / "42_demo.py"
    src.write_text(
        "# lesson: 42\n# title: Demo\n# gpu: true\n\n"
        "# %% [markdown]\n# # Title\n# text with `code`\n#\n# more\n\n"
        "# %%\nx = 1\n\n\n# %%\nprint(x)\n",
        encoding="utf-8",
    )
    lesson = builder.parse_source(src)
    assert (lesson.number, lesson.title, lesson.gpu) == (42, "Demo", True)
    assert lesson.cells == [
        ("markdown", "# Title\ntext with `code`\n\nmore"),
        ("code", "x = 1"),
        ("code", "print(x)"),
    ]
    url = "https://github.com/someone/course"
    notebook = builder.build_notebook(lesson, url)
    assert notebook["metadata"]["accelerator"] == "GPU" and notebook["metadata"]["colab"]["gpuType"] == "T4"
    assert "github/someone/course/blob/main/lessons/42_demo.ipynb" in "".join(notebook["cells"][0]["source"])
    assert f'COURSE_URL = "{url}"' in "".join(notebook["cells"][2]["source"])
    # stable: the same source gives the same bytes
    assert builder.dumps(notebook) == builder.dumps(builder.build_notebook(builder.parse_source(src), url))
    # without an address: no badge, and the set-up cell installs an uploaded wheel
    bare = builder.build_notebook(lesson, None)
    assert "colab-badge" not in json.dumps(bare)
    assert 'COURSE_URL = ""' in "".join(next(c for c in bare["cells"] if c["cell_type"] == "code")["source"])


@pytest.mark.parametrize(
    "text, message",
    [
        ("# title: x\n# %%\nx = 1\n", "lesson"),
        ("# lesson: 1\n# title: x\n# gpu: maybe\n# %%\nx = 1\n", "gpu"),
        ("# lesson: 1\n# title: x\n# %% [raw]\nx\n", "cell marker"),
        ("# lesson: 1\n# title: x\n# %% [markdown]\nnot a comment\n", "markdown lines"),
        ("# lesson: 1\n# title: x\n# %%\n\n# %%\nx = 1\n", "empty code cell"),
        ("lesson = 1\n# %%\nx = 1\n", "header lines"),
        # prose that lost its '# %% [markdown]' marker ships as comments inside a code cell
        (
            "# lesson: 1\n# title: x\n# %%\nx = 1\n\n# ## A heading\n# and its text\n",
            "heading in a code cell",
        ),
    ],
)
def test_parse_source_rejects_malformed_sources(tmp_path, text, message):
    src = tmp_path / "01_bad.py"
    src.write_text(text, encoding="utf-8")
    with pytest.raises(LabError, match=message):
        builder.parse_source(src)


def test_check_mode_reports_stale_and_output_carrying_notebooks(tmp_path, monkeypatch, capsys):
    src_dir, out_dir = tmp_path / "src", tmp_path
    src_dir.mkdir()
    (src_dir / "00_demo.py").write_text("# lesson: 0\n# title: Demo\n# %%\nx = 1\n", encoding="utf-8")
    monkeypatch.setattr(builder, "SRC", src_dir)
    monkeypatch.setattr(builder, "OUT", out_dir)
    monkeypatch.setattr(builder, "ROOT", tmp_path)
    assert builder.main(["--check"]) == 1 and "missing" in capsys.readouterr().err
    assert builder.main([]) == 0 and builder.main(["--check"]) == 0
    notebook = _load(out_dir / "00_demo.ipynb")
    notebook["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    (out_dir / "00_demo.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    assert builder.main(["--check"]) == 1 and "has outputs" in capsys.readouterr().err
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project.urls]\nRepository = "https://github.com/me/course"\n', encoding="utf-8")
    assert builder.main(["--check", "--pyproject", str(pyproject)]) == 1  # the address changes the notebooks
    assert builder.main(["--pyproject", str(pyproject)]) == 0
    assert _load(out_dir / "00_demo.ipynb")["metadata"]["course"]["url"] == "https://github.com/me/course"
    assert "github/me/course/blob/main/lessons/00_demo.ipynb" in (out_dir / "00_demo.ipynb").read_text(
        encoding="utf-8"
    )
    pyproject.write_text('[project.urls]\nRepository = "git@github.com:me/course"\n', encoding="utf-8")
    with pytest.raises(SystemExit):
        builder.main(["--pyproject", str(pyproject)])


# --- what every lesson must contain ----------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_structure(path):
    notebook = _load(path)
    cells = notebook["cells"]
    markdown, code = _markdown(notebook), _code(notebook)
    setup_index = next(i for i, c in enumerate(cells) if "setup" in c["metadata"].get("tags", []))
    assert setup_index <= 2 and all(c["cell_type"] == "markdown" for c in cells[:setup_index])
    setup = "".join(cells[setup_index]["source"])
    assert cells[setup_index]["cell_type"] == "code" and '"google.colab" in sys.modules' in setup
    assert not re.search(r"(torch|numpy|ipywidgets)\s*[=<>~!]=", setup), (
        "the Colab cell must not pin torch/numpy/ipywidgets"
    )
    assert "sys.path" not in setup and "chdir" not in setup and "git clone" not in setup
    assert "OWNER" not in json.dumps(notebook), "no text meant for the publisher"
    assert re.search(r"^#+ .*learning goals", markdown, re.I | re.M), "learning goals at the top"
    assert re.search(r"^#+ .*summary", markdown, re.I | re.M), "a summary at the end"
    body = "\n".join(code[1:])
    assert "widgets." in body, "at least one widget-driven exploration (lab.widgets)"
    assert "checks." in body, "at least one exercise cell calling lab.checks"
    assert "exercises/" in markdown, "a link to the graded exercise notebook"
    for source in code[1:]:
        assert not re.search(r"^\s*(def|class)\s", source, re.M), (
            f"library logic belongs in lab/, not in a cell:\n{source}"
        )
    first_goal = markdown.lower().find("learning goals")
    assert first_goal < len(markdown) // 3, "the learning goals come first"


def test_gpu_lessons_carry_colab_accelerator_metadata():
    gpu = [p for p in NOTEBOOKS if _load(p)["metadata"].get("accelerator") == "GPU"]
    assert len(gpu) >= GPU_LESSONS_MIN
    for path in gpu:
        assert _load(path)["metadata"]["colab"]["gpuType"] == "T4"


# --- smoke execution -------------------------------------------------------------------------
@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_runs_in_smoke_mode(path, monkeypatch):
    import nbclient
    import nbformat

    monkeypatch.setenv("LAB_SMOKE", "1")
    monkeypatch.delenv("LAB_DEVICE", raising=False)
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(LESSONS)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def test_percent_source_docstring_and_marker_errors(tmp_path):
    import doctest

    assert doctest.testmod(percent_source).failed == 0
    src = tmp_path / "01_x.py"
    src.write_text("# title: x\n# %% [raw]\n# text\n", encoding="utf-8")
    with pytest.raises(LabError, match=r"a cell marker is '# %%' or '# %% \[markdown\]', got '# %% \[raw\]'"):
        percent_source.read(src, required=("title",))
    header, cells = percent_source.read(src, required=("title",), kinds=("code", "markdown", "raw"))
    assert header == {"title": "x"} and cells == [("raw", "text")]


def test_smoke_mode_says_its_numbers_are_not_measurements(monkeypatch, capsys):
    """In smoke mode some directions differ from the text (thumbnail sizes); every lesson that
    prints measurements says so, and outside smoke mode it prints nothing."""
    from lab import config

    for path in sorted((ROOT / "lessons" / "src").glob("0[1-9]_*.py")):
        assert "config.show_smoke_note()" in path.read_text(encoding="utf-8"), path.name
    monkeypatch.delenv("LAB_SMOKE", raising=False)
    config.show_smoke_note()
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("LAB_SMOKE", "1")
    config.show_smoke_note()
    assert "not measurements" in capsys.readouterr().out
