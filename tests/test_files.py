"""Safe writes (lab.files): a file or a folder of outputs appears complete, or not at all."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lab.errors import LabError
from lab.files import STOP, StagingFolder, atomic_path, check_output_dir, remove_stale_staging


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half writ")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_a_staging_folder_moves_all_its_files_in_or_none(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), StagingFolder(out) as tmp:
        (tmp / "a.png").write_bytes(b"a")
        raise RuntimeError("crashed after the first file")
    assert list(tmp_path.iterdir()) == []  # neither the output nor the staging folder
    with StagingFolder(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".out.{os.getpid()}.")
        for name in ("a.png", "b.csv"):
            (tmp / name).write_text(name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.csv"]


def test_a_staging_folder_adds_its_files_to_an_existing_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("kept")
    (out / "b.csv").write_text("old")
    with StagingFolder(out) as tmp:
        (tmp / "b.csv").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "keep.txt").read_text() == "kept" and (out / "b.csv").read_text() == "new"


def test_a_stop_request_discards_the_staging_folder(tmp_path):
    out = tmp_path / "out"
    STOP.set()
    try:
        with pytest.raises(KeyboardInterrupt), StagingFolder(out) as tmp:
            (tmp / "a.png").write_bytes(b"a")
    finally:
        STOP.clear()
    assert list(tmp_path.iterdir()) == []


def test_only_staging_folders_of_dead_processes_are_removed(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".out.{int(dead.stdout)}.abc.part"
    live = tmp_path / f".out.{os.getpid()}.def.part"
    stale.mkdir()
    live.mkdir()
    assert remove_stale_staging(out) == [stale.absolute()]
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_an_output_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(LabError, match="existing file"):
        check_output_dir(tmp_path / "taken")
    with pytest.raises(LabError, match="is a file"):
        check_output_dir(tmp_path / "taken" / "below")
    assert check_output_dir(str(tmp_path / "new")) == tmp_path / "new"


def test_docstring_examples_run():
    import doctest

    import lab.files

    result = doctest.testmod(lab.files)
    assert result.failed == 0 and result.attempted > 0
