"""Rows of named values as an aligned text table (what the CLI prints) or as CSV text.

Floats print with 4 significant digits in the text table and in full (``repr``) in CSV.
"""

from __future__ import annotations

import csv
import io
import math
import textwrap
from typing import Any

TERMINAL_WIDTH = 100  # prose under a table is wrapped to this many characters


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


# What people call the report's metrics (lab.metrics.report keeps short internal keys).
PUBLIC_NAMES = {
    "psnr_y": "PSNR vs native (luma)",
    "ssim_y": "SSIM vs native (luma)",
    "high_frequency_share": "high-frequency share",
    "sharpness": "sharpness (Laplacian variance)",
    "glcm_score": "GLCM entropy",
    "compression_ratio": "JPEG-q95 compression ratio",
    "mtf50": "MTF50 (slanted edge)",
    "waxiness": "detail kept (waxiness)",
    "vbench_flicker_score": "VBench flicker score",
    "flicker_rms": "flicker RMS (motion-compensated)",
    "visibility_threshold": "visibility threshold",
    "warp_error": "warp error (MSE, internal unit)",
    "flicker_mean": "flicker heat map mean",
    "masked_fraction": "flow: pixels masked",
    "flow_confidence": "flow: confidence",
    "tof": "temporal optical-flow difference (tOF)",
    "vmaf": "VMAF vs native",
    "vmaf_neg": "VMAF NEG vs native",
    "vmaf_4k": "VMAF 4K vs native",
}


def public_name(metric: str) -> str:
    """The name a table shows for a report metric ("tof" -> "temporal optical-flow difference (tOF)").

    >>> public_name("glcm_score"), public_name("new_metric")
    ('GLCM entropy', 'new metric')
    """
    return PUBLIC_NAMES.get(metric, metric.replace("_", " "))


def report_table(report: Any) -> str:
    """A :class:`lab.metrics.Report` as a text table for a terminal: one line per metric in its
    public name, a column per arm (the report's labels) and the unit, then the flicker verdict
    and the flow's message. Values the flow makes unreliable are marked."""
    from lab.metrics.temporal import visibility

    labels = {"native": "native", "candidate": "candidate", "flow": "flow", **getattr(report, "labels", {})}
    order = {"native": 0, "candidate": 1, "flow": 2}
    arms = sorted(dict.fromkeys(r.arm for r in report), key=lambda arm: order.get(arm, 3))
    columns = ["metric", *(labels.get(a, a) for a in arms), "unit"]
    rows: dict[str, dict[str, Any]] = {}
    for r in report:
        row = rows.setdefault(r.metric, {"metric": public_name(r.metric), "unit": r.unit})
        row[labels.get(r.arm, r.arm)] = f"{r.value:.4g}" + ("" if r.reliable else " (UNRELIABLE)")
    lines = [format_table(columns, list(rows.values()))]
    flicker = {labels.get(r.arm, r.arm): r.value for r in report if r.metric == "flicker_rms"}
    if flicker:
        verdicts = ", ".join(
            f"{arm} {value:.2f} ({visibility(value, report.threshold_levels)})"
            for arm, value in flicker.items()
        )
        lines.append(
            f"flicker (RMS motion-compensated difference, 8-bit grey levels): {verdicts}; "
            f"visibility threshold {report.threshold_levels:.1f} levels (Chou & Li 1995)"
        )
    lines.append(report.message)
    return "\n".join([lines[0], *(textwrap.fill(line, TERMINAL_WIDTH) for line in lines[1:])])


def format_transposed(columns: list[str], rows: list[dict[str, Any]], key: str) -> str:
    """Rows as a table turned on its side: one line per column, one column per row (named by
    ``rows[i][key]``), so many metrics of two arms fit a terminal.

    >>> print(format_transposed(["arm", "dB"], [{"arm": "native", "dB": 1.0}, {"arm": "up", "dB": 2.0}], "arm"))
    arm  native  up
    ---  ------  --
    dB   1       2
    """
    names = [str(row.get(key, "")) for row in rows]
    turned = [
        {key: c, **{name: row.get(c, "") for name, row in zip(names, rows)}} for c in columns if c != key
    ]
    return format_table([key, *names], turned)
