"""Figures tell arms apart the same way everywhere, and their labels do not collide."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from lab import viz

LESSONS = Path(__file__).resolve().parents[1] / "lessons" / "src"

# the arms drawn together in the lessons' flicker figures (lesson 5), as the lessons name them
FIGURE_ARMS = [
    ["native", "bicubic (sharp)", "lanczos (sharp)", "bicubic (camera)"],
    ["native", "bicubic", "realesrgan-x4"],
    ["native", "soft source", "camera source", "sharp source"],
    ["native", "bicubic", "fresh-noise SR", "warped-noise SR"],
]


def test_the_lessons_figures_list_every_arm_they_draw():
    text = (LESSONS / "05_temporal_stability.py").read_text()
    for arms in FIGURE_ARMS:
        for arm in arms[1:]:
            assert f'"{arm}"' in text, f"lesson 5 no longer draws {arm!r}: update FIGURE_ARMS"


@pytest.mark.parametrize("arms", FIGURE_ARMS)
def test_every_arm_of_a_figure_has_its_own_colour_and_style(arms):
    styles = {arm: viz.arm_style(arm) for arm in arms}
    assert len({s.color for s in styles.values()}) == len(arms), styles
    assert len({(s.color, s.linestyle, s.marker) for s in styles.values()}) == len(arms)


def test_an_arm_keeps_its_style_across_figures_and_sizes():
    assert viz.arm_style("bicubic 480x270 -> 1920x1080") == viz.arm_style("bicubic")
    assert viz.arm_style("bicubic (camera)") == viz.arm_style("bicubic")  # the default source
    assert viz.arm_style("bicubic (sharp)").linestyle != "-"
    fig = viz.flicker_figure({arm: [1.0, 2.0] for arm in FIGURE_ARMS[0]})
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for arm in FIGURE_ARMS[0]:
        assert matplotlib.colors.to_hex(lines[arm].get_color()) == viz.arm_style(arm).color
        assert lines[arm].get_linestyle() == viz.arm_style(arm).linestyle


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("width_in", [13.0, 9.0])
def test_heat_map_titles_do_not_overlap(width_in):
    heat = {arm: np.random.default_rng(0).random((54, 96)) for arm in FIGURE_ARMS[0]}
    fig = viz.flicker_figure({arm: [1.0, 2.0] for arm in heat}, heat, width_in=width_in)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes[1 : 1 + len(heat)]]
    for i in range(len(titles) - 1):
        assert not _boxes_overlap(titles[i], titles[i + 1]), (i, titles[i], titles[i + 1])
    assert all(
        re.sub(r"\s+", " ", ax.get_title()).startswith("flicker map: ") for ax in fig.axes[1 : 1 + len(heat)]
    )
