"""The installed package is the course: the wheel carries the trained weights, optional
packages fail with the extra to install, and the Colab set-up cell installs what it should."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lab import colab_setup
from lab.errors import LabError
from lab.models import weights
from lab.optional import MissingDependencyError, require

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["texture_diffusion", "learned_sr_x2", "learned_sr_x4", "diffusion_sr"]
CARDS = [
    *SHIPPED,
    "realesrgan_animevideov3",
]  # the pretrained Real-ESRGAN has a card, its weights come from PyPI


def test_trained_weights_are_found_through_the_package():
    for name in SHIPPED:
        assert (weights.MODELS_DIR / f"{name}.safetensors").is_file(), (
            f"{name} weights missing in {weights.MODELS_DIR}"
        )
    for name in CARDS:
        assert (weights.MODELS_DIR / f"{name}.md").is_file(), f"{name} has no model card"


@pytest.mark.slow
def test_wheel_carries_weights_cards_and_public_tests(tmp_path):
    source = tmp_path / "source"  # a clean copy: a build/ folder left in the checkout would leak old files
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for part in ("lab", "assets"):
        shutil.copytree(ROOT / part, source / part, ignore=ignore)
    for part in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / part, source / part)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("native4k_lab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        assert f"lab/assets/models/{name}.safetensors" in names
    for name in CARDS:
        assert f"lab/assets/models/{name}.md" in names
    assert "lab/assets/__init__.py" in names and "lab/py.typed" in names
    assert any(n.startswith("lab/grading/public_tests/ex01_pixels_and_bytes/") for n in names)
    assert not any(n.startswith(("tests/", "lessons/", "exercises/", "assets/")) for n in names)


def test_missing_optional_package_names_the_extra():
    with pytest.raises(MissingDependencyError, match=r"pip install 'native4k-lab\[grading\]'") as info:
        require("otter_that_is_not_installed", extra="grading", what="grading needs otter")
    assert isinstance(info.value, LabError)


def test_library_without_opencv_says_which_extra_to_install():
    code = "import sys; sys.modules['cv2'] = None\nimport lab.video"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("lab.optional.MissingDependencyError") and "native4k-lab[opencv]" in last, (
        done.stderr
    )


def test_an_error_inside_an_installed_package_is_not_hidden(tmp_path, monkeypatch):
    (tmp_path / "broken_pkg.py").write_text("import a_module_that_does_not_exist\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="a_module_that_does_not_exist"):
        require("broken_pkg", extra="dev", what="a test")


# --- the course address and the Colab set-up cell --------------------------------------------
def test_course_url_is_read_from_project_urls(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'x'\n")
    assert colab_setup.course_url(pyproject) is None
    pyproject.write_text("[project.urls]\nRepository = 'https://github.com/me/course.git'\n")
    url = colab_setup.course_url(pyproject)
    assert url == "https://github.com/me/course.git" and colab_setup.github_slug(url) == "me/course"
    pyproject.write_text("[project.urls]\nRepository = 'git@github.com:me/course'\n")
    with pytest.raises(LabError, match="https://"):
        colab_setup.course_url(pyproject)
    assert colab_setup.github_slug("https://gitlab.com/me/course") is None
    assert colab_setup.badge_markdown("https://gitlab.com/me/course", "lessons/x.ipynb") is None


def test_the_checkout_publishes_no_placeholder_address():
    url = colab_setup.course_url(ROOT / "pyproject.toml")
    assert url is None or "OWNER" not in url


def _run_setup_cell(source: str, monkeypatch, tmp_path, *, installed: set[str]) -> list[list[str]]:
    """Execute a set-up cell as on Colab with ``installed`` modules present; returns the pip commands."""
    import importlib.util
    import subprocess as sp
    import types

    calls: list[list[str]] = []
    real_find_spec = importlib.util.find_spec
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: real_find_spec("json") if name in installed else None
    )
    monkeypatch.setattr(sp, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.chdir(tmp_path)
    exec(compile(source, "<setup cell>", "exec"), {})
    return calls


def test_setup_cell_installs_an_uploaded_wheel_first(monkeypatch, tmp_path):
    (tmp_path / "native4k_lab-0.1.0-py3-none-any.whl").write_bytes(b"")
    cell = colab_setup.setup_cell("https://github.com/me/course")
    (cmd,) = _run_setup_cell(cell, monkeypatch, tmp_path, installed=set())
    assert cmd[-1] == "native4k_lab-0.1.0-py3-none-any.whl[colab]" and cmd[1:4] == ["-m", "pip", "install"]


def test_setup_cell_installs_from_the_address_without_a_wheel(monkeypatch, tmp_path):
    cell = colab_setup.setup_cell("https://github.com/me/course", also={"otter-grader>=6.0": "otter"})
    (cmd,) = _run_setup_cell(cell, monkeypatch, tmp_path, installed={"lab"})  # otter missing
    assert cmd[-2:] == ["native4k-lab[colab] @ git+https://github.com/me/course", "otter-grader>=6.0"]
    assert not any(word in " ".join(cmd) for word in ("torch", "numpy", "ipywidgets", "opencv"))


def test_setup_cell_without_address_or_wheel_asks_for_the_wheel(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match=r"Upload the file native4k_lab-\*\.whl"):
        _run_setup_cell(colab_setup.setup_cell(None), monkeypatch, tmp_path, installed=set())


def test_setup_cell_does_nothing_when_installed_or_off_colab(monkeypatch, tmp_path):
    cell = colab_setup.setup_cell(None)
    assert _run_setup_cell(cell, monkeypatch, tmp_path, installed={"lab"}) == []
    monkeypatch.delitem(sys.modules, "google.colab")
    exec(compile(cell, "<setup cell>", "exec"), {})  # off Colab: no error, nothing installed


# --- the Pythons the package claims are the Pythons CI tests -----------------------------------
ENVIRONMENTS = ROOT / "tools" / "environments.toml"


def _environments() -> dict:
    import tomllib

    return tomllib.loads(ENVIRONMENTS.read_text(encoding="utf-8"))


def _requires_python():
    import tomllib

    from packaging.specifiers import SpecifierSet

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return SpecifierSet(project["requires-python"])


def _admitted_minors(spec) -> set[str]:
    """The Python minors (3.0 ... 3.29, 4.0) of which any release x.y.0 ... x.y.30 satisfies ``spec``."""
    minors = [(3, minor) for minor in range(30)] + [(4, 0)]
    return {f"{a}.{b}" for a, b in minors if any(spec.contains(f"{a}.{b}.{patch}") for patch in range(31))}


def test_requires_python_admits_colabs_python():
    env = _environments()
    colab = env["colab"]["python"]
    spec = _requires_python()
    for patch in range(31):
        assert spec.contains(f"{colab}.{patch}"), (
            f"requires-python {spec} refuses Python {colab}.{patch}, Colab's Python (tools/environments.toml)"
        )
    assert colab in env["ci"]["pythons"], "the Colab step's Python must be one of [ci] pythons"


def test_requires_python_admits_exactly_the_pythons_ci_tests():
    tested = set(_environments()["ci"]["pythons"])
    spec = _requires_python()
    admitted = _admitted_minors(spec)
    assert admitted == tested, (
        f"requires-python {spec} admits {sorted(admitted)}; CI tests {sorted(tested)} "
        "(tools/environments.toml [ci] pythons)"
    )
    for minor in tested:  # every patch release of a tested minor, not just some
        assert all(spec.contains(f"{minor}.{patch}") for patch in range(31)), minor


def test_the_conda_environment_asks_for_the_tested_pythons():
    tested = _environments()["ci"]["pythons"]
    lines = [line.split("#")[0].strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    python = [line for line in lines if line.startswith("- python")]
    assert python == ["- python " + "|".join(f"{minor}.*" for minor in tested)], python


def test_license_is_an_spdx_expression_with_its_file():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"  # a string (PEP 639), not the deprecated table
    for name in data["project"]["license-files"]:
        assert "Permission is hereby granted" in (ROOT / name).read_text(encoding="utf-8")


def test_colab_pins_are_read_by_the_environment_check():
    """tools/check_colab_env.py reports every pin that moved, from the one constants file."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import check_colab_env
    finally:
        sys.path.remove(str(ROOT / "tools"))
    pins = _environments()["colab"]["pins"]
    assert check_colab_env.environments()["colab"]["pins"] == pins
    assert {"numpy", "torch", "ipywidgets", "opencv-python"} <= set(pins)
    assert check_colab_env.pin_problems(pins, lambda name: pins[name]) == []
    moved = dict(pins, ipywidgets="8.1.5")
    assert check_colab_env.pin_problems(pins, lambda name: moved[name]) == [
        f"ipywidgets is 8.1.5 now; Colab's {pins['ipywidgets']} should have been kept"
    ]
