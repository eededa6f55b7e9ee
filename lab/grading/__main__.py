"""Command line for graded exercises (run from the repository root).

python -m lab.grading build                 # exercises/*.py -> lessons/exercises/*.ipynb,
                                            #   lab/grading/public_tests/, dist/autograder/*.zip
python -m lab.grading build --check         # fail if a committed student notebook is stale
python -m lab.grading grade submissions/ --exercise ex01_pixels_and_bytes --out gradebook.csv
python -m lab.grading list                  # exercises and their points
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from lab.errors import LabError
from lab.optional import require


def _build(args: argparse.Namespace) -> int:
    from lab.colab_setup import course_url
    from lab.grading.build import build
    from lab.grading.student import PUBLIC_TESTS

    url = course_url(args.pyproject)
    if not args.check:
        results = build(args.source, args.student, args.dist, only=args.only, url=url)
        for r in results:
            points = ", ".join(f"{q}={p:g}" for q, p in r.questions.items())
            print(f"{r.name}: {r.student} | public tests {r.public_tests} | bundle {r.bundle} | {points}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build(
            args.source,
            Path(tmp) / "student",
            Path(tmp) / "dist",
            public_dir=Path(tmp) / "public",
            only=args.only,
            url=url,
        )
        stale = []
        for r in fresh:
            committed = Path(args.student) / r.student.name
            if not committed.is_file() or committed.read_text(encoding="utf-8") != r.student.read_text(
                encoding="utf-8"
            ):
                stale.append(str(committed))
            shipped = PUBLIC_TESTS / r.name
            for test in r.public_tests.glob("*.py"):
                if (
                    not (shipped / test.name).is_file()
                    or (shipped / test.name).read_text() != test.read_text()
                ):
                    stale.append(str(shipped / test.name))
    if stale:
        print("out of date (run: python -m lab.grading build):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    print(f"{len(fresh)} exercise(s) up to date")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from lab.grading import sandbox as sb
    from lab.grading.grade import (
        Settings,
        check_output,
        console_text,
        grade_folder,
        partial_path,
        resolve_bundle,
    )

    settings = Settings(
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        test_timeout=args.test_timeout,
        max_output_bytes=args.max_output,
        sandbox=not args.no_sandbox,
    )
    check_output(args.out)
    bundle = resolve_bundle(args.bundle, exercise=args.exercise, dist_dir=args.dist)
    try:
        results = grade_folder(
            args.submissions, bundle, args.out, jobs=args.jobs, settings=settings, scheduler=args.scheduler
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {args.out} is unchanged; the rows graded so far are in "
            f"{partial_path(args.out)}, and a rerun with the same options keeps them",
            file=sys.stderr,
        )
        return 130
    names = [console_text(r.student, 40) for r in results]
    width = max(len(n) for n in names)
    for name, r in zip(names, results):
        took = "  kept " if r.reused else f"{r.seconds:5.1f} s"
        print(
            f"{name:<{width}}  {r.total:5g} / {sum(r.possible.values()):g}  {r.status:<7}  {took}  "
            f"{console_text(r.reason, 100)}"
        )
    kept = sum(r.reused for r in results)
    if kept:
        print(f"{kept} unchanged notebook(s) kept from the earlier gradebook, not graded again")
    sandbox = {
        "bwrap+cgroup": "in a bubblewrap sandbox with a cgroup each",
        "bwrap": f"in a bubblewrap sandbox, without cgroups ({sb.cgroups_available()})",
        "none": "WITHOUT a sandbox (--no-sandbox)",
    }[settings.sandbox_mode]
    where = f" on the cluster at {args.scheduler}" if args.scheduler else ""
    count = f"{len(results)} student" + ("" if len(results) == 1 else "s")
    print(f"gradebook: {args.out} ({count}, graded {sandbox}{where})")
    return 0


def _list(args: argparse.Namespace) -> int:
    from lab.grading.build import parse_source, sources

    for path in sources(args.source):
        src = parse_source(path)
        print(f"{src.name:<32} lessons {','.join(map(str, src.lessons)):<8} {src.title}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``build``, ``grade`` and ``list``, each with its options."""
    parser = argparse.ArgumentParser(prog="python -m lab.grading", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    _add_build(commands)
    _add_grade(commands)
    _add_list(commands)
    return parser


def _add_build(commands: Any) -> None:
    b = commands.add_parser("build", help="generate student notebooks, public tests and autograder bundles")
    b.add_argument(
        "--source", default="exercises", help="folder of exercise sources NN_name.py (default: exercises)"
    )
    b.add_argument(
        "--student",
        default="lessons/exercises",
        help="where student notebooks go (default: lessons/exercises)",
    )
    b.add_argument(
        "--dist", default="dist/autograder", help="where autograder bundles go (default: dist/autograder)"
    )
    b.add_argument("--only", nargs="+", metavar="EXERCISE", help="build only these exercises")
    b.add_argument(
        "--pyproject",
        default="pyproject.toml",
        help="the course's pyproject.toml, whose [project.urls] Repository goes into the Colab set-up cell",
    )
    b.add_argument(
        "--check", action="store_true", help="only verify the committed student files are up to date"
    )
    b.set_defaults(run=_build)


def _add_grade(commands: Any) -> None:
    g = commands.add_parser("grade", help="grade a folder of submissions into a CSV gradebook (no Docker)")
    g.add_argument("submissions", help="folder of .ipynb / .zip submissions (or one sub-folder per student)")
    which = g.add_mutually_exclusive_group(required=True)
    which.add_argument("--exercise", help="exercise name; its bundle is <dist>/<exercise>-autograder.zip")
    which.add_argument("--bundle", help="path to an autograder zip")
    g.add_argument("--dist", default="dist/autograder", help="folder of bundles (default: dist/autograder)")
    g.add_argument("--out", default="gradebook.csv", help="CSV gradebook to write (default: gradebook.csv)")
    g.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default: 2)")
    g.add_argument(
        "--timeout", type=float, default=300, help="seconds per submission before it is killed (default: 300)"
    )
    g.add_argument(
        "--cell-timeout",
        type=float,
        default=60,
        help="seconds per cell before it is interrupted (default: 60)",
    )
    g.add_argument("--test-timeout", type=float, default=30, help="seconds per hidden test (default: 30)")
    g.add_argument(
        "--max-output", type=int, default=1_000_000, help="bytes a submission may print (default: 1000000)"
    )
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on a Dask cluster: the scheduler's address, e.g. tcp://10.0.0.5:8786 (needs [cluster])",
    )
    g.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade without bubblewrap (only code you trust; rows are marked sandbox=none)",
    )
    g.set_defaults(run=_grade)


def _add_list(commands: Any) -> None:
    ls = commands.add_parser("list", help="list the exercises")
    ls.add_argument("--source", default="exercises")
    ls.set_defaults(run=_list)


def main(argv: list[str] | None = None) -> int:
    """Run one ``python -m lab.grading`` command; 2 (with the reason on stderr) for a bad request."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.run is not _list:
            for module in ("otter", "nbformat", "yaml", "jupyter_client"):
                require(module, extra="grading", what=f"python -m lab.grading {args.command}")
        return args.run(args)
    except LabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
