"""The shared argument checks: what they accept, what they convert to, and what they refuse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab import validate
from lab.errors import ArgumentTypeError, LabError, LabTypeError


@pytest.mark.parametrize(
    "check", [validate.integer, validate.positive_int, validate.number, validate.positive_number]
)
@pytest.mark.parametrize("bad", [True, False, "3", None, [3], 3j])
def test_numbers_refuse_other_types_with_an_error_of_both_families(check, bad):
    with pytest.raises(ArgumentTypeError) as caught:
        check(bad, "frames")
    assert isinstance(caught.value, LabTypeError) and isinstance(caught.value, LabError)
    assert "frames" in str(caught.value) and repr(bad) in str(caught.value)


def test_integers_accept_numpy_scalars_and_return_plain_ints():
    for value in (np.int8(3), np.uint16(3), np.int64(3), 3):
        out = validate.positive_int(value, "n")
        assert out == 3 and type(out) is int
    assert type(validate.integer(np.int32(-7), "seed")) is int


@pytest.mark.parametrize("bad", [2.0, np.float32(2.0)])
def test_integers_refuse_floats_even_when_whole(bad):
    with pytest.raises(ArgumentTypeError):
        validate.positive_int(bad, "tile")


def test_integer_bounds_are_inclusive_and_named():
    assert validate.integer(0, "crf", minimum=0, maximum=51) == 0
    assert validate.integer(51, "crf", minimum=0, maximum=51) == 51
    for bad in (-1, 52):
        with pytest.raises(LabError, match=r"crf must be an integer in 0\.\.51"):
            validate.integer(bad, "crf", minimum=0, maximum=51)
    with pytest.raises(LabError, match="of at least 0"):
        validate.integer(-1, "warmup", minimum=0)
    with pytest.raises(LabError, match="of at most 9"):
        validate.integer(10, "level", maximum=9)
    assert validate.integer(-(10**20), "seed") == -(10**20)


def test_positive_int_refuses_zero_and_honours_maximum():
    with pytest.raises(LabError, match="of at least 1"):
        validate.positive_int(0, "repeats")
    assert validate.positive_int(8, "steps", maximum=8) == 8
    with pytest.raises(LabError, match=r"in 1\.\.8"):
        validate.positive_int(9, "steps", maximum=8)


@pytest.mark.parametrize("bad", [0, -1, -0.5, math.inf, math.nan, np.float64("nan")])
def test_positive_number_refuses_zero_negative_and_non_finite(bad):
    with pytest.raises(LabError, match="fps must be a positive number"):
        validate.positive_number(bad, "fps")


def test_numbers_return_plain_floats():
    for value in (24, np.int16(24), np.float32(24.0), 24.0):
        out = validate.positive_number(value, "fps")
        assert out == 24.0 and type(out) is float
    assert validate.number(-2, "gain") == -2.0
    with pytest.raises(LabError, match="finite"):
        validate.number(math.inf, "gain")
    with pytest.raises(LabError, match="at least 0"):
        validate.number(-0.1, "sigma", minimum=0.0)


def test_choice_ignores_case_and_spaces_and_returns_the_option_as_spelled():
    assert validate.choice(" PAN ", "motion", ["pan", "zoom"]) == "pan"
    assert validate.choice("ddim", "scheduler", ["DDIM", "Euler"]) == "DDIM"
    with pytest.raises(LabError, match="unknown motion 'spin'; choose one of: pan, zoom"):
        validate.choice("spin", "motion", ["zoom", "pan"])
    with pytest.raises(ArgumentTypeError, match="motion must be a string"):
        validate.choice(3, "motion", ["pan"])
