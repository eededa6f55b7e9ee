"""Run one submission inside its sandbox and stream its exported answers as JSON lines.

    python -m lab.grading.runner < request.json       # started by lab.grading.grade, sandboxed

The request (stdin, one JSON document) holds the student's code cells, the kernel side of
every hidden test and the time limits. This process starts a Jupyter kernel, runs the cells
one by one (each with its own time limit: a cell that runs too long is interrupted, and if it
will not stop the kernel is restarted), then runs each hidden test's kernel code with its own
time limit and publishes the exported values. A cell that kills the kernel is skipped: a new
kernel replays the cells before it, so the answers already given still count.

Everything this process writes to stdout is one JSON object per line (``cell``, ``test`` and
``done`` records); the grader trusts none of it beyond its schema. Student output is counted
(for the output cap) and dropped; nothing the kernel prints reaches the grader.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from lab.grading.plain_data import EXPORT_MIME

MAX_RESTARTS = 3
INTERRUPT_GRACE = 5.0
MAX_EXPORT_BYTES = 4_000_000


@dataclass
class Execution:
    """What one execution request did."""

    status: str = "ok"  # ok | error | timeout | died
    ename: str = ""
    evalue: str = ""
    output_bytes: int = 0
    exports: list[str] = field(default_factory=list)  # raw export payloads (JSON text)


class Kernel:
    """A Python kernel driven over the Jupyter protocol, with a time limit per execution."""

    def __init__(self, startup_timeout: float = 120.0) -> None:
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name="python3")
        devnull = open(os.devnull, "wb")  # the kernel's own fds 1 and 2 lead nowhere
        self.manager.start_kernel(stdout=devnull, stderr=devnull)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=startup_timeout)
        # short tracebacks: formatting thousands of frames of a RecursionError takes seconds
        self.execute("get_ipython().run_line_magic('xmode', 'Minimal')", startup_timeout)

    def alive(self) -> bool:
        return bool(self.manager.is_alive())

    def execute(self, code: str, timeout: float, *, want_exports: bool = False) -> Execution:
        """Run ``code``; interrupt it after ``timeout`` s, and give up on the kernel if it will not stop."""
        result = Execution()
        msg_id = self.client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + timeout
        interrupted_at: float | None = None
        while True:
            now = time.monotonic()
            if interrupted_at is None and now > deadline:
                result.status = "timeout"
                self.manager.interrupt_kernel()
                interrupted_at = now
            elif interrupted_at is not None and now > interrupted_at + INTERRUPT_GRACE:
                self.shutdown()
                result.status = "timeout"
                return result
            try:
                msg = self.client.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if not self.alive():
                    result.status = "died"
                    return result
                continue
            except Exception:  # a kernel whose code broke its own messages: treat it as dead
                self.shutdown()
                result.status = "died"
                return result
            if not isinstance(msg, dict) or msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                result.output_bytes += len(content.get("text", ""))
            elif kind in ("display_data", "execute_result", "update_display_data"):
                data = content.get("data", {})
                result.output_bytes += sum(len(str(v)) for v in data.values())
                if want_exports and EXPORT_MIME in data and len(str(data[EXPORT_MIME])) <= MAX_EXPORT_BYTES:
                    result.exports.append(str(data[EXPORT_MIME]))
            elif kind == "error":
                if result.status != "timeout":
                    result.status = "error"
                result.ename, result.evalue = str(content.get("ename", "")), str(content.get("evalue", ""))
            elif kind == "status" and content.get("execution_state") == "idle":
                return result

    def shutdown(self) -> None:
        try:
            self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)
        except Exception:  # already dead
            pass


def _first_line(text: str, limit: int = 160) -> str:
    return text.strip().splitlines()[0][:limit] if text.strip() else ""


class Session:
    """The student's cells in a kernel that is restarted, minus the killing cell, when it dies."""

    def __init__(self, cells: list[str], cell_timeout: float, emit: Callable[[dict], None]) -> None:
        self.cells, self.cell_timeout, self.emit = cells, cell_timeout, emit
        self.skipped: set[int] = set()
        self.restarts = 0
        self.kernel: Kernel | None = None

    def _replay(self, upto: int) -> bool:
        """A fresh kernel with cells [0, upto) run quietly again (skipped ones left out)."""
        while True:
            if self.kernel is not None:
                self.kernel.shutdown()
            self.kernel = Kernel()
            for index in range(upto):
                if index in self.skipped:
                    continue
                outcome = self.kernel.execute(self.cells[index], self.cell_timeout)
                if outcome.status == "died" or not self.kernel.alive():
                    self.skipped.add(index)
                    self.restarts += 1
                    if self.restarts > MAX_RESTARTS:
                        return False
                    break
            else:
                return True

    def run_cells(self, max_output: int) -> bool:
        """Run every cell, reporting problems; False if the kernel cannot be kept alive."""
        self.kernel = Kernel()
        printed = 0
        for index, code in enumerate(self.cells):
            outcome = self.kernel.execute(code, self.cell_timeout)
            printed += outcome.output_bytes
            if outcome.status == "timeout":
                self.emit({"kind": "cell", "index": index, "problem": "timeout", "detail": ""})
            elif outcome.status == "error":
                self.emit(
                    {
                        "kind": "cell",
                        "index": index,
                        "problem": "error",
                        "detail": f"{outcome.ename}: {_first_line(outcome.evalue, 120)}".rstrip(": "),
                    }
                )
            elif outcome.status == "died":
                self.emit({"kind": "cell", "index": index, "problem": "died", "detail": ""})
            if not self.kernel.alive():  # died, or would not stop when interrupted
                self.skipped.add(index)
                self.restarts += 1
                if self.restarts > MAX_RESTARTS or not self._replay(index):
                    return False
        if printed > max_output:
            self.emit({"kind": "output", "bytes": printed})
        return True

    def run_test(self, test: dict, test_timeout: float) -> None:
        """Run one hidden test's kernel code and publish its exported values."""
        assert self.kernel is not None
        publish = (
            f"from lab.grading.plain_data import publish as _grading_publish\n"
            f"_grading_publish({test['id']!r}, {{{', '.join(f'{n!r}: {n}' for n in test['exports'])}}})"
        )
        outcome = self.kernel.execute(test["kernel"] + "\n" + publish, test_timeout, want_exports=True)
        record: dict[str, Any] = {"kind": "test", "id": test["id"]}
        if outcome.status == "ok" and outcome.exports:
            record["payload"] = outcome.exports[-1]
        elif outcome.status == "error":
            record["error"] = f"{outcome.ename}: {_first_line(outcome.evalue, 120)}".rstrip(": ")
        elif outcome.status == "timeout":
            record["error"] = f"ran over the {test_timeout:g} s limit per test"
        elif outcome.status == "died":
            record["error"] = "the kernel died (out of memory, or the code ended the process)"
        else:
            record["error"] = "no answer came back"
        self.emit(record)
        if not self.kernel.alive():
            self.restarts += 1
            if self.restarts <= MAX_RESTARTS:
                self._replay(len(self.cells))

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.shutdown()


def run(request: dict, out: TextIO) -> None:
    """Grade-run one request, writing JSON lines to ``out``."""

    def emit(record: dict) -> None:
        out.write(json.dumps(record) + "\n")
        out.flush()

    session = Session(list(request["cells"]), float(request["cell_timeout"]), emit)
    try:
        alive = session.run_cells(int(request["max_output"]))
        for test in request["tests"]:
            if not alive or session.kernel is None or not session.kernel.alive():
                emit({"kind": "test", "id": test["id"], "error": "the kernel kept dying; test not run"})
                continue
            session.run_test(test, float(request["test_timeout"]))
    finally:
        session.close()
    emit({"kind": "done"})


def main() -> int:
    request = json.loads(sys.stdin.read())
    results = os.fdopen(os.dup(1), "w")  # results go to the real stdout; anything else printed goes to stderr
    os.dup2(2, 1)
    run(request, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
