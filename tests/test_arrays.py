"""Frame conversions: the one helper every module uses for uint8 <-> float <-> torch."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import torch

import lab.arrays
from lab.arrays import check_frame, describe, to_float, to_numpy, to_tensor, to_uint8
from lab.errors import LabError, LabTypeError


def test_uint8_passes_through_without_copy(small_frame):
    assert check_frame(small_frame) is small_frame
    assert to_uint8(small_frame) is small_frame


def test_uint8_float_roundtrip_is_exact(small_frame):
    as_float = to_float(small_frame)
    assert as_float.dtype == np.float32 and as_float.shape == small_frame.shape
    assert 0.0 <= as_float.min() and as_float.max() <= 1.0
    np.testing.assert_array_equal(to_uint8(as_float), small_frame)


def test_every_uint8_level_survives_the_roundtrip():
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    np.testing.assert_array_equal(to_uint8(to_float(levels)), levels)


def test_to_uint8_rounds_to_nearest_level():
    frame = np.array([0.0, 0.5 / 255, 0.499, 0.5, 1.0], np.float64).reshape(1, 5, 1).repeat(3, axis=2)
    out = to_uint8(frame)
    assert out.dtype == np.uint8
    assert out[0, :, 0].tolist() == [0, 0, 127, 128, 255]


def test_to_float_copies_float_input():
    frame = np.full((2, 3, 3), 0.25, np.float64)
    out = to_float(frame)
    assert out.dtype == np.float32 and out is not frame
    out[:] = 0
    assert frame[0, 0, 0] == 0.25


def test_gray_frames_are_allowed_only_when_asked():
    gray = np.zeros((4, 5), np.uint8)
    assert check_frame(gray, allow_gray=True).shape == (4, 5)
    with pytest.raises(LabError, match="np.dstack"):
        check_frame(gray)
    assert to_float(gray).shape == (4, 5)


def test_tensor_roundtrip(small_frame):
    tensor = to_tensor(small_frame)
    assert tensor.shape == (1, 3, 36, 64) and tensor.dtype == torch.float32
    np.testing.assert_allclose(tensor[0, 1].numpy(), small_frame[:, :, 1] / 255.0, rtol=1e-6)
    back = to_numpy(tensor)
    assert back.shape == (36, 64, 3)
    np.testing.assert_array_equal(to_uint8(back), small_frame)
    np.testing.assert_array_equal(to_numpy(tensor[0]), back)


def test_to_numpy_clips_and_handles_one_channel():
    tensor = torch.tensor([[[[-0.5, 0.5], [1.5, 1.0]]]])
    out = to_numpy(tensor)
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[0.0, 0.5], [1.0, 1.0]])


def test_to_numpy_rejects_bad_input():
    with pytest.raises(LabTypeError):
        to_numpy(np.zeros((3, 4, 4)))
    with pytest.raises(LabError, match="batch of one"):
        to_numpy(torch.zeros(2, 3, 4, 4))
    with pytest.raises(LabError, match="C, H, W"):
        to_numpy(torch.zeros(4, 4))


@pytest.mark.parametrize(
    "frame, error, words",
    [
        ([[0, 0, 0]], LabTypeError, "numpy array"),
        ("frame.png", LabTypeError, "numpy array"),
        (np.zeros((4, 5, 4), np.uint8), LabError, "(H, W, 3)"),
        (np.zeros((2, 4, 5, 3), np.uint8), LabError, "(H, W, 3)"),
        (np.zeros((0, 5, 3), np.uint8), LabError, "empty"),
        (np.zeros((4, 5, 3), np.int32), LabTypeError, "uint8"),
        (np.zeros((4, 5, 3), bool), LabTypeError, "uint8"),
        (np.full((4, 5, 3), np.nan, np.float32), LabError, "NaN"),
        (np.full((4, 5, 3), np.inf, np.float64), LabError, "NaN or infinity"),
        (np.full((4, 5, 3), 200.0, np.float32), LabError, "divide by 255"),
        (np.full((4, 5, 3), -0.5, np.float32), LabError, "[0, 1]"),
    ],
)
def test_check_frame_rejects_bad_frames(frame, error, words):
    with pytest.raises(error) as info:
        check_frame(frame)
    assert words in str(info.value)


def test_torch_tensor_is_pointed_to_to_numpy():
    with pytest.raises(LabTypeError, match="to_numpy"):
        check_frame(torch.zeros(36, 64, 3))


def test_error_messages_describe_what_arrived():
    text = describe(np.array([[1.0, 3.0]], np.float32))
    assert text == "shape (1, 2), dtype float32, range [1, 3]"
    assert describe([1, 2]) == "a list"


def test_docstring_examples_run():
    result = doctest.testmod(lab.arrays)
    assert result.failed == 0 and result.attempted > 0


def test_progress_yields_every_item_and_reports_to_stderr(capsys):
    from lab.progress import progress

    assert list(progress(iter(range(5)), total=5, desc="counting")) == [0, 1, 2, 3, 4]
    assert "counting" in capsys.readouterr().err
    assert list(progress([1, 2], disable=True)) == [1, 2]
    assert capsys.readouterr().err == ""
    with pytest.raises(LabTypeError):
        list(progress(5))
