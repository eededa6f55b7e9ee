"""Upscaling registry: classical kernels, size/factor validation, plug-in registration."""

from __future__ import annotations

import doctest

import cv2
import numpy as np
import pytest

import lab.upscale
from lab.errors import LabError, LabTypeError, MemoryBudgetError
from lab.resolution import Resolution
from lab.upscale import Upscaler, downscale, get, methods, register, register_lazy, target_size, upscale

CLASSICAL = ["nearest", "bilinear", "bicubic", "area", "lanczos"]
CV2_FLAGS = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}


def test_classical_methods_are_registered():
    assert methods("classical") == sorted(CLASSICAL)
    assert set(CLASSICAL) <= set(methods())
    assert all(get(name).description for name in CLASSICAL)


@pytest.mark.parametrize("method", CLASSICAL)
@pytest.mark.parametrize("factor", [2, 3, 4])
def test_constant_image_stays_constant(method, factor):
    frame = np.empty((12, 20, 3), np.uint8)
    frame[:] = (17, 128, 250)
    out = upscale(frame, method, factor=factor)
    assert out.shape == (12 * factor, 20 * factor, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.broadcast_to(frame[:1, :1], out.shape))
    as_float = upscale(frame.astype(np.float32) / 255, method, factor=factor)
    assert as_float.dtype == np.float32
    np.testing.assert_allclose(as_float, np.broadcast_to(frame[:1, :1] / 255, out.shape), atol=1e-6)


def test_nearest_x2_duplicates_every_pixel(small_frame):
    out = upscale(small_frame, "nearest", factor=2)
    expected = small_frame.repeat(2, axis=0).repeat(2, axis=1)
    np.testing.assert_array_equal(out, expected)


def test_nearest_x3_duplicates_every_pixel(small_frame):
    out = upscale(small_frame, "nearest", factor=3)
    np.testing.assert_array_equal(out, np.kron(small_frame, np.ones((3, 3, 1), np.uint8)))


@pytest.mark.parametrize("method", CLASSICAL)
def test_uint8_matches_cv2_resize_exactly(method, small_frame):
    out = upscale(small_frame, method, size=(160, 90))
    np.testing.assert_array_equal(out, cv2.resize(small_frame, (160, 90), interpolation=CV2_FLAGS[method]))


def test_bicubic_is_keys_cubic_a_minus_075(rng):
    """Closed form: OpenCV's bicubic weights for the x2 half-pixel phases are Keys' a = -0.75 kernel."""

    def keys(x: float, a: float = -0.75) -> float:
        x = abs(x)
        if x <= 1:
            return (a + 2) * x**3 - (a + 3) * x**2 + 1
        if x < 2:
            return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
        return 0.0

    row = rng.random(32).astype(np.float32)
    frame = np.repeat(row[None, :, None], 3, axis=2).repeat(4, axis=0)
    out = upscale(frame, "bicubic", factor=2)
    # output pixel 2j+1 sits at source coordinate j + 0.25: taps j-1..j+2 at distances 1.25, 0.25, 0.75, 1.75
    j = 10
    weights = [keys(d) for d in (1.25, 0.25, -0.75, -1.75)]
    expected = sum(w * row[j + k] for w, k in zip(weights, (-1, 0, 1, 2)))
    assert out[2, 2 * j + 1, 0] == pytest.approx(np.clip(expected, 0, 1), abs=1e-5)


def test_arbitrary_target_sizes_and_names(small_frame):
    assert upscale(small_frame, "lanczos", size=(100, 57)).shape == (57, 100, 3)
    assert upscale(small_frame, "bilinear", size=Resolution(128, 72)).shape == (72, 128, 3)
    assert upscale(np.zeros((45, 80, 3), np.uint8), "bicubic", size="320x180").shape == (180, 320, 3)
    assert upscale(small_frame, "area", factor=2.5).shape == (90, 160, 3)
    assert upscale(small_frame, " BICUBIC ", factor=2).shape == (72, 128, 3)


def test_float_output_stays_in_unit_range():
    frame = np.zeros((16, 16, 3), np.float32)
    frame[:, 8:] = 1.0  # a hard edge makes cubic and Lanczos overshoot
    for method in ("bicubic", "lanczos"):
        raw = cv2.resize(frame, (64, 64), interpolation=CV2_FLAGS[method])
        assert raw.max() > 1.0 or raw.min() < 0.0
        out = upscale(frame, method, factor=4)
        assert out.min() >= 0.0 and out.max() <= 1.0


def test_float64_input_gives_float32(small_frame):
    out = upscale(small_frame / 255.0, "bilinear", factor=2)
    assert out.dtype == np.float32


