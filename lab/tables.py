"""Rows of named values as an aligned text table (what the CLI prints) or as CSV text.

Floats print with 4 significant digits in the text table and in full (``repr``) in CSV.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def format_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """Rows as an aligned text table with a header line.

    >>> print(format_table(["arm", "dB"], [{"arm": "native", "dB": 1.23456}]))
    arm     dB
    ------  -----
    native  1.235
    """
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def csv_text(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """Rows as CSV text with a header line; floats written in full."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: (repr(v) if isinstance(v, float) else v) for c, v in row.items()})
    return buffer.getvalue()
