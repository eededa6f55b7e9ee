"""Command line: ``python -m lab.train <kind> [options]`` (``--help`` after a kind lists its options).

>>> python -m lab.train texture --steps 200      # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from collections.abc import Sequence

from lab.train import kinds, module_name


def _summary(kind: str) -> str:
    """First line of a trainer module's docstring, for the kind list."""
    try:
        module = importlib.import_module(module_name(kind))
    except Exception as err:  # a broken trainer must not hide the others
        return f"(cannot import: {type(err).__name__}: {err})"
    return (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to ``lab.train.<kind>``: build its parser with ``add_arguments``, then ``run``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    available = kinds()
    if not argv or argv[0] in ("-h", "--help"):
        lines = [f"  {k:<14} {_summary(k)}" for k in available]
        print("usage: python -m lab.train <kind> [options]\n\nkinds:\n" + "\n".join(lines))
        print("\nRun `python -m lab.train <kind> --help` for a kind's options.")
        return 0 if argv else 2
    kind, rest = argv[0], argv[1:]
    if kind not in available:
        print(
            f"error: unknown training kind {kind!r}; choose one of: {', '.join(available)}", file=sys.stderr
        )
        return 2
    module = importlib.import_module(module_name(kind))
    for attr in ("add_arguments", "run"):
        if not callable(getattr(module, attr, None)):
            print(f"error: {module.__name__} has no {attr}(); it is not a trainer module", file=sys.stderr)
            return 2
    parser = argparse.ArgumentParser(
        prog=f"python -m lab.train {kind}",
        description=(module.__doc__ or "").strip().split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    # the exact command, for model cards ("how to retrain this")
    args.command = " ".join(["python -m lab.train", kind] + [shlex.quote(a) for a in rest])
    result = module.run(args)
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
