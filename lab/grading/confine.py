"""Start a command inside resource limits: the thread-safe stand-in for ``preexec_fn``.

    python -I -S confine.py [--cgroup PROCS_FILE]... [--rlimit NAME=VALUE]... -- COMMAND ARGS...

:mod:`lab.grading.sandbox` starts this file (standard library only, run by path so nothing
else is imported) as the sandbox's first process, in a new session. It moves itself into
each cgroup whose ``cgroup.procs`` file is named, applies the rlimits, then replaces itself
with ``COMMAND``: everything the command starts inherits the cgroups and the limits. Python
documents ``preexec_fn`` as unsafe in a threaded program (the grader runs submissions on a
thread pool); doing this work in a fresh process after ``exec`` is safe.

Exits 125 with the reason on stderr when a cgroup or limit cannot be applied: a sandbox never
runs with fewer limits than it was asked for.
"""

from __future__ import annotations

import os
import resource
import sys

RLIMITS = {
    "AS": resource.RLIMIT_AS,
    "FSIZE": resource.RLIMIT_FSIZE,
    "CPU": resource.RLIMIT_CPU,
    "NPROC": resource.RLIMIT_NPROC,
    "CORE": resource.RLIMIT_CORE,
}


def main(argv: list[str]) -> int:
    """Apply the ``--cgroup`` and ``--rlimit`` options of ``argv``, then exec the command after ``--``."""
    if "--" not in argv:
        print("confine: no command after --", file=sys.stderr)
        return 125
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    if not command:
        print("confine: no command after --", file=sys.stderr)
        return 125
    try:
        for flag, value in zip(options[::2], options[1::2]):
            if flag == "--cgroup":
                with open(value, "w") as procs:
                    procs.write(str(os.getpid()))
            elif flag == "--rlimit":
                name, number = value.split("=", 1)
                resource.setrlimit(RLIMITS[name], (int(number), int(number)))
            else:
                raise ValueError(f"unknown option {flag}")
        if len(options) % 2:
            raise ValueError(f"option {options[-1]} has no value")
        os.execvp(command[0], command)
    except (OSError, ValueError, KeyError) as err:
        print(f"confine: {err}", file=sys.stderr)
        return 125
    return 125  # not reached: execvp does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
