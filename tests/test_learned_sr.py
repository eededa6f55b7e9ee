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
        torch.testing.assert_close(
            y, F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False)
        )
        n = sum(p.numel() for p in net.parameters())
        assert 15_000 < n < 60_000, n


def test_registered_with_fixed_scales() -> None:
    entry = get("learned-sr")
    assert entry.kind == "learned" and entry.scales == (2, 4) and not entry.stochastic
    with pytest.raises(LabError, match="fixed-scale"):
        upscale(np.zeros((8, 8, 3), np.uint8), "learned-sr", factor=3)


# Content the network never saw, at the pixel scale it was trained on (windows of a 4K frame):
# unseen seeds change skin, foliage and the character, but not the fabric's weave or the sign's
# text, so the fabric is turned by 0.5 rad and the sign carries new text.
NEW_TEXT = (
    ("EXIT 12", -0.5, -0.1, 0.14, True),
    ("platform change: trains to the north", -0.5, 0.0, 0.045, False),
    ("Lorem ipsum dolor sit amet 97531 0x3F", -0.6, 0.1, 0.026, False),
    ("mini text 8642 zyxwv utsr", -0.6, 0.17, 0.015, False),
)
HELD_OUT = {  # name: (scene options, camera angle)
    "skin": ({}, 0.0),
    "foliage": ({}, 0.0),
    "character": ({}, 0.0),
    "fabric turned": ({}, 0.5),
    "sign, new text": ({"lines": NEW_TEXT}, 0.0),
}
# gain over bicubic, dB: (lowest accepted, highest accepted). Measured with the shipped weights:
# x4 skin +0.38, foliage +1.64, character +0.12, fabric turned +0.41, new text -2.26;
# x2 skin +2.97, foliage +4.69, character +0.34, fabric turned +0.40, new text -2.10.
# (On the training text and weave orientation x4 gains +3.5 dB: it learned those, not text.)
GAIN_DB = {
    4: {
        "skin": (0.2, 9),
        "foliage": (1.0, 9),
        "character": (-0.3, 9),
        "fabric turned": (0.2, 9),
        "sign, new text": (-9, -1.0),
    },
    2: {
        "skin": (2.0, 9),
        "foliage": (3.0, 9),
        "character": (-0.3, 9),
        "fabric turned": (0.2, 9),
        "sign, new text": (-9, -1.0),
    },
}


def _held_out_pair(name: str, scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    import dataclasses

    from lab import native, scenes
    from lab.resolution import parse

    options, angle = HELD_OUT[name]
    scene_name = name.split()[0].rstrip(",")
    hr_res, hrs, lrs = Resolution(384, 216), [], []
    for seed in TEST_SEEDS:
        for view in (0, 1):
            camera = dataclasses.replace(
                crops.random_view(scene_name, seed, view, hr_res, parse("4k")), angle=angle
            )
            scene = scenes.get(scene_name, seed=seed, camera=camera, **options)
            hrs.append(native.render(scene, hr_res))
            lrs.append(native.render(scene, Resolution(hr_res.width // scale, hr_res.height // scale)))
    as_batch = lambda frames: torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float() / 255  # noqa: E731
    return as_batch(lrs), as_batch(hrs)


@pytest.mark.slow
@pytest.mark.parametrize("scale", [4, 2])
def test_gain_over_bicubic_per_scene_on_content_never_seen(scale: int) -> None:
    net = learned_sr.load(scale)
    assert learned_sr.weights_path(scale).stat().st_size < 1_000_000
    for name in HELD_OUT:
        lr, hr = _held_out_pair(name, scale)
        with torch.no_grad():
            pred = net(lr).clamp(0, 1)
        bic = F.interpolate(lr, scale_factor=scale, mode="bicubic", align_corners=False).clamp(0, 1)
        gain = crops.psnr_db(hr, pred, border=8) - crops.psnr_db(hr, bic, border=8)
        low, high = GAIN_DB[scale][name]
        assert low <= gain <= high, (scale, name, round(gain, 2))


def test_a_photo_is_upscaled_worse_than_bicubic() -> None:
    """Trained on synthetic textures only: on matplotlib's grace_hopper photo (area-downscaled x4)
    it loses 2.34 dB to bicubic (22.38 vs 24.73), as its model card says."""
    import cv2
    from matplotlib import cbook

    photo = cv2.cvtColor(
        cv2.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)), cv2.COLOR_BGR2RGB
    )
    h, w = photo.shape[0] // 4 * 4, photo.shape[1] // 4 * 4
    photo = photo[:h, :w]
    low = cv2.resize(photo, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    hr = torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 255
    lr = torch.from_numpy(low).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        pred = learned_sr.load(4)(lr).clamp(0, 1)
    bic = F.interpolate(lr, scale_factor=4, mode="bicubic", align_corners=False).clamp(0, 1)
    gain = crops.psnr_db(hr, pred, border=8) - crops.psnr_db(hr, bic, border=8)
    assert -3.0 < gain < -1.5, gain


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
        [
            "--scale",
            "2",
            "--steps",
            "3",
            "--out",
            str(out),
            "--train-seeds",
            "1",
            "--views",
            "1",
            "--scenes",
            "fabric",
            "--hr-size",
            "64x32",
            "--batch",
            "2",
            "--patch",
            "8",
        ]
    )
    sr.run(args)
    net = learned_sr.load_file(out)
    assert net.scale == 2
    card = out.with_suffix(".md").read_text()
    for needle in ("python -m lab.train sr", "--scale 2", "bicubic", "steps"):
        assert needle in card
