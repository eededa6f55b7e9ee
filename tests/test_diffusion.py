"""Tests of lab.diffusion (texture diffusion model, tiled DDIM, moving-noise video) and its trainer.

Sizes are small so the file runs in well under a minute on a 2-core CPU. Tests marked
"shipped" use the trained weights in assets/models/: they check that the weights are trained
(spectrum slope close to the training scenes, far from an untrained model), that tiling shows
no seams and that moving noise keeps a pan stable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lab import diffusion
from lab.diffusion import TextureConfig, TextureModel, plan_tiles, seam_score
from lab.errors import LabError, LabTypeError, MemoryBudgetError
from lab.train.texture import (
    HELD_OUT_SEEDS,
    TexturePool,
    band_kurtosis,
    held_out_slopes,
    held_out_structure,
    nearest_window_distance,
    render_pool,
    render_window,
    spectral_slope,
    train,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _one_thread():
    """Determinism and fair sharing: one torch thread per test."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def random_model() -> TextureModel:
    return TextureModel.random(["skin", "fabric"], seed=0)


class _Pointwise(torch.nn.Module):
    """A stand-in denoiser with no spatial context: eps = 2 x + t/1000 (tiling must not change it)."""

    class _Out:
        def __init__(self, sample: torch.Tensor) -> None:
            self.sample = sample

    def forward(self, x: torch.Tensor, t: int, class_labels: torch.Tensor | None = None) -> _Pointwise._Out:
        return self._Out(2.0 * x + float(t) / 1000.0)


# --- architecture and configuration --------------------------------------------------------------------
def test_unet_is_fully_convolutional(random_model: TextureModel) -> None:
    unet = random_model.unet
    assert unet.config.add_attention is False
    names = [type(m).__name__ for m in unet.modules()]
    assert not any("Attention" in n for n in names), "a mid-block attention would make 4K quadratic"
    assert unet.config.num_class_embeds == 2
    assert random_model.stride == 8


def test_config_validation() -> None:
    with pytest.raises(LabError, match="at least one class"):
        TextureConfig(classes=())
    with pytest.raises(LabError, match="multiple of norm_groups"):
        TextureConfig(classes=("a",), channels=(30, 48))
    cfg = TextureConfig(classes=("a", "b"), channels=(16, 32, 32))
    assert TextureConfig.from_json(cfg.to_json()) == cfg
    assert cfg.stride == 4 and cfg.prediction == "v_prediction"
    with pytest.raises(LabError, match="v_prediction"):
        TextureConfig(classes=("a",), prediction="sample")
    legacy = json.loads(cfg.to_json())
    del legacy["prediction"]  # weight files written before the field existed were epsilon models
    assert TextureConfig.from_json(json.dumps(legacy)).prediction == "epsilon"


# --- tiling ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "h,w,tile,overlap", [(1080, 1920, 512, 32), (200, 96, 64, 16), (64, 64, 64, 8), (136, 520, 128, 24)]
)
def test_tile_plan_covers_canvas_with_overlap(h: int, w: int, tile: int, overlap: int) -> None:
    plan = plan_tiles(h, w, tile=tile, overlap=overlap)
    cover = np.zeros((h, w), np.int32)
    for y0, y1, x0, x1 in plan.boxes():
        assert y1 - y0 <= tile and x1 - x0 <= tile
        assert y0 % 8 == 0 and x0 % 8 == 0
        cover[y0:y1, x0:x1] += 1
    assert cover.min() >= 1
    for starts, size in ((plan.ys, plan.size[0]), (plan.xs, plan.size[1])):
        for a, b in zip(starts, starts[1:]):
            assert a + size - b >= overlap - 8, "neighbouring tiles must overlap by about `overlap`"
    # the work stays close to the canvas plus the overlaps (plus rounding to the stride)
    for starts, size, length in ((plan.ys, plan.size[0], h), (plan.xs, plan.size[1], w)):
        n = len(starts)
        assert n * size <= length + (n - 1) * overlap + n * 8
    if (h, w) == (1080, 1920):
        assert plan.overhead < 1.15


def test_tile_plan_rejects_bad_input() -> None:
    with pytest.raises(LabError, match="multiple of the stride"):
        plan_tiles(100, 64, tile=64, overlap=8)
    with pytest.raises(LabError, match="overlap"):
        plan_tiles(128, 128, tile=64, overlap=40)
    with pytest.raises(LabTypeError):
        plan_tiles(128, 128, tile=64.0, overlap=8)  # type: ignore[arg-type]


