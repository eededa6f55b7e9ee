"""Tests of the building blocks lab.noise (per-frame noise sources) and lab.tiling (tiles and blend weights)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lab.errors import LabError
from lab.noise import (
    NOISE_MODES,
    NOISE_SOURCES,
    FixedNoise,
    IndependentNoise,
    MovingNoise,
    NoiseSource,
    WarpedNoise,
    gaussian,
)
from lab.tiling import TilePlan, plan_tiles, ramp_weights, tile_weights

H, W = 12, 20
PAN = (3, -2)  # whole-pixel content motion per frame (dx, dy)


def _pan_flow(t: int) -> np.ndarray:
    return np.full((H, W, 2), PAN, np.float32)


def _sources() -> dict[str, NoiseSource]:
    offsets = [(PAN[0] * t, PAN[1] * t) for t in range(4)]
    return {
        "independent": IndependentNoise(H, W, seed=5, seed_step=7),
        "fixed": FixedNoise(H, W, seed=5),
        "moving": MovingNoise(H, W, seed=5, offsets=offsets),
        "warped": WarpedNoise(H, W, seed=5, flow=_pan_flow),
        "warped-values": WarpedNoise(H, W, seed=5, flow=_pan_flow, carry="values"),
    }


def test_the_table_names_every_source() -> None:
    assert NOISE_MODES == tuple(NOISE_SOURCES)
    assert set(NOISE_MODES) == {"independent", "fixed", "moving", "warped"}
    assert all(issubclass(cls, NoiseSource) for cls in NOISE_SOURCES.values())


@pytest.mark.parametrize("name", list(_sources()))
def test_every_source_gives_deterministic_standard_noise(name: str) -> None:
    a, b = _sources()[name], _sources()[name]
    for t in (0, 2, 1, 3):
        n = a.noise(t)
        assert n.shape == (1, 3, H, W) and n.dtype == torch.float32
        torch.testing.assert_close(n, b.noise(t), rtol=0, atol=0)
        torch.testing.assert_close(n, a.noise(t), rtol=0, atol=0)  # asking again changes nothing
    n.add_(100.0)  # a caller writing into its tensor does not change the source
    assert float(a.noise(3).abs().max()) < 10


def test_independent_draws_each_frame_from_its_own_seed() -> None:
    source = IndependentNoise(H, W, seed=5, seed_step=7)
    torch.testing.assert_close(source.noise(2), gaussian(H, W, 5 + 7 * 2), rtol=0, atol=0)
    assert not torch.equal(source.noise(0), source.noise(1))


def test_fixed_noise_is_the_same_every_frame() -> None:
    source = FixedNoise(H, W, seed=5)
    torch.testing.assert_close(source.noise(0), source.noise(3), rtol=0, atol=0)
    torch.testing.assert_close(source.noise(1), gaussian(H, W, 5), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["moving", "warped", "warped-values"])
def test_moving_and_warped_noise_follow_a_whole_pixel_pan(name: str) -> None:
    """Frame t at p + t d equals frame 0 at p wherever both are inside the frame (d = (3, -2) px)."""
    source = _sources()[name]
    first = source.noise(0)
    for t in (3, 1, 2):  # also backwards: a warped source replays from frame 0
        dx, dy = PAN[0] * t, PAN[1] * t
        later = source.noise(t)
        torch.testing.assert_close(later[..., : H + dy, dx:], first[..., -dy:, : W - dx], rtol=0, atol=0)


def test_warped_noise_needs_a_flow_for_noise_of_a_frame() -> None:
    with pytest.raises(LabError, match="needs the flow"):
        WarpedNoise(H, W, seed=0).noise(1)
    with pytest.raises(LabError, match="carry"):
        WarpedNoise(H, W, seed=0, carry="colours")


def test_two_ramps_add_up_to_one_over_their_overlap() -> None:
    left, right = ramp_weights([0, 24], 40)
    overlap = 40 - 24
    np.testing.assert_allclose(left[24:] + right[:overlap], 1.0, atol=1e-12)
    assert (left[:24] == 1).all() and (right[overlap:] == 1).all()
    assert np.all(np.diff(left[24:]) < 0) and np.all(np.diff(right[:overlap]) > 0)


@pytest.mark.parametrize(
    "size", [(64, 96, 48, 16), (1080, 1920, 512, 32), (96, 160, 48, 16), (40, 40, 64, 8)]
)
def test_tile_weights_add_up_to_one_at_every_pixel(size: tuple[int, int, int, int]) -> None:
    height, width, tile, overlap = size
    plan = plan_tiles(height, width, tile=tile, overlap=overlap)
    total = np.zeros(plan.canvas)
    for (y0, y1, x0, x1), w in zip(plan.boxes(), tile_weights(plan)):
        assert w.shape == plan.size and w.dtype == np.float32
        total[y0:y1, x0:x1] += w
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_a_whole_plan_is_one_tile() -> None:
    plan = TilePlan.whole(24, 40)
    assert plan.count == 1 and plan.boxes() == [(0, 24, 0, 40)] and plan.borders(0) == []
    assert plan == plan_tiles(24, 40, tile=64, overlap=8)