def test_target_size_rules():
    src = Resolution(960, 540)
    assert target_size(src, factor=4) == Resolution(3840, 2160)
    assert target_size(src, size="4k") == Resolution(3840, 2160)
    assert target_size(src, factor=4, size="4k").name == "4k"
    assert target_size(Resolution(480, 270), factor=np.int64(2)) == Resolution(960, 540)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({}, "factor=4 or size="),
        ({"factor": 0}, "positive"),
        ({"factor": -2}, "positive"),
        ({"factor": float("nan")}, "positive"),
        ({"factor": float("inf")}, "positive"),
        ({"factor": 1.3}, "not whole pixels"),
        ({"factor": 2, "size": "4k"}, "not the requested"),
        ({"size": "4kk"}, "unknown resolution"),
        ({"size": (0, 10)}, "positive"),
    ],
)
def test_bad_sizes_and_factors_are_refused(small_frame, kwargs, words):
    with pytest.raises(LabError) as info:
        upscale(small_frame, "bicubic", **kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("factor", ["2", True, [2]])
def test_non_numeric_factor_is_a_type_error(small_frame, factor):
    with pytest.raises(LabTypeError):
        upscale(small_frame, "bicubic", factor=factor)


def test_unknown_method_lists_the_registry(small_frame):
    with pytest.raises(LabError) as info:
        upscale(small_frame, "bicubik", factor=2)
    message = str(info.value)
    assert "bicubik" in message
    assert all(name in message for name in CLASSICAL)
    with pytest.raises(LabTypeError):
        upscale(small_frame, None, factor=2)


def test_bad_frames_are_refused():
    with pytest.raises(LabError, match="NaN"):
        upscale(np.full((8, 8, 3), np.nan, np.float32), "bicubic", factor=2)
    with pytest.raises(LabTypeError):
        upscale([[1, 2, 3]], "bicubic", factor=2)
    with pytest.raises(LabError, match="divide by 255"):
        upscale(np.full((8, 8, 3), 255.0), "bicubic", factor=2)


def test_huge_output_is_refused_by_the_memory_guard(monkeypatch):
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", str(64 * 2**20))
    with pytest.raises(MemoryBudgetError):
        upscale(np.zeros((540, 960, 3), np.uint8), "bicubic", size="4k")


def test_registered_plugin_is_called_with_size_and_seed(small_frame):
    calls = []

    def noisy(frame, size, *, seed=None):
        calls.append((size, seed))
        return np.random.default_rng(seed).random(size.shape).astype(np.float32)

    register(Upscaler("test-noisy", noisy, "generative", "seeded noise (test double)", stochastic=True))
    try:
        assert "test-noisy" in methods("generative") and "test-noisy" not in methods("classical")
        a = upscale(small_frame, "test-noisy", factor=2, seed=3)
        b = upscale(small_frame, "test-noisy", factor=2, seed=3)
        c = upscale(small_frame, "test-noisy", factor=2, seed=4)
        assert a.dtype == np.uint8  # a float-returning plug-in still honours uint8 in, uint8 out
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
        assert calls[0] == (Resolution(128, 72), 3)
        with pytest.raises(LabError, match="already registered"):
            register(Upscaler("test-noisy", noisy, "generative", "again"))
        register(Upscaler("test-noisy", noisy, "generative", "replaced"), replace=True)
        assert get("test-noisy").description == "replaced"
    finally:
        lab.upscale._REGISTRY.pop("test-noisy", None)


def test_fixed_scale_plugin_rejects_other_factors(small_frame):
    def x4(frame, size, *, seed=None):
        return cv2.resize(frame, (size.width, size.height), interpolation=cv2.INTER_NEAREST)

    register(Upscaler("test-x4", x4, "learned", "a x4-only model (test double)", scales=(4,)))
    try:
        assert upscale(small_frame, "test-x4", factor=4).shape == (144, 256, 3)
        for kwargs in ({"factor": 2}, {"size": (300, 144)}, {"factor": 4.5}):
            with pytest.raises(LabError, match="fixed-scale"):
                upscale(small_frame, "test-x4", **kwargs)
    finally:
        lab.upscale._REGISTRY.pop("test-x4", None)


def test_register_validates_its_input():
    with pytest.raises(LabTypeError):
        register("bicubic")
    with pytest.raises(LabError, match="kind"):
        register(Upscaler("test-bad", lambda f, s, *, seed=None: f, "magic", "bad kind"))
    with pytest.raises(LabTypeError):
        register_lazy("", "lab.nothing")


def test_plugin_returning_the_wrong_shape_is_caught(small_frame):
    register(Upscaler("test-wrong", lambda f, size, *, seed=None: f, "learned", "returns its input"))
    try:
        with pytest.raises(RuntimeError, match="expected"):
            upscale(small_frame, "test-wrong", factor=2)
    finally:
        lab.upscale._REGISTRY.pop("test-wrong", None)


def test_lazy_registration_with_missing_module_says_how_to_install(small_frame):
    register_lazy("test-lazy", "lab._no_such_module_for_tests")
    try:
        assert "test-lazy" not in methods()  # a missing optional module just hides the method
        with pytest.raises(LabError, match="pip install"):
            upscale(small_frame, "test-lazy", factor=2)
    finally:
        lab.upscale._LAZY.pop("test-lazy", None)


def test_downscale_is_area_average():
    frame = np.zeros((4, 4, 3), np.uint8)
    frame[0::2, 0::2] = 200
    np.testing.assert_array_equal(downscale(frame, (2, 2)), np.full((2, 2, 3), 50, np.uint8))


def test_docstring_examples_run():
    result = doctest.testmod(lab.upscale)
    assert result.failed == 0 and result.attempted > 0