def test_blended_tiles_equal_whole_grid_for_a_pointwise_denoiser() -> None:
    """Blend weights are normalised: a context-free denoiser gives the same result tiled or not."""
    model = TextureModel(_Pointwise(), TextureConfig(classes=("a",)))
    x = torch.randn(1, 3, 96, 160, generator=torch.Generator().manual_seed(0))
    whole = model.predict(x, 500, 0, None)
    tiled = model.predict(x, 500, 0, plan_tiles(96, 160, tile=48, overlap=16))
    torch.testing.assert_close(tiled, whole, rtol=0, atol=1e-5)


def test_seam_score_detects_a_hard_seam() -> None:
    rng = np.random.default_rng(3)
    img = rng.normal(0.5, 0.05, (128, 128, 3)).clip(0, 1).astype(np.float32)
    plan = plan_tiles(128, 128, tile=64, overlap=0)
    assert seam_score(img, plan) < 1.3
    img[:, 64:] = np.clip(img[:, 64:] + 0.2, 0, 1)  # a brightness step at the tile border
    assert seam_score(img, plan) > 5.0


# --- generation with an untrained model ------------------------------------------------------------------------
def test_generate_shape_padding_and_crop(random_model: TextureModel) -> None:
    """30x20 is padded to 32x24 (multiples of the stride 8) and cropped; same noise, same pixels."""
    assert random_model.padded(diffusion.parse("30x20")) == (24, 32)
    small = random_model.generate("skin", (30, 20), steps=3, seed=5, show_progress=False)
    padded = random_model.generate("skin", (32, 24), steps=3, seed=5, show_progress=False)
    assert small.shape == (20, 30, 3) and small.dtype == np.uint8
    np.testing.assert_array_equal(small, padded[:20, :30])


def test_generation_is_deterministic_for_a_seed(random_model: TextureModel) -> None:
    a = random_model.generate("fabric", (48, 40), steps=4, seed=11, show_progress=False)
    b = random_model.generate("fabric", (48, 40), steps=4, seed=11, show_progress=False)
    c = random_model.generate("fabric", (48, 40), steps=4, seed=12, show_progress=False)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 1.0


def test_ddim_steps_can_be_shown_one_by_one(random_model: TextureModel) -> None:
    noise = random_model.noise((40, 24), seed=0)
    steps = list(random_model.ddim_steps("skin", noise, steps=5, crop=(24, 40)))
    assert [s.index for s in steps] == list(range(5))
    assert steps[0].timestep > steps[-1].timestep
    assert steps[-1].image().shape == (24, 40, 3)
    assert steps[2].image("sample").dtype == np.uint8
    with pytest.raises(LabError, match="choose one of"):
        steps[0].image("noisy")


def test_bad_requests_raise_clear_errors(random_model: TextureModel) -> None:
    with pytest.raises(LabError, match="choose one of: fabric, skin"):
        random_model.generate("brick", (32, 32), steps=2, show_progress=False)
    with pytest.raises(LabError, match="steps"):
        random_model.generate("skin", (32, 32), steps=0, show_progress=False)
    with pytest.raises(LabError, match="eta"):
        random_model.generate("skin", (32, 32), steps=2, eta=2.0, show_progress=False)
    with pytest.raises(LabError, match="choose one of: auto"):
        random_model.generate("skin", (32, 32), steps=2, tile="big", show_progress=False)
    with pytest.raises(LabError, match="noise must have shape"):
        random_model.generate("skin", (32, 32), steps=2, noise=torch.zeros(1, 3, 8, 8), show_progress=False)
    with pytest.raises(LabError, match="unknown resolution"):
        random_model.generate("skin", "huge", steps=2, show_progress=False)
    with pytest.raises(LabError, match="noise mode"):
        random_model.video("skin", (32, 32), 2, noise="wobbly")


