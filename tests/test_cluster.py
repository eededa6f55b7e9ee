"""Grading and rendering on a Dask cluster: a scheduler and two worker processes on 127.0.0.1.

The cluster's results must equal the single-machine ones (same points, same frames byte for
byte), and a worker killed in the middle of a run must not lose or duplicate a row.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster

from lab import render_set
from lab.errors import LabError
from lab.grading import build as gb
from lab.grading import grade as gg
from lab.video import read_mp4

ROOT = Path(__file__).resolve().parents[1]
EX1 = "ex01_pixels_and_bytes"
requires_sandbox = pytest.mark.skipif(
    gg.sb.check_available() is not None, reason=f"no sandbox here: {gg.sb.check_available()}"
)


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """Built exercise 1 and a folder of six students: full marks, blank, and partly right."""
    out = tmp_path_factory.mktemp("cluster-grading")
    [built] = gb.build(
        ROOT / "exercises",
        out / "student",
        out / "dist",
        public_dir=out / "public",
        only=[EX1],
        run_tests=False,
    )
    student = json.loads(built.student.read_text(encoding="utf-8"))
    solution = json.loads(built.solution.read_text(encoding="utf-8"))
    folder = out / "subs"
    folder.mkdir()

    def answer(nb: dict, marker: str, source: str) -> dict:
        nb = copy.deepcopy(nb)
        next(c for c in nb["cells"] if marker in "".join(c["source"]))["source"] = source
        return nb

    variants = {
        "full1": solution,
        "full2": solution,
        "blank": student,
        "wrong_q6": answer(solution, "q6_answer =", 'q6_answer = "a"\n'),
        "wrong_q1": answer(solution, "uhd_pixels =", "uhd_pixels = 1920 * 1080\n"),
        "raises": answer(solution, "invented_share =", "invented_share = 1 / 0\n"),
    }
    for name, nb in variants.items():
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    expected = {"full1": 8, "full2": 8, "blank": 0, "wrong_q6": 7, "wrong_q1": 7, "raises": 7}
    return built, folder, expected


def _points(results: list[gg.SubmissionResult]) -> dict[str, dict[str, float]]:
    return {r.student: dict(r.scores) for r in results}


@requires_sandbox
def test_cluster_gradebook_matches_the_local_one(cluster, submissions, tmp_path):
    built, folder, expected = submissions
    local = gg.grade_folder(folder, built.bundle, tmp_path / "local.csv", jobs=2)
    remote = gg.grade_folder(
        folder, built.bundle, tmp_path / "cluster.csv", scheduler=cluster.scheduler_address
    )
    assert {r.student: r.total for r in remote} == expected
    assert _points(remote) == _points(local)
    assert all(r.status == "ok" and r.sandbox == "bwrap" for r in remote)


@requires_sandbox
def test_a_worker_killed_mid_run_loses_no_row(cluster, submissions, tmp_path):
    built, folder, expected = submissions
    with Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
        killed: list[int] = []

        def kill_one_busy_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = [address for address, tasks in client.processing().items() if tasks]
                if busy:
                    time.sleep(1.0)  # inside a submission, its sandbox running
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
                time.sleep(0.2)

        killer = threading.Thread(target=kill_one_busy_worker)
        killer.start()
        out = tmp_path / "gradebook.csv"
        results = gg.grade_folder(folder, built.bundle, out, scheduler=cluster.scheduler_address)
        killer.join()
        client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    assert killed, "no worker was busy to be killed"
    assert sorted(r.student for r in results) == sorted(expected)  # every row, once
    assert {r.student: r.total for r in results} == expected
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 + len(expected)  # header, POINTS POSSIBLE, one row per student


@requires_sandbox
def test_grading_with_an_unreachable_scheduler_leaves_no_gradebook(submissions, tmp_path):
    built, folder, _ = submissions
    with pytest.raises(LabError, match="cannot reach"):
        gg.grade_folder(folder, built.bundle, tmp_path / "book.csv", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "book.csv").exists()


def test_render_set_on_the_cluster_equals_the_local_render(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_SMOKE", "1")
    args = (["skin"], ["bicubic"], "64x36", "16x9", 5)
    local = render_set.render_set(*args, tmp_path / "local", segment_frames=2)
    remote = render_set.render_set(
        *args, tmp_path / "remote", segment_frames=2, scheduler=cluster.scheduler_address
    )
    assert [p.name for p in local] == [p.name for p in remote] == ["skin_native.mp4", "skin_bicubic.mp4"]
    for a, b in zip(local, remote):
        assert a.read_bytes() == b.read_bytes()  # the same segments, joined the same way
        flow_name = a.stem + "_flow.npz"
        assert a.with_name(flow_name).read_bytes() == b.with_name(flow_name).read_bytes()
        frames_a, frames_b = list(read_mp4(a)), list(read_mp4(b))
        assert len(frames_a) == len(frames_b) == 5
        assert all(np.array_equal(x, y) for x, y in zip(frames_a, frames_b))
        flows_a = np.load(a.with_name(a.stem + "_flow.npz"))
        flows_b = np.load(b.with_name(b.stem + "_flow.npz"))
        assert sorted(flows_a.files) == [f"t{t:05d}" for t in range(5)] == sorted(flows_b.files)
        assert all(np.array_equal(flows_a[k], flows_b[k]) for k in flows_a.files)


def test_render_set_segments_join_into_the_clip(tmp_path, monkeypatch):
    """Segments joined by stream copy decode to the frames a one-segment render gives, in order."""
    monkeypatch.setenv("LAB_SMOKE", "1")
    [whole] = render_set.render_set(
        ["fabric"], [], "64x36", "16x9", 4, tmp_path / "one", segment_frames=4, crf=0
    )
    [parts] = render_set.render_set(
        ["fabric"], [], "64x36", "16x9", 4, tmp_path / "many", segment_frames=1, crf=0
    )
    a, b = list(read_mp4(whole)), list(read_mp4(parts))
    assert len(a) == len(b) == 4
    assert all(np.array_equal(x, y) for x, y in zip(a, b))  # lossless: both equal the rendered frames' yuv
    assert not np.array_equal(a[0], a[3])  # the scene moves, so frame order matters


def test_render_cli_writes_the_set_and_rejects_bad_input(tmp_path, monkeypatch, capsys):
    from lab.__main__ import main

    monkeypatch.setenv("LAB_SMOKE", "1")
    assert (
        main(
            [
                "render",
                "--scene",
                "skin",
                "--resolution",
                "64x36",
                "--from",
                "16x9",
                "--method",
                "bicubic",
                "--frames",
                "2",
                "--out",
                str(tmp_path / "set"),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "set").iterdir()) == [
        "render_set.json",
        "skin_bicubic.mp4",
        "skin_bicubic_flow.npz",
        "skin_native.mp4",
        "skin_native_flow.npz",
    ]
    assert main(["render", "--scene", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "nope" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_render_set_and_scheduler_errors(tmp_path):
    with pytest.raises(LabError, match="unknown scene|not a scene|choose from"):
        render_set.plan(["nope"], ["bicubic"], "64x36", "16x9", 2)
    with pytest.raises(LabError, match="smaller than"):
        render_set.plan(["skin"], ["bicubic"], "64x36", "64x36", 2)
    with pytest.raises(LabError, match="frames must be"):
        render_set.plan(["skin"], ["bicubic"], "64x36", "16x9", 0)
    from lab.cluster import connect, scheduler_address

    assert scheduler_address("127.0.0.1:8786") == ("tcp://127.0.0.1:8786", "127.0.0.1", 8786)
    with pytest.raises(LabError, match="speaks tcp://"):
        scheduler_address("http://127.0.0.1:8786")
    with pytest.raises(LabError, match="give the host and the port"):
        scheduler_address("tcp://127.0.0.1")
    with pytest.raises(LabError, match="cannot reach the Dask scheduler"):
        connect("tcp://127.0.0.1:9", timeout=3)


def test_connect_explains_a_wrong_port_and_a_cluster_without_workers():
    import socket

    from lab.cluster import connect

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()  # accepts, never speaks Dask: like the dashboard port or a web server
    try:
        with pytest.raises(LabError, match="no Dask scheduler answered"):
            connect(f"tcp://127.0.0.1:{server.getsockname()[1]}", timeout=2)
    finally:
        server.close()
    with LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=None) as empty:
        with pytest.raises(LabError, match="has no workers"):
            connect(empty.scheduler_address, timeout=2)


def test_a_wrong_scheduler_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_SMOKE", "1")
    with pytest.raises(LabError, match="cannot reach"):
        render_set.render_set(
            ["skin"], [], "64x36", "16x9", 2, tmp_path / "set", scheduler="tcp://127.0.0.1:9"
        )
    assert sorted(tmp_path.iterdir()) == []
