"""The tiny learned SR network: architecture, shipped weights, held-out quality, errors, trainer."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

import torch
import torch.nn.functional as F  # noqa: E402

from lab.errors import LabError  # noqa: E402
from lab.models import crops, learned_sr, weights  # noqa: E402
from lab.resolution import Resolution  # noqa: E402
from lab.upscale import get, upscale  # noqa: E402

# seeds never used by training (0..N-1) nor by the model card's evaluation (1000-1002)
TEST_SEEDS = (2024, 2025)


def test_untrained_network_is_exactly_bicubic_and_small() -> None:
    for scale in (2, 4):
        net = learned_sr.LearnedSR(scale=scale).eval()
        x = torch.rand(1, 3, 9, 13, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            y = net(x)
        assert y.shape == (1, 3, 9 * scale, 13 * scale)
        torch.testing.assert_close(y, F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False))
        n = sum(p.numel() for p in net.parameters())
        assert 15_000 < n < 60_000, n


def test_registered_with_fixed_scales() -> None:
    entry = get("learned-sr")
    assert entry.kind == "learned" and entry.scales == (2, 4) and not entry.stochastic
    with pytest.raises(LabError, match="fixed-scale"):
        upscale(np.zeros((8, 8, 3), np.uint8), "learned-sr", factor=3)


@pytest.mark.parametrize("scale", [2, 4])
def test_shipped_weights_beat_bicubic_on_held_out_scenes(scale: int) -> None:
    net = learned_sr.load(scale)
    assert learned_sr.weights_path(scale).stat().st_size < 1_000_000
    pool = crops.build_pool(scale, TEST_SEEDS, hr=Resolution(192, 108), views=2, desc="held-out")
    lr, hr = crops.grid_crops(pool, 24 if scale == 2 else 12)
    with torch.no_grad():
        pred = net(lr)
    bic = F.interpolate(lr, scale_factor=scale, mode="bicubic", align_corners=False)
    p_net = crops.psnr_db(hr, pred, border=2 * scale)
    p_bic = crops.psnr_db(hr, bic, border=2 * scale)
    assert p_net > p_bic + MARGIN_DB[scale], (p_net, p_bic)


# measured with the shipped weights: x2 39.48 vs 37.03 dB (+2.45), x4 30.95 vs 29.54 dB (+1.40)
MARGIN_DB = {2: 1.0, 4: 0.7}


def test_frame_api_matches_the_network_and_keeps_dtype() -> None:
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (30, 41, 3), dtype=np.uint8)
    out = upscale(frame, "learned-sr", factor=2)
    assert out.shape == (60, 82, 3) and out.dtype == np.uint8
    flt = learned_sr.upscale_frame(frame.astype(np.float32) / 255, 2)
    assert flt.dtype == np.float32 and np.abs(flt * 255 - out).max() <= 0.51
    # row tiling (256-row tiles with context) must equal one whole pass
    tall = rng.integers(0, 256, (300, 20, 3), dtype=np.uint8)
    net = learned_sr.load(2)
    with torch.no_grad():
        whole = net(torch.from_numpy(tall.transpose(2, 0, 1)[None].astype(np.float32) / 255)).clamp(0, 1)
    ref = np.rint(whole[0].numpy().transpose(1, 2, 0) * 255)
    assert np.abs(learned_sr.upscale_frame(tall, 2).astype(float) - ref).max() <= 1


def test_missing_weight_file_fails_clearly(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(learned_sr, "_CACHE", {})
    with pytest.raises(LabError, match=r"not found.*python -m lab\.train sr"):
        learned_sr.load(4)
    bogus = tmp_path / "learned_sr_x4.safetensors"
    bogus.write_bytes(b"not a safetensors file")
    with pytest.raises(LabError, match="damaged"):
        learned_sr.load(4)


def test_trainer_runs_and_writes_weights_and_card(tmp_path) -> None:
    from lab.train import sr

    parser = argparse.ArgumentParser()
    sr.add_arguments(parser)
    out = tmp_path / "tiny_x2.safetensors"
    args = parser.parse_args(
        ["--scale", "2", "--steps", "3", "--out", str(out), "--train-seeds", "1", "--views", "1", "--scenes", "fabric",
         "--hr-size", "64x32", "--batch", "2", "--patch", "8"]
    )
    sr.run(args)
    net = learned_sr.load_file(out)
    assert net.scale == 2
    card = out.with_suffix(".md").read_text()
    for needle in ("python -m lab.train sr", "--scale 2", "bicubic", "steps"):
        assert needle in card