def test_memory_guard_tiles_or_refuses(random_model: TextureModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", str(200 * 2**20))  # pretend 200 MiB are free
    h, w = random_model.padded(diffusion.parse("4k"))
    with pytest.raises(MemoryBudgetError, match="tiles"):
        random_model.plan(h, w, tile=None)
    plan = random_model.plan(h, w, tile="auto")
    assert plan.count > 1
    assert random_model.pass_bytes(*plan.size) <= 100 * 2**20
    with pytest.raises(MemoryBudgetError):
        random_model.plan(h, w, tile=2048)


def test_missing_and_corrupt_weights(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="python -m lab.train texture"):
        TextureModel.load(tmp_path / "nothing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(LabError, match="cannot read"):
        TextureModel.load(bad)
    with pytest.raises(LabError, match="directory"):
        TextureModel.load(tmp_path)


def test_save_load_roundtrip(random_model: TextureModel, tmp_path: Path) -> None:
    path = random_model.save(tmp_path / "m.safetensors", info={"steps": 0})
    loaded = TextureModel.load(path)
    assert loaded.classes == random_model.classes and loaded.info == {"steps": 0}
    for key, value in random_model.unet.state_dict().items():  # stored as float16
        torch.testing.assert_close(loaded.unet.state_dict()[key], value.half().float(), rtol=0, atol=0)
    a = random_model.generate("skin", (32, 32), steps=2, seed=1, show_progress=False)
    b = loaded.generate("skin", (32, 32), steps=2, seed=1, show_progress=False)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 3
    with pytest.raises(LabError, match=".safetensors"):
        random_model.save(tmp_path / "m.pt")


# --- the spectral slope used as the honesty check -------------------------------------------------------------------
@pytest.mark.parametrize("beta", [0.0, 2.0, 3.0])
def test_spectral_slope_matches_closed_form(beta: float) -> None:
    """A random field with power ~ f^-beta must measure a slope of -beta."""
    n = 256
    rng = np.random.default_rng(1)
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.fftfreq(n)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    spectrum = (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))) * f ** (-beta / 2)
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.min()) / (field.max() - field.min())
    assert spectral_slope(field) == pytest.approx(-beta, abs=0.15)


# --- training ---------------------------------------------------------------------------------------------------------
def test_training_loop_lowers_the_loss() -> None:
    """A few steps on smooth synthetic stripes: the noise-prediction loss must fall."""
    yy, xx = np.mgrid[0:96, 0:96]
    stripes = (127 + 100 * np.sin(xx / 3.0))[..., None].repeat(3, axis=2).astype(np.uint8)
    blobs = (127 + 100 * np.sin(yy / 5.0) * np.cos(xx / 7.0))[..., None].repeat(3, axis=2).astype(np.uint8)
    pool = TexturePool(("stripes", "blobs"), [[stripes], [blobs]], diffusion.parse("96x96"), (0,))
    model, info = train(
        classes=("stripes", "blobs"),
        steps=40,
        batch=8,
        crop=32,
        channels=(16, 32),
        pool=pool,
        log_every=0,
        show_progress=False,
        lr=2e-3,
    )
    assert info["final_loss"] < 0.8 * info["first_loss"]
    assert model.classes == ("stripes", "blobs") and info["steps"] == 40


def test_v_prediction_learns_the_class_colour_where_epsilon_follows_the_seed() -> None:
    """Two flat colours, the same tiny budget: a v-prediction model generates each class's
    colour for every seed; an epsilon model's colour is set at the last (pure-noise) timestep
    by dividing by sqrt(alpha_bar) ~ 5e-5, so it misses by tens of levels."""
    rng = np.random.default_rng(0)
    colours = {"red": (200, 60, 40), "blue": (40, 70, 190)}
    images = [
        [np.clip(np.array(c)[None, None] + rng.normal(0, 12, (64, 64, 3)), 0, 255).astype(np.uint8)]
        for c in colours.values()
    ]
    pool = TexturePool(tuple(colours), images, diffusion.parse("64x64"), (0,))
    worst = {}
    for prediction in ("v_prediction", "epsilon"):
        model, _ = train(
            classes=tuple(colours),
            steps=200,
            batch=8,
            crop=16,
            channels=(16, 32),
            pool=pool,
            log_every=0,
            show_progress=False,
            lr=2e-3,
            prediction=prediction,
        )
        assert model.config.prediction == prediction == model.scheduler().config.prediction_type
        worst[prediction] = max(
            float(
                np.abs(
                    model.generate(kind, (32, 32), steps=10, seed=s, show_progress=False)
                    .reshape(-1, 3)
                    .mean(0)
                    - colour
                ).max()
            )
            for kind, colour in colours.items()
            for s in range(3)
        )
    assert worst["v_prediction"] < 15 and worst["epsilon"] > 40, worst


