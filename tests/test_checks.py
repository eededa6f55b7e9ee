"""Tests for lab.checks: right answers pass, classic mistakes fail with the matching hint."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from lab import checks
from lab.errors import LabError, LabTypeError

UHD_BYTES = 3840 * 2160 * 3


def quiet(fn, *args, **kwargs):
    return fn(*args, show=False, **kwargs)


# ---------------------------------------------------------------- numbers and sizes


def test_check_number_prints_pass_line(capsys):
    result = checks.check_number(42, 42, name="answer", unit="px")
    out = capsys.readouterr().out
    assert result and result.passed
    assert out.startswith(checks.PASS) and "42 px" in out


def test_check_result_is_not_displayed_twice():
    result = quiet(checks.check_number, 1, 1)
    assert result._ipython_display_() is None
    assert str(result).startswith(checks.PASS)


@pytest.mark.parametrize(
    "answer, hint_word",
    [
        (UHD_BYTES * 8, "bits"),
        (UHD_BYTES / 3, "channels"),
        (UHD_BYTES * 4, "float32"),
        (UHD_BYTES / 1024 / 1024 * 1e6, "MiB"),
        (UHD_BYTES / 1000, "10^3"),
    ],
)
def test_check_frame_bytes_names_the_slip(answer, hint_word):
    result = quiet(checks.check_frame_bytes, answer, "4k")
    assert not result
    assert hint_word in result.hint
    assert "24,883,200 B" in result.message


def test_check_frame_bytes_float32_and_numpy_scalars():
    assert quiet(checks.check_frame_bytes, np.int64(UHD_BYTES * 4), "4k", dtype="float32")
    assert quiet(checks.check_frame_bytes, np.array(UHD_BYTES), "3840x2160")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (..., "not answered"),
        ("24883200", "text"),
        (None, "not answered"),
        (np.zeros(3), "array"),
        (True, "bool"),
        (float("nan"), "finite"),
    ],
)
def test_check_number_explains_non_numbers(answer, fragment):
    result = quiet(checks.check_number, answer, 1.0)
    assert not result and fragment in result.message


def test_check_clip_bytes_per_minute_and_hints():
    minute = UHD_BYTES * 24 * 60
    assert quiet(checks.check_clip_bytes, minute, "4k", seconds=60, fps=24)
    per_second = quiet(checks.check_clip_bytes, UHD_BYTES * 24, "4k", seconds=60, fps=24)
    assert not per_second and "60 seconds" in per_second.hint
    frames_only = quiet(checks.check_clip_bytes, UHD_BYTES * 60, "4k", seconds=60, fps=24)
    assert "frames per second" in frames_only.hint
    with pytest.raises(LabError):
        checks.check_clip_bytes(1, "4k", seconds=0, fps=24)


def test_check_pixels_and_resolution():
    assert quiet(checks.check_pixels, 8_294_400, "uhd")
    added = quiet(checks.check_pixels, 3840 + 2160, "4k")
    assert not added and "width * height" in added.hint
    assert quiet(checks.check_resolution, (1920, 1080), "1080p")
    from lab.resolution import parse

    assert quiet(checks.check_resolution, parse("4k"), "4k")
    swapped = quiet(checks.check_resolution, (2160, 3840), "4k")
    assert not swapped and "(height, width)" in swapped.hint
    arr = quiet(checks.check_resolution, np.zeros((2160, 3840, 3), np.uint8), "4k")
    assert not arr and "a.shape[1]" in arr.hint
    assert not quiet(checks.check_resolution, "4k", "4k")


# ---------------------------------------------------------------- arrays


def test_check_array_reports_shape_dtype_range():
    good = np.zeros((36, 64, 3), np.uint8)
    assert quiet(checks.check_array, good, shape=(36, 64, 3), dtype="uint8", value_range=(0, 255))
    assert quiet(checks.check_array, good, shape=(None, 64, 3))
    swapped = quiet(checks.check_array, np.zeros((64, 36, 3), np.uint8), shape=(36, 64, 3))
    assert not swapped and "swapped" in swapped.hint and "(64, 36, 3)" in swapped.message
    chw = quiet(checks.check_array, np.zeros((3, 36, 64), np.float32), shape=(36, 64, 3))
    assert "channels come last" in chw.hint
    as_float = quiet(checks.check_array, good.astype(np.float32), dtype="uint8")
    assert "to_uint8" in as_float.hint
    out_of_range = quiet(checks.check_array, np.full((2, 2, 3), 200.0), value_range=(0, 1))
    assert not out_of_range and "divide by 255" in out_of_range.hint and "[200, 200]" in out_of_range.message
    nan = quiet(checks.check_array, np.full((2, 2, 3), np.nan), value_range=(0, 1))
    assert not nan and "NaN" in nan.message
    assert "numpy array" in quiet(checks.check_array, [1, 2]).message


def test_check_close_locates_the_worst_element():
    expected = np.arange(12, dtype=float).reshape(3, 4)
    got = expected.copy()
    got[2, 1] += 0.5
    result = quiet(checks.check_close, got, expected, atol=1e-3)
    assert not result and "(2, 1)" in result.message and "0.5" in result.message
    assert quiet(checks.check_close, expected + 1e-9, expected)
    assert not quiet(checks.check_close, expected[:2], expected)
    assert not quiet(checks.check_close, ..., expected)


def test_check_upscaled_and_method():
    src = np.zeros((36, 64, 3), np.uint8)
    big = cv2.resize(src, (256, 144), interpolation=cv2.INTER_CUBIC)
    assert quiet(checks.check_upscaled, big, src, factor=4)
    assert quiet(checks.check_upscaled, big, src, size="256x144")
    wrong = quiet(checks.check_upscaled, big.astype(np.float32) / 255, src, factor=4)
    assert not wrong and "dtype" in wrong.message
    with pytest.raises(LabError):
        checks.check_upscaled(big, src)
    with pytest.raises(LabTypeError):
        checks.check_upscaled(big, [1, 2], factor=4)
    assert quiet(checks.check_method, "Bicubic")
    unknown = quiet(checks.check_method, "bicubik")
    assert not unknown and "bicubic" in unknown.hint


# ---------------------------------------------------------------- functions students write


def test_keys_cubic_matches_opencv_inter_cubic():
    """OpenCV's INTER_CUBIC is Keys' kernel with a = -0.75: rebuild a 4x enlargement by hand."""
    rng = np.random.default_rng(3)
    row = rng.random(16).astype(np.float32)
    img = np.tile(row, (4, 1))
    factor = 4
    ref = cv2.resize(img, (16 * factor, 4), interpolation=cv2.INTER_CUBIC)[0]
    out = np.empty(16 * factor)
    for x in range(16 * factor):
        src = (x + 0.5) / factor - 0.5
        base = math.floor(src)
        taps = np.arange(base - 1, base + 3)
        weights = checks.keys_cubic(src - taps, a=-0.75)
        out[x] = np.sum(weights * row[np.clip(taps, 0, 15)])
    np.testing.assert_allclose(out, ref, atol=2e-6)


def test_keys_cubic_partition_of_unity_and_closed_values():
    t = np.linspace(0, 1, 11)
    total = sum(checks.keys_cubic(t - k) for k in (-1, 0, 1, 2))
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert float(checks.keys_cubic(0.5)) == pytest.approx(0.5625)  # (a+2)/8 - (a+3)/4 + 1 with a=-0.5
    assert float(checks.keys_cubic(1.5)) == pytest.approx(-0.0625)


def test_check_cubic_kernel_hints():
    assert quiet(checks.check_cubic_kernel, checks.keys_cubic)
    assert quiet(checks.check_cubic_kernel, lambda x: checks.keys_cubic(x, -0.75), a=-0.75)

    def scalar_only(x):
        x = abs(x)
        if x <= 1:
            return 1.5 * x**3 - 2.5 * x**2 + 1
        if x < 2:
            return -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2
        return 0.0

    scalar = quiet(checks.check_cubic_kernel, scalar_only)
    assert scalar and "one number at a time" in scalar.message
    wrong_a = quiet(checks.check_cubic_kernel, lambda x: checks.keys_cubic(x, -0.75))
    assert not wrong_a and "a = -0.75" in wrong_a.hint
    not_symmetric = quiet(checks.check_cubic_kernel, lambda x: np.where(x < 0, 0.0, checks.keys_cubic(x)))
    assert "w(-x)" in not_symmetric.hint
    no_zero_tail = quiet(
        checks.check_cubic_kernel, lambda x: checks.keys_cubic(x) + np.where(np.abs(x) >= 2, 0.1, 0)
    )
    assert not no_zero_tail and "w(+-1)" in no_zero_tail.hint  # w(2) = 0.1 breaks interpolation first
    assert "function" in quiet(checks.check_cubic_kernel, 0.5).message
    broken = quiet(checks.check_cubic_kernel, lambda x: 1 / 0)
    assert not broken and "ZeroDivisionError" in broken.message


def _psnr(ref, test):
    mse = np.mean((ref.astype(np.float64) - test.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def test_check_psnr_against_skimage():
    from skimage.metrics import peak_signal_noise_ratio

    ref, test = checks._test_frames()
    assert _psnr(ref, test) == pytest.approx(peak_signal_noise_ratio(ref, test, data_range=255))
    assert quiet(checks.check_psnr, _psnr)
    wrapped = quiet(
        checks.check_psnr, lambda r, t: 10 * np.log10(255.0**2 / np.mean((r - t).astype(float) ** 2))
    )
    assert not wrapped and "wraps around" in wrapped.hint
    peak_one = quiet(checks.check_psnr, lambda r, t: 10 * np.log10(1.0 / np.mean((r.astype(float) - t) ** 2)))
    assert "255" in peak_one.hint
    no_inf = quiet(checks.check_psnr, lambda r, t: _psnr(r, t) if (r != t).any() else 100.0)
    assert not no_inf and "inf" in no_inf.hint


def _mae(frames):
    return float(np.mean([np.mean(np.abs(a.astype(np.float64) - b)) for a, b in zip(frames, frames[1:])]))


def test_check_temporal_mae_and_flicker_score():
    assert quiet(checks.check_temporal_mae, _mae)
    assert quiet(checks.check_flicker_score, lambda fr: (255 - _mae(fr)) / 255)
    wrap = quiet(
        checks.check_temporal_mae, lambda fr: float(np.mean([np.mean(a - b) for a, b in zip(fr, fr[1:])]))
    )
    assert not wrap and "wraps around" in wrap.hint
    unit = quiet(checks.check_flicker_score, lambda fr: (255 - _mae(fr) / 255) / 255)
    assert not unit and "0-255" in unit.hint
    summed = quiet(checks.check_temporal_mae, lambda fr: _mae(fr) * (len(fr) - 1))
    assert not summed and "average" in summed.hint
    raising = quiet(checks.check_temporal_mae, lambda fr: fr.mean())
    assert not raising and "AttributeError" in raising.message


def test_flicker_score_matches_vbench_formula_on_known_clip():
    """Independent closed form: frames alternate 10 and 30, so MAE is 20 and the score 235/255."""
    clip = checks._static_and_flicker_clips()[1][1]
    assert (255 - _mae(clip)) / 255 == pytest.approx(235 / 255)


def test_check_budget_pick_hints():
    def pick(results, budget):
        fits = {k: v for k, v in results.items() if v[1] <= budget}
        return min(fits, key=lambda k: fits[k][0]) if fits else None

    assert quiet(checks.check_budget_pick, pick)
    greedy = quiet(checks.check_budget_pick, lambda r, b: min(r, key=lambda k: r[k][0]))
    assert not greedy and "budget" in greedy.hint
    cheapest = quiet(checks.check_budget_pick, lambda r, b: min(r, key=lambda k: r[k][1]))
    assert not cheapest and "cheapest" in cheapest.hint
    strict = quiet(checks.check_budget_pick, lambda r, b: pick({k: v for k, v in r.items() if v[1] < b}, b))
    assert not strict and "<=" in strict.hint
    crash = quiet(checks.check_budget_pick, lambda r, b: min(k for k, v in r.items() if v[1] <= b and False))
    assert not crash and "ValueError" in crash.message


def test_check_measured_choice_checks_the_answer_not_only_its_form():
    """Lessons 6 and 9 checked only that the answer was a valid option; a wrong one passed."""
    assert quiet(checks.check_measured_choice, "lanczos", "lanczos", ["bicubic", "lanczos"])
    wrong = quiet(
        checks.check_measured_choice, "bicubic", "lanczos", ["bicubic", "lanczos"], why="MTF50 0.09 vs 0.10"
    )
    assert not wrong and "MTF50 0.09 vs 0.10" in wrong.hint
    assert not quiet(checks.check_measured_choice, ..., "lanczos", ["bicubic", "lanczos"])
    assert not quiet(checks.check_measured_choice, "nearest", "lanczos", ["bicubic", "lanczos"])
    with pytest.raises(LabError, match="expected"):
        checks.check_measured_choice("a", "z", ["a", "b"])


def test_check_choice_and_in_range():
    assert quiet(checks.check_choice, "B", "abcd")
    assert not quiet(checks.check_choice, "e", "abcd")
    assert "not answered" in quiet(checks.check_choice, ..., ["a", "b"]).message
    assert quiet(checks.check_in_range, 0.97, 0.9, 1.0)
    above = quiet(checks.check_in_range, 3.0, 0.0, 1.0, name="score")
    assert not above and "above" in above.message
    with pytest.raises(LabError):
        checks.check_in_range(1, 2, 1)


def test_unanswered_functions_get_the_return_hint():
    def unanswered(*args): ...

    for check in (
        checks.check_cubic_kernel,
        checks.check_psnr,
        checks.check_temporal_mae,
        checks.check_flicker_score,
        checks.check_budget_pick,
    ):
        result = quiet(check, unanswered)
        assert not result and "return" in result.hint, check.__name__
