"""Tests of the pieces the trainers share (lab.train): the learning-rate schedule and the configs."""

from __future__ import annotations

import argparse
import math

import pytest

from lab.errors import LabError
from lab.train import diffusion_sr, sr, texture
from lab.train._schedule import warmup_cosine


@pytest.mark.parametrize("start", [0.0, 0.05])
def test_warmup_is_linear_from_start_to_the_peak(start: float) -> None:
    assert warmup_cosine(0, warmup=10, total=100, start=start) == start
    for at in (2.5, 5, 7.5):
        assert warmup_cosine(at, warmup=10, total=100, start=start) == pytest.approx(
            start + (1 - start) * at / 10
        )
    assert warmup_cosine(10, warmup=10, total=100, start=start) == 1.0


def test_cosine_falls_from_the_peak_to_the_floor_at_the_last_step_and_stays() -> None:
    floor = 0.05
    for at in (10, 32.5, 55, 77.5, 100):
        progress = (at - 10) / 90
        expected = floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        assert warmup_cosine(at, warmup=10, total=100, floor=floor) == pytest.approx(expected)
    assert warmup_cosine(55, warmup=10, total=100) == pytest.approx((1 + 0.05) / 2)  # half-way: the mean
    assert warmup_cosine(100, warmup=10, total=100) == pytest.approx(floor)
    assert warmup_cosine(150, warmup=10, total=100) == pytest.approx(floor)
    assert warmup_cosine(1.0, warmup=1.0, total=1.0) == pytest.approx(floor)  # no room for a cosine


def test_schedule_in_fractions_of_the_run() -> None:
    """diffusion-sr's form: warm-up over the first 5 % from 1/20 of the peak, the floor at the end."""
    assert warmup_cosine(0.0, warmup=0.05, total=1.0, start=0.05) == 0.05
    assert warmup_cosine(0.05, warmup=0.05, total=1.0, start=0.05) == 1.0
    assert warmup_cosine(1.0, warmup=0.05, total=1.0, start=0.05) == pytest.approx(0.05)


@pytest.mark.parametrize("module", [sr, diffusion_sr, texture])
def test_config_defaults_are_the_command_line_defaults(module) -> None:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    assert module.TrainConfig.from_args(parser.parse_args([])) == module.TrainConfig()


def test_upscaler_config_gives_the_retrain_command() -> None:
    config = sr.TrainConfig(scale=2, steps=10, scenes="fabric")
    assert config.command("sr") == (
        "python -m lab.train sr --batch 16 --detail 4k --hr-size 384x216 --lr 0.002 --lr-mode native "
        "--scale 2 --scenes fabric --seed 0 --steps 10 --threads 1 --train-seeds 6 --views 4"
    )


def test_configs_refuse_bad_settings() -> None:
    with pytest.raises(LabError, match="steps"):
        sr.TrainConfig(steps=0)
    with pytest.raises(LabError, match="scale"):
        sr.TrainConfig(scale=3)
    with pytest.raises(LabError, match="batch"):
        texture.TrainConfig(batch=0)
    with pytest.raises(LabError, match="not both"):
        texture.train(texture.TrainConfig(), steps=3)