def test_render_pool_renders_balanced_windows_and_keeps_held_out_seeds_out() -> None:
    from lab.train.texture import HELD_OUT_SEEDS, render_pool

    pool = render_pool(["skin", "fabric"], [0, 1], diffusion.parse("64x48"), windows=2, show_progress=False)
    assert [len(images) for images in pool.images] == [4, 4] and pool.images[1][0].shape == (48, 64, 3)
    assert not np.array_equal(pool.images[0][0], pool.images[0][1])  # different world windows
    with pytest.raises(LabError, match="unknown scene 'skni'"):
        render_pool(["skni"], [0], diffusion.parse("64x64"), show_progress=False)
    with pytest.raises(LabError, match="windows must be >= 1"):
        render_pool(["skin"], [0], diffusion.parse("64x64"), windows=0, show_progress=False)
    with pytest.raises(LabError, match="held out"):
        render_pool(["skin"], range(HELD_OUT_SEEDS.start + 1), diffusion.parse("64x64"), show_progress=False)


def test_train_cli_writes_weights_card_and_grid(tmp_path: Path) -> None:
    """The retrain command end to end at toy size: progress bar, weights, card with its command, grid."""
    args = [
        "--classes",
        "skin",
        "--steps",
        "3",
        "--batch",
        "2",
        "--crop",
        "16",
        "--channels",
        "16,32",
        "--render",
        "128x128",
        "--scene-seeds",
        "1",
        "--windows",
        "1",
        "--out",
        str(tmp_path / "t.safetensors"),
    ]
    out = subprocess.run(
        [sys.executable, "-m", "lab.train", "texture", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "training texture diffusion" in out.stderr and "3/3" in out.stderr
    model = TextureModel.load(tmp_path / "t.safetensors")
    assert (
        model.classes == ("skin",) and model.config.prediction == "v_prediction" and model.info["steps"] == 3
    )
    card = (tmp_path / "t.md").read_text()
    assert (
        "python -m lab.train texture --classes skin --steps 3" in card
        and "| skin |" in card
        and "v-prediction" in card
    )
    assert (tmp_path / "t_samples.png").stat().st_size > 0


def test_train_cli_lists_kinds() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lab.train", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0 and "texture" in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "lab.train", "nonsense"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert bad.returncode == 2 and "texture" in bad.stderr


# --- moving noise for video ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("noise", ["moving", "warped"])
def test_noise_moves_with_the_camera(noise: str) -> None:
    """With a context-free denoiser the frames are a pixelwise function of the noise, so moving
    noise must reproduce the motion exactly: frame t+1 at p + d equals frame t at p."""
    model = TextureModel(_Pointwise(), TextureConfig(classes=("a",)))
    clip = model.video("a", (40, 24), 4, motion=(3.0, -1.0), noise=noise, steps=2)
    frames = list(clip)
    for t in range(3):
        flow = clip.flow(t)
        assert np.allclose(flow[..., 0], 3.0) and np.allclose(flow[..., 1], -1.0)
        # frame t+1 at (x + 3, y - 1) == frame t at (x, y), where both are inside the frame
        np.testing.assert_array_equal(frames[t + 1][0:23, 3:40], frames[t][1:24, 0:37])
    independent = list(model.video("a", (40, 24), 2, motion=(3.0, -1.0), noise="independent", steps=2))
    assert np.abs(independent[1][0:23, 3:40].astype(int) - independent[0][1:24, 0:37]).mean() > 5


def test_fractional_pan_is_quantised_to_whole_pixels() -> None:
    model = TextureModel(_Pointwise(), TextureConfig(classes=("a",)))
    clip = model.video("a", (32, 16), 4, motion=(1.5, 0.0), noise="moving", steps=1)
    # content offsets round(1.5 t) = 0, 2, 3, 4 (round half to even): realised steps 2, 1, 1
    assert [float(clip.flow(t)[0, 0, 0]) for t in range(3)] == [2.0, 1.0, 1.0]


def test_video_argument_errors() -> None:
    model = TextureModel(_Pointwise(), TextureConfig(classes=("a",)))
    with pytest.raises(LabError, match="noise='warped'"):
        model.video("a", (32, 16), 2, motion=lambda t: np.zeros((16, 32, 2), np.float32), noise="moving")
    with pytest.raises(LabTypeError, match="motion"):
        model.video("a", (32, 16), 2, motion="left")  # type: ignore[arg-type]
    with pytest.raises(LabError, match="n_frames"):
        model.video("a", (32, 16), 0)


# --- the shipped weights ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped() -> TextureModel:
    """The trained model in assets/models/ (a missing file fails here with the retrain command)."""
    return TextureModel.load()


def test_shipped_weights_are_trained(shipped: TextureModel) -> None:
    """Summed over the kinds, samples are far closer to the scenes' spectrum slope than an untrained model's.

    (Per kind the untrained model can land near a scene by chance: its foliage slope does.)
    """
    assert shipped.info.get("trained") is True and shipped.info["steps"] >= 500
    untrained = TextureModel.random(shipped.classes, seed=0, config=shipped.config)
    trained_total = random_total = 0.0
    for kind in shipped.classes:
        scenes, samples = held_out_slopes(shipped, kind)
        trained_gap = abs(samples - scenes)
        assert trained_gap < 0.3, (kind, trained_gap)
        trained_total += trained_gap
        random_total += abs(held_out_slopes(untrained, kind, samples=1)[1] - scenes)
    assert random_total > 2.0 * trained_total, (random_total, trained_total)


def test_shipped_samples_match_the_spectrum_slope_within_0_3(shipped: TextureModel) -> None:
    """The issue's target: every class within 0.3 of the slope of scenes the model never saw."""
    gaps = {
        kind: abs(samples - scenes)
        for kind in shipped.classes
        for scenes, samples in [held_out_slopes(shipped, kind)]
    }
    assert max(gaps.values()) < 0.3, gaps


def test_shipped_samples_have_the_colour_of_their_kind(shipped: TextureModel) -> None:
    """Every sample's mean colour lies within 30 levels (per channel) of the unseen scenes' mean.

    (The first, epsilon-predicting weights drew bluish skin and teal foliage: up to 102 levels off.)"""
    from lab.train.texture import HELD_OUT_SEEDS, render_window

    density = float(shipped.info["data"]["density"])
    for kind in shipped.classes:
        scenes = np.mean(
            [
                render_window(kind, s, (0.0, 0.0), diffusion.parse("128x128"), density).reshape(-1, 3).mean(0)
                for s in HELD_OUT_SEEDS
            ],
            axis=0,
        )
        for seed in range(3):
            sample = (
                shipped.generate(kind, (64, 64), steps=20, seed=seed, show_progress=False)
                .reshape(-1, 3)
                .mean(0)
            )
            assert np.abs(sample - scenes).max() < 30, (kind, seed, sample.round(), scenes.round())


def test_shipped_model_is_deterministic(shipped: TextureModel) -> None:
    a = shipped.generate("skin", (64, 48), steps=5, seed=2, show_progress=False)
    b = shipped.generate("skin", (64, 48), steps=5, seed=2, show_progress=False)
    np.testing.assert_array_equal(a, b)


def test_tiled_generation_shows_no_seams(shipped: TextureModel) -> None:
    """Blended tiles: seam score near 1; hard tiles (no overlap) of the same size show their borders."""
    kind = shipped.classes[0]
    noise = shipped.noise((192, 192), seed=0)
    blended_plan = plan_tiles(192, 192, tile=80, overlap=24)
    hard_plan = plan_tiles(192, 192, tile=64, overlap=0)
    blended = shipped.generate(
        kind, (192, 192), steps=10, tile=80, overlap=24, noise=noise, show_progress=False
    )
    hard = shipped.generate(kind, (192, 192), steps=10, tile=64, overlap=0, noise=noise, show_progress=False)
    assert seam_score(blended, blended_plan) < 1.25
    assert seam_score(hard, hard_plan) > 1.2 * seam_score(blended, hard_plan)


def test_moving_noise_keeps_a_pan_stable(shipped: TextureModel) -> None:
    """Warp error with the true pan: moving noise far below fresh noise per frame."""
    from lab import metrics

    kind = shipped.classes[0]
    errors = {}
    for mode in ("moving", "independent"):
        clip = shipped.video(kind, (96, 64), 3, motion=(4.0, 0.0), noise=mode, steps=10)
        errors[mode] = float(metrics.warp_error(clip, flow="truth"))
    assert errors["moving"] < 0.3 * errors["independent"], errors


# --- what the spectrum cannot see: structure and copying ---------------------------------------------------------------
def _power_law_noise(like: np.ndarray, slope: float, seed: int) -> np.ndarray:
    """Gaussian noise with power ~ f^slope and the per-channel mean and spread of ``like``: the baseline to beat."""
    h, w = like.shape[:2]
    rng = np.random.default_rng(seed)
    radius = np.sqrt(np.fft.fftfreq(h)[:, None] ** 2 + np.fft.rfftfreq(w)[None, :] ** 2)
    radius[0, 0] = 1.0
    channels = []
    for c in range(3):
        spectrum = (rng.standard_normal(radius.shape) + 1j * rng.standard_normal(radius.shape)) * radius ** (
            slope / 2
        )
        spectrum[0, 0] = 0.0
        plane = np.fft.irfft2(spectrum, s=(h, w))
        channels.append(plane / plane.std() * like[..., c].std() + like[..., c].mean())
    return np.clip(np.rint(np.dstack(channels)), 0, 255).astype(np.uint8)


def _structure_matches(sample: float, scenes: float) -> bool:
    return abs(sample - scenes) <= 0.5 * abs(scenes)


def test_shipped_samples_have_the_structure_of_their_kind(shipped: TextureModel) -> None:
    """Band-pass kurtosis of samples within half of the unseen scenes' (measured: skin 10.8 vs 9.8,
    fabric -0.82 vs -0.79, foliage 2.7 vs 2.4)."""
    for kind in shipped.classes:
        scenes, samples = held_out_structure(shipped, kind)
        assert _structure_matches(samples, scenes), (kind, samples, scenes)


def test_noise_with_the_right_spectrum_and_colour_fails_the_acceptance(shipped: TextureModel) -> None:
    """The slope and colour checks alone accept power-law noise with the scenes' colour; structure does not."""
    density = float(shipped.info["data"]["density"])
    res = diffusion.parse("128x128")
    for kind in shipped.classes:
        scenes = [
            render_window(kind, s, (0.7 * i - 2.0, 0.5 * i - 1.0), res, density)
            for i, s in enumerate(HELD_OUT_SEEDS)
        ]
        slope = float(np.mean([spectral_slope(s) for s in scenes]))
        noises = [_power_law_noise(scenes[i], slope, seed=i) for i in range(3)]
        assert abs(np.mean([spectral_slope(n) for n in noises]) - slope) < 0.3  # would pass the slope check
        colour = np.mean([s.reshape(-1, 3).mean(0) for s in scenes], axis=0)
        assert all(
            np.abs(n.reshape(-1, 3).mean(0) - colour).max() < 30 for n in noises
        )  # and the colour check
        structure = float(np.mean([band_kurtosis(s) for s in scenes]))
        assert not _structure_matches(float(np.mean([band_kurtosis(n) for n in noises])), structure), kind


@pytest.mark.slow
def test_samples_are_not_copies_of_training_windows(shipped: TextureModel) -> None:
    """A sample's closest match among the 48 training renders of its kind is not much closer than a new
    scene's (RMS levels, measured: skin 14.4-14.9 vs 17.7, fabric 6.4-6.7 vs 6.2, foliage 9.6-9.9 vs 11.3;
    a crop copied from a render: 0.05)."""
    data = shipped.info["data"]
    density = float(data["density"])
    size = diffusion.parse(data["render"])
    windows = data["renders"] // (len(data["classes"]) * len(data["scene_seeds"]))
    for kind in shipped.classes:
        pool = render_pool(
            [kind], data["scene_seeds"], size, windows=windows, density=density, show_progress=False
        )
        assert len(pool.images[0]) == 48
        unseen = render_window(kind, HELD_OUT_SEEDS[0], (1.3, -0.4), diffusion.parse("96x96"), density)
        novel = nearest_window_distance(unseen, pool.images[0])
        copied = pool.images[0][5][100:196, 200:296]  # what a memorising model would draw
        assert nearest_window_distance(copied, pool.images[0]) < 0.5
        for seed in (0, 1):
            sample = shipped.generate(kind, (96, 96), steps=20, seed=seed, show_progress=False)
            assert nearest_window_distance(sample, pool.images[0]) > 0.5 * novel, (kind, seed, novel)
