"""Every experiment a lesson's prose suggests a student try runs, at smoke size, to the end.

The lessons' own cells run in tests/test_lessons.py; what their text only *suggests* (another
scene in the explorer, another upscaler, a widget call to paste into a new cell) is run here,
as the student would do it: by setting the widget's controls or by making the call. On the
CPU tier each suggested flicker-meter call must plan a clip that fits the time the lesson
states ("about a minute", :data:`lab.budget.BUDGET_S`); bench/bench_widgets.py times them.
When a lesson suggests something new, add it to :data:`SUGGESTED`.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from lab import widgets

LESSONS = Path(__file__).resolve().parents[1] / "lessons" / "src"

# lesson -> what its prose suggests, as (scene, control changes) on that lesson's explorer, or code
SUGGESTED: dict[str, list[str]] = {
    "00": [
        'explore("zoneplate", methods=["bicubic", "nearest"])',
        'explore("sign", methods=["bicubic", "nearest"])',
    ],
    "03": [
        'explore("sign", methods=["bicubic", "realesrgan-x4"])',
        'explore("skin", methods=["bicubic", "realesrgan-x4"])',
    ],
    "05": ['widgets.FlickerMeter("fabric", method="diffusion-sr", motion="subpixel")'],
    "06": [
        'explore("sign", methods=["bicubic", "diffusion-sr"], seed=1)',
        'explore("character", methods=["bicubic", "diffusion-sr"], seed=2)',
    ],
    "07": ['explore("skin", methods=["bicubic", "diffusion-sr"], seed=3)'],
    "08": ['widgets.CostExplorer("skin", method="learned-sr", measure_now=True)'],
}
_CALL = re.compile(r"`(widgets\.\w+\(.*?\))`")


def _markdown(lesson: Path) -> str:
    """The lesson's markdown cells' text (comment lines of the percent-format source)."""
    return "\n".join(line[2:] for line in lesson.read_text().splitlines() if line.startswith("# "))


def test_every_call_a_lesson_suggests_is_run_here() -> None:
    for lesson in sorted(LESSONS.glob("0[0-8]_*.py")):
        for call in _CALL.findall(_markdown(lesson)):
            assert call in SUGGESTED.get(lesson.name[:2], []), (
                f"{lesson.name} suggests {call}: add it to SUGGESTED"
            )


@pytest.fixture
def smoke(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_SMOKE", "1")


def explore(scene: str, **kwargs: object) -> widgets.Explorer:
    """The lesson's explorer (the tier's sizes), switched to ``scene`` as a student does."""
    ex = widgets.explore("skin", settle_s=None, background=False, **kwargs)
    ex.compare.scene.value = scene
    ex.compare.render()
    return ex


def _run(code: str) -> object:
    """Run a call of :data:`SUGGESTED`; widget calls run in the foreground (``background=False``)."""
    if code.startswith("widgets."):
        code = (
            code[:-1] + ", background=False, settle_s=None)"
            if "Flicker" in code
            else code[:-1] + ", background=False)"
        )
    return eval(code, {"widgets": widgets, "explore": explore})  # noqa: S307 - the table above


@pytest.mark.parametrize("lesson, code", [(k, c) for k, calls in SUGGESTED.items() for c in calls])
def test_suggested_experiment_runs_at_smoke_size(smoke: None, lesson: str, code: str) -> None:
    tool = _run(code)
    status = tool.status  # type: ignore[attr-defined]
    assert status.error is None, f"lesson {lesson}: {code}\n{status.traceback}"
    if isinstance(tool, widgets.Explorer):
        assert len(tool.compare.renders) == 1 + len(tool.compare.methods.value)
        assert tool.loupe.crops and tool.wipe.view.frame is not None
    elif isinstance(tool, widgets.FlickerMeter):
        assert tool.curves and all(len(c) == tool.n_frames - 1 for c in tool.curves.values())
    else:
        assert tool.report is not None and tool.report.points  # type: ignore[attr-defined]


def test_suggested_flicker_meters_fit_the_stated_time_on_the_cpu_tier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lab import budget

    monkeypatch.delenv("LAB_SMOKE", raising=False)
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    text = _markdown(LESSONS / "05_temporal_stability.py")
    assert "about a minute" in text and budget.BUDGET_S["cpu"] == 60.0
    for code in SUGGESTED["05"]:
        settings = eval(
            code.replace("widgets.FlickerMeter(", "widgets.FlickerMeterSettings.make("), {"widgets": widgets}
        )  # noqa: S307
        assert settings.estimate_s is not None and settings.estimate_s <= budget.BUDGET_S["cpu"], settings
