"""Train the texture diffusion model of lab.diffusion on random crops of the procedural scenes.

The data are random ``crop`` x ``crop`` crops cut from ``--render``-sized windows of the
scenes rendered natively (``lab.native.render``) at a fixed pixel scale (``--density`` px per
frame height); the class label is the scene name. The loss is an MSE: pick a timestep t, mix a
crop x0 with Gaussian noise as x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps, and ask the UNet for the
velocity v = sqrt(a_t) eps - sqrt(1 - a_t) x0 (or for eps with ``--prediction epsilon``). An
exponential moving average (EMA) of the weights is what gets saved, with a model card and a
sample grid.

>>> python -m lab.train texture --steps 300 --out /tmp/texture.safetensors   # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import copy
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from lab import validate
from lab.diffusion import DEFAULT_WEIGHTS, PREDICTIONS
from lab.errors import LabError, choice_error
from lab.progress import progress
from lab.resolution import Resolution, parse
from lab.train._progress import LossBar
from lab.train._schedule import warmup_cosine

# Scenes that are textures (or carry texture); test charts ('zoneplate', 'edge') are left out.
DEFAULT_CLASSES = ("skin", "fabric", "foliage")
# Scene seeds kept out of training (training takes 0..N-1) to measure the model on unseen scenes.
HELD_OUT_SEEDS = range(100, 106)
# How the model card names each prediction target of lab.diffusion.PREDICTIONS.
PREDICTION_NAMES = {
    "v_prediction": "v-prediction (the UNet predicts v = sqrt(a) eps - sqrt(1 - a) x0)",
    "epsilon": "epsilon prediction (the UNet predicts the noise)",
}


# --- measuring texture: the radial power spectrum slope ---------------------------------------------
def spectral_slope(image: np.ndarray, *, band: tuple[float, float] = (1 / 32, 1 / 4)) -> float:
    """Slope of log10(power) vs log10(frequency) of an image's radial power spectrum.

    The image is turned to gray (mean of RGB), its mean removed, multiplied by a 2-D Hann
    window, Fourier transformed; |F|^2 is averaged over rings of integer radius and the slope
    is fitted by least squares over ``band`` (cycles/px). Natural textures give about -2 to
    -3; white noise gives 0; blur makes it steeper. Only the central square of a non-square
    image is used.

    >>> rng = np.random.default_rng(0)
    >>> round(spectral_slope(rng.random((128, 128))), 1)   # white noise: flat spectrum
    0.0
    """
    from lab.arrays import to_float

    img = to_float(image).astype(np.float64)
    if img.ndim == 3:
        img = img.mean(axis=2)
    n = min(img.shape)
    if n < 16:
        raise LabError(
            f"spectral_slope needs an image of at least 16x16 px, got {img.shape[1]}x{img.shape[0]}"
        )
    y0, x0 = (img.shape[0] - n) // 2, (img.shape[1] - n) // 2
    img = img[y0 : y0 + n, x0 : x0 + n]
    img = img - img.mean()
    window = np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fftshift(np.fft.fft2(img * window))) ** 2
    yy, xx = np.indices(power.shape)
    radius = np.rint(np.hypot(yy - n // 2, xx - n // 2)).astype(np.int64)
    sums = np.bincount(radius.ravel(), power.ravel())
    counts = np.bincount(radius.ravel())
    freq = np.arange(len(sums)) / n
    keep = (freq >= band[0]) & (freq <= band[1]) & (counts > 0)
    if keep.sum() < 3:
        raise LabError(f"band {band} cycles/px holds fewer than 3 rings at {n}x{n}; use a larger image")
    ring_power = sums[keep] / counts[keep]
    slope = np.polyfit(np.log10(freq[keep]), np.log10(np.maximum(ring_power, 1e-30)), 1)[0]
    return float(slope)


# --- data -------------------------------------------------------------------------------------------------
@dataclass
class TexturePool:
    """Rendered uint8 scene windows to cut training crops from, one list per class.

    ``density`` is the pixel scale of the renders in px per frame height (world unit): 1080
    means every window looks like a piece of a native 1080p frame of the scene.
    """

    classes: tuple[str, ...]
    images: list[list[np.ndarray]] = field(default_factory=list)
    render: Resolution = Resolution(512, 512)
    seeds: tuple[int, ...] = ()
    density: float = 1080.0

    def sample(self, batch: int, crop: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A balanced random batch: (batch, 3, crop, crop) float32 in [-1, 1] and class labels."""
        labels = rng.integers(0, len(self.classes), size=batch)
        out = np.empty((batch, 3, crop, crop), np.float32)
        for i, label in enumerate(labels):
            imgs = self.images[label]
            img = imgs[rng.integers(0, len(imgs))]
            y = rng.integers(0, img.shape[0] - crop + 1)
            x = rng.integers(0, img.shape[1] - crop + 1)
            out[i] = img[y : y + crop, x : x + crop].transpose(2, 0, 1)
        return out * np.float32(2.0 / 255.0) - np.float32(1.0), labels


def render_window(
    name: str, seed: int, center: tuple[float, float], render: Resolution, density: float
) -> np.ndarray:
    """Natively render a ``render``-sized window of scene ``name`` centred on world ``center``.

    The camera zoom is set so one world unit (a frame height at zoom 1) spans ``density`` px.
    """
    from lab import native, scenes
    from lab.scenes.camera import Camera

    scene = scenes.get(name, seed=int(seed), camera=Camera(center=center, zoom=density / render.height))
    return np.ascontiguousarray(native.render(scene, render, 0.0))


def render_pool(
    classes: Sequence[str],
    seeds: Sequence[int],
    render: Resolution,
    *,
    windows: int = 6,
    density: float = 1080.0,
    show_progress: bool = True,
) -> TexturePool:
    """Render ``windows`` random windows of every (class, seed) scene (static, t = 0).

    Window centres are drawn uniformly in [-4, 4]^2 world units from a generator seeded by
    the scene seed, so the pool is reproducible. Unknown scene names list the available ones.

    >>> pool = render_pool(["skin"], [0], Resolution(64, 64), windows=1)   # doctest: +SKIP
    >>> pool.images[0][0].shape                                             # doctest: +SKIP
    (64, 64, 3)
    """
    from lab import scenes

    available = scenes.names()
    for name in classes:
        if name not in available:
            raise choice_error("scene", name, available)
    if any(int(s) in HELD_OUT_SEEDS for s in seeds):
        raise LabError(
            f"scene seeds {HELD_OUT_SEEDS.start}-{HELD_OUT_SEEDS.stop - 1} are held out for evaluation; train on fewer seeds"
        )
    if windows < 1 or not density > 0:
        raise LabError(f"windows must be >= 1 and density > 0, got windows={windows}, density={density}")
    pool = TexturePool(
        tuple(classes), [[] for _ in classes], render, tuple(int(s) for s in seeds), float(density)
    )
    jobs = []
    for ci, name in enumerate(classes):
        for s in seeds:
            centers = np.random.default_rng(int(s)).uniform(-4.0, 4.0, size=(windows, 2))
            jobs += [(ci, name, int(s), (float(cx), float(cy))) for cx, cy in centers]
    for ci, name, s, center in progress(
        jobs, total=len(jobs), desc="rendering training scenes", disable=not show_progress
    ):
        pool.images[ci].append(render_window(name, s, center, render, density))
    return pool


# --- training ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainConfig:
    """Settings of ``python -m lab.train texture``; each field is the option of the same name.

    Sequences may be given as lists; they are kept as tuples.
    """

    classes: tuple[str, ...] = DEFAULT_CLASSES  # scene names to learn (the class labels)
    steps: int = 5000  # optimiser steps
    batch: int = 16  # crops per step
    crop: int = 64  # crop side, px (a multiple of the UNet stride)
    lr: float = 4e-4  # peak AdamW learning rate (warm-up, then cosine decay to 1/20)
    ema: float = 0.999  # decay of the exponential moving average of the saved weights
    prediction: str = "v_prediction"  # what the UNet predicts: one of lab.diffusion.PREDICTIONS
    channels: tuple[int, ...] = (32, 48, 64, 64)  # UNet block_out_channels, one per level
    render: str | Resolution = "512x512"  # size of each rendered scene window, px
    density: float = 1080.0  # pixel scale of the renders, px per frame height
    scene_seeds: int = 8  # scene seeds 0..N-1 per class (N <= 100)
    windows: int = 6  # rendered windows per scene seed
    seed: int = 0  # seed of the initial weights, the crops and the noise
    threads: int = 0  # torch CPU threads (0 = torch's default)
    out: str = str(DEFAULT_WEIGHTS)  # the .safetensors file to write
    card: str = "auto"  # model card .md: 'auto' = beside out, 'none' = skip
    grid: str = "auto"  # sample grid .png: 'auto' = beside out, 'none' = skip
    log_every: int = 100  # print a log line every N steps (0 = never)
    max_minutes: float = 0.0  # stop early after this much training time, minutes (0 = no limit)

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        validate.positive_int(self.steps, "steps")
        validate.positive_int(self.batch, "batch")
        validate.positive_int(self.crop, "crop")
        validate.positive_number(self.lr, "lr")
        validate.number(self.ema, "ema", minimum=0.0)
        validate.choice(self.prediction, "prediction", PREDICTIONS)
        validate.positive_number(self.density, "density")
        validate.positive_int(self.scene_seeds, "scene_seeds")
        validate.positive_int(self.windows, "windows")
        validate.integer(self.seed, "seed")
        validate.integer(self.threads, "threads", minimum=0)
        validate.integer(self.log_every, "log_every", minimum=0)
        validate.number(self.max_minutes, "max_minutes", minimum=0.0)
        parse(self.render)  # an unknown size fails here, before any rendering

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainConfig:
        """The settings of a parsed command line (``--classes`` and ``--channels`` are comma-separated)."""
        values = {f.name: getattr(args, f.name) for f in fields(cls)}
        values["classes"] = tuple(c.strip() for c in args.classes.split(",") if c.strip())
        values["channels"] = tuple(int(c) for c in args.channels.split(","))
        return cls(**values)

    def model_config(self) -> Any:
        """The architecture to train (:class:`lab.diffusion.TextureConfig`), checked against ``crop``."""
        from lab.diffusion import TextureConfig

        config = TextureConfig(
            classes=self.classes, channels=self.channels, crop=int(self.crop), prediction=self.prediction
        )
        if self.crop % config.stride:
            raise LabError(f"crop {self.crop} must be a multiple of the UNet stride {config.stride}")
        return config


DEFAULTS = TrainConfig()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m lab.train texture``."""
    parser.add_argument(
        "--classes", default=",".join(DEFAULTS.classes), help="comma-separated scene names to learn"
    )
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="optimiser steps")
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch, help="crops per step")
    parser.add_argument("--crop", type=int, default=DEFAULTS.crop, help="crop side in px")
    parser.add_argument(
        "--lr", type=float, default=DEFAULTS.lr, help="peak AdamW learning rate (cosine decay to 1/20)"
    )
    parser.add_argument("--ema", type=float, default=DEFAULTS.ema, help="EMA decay of the saved weights")
    parser.add_argument(
        "--prediction", default=DEFAULTS.prediction, choices=PREDICTIONS, help="what the UNet predicts"
    )
    parser.add_argument(
        "--channels",
        default=",".join(map(str, DEFAULTS.channels)),
        help="UNet block_out_channels, one per level",
    )
    parser.add_argument("--render", default=DEFAULTS.render, help="size of each rendered scene window")
    parser.add_argument(
        "--density",
        type=float,
        default=DEFAULTS.density,
        help="pixel scale of the renders, px per frame height",
    )
    parser.add_argument(
        "--scene-seeds",
        type=int,
        default=DEFAULTS.scene_seeds,
        help="scene seeds per class (0..N-1, N <= 100)",
    )
    parser.add_argument(
        "--windows", type=int, default=DEFAULTS.windows, help="rendered windows per scene seed"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help="seed of weights init, crops and noise"
    )
    parser.add_argument(
        "--threads", type=int, default=DEFAULTS.threads, help="torch CPU threads (0 = torch default)"
    )
    parser.add_argument("--out", default=DEFAULTS.out, help="output .safetensors file")
    parser.add_argument(
        "--card", default=DEFAULTS.card, help="model card .md ('auto' = beside --out, 'none' = skip)"
    )
    parser.add_argument(
        "--grid", default=DEFAULTS.grid, help="sample grid .png ('auto' = beside --out, 'none' = skip)"
    )
    parser.add_argument(
        "--log-every", type=int, default=DEFAULTS.log_every, help="print a log line every N steps"
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=DEFAULTS.max_minutes,
        help="stop early after this much training time (0 = no limit)",
    )


def training_pool(config: TrainConfig, *, show_progress: bool = True) -> tuple[TexturePool, float]:
    """Render the windows ``config`` asks for; returns the pool and the seconds it took."""
    started = time.perf_counter()
    pool = render_pool(
        config.classes,
        range(config.scene_seeds),
        parse(config.render),
        windows=config.windows,
        density=config.density,
        show_progress=show_progress,
    )
    return pool, time.perf_counter() - started


@dataclass
class _Nets:
    """The UNet being trained, its moving average (what gets saved), the noise levels and the optimiser."""

    unet: Any
    ema: Any
    alphas: Any  # cumulative products of the noise schedule's alphas, one per timestep
    opt: Any


@dataclass
class _Fit:
    """Every step's loss and the seconds the loop took."""

    history: list[float]
    seconds: float


def train(
    config: TrainConfig | None = None,
    *,
    pool: TexturePool | None = None,
    show_progress: bool = True,
    **settings: Any,
) -> tuple[Any, dict[str, Any]]:
    """Train a texture diffusion model; returns (EMA :class:`lab.diffusion.TextureModel`, record).

    Give a :class:`TrainConfig`, or its fields as keywords (``train(steps=300, classes=["skin"])``).
    ``pool`` skips rendering (tests pass a small one). The progress bar shows the running loss.
    ``max_minutes`` > 0 stops early when the training time runs out (recorded in the result:
    ``steps`` is then the number of steps actually taken, ``planned_steps`` the request).
    """
    from lab.diffusion import TextureModel

    if config is not None and settings:
        raise LabError(f"give train() a TrainConfig or its fields, not both (got {sorted(settings)})")
    config = config if config is not None else TrainConfig(**settings)
    model_config = config.model_config()
    pool, render_s = _checked_pool(config, pool, show_progress)
    nets = _build(config, model_config)
    fit = _optimise(config, model_config, nets, pool, show_progress)
    info = _record(config, model_config, pool, fit, render_s)
    return TextureModel(nets.ema, model_config, info), info


def _checked_pool(
    config: TrainConfig, pool: TexturePool | None, show_progress: bool
) -> tuple[TexturePool, float]:
    """The given pool or a freshly rendered one (with its rendering time), checked to fit ``config``."""
    render_s = 0.0
    if pool is None:
        pool, render_s = training_pool(config, show_progress=show_progress)
    if pool.classes != config.classes:
        raise LabError(f"pool classes {pool.classes} differ from the requested {config.classes}")
    small = min(min(img.shape[:2]) for imgs in pool.images for img in imgs)
    if small < config.crop:
        raise LabError(f"renders of {small} px are smaller than the {config.crop} px crop; render larger")
    return pool, render_s


def _build(config: TrainConfig, model_config: Any) -> _Nets:
    """Seed torch, build the UNet and its moving-average copy, the noise levels and AdamW."""
    import torch

    from lab.diffusion import build_unet, make_scheduler

    torch.manual_seed(config.seed)
    unet = build_unet(model_config).train()
    ema_unet = copy.deepcopy(unet).eval()
    for p in ema_unet.parameters():
        p.requires_grad_(False)
    alphas = make_scheduler(model_config).alphas_cumprod.float()
    opt = torch.optim.AdamW(unet.parameters(), lr=config.lr, weight_decay=0.0)
    return _Nets(unet, ema_unet, alphas, opt)


def _optimise(
    config: TrainConfig, model_config: Any, nets: _Nets, pool: TexturePool, show_progress: bool
) -> _Fit:
    """The loop: a balanced batch of crops, the denoising loss, an AdamW step, the moving average."""
    import torch

    rng = np.random.default_rng(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    warmup = max(1, min(200, config.steps // 10))
    bar = LossBar(config.steps, "training texture diffusion", disable=not show_progress, mininterval=1.0)
    started = time.perf_counter()
    for step in bar:
        if config.max_minutes > 0 and time.perf_counter() - started > 60.0 * config.max_minutes:
            print(
                f"time limit of {config.max_minutes:g} min reached after {step} steps; stopping", flush=True
            )
            break
        x0, labels = pool.sample(config.batch, config.crop, rng)
        loss = _denoising_loss(nets.unet, nets.alphas, model_config, x0, labels, gen)
        # the warm-up counts steps from 1 (the peak is reached on step warmup - 1 and held one more step)
        at = step + 1 if step < warmup else step
        for group in nets.opt.param_groups:
            group["lr"] = config.lr * warmup_cosine(at, warmup=warmup, total=config.steps)
        nets.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(nets.unet.parameters(), 1.0)
        nets.opt.step()
        _average(nets, decay=min(config.ema, (1 + step) / (10 + step)))
        bar.record(float(loss.detach()))
        if config.log_every and (step + 1) % config.log_every == 0:
            per_step = (time.perf_counter() - started) / (step + 1)
            print(f"step {step + 1}/{config.steps} loss {bar.final:.4f} ({per_step:.3f} s/step)", flush=True)
    bar.close()
    return _Fit(bar.history, time.perf_counter() - started)


def _denoising_loss(
    unet: Any, alphas: Any, model_config: Any, x0_np: np.ndarray, labels_np: np.ndarray, gen: Any
) -> Any:
    """MSE between the UNet's prediction and its target (v or the noise) for crops ``x0_np`` at random timesteps."""
    import torch

    x0 = torch.from_numpy(x0_np)
    labels = torch.from_numpy(labels_np.astype(np.int64))
    t = torch.randint(0, model_config.train_timesteps, (x0.shape[0],), generator=gen)
    eps = torch.randn(x0.shape, generator=gen)
    a = alphas[t].view(-1, 1, 1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    target = a.sqrt() * eps - (1 - a).sqrt() * x0 if model_config.prediction == "v_prediction" else eps
    return torch.nn.functional.mse_loss(unet(xt, t, class_labels=labels).sample, target)


def _average(nets: _Nets, *, decay: float) -> None:
    """Move the saved weights towards the trained ones: ema = decay * ema + (1 - decay) * weights."""
    import torch

    with torch.no_grad():
        for pe, p in zip(nets.ema.parameters(), nets.unet.parameters()):
            pe.mul_(decay).add_(p.detach(), alpha=1 - decay)


def _record(
    config: TrainConfig, model_config: Any, pool: TexturePool, fit: _Fit, render_s: float
) -> dict[str, Any]:
    """The training record saved with the model: settings, losses, times and the data used."""
    import torch

    done = len(fit.history)
    window = max(1, min(200, done // 4))
    return {
        "trained": True,
        "steps": done,
        "planned_steps": config.steps,
        "batch": config.batch,
        "crop": config.crop,
        "lr": config.lr,
        "ema": config.ema,
        "prediction": model_config.prediction,
        "seed": config.seed,
        "final_loss": float(np.mean(fit.history[-window:])),
        "first_loss": float(np.mean(fit.history[: min(50, window)])),
        "loss_window": window,
        "train_seconds": round(fit.seconds, 1),
        "render_seconds": round(render_s, 1),
        "seconds_per_step": round(fit.seconds / max(done, 1), 4),
        "threads": torch.get_num_threads(),
        "data": {
            "classes": list(model_config.classes),
            "render": f"{pool.render.width}x{pool.render.height}",
            "density": pool.density,
            "scene_seeds": list(pool.seeds),
            "renders": sum(len(i) for i in pool.images),
        },
    }


def sample_grid(
    model: Any, *, size: int = 96, per_class: int = 4, steps: int = 20, pool: TexturePool | None = None
) -> np.ndarray:
    """A uint8 image: one row per class, a training crop first (when ``pool`` is given), then samples."""
    rows = []
    rng = np.random.default_rng(123)
    for kind in model.classes:
        tiles = []
        if pool is not None:
            ci = pool.classes.index(kind)
            img = pool.images[ci][0]
            y = rng.integers(0, img.shape[0] - size + 1)
            x = rng.integers(0, img.shape[1] - size + 1)
            tiles.append(img[y : y + size, x : x + size])
            tiles.append(np.full((size, 4, 3), 255, np.uint8))
        for s in range(per_class):
            tiles.append(model.generate(kind, (size, size), steps=steps, seed=s, show_progress=False))
            tiles.append(np.full((size, 2, 3), 255, np.uint8))
        rows.append(np.concatenate(tiles[:-1], axis=1))
        rows.append(np.full((2, rows[-1].shape[1], 3), 255, np.uint8))
    return np.concatenate(rows[:-1], axis=0)


def held_out_slopes(
    model: Any, kind: str, *, samples: int = 3, size: int = 128, steps: int = 20
) -> tuple[float, float]:
    """Mean spectral slope of unseen scenes vs of the model's samples, for one kind.

    The scenes are ``size`` x ``size`` windows of :data:`HELD_OUT_SEEDS` rendered at the
    model's training pixel scale; the samples use seeds 0..``samples``-1 and ``steps`` DDIM steps.
    """
    density = float(model.info.get("data", {}).get("density", 1080.0))
    res = Resolution(size, size)
    scenes = [
        spectral_slope(render_window(kind, s, (0.7 * i - 2.0, 0.5 * i - 1.0), res, density))
        for i, s in enumerate(HELD_OUT_SEEDS)
    ]
    gens = [
        spectral_slope(model.generate(kind, (size, size), steps=steps, seed=s, show_progress=False))
        for s in range(samples)
    ]
    return float(np.mean(scenes)), float(np.mean(gens))


def band_kurtosis(image: np.ndarray) -> float:
    """Excess kurtosis of the luma's band-pass response (difference of Gaussians, sigma 1 and 2 px).

    The power spectrum cannot tell a texture from noise that has the same spectrum; this can.
    Gaussian noise of any spectrum gives 0; sparse features (pores, grass blades, edges) give
    positive values; a regular weave gives negative ones. An 8-px border is left out.

    >>> rng = np.random.default_rng(0)
    >>> abs(band_kurtosis((rng.random((96, 96)) * 255).astype(np.uint8))) < 0.3
    True
    """
    from lab.optional import opencv

    cv2 = opencv()
    img = np.asarray(image)
    luma = img.astype(np.float32).mean(axis=2) if img.ndim == 3 else img.astype(np.float32)
    if min(luma.shape) < 32:
        raise LabError(
            f"band_kurtosis needs an image of at least 32x32 px, got {luma.shape[1]}x{luma.shape[0]}"
        )
    response = cv2.GaussianBlur(luma, (0, 0), 1.0) - cv2.GaussianBlur(luma, (0, 0), 2.0)
    r = response[8:-8, 8:-8].astype(np.float64).ravel()
    r -= r.mean()
    var = float((r * r).mean())
    return 0.0 if var == 0 else float((r**4).mean() / var**2 - 3.0)


def held_out_structure(
    model: Any, kind: str, *, samples: int = 3, size: int = 128, steps: int = 20
) -> tuple[float, float]:
    """Mean :func:`band_kurtosis` of unseen scenes vs of the model's samples, for one kind (as :func:`held_out_slopes`)."""
    density = float(model.info.get("data", {}).get("density", 1080.0))
    res = Resolution(size, size)
    scenes = [
        band_kurtosis(render_window(kind, s, (0.7 * i - 2.0, 0.5 * i - 1.0), res, density))
        for i, s in enumerate(HELD_OUT_SEEDS)
    ]
    gens = [
        band_kurtosis(model.generate(kind, (size, size), steps=steps, seed=s, show_progress=False))
        for s in range(samples)
    ]
    return float(np.mean(scenes)), float(np.mean(gens))


def nearest_window_distance(image: np.ndarray, windows: Sequence[np.ndarray], *, patch: int = 48) -> float:
    """RMS difference, in 8-bit levels, between the centre ``patch`` of ``image`` and its closest
    match anywhere in ``windows`` (e.g. the training renders): near 0 means a copy."""
    from lab.optional import opencv

    cv2 = opencv()
    h, w = image.shape[:2]
    if min(h, w) < patch:
        raise LabError(f"the image must be at least {patch} px on each side, got {w}x{h}")
    y0, x0 = (h - patch) // 2, (w - patch) // 2
    template = np.ascontiguousarray(image[y0 : y0 + patch, x0 : x0 + patch]).astype(np.float32)
    best = np.inf
    for window in windows:
        scores = cv2.matchTemplate(np.ascontiguousarray(window).astype(np.float32), template, cv2.TM_SQDIFF)
        best = min(best, float(scores.min()))
    return float(np.sqrt(max(best, 0.0) / template.size))


def evaluate(
    model: Any, pool: TexturePool, *, size: int = 128, samples: int = 3, steps: int = 20
) -> dict[str, dict[str, float]]:
    """Spectral slope per class: training crops vs samples, and unseen scenes vs samples.

    Keys per class: ``data_slope``/``sample_slope`` (8 random training crops, samples with
    seeds 100..) and ``held_out_slope``/``held_out_sample_slope`` (:func:`held_out_slopes`).
    """
    rng = np.random.default_rng(7)
    out = {}
    for ci, kind in enumerate(model.classes):
        crops = []
        for _ in range(8):
            img = pool.images[ci][rng.integers(0, len(pool.images[ci]))]
            y = rng.integers(0, img.shape[0] - size + 1)
            x = rng.integers(0, img.shape[1] - size + 1)
            crops.append(spectral_slope(img[y : y + size, x : x + size]))
        gens = [
            spectral_slope(model.generate(kind, (size, size), steps=steps, seed=100 + s, show_progress=False))
            for s in range(samples)
        ]
        held_out, held_out_samples = held_out_slopes(model, kind, samples=samples, size=size, steps=steps)
        out[kind] = {
            "data_slope": float(np.mean(crops)),
            "sample_slope": float(np.mean(gens)),
            "held_out_slope": held_out,
            "held_out_sample_slope": held_out_samples,
        }
    return out


# --- the model card -------------------------------------------------------------------------------------------
def write_card(
    path: Path, info: dict[str, Any], *, weights: Path, grid: Path | None, command: str, params: int
) -> Path:
    """Write the model card (markdown) for a trained texture model."""
    lines = (
        _card_model(info, weights, params)
        + _card_data(info)
        + _card_training(info, command)
        + _card_evaluation(info)
        + _card_samples(grid)
        + _card_use(info)
        + _card_limits(info)
    )
    path.write_text("\n".join(lines))
    return path


def _card_model(info: dict[str, Any], weights: Path, params: int) -> list[str]:
    """Title, weights file and the architecture and noise schedule."""
    data, channels = info["data"], info["channels"]
    return [
        "# Texture diffusion model (pixel space, class-conditioned)",
        "",
        f"Weights: `{weights.name}` (safetensors, {weights.stat().st_size / 2**20:.1f} MiB, {params:,} parameters, stored as float16, run in float32).",
        "",
        "## Model",
        "- `diffusers.UNet2DModel`, `add_attention=False` (fully convolutional: runs on any grid, cost linear in pixels),",
        f"  `block_out_channels={tuple(channels)}`, one ResNet block per level, DownBlock2D/UpBlock2D,",
        f"  stride {2 ** (len(channels) - 1)} px, class embedding over {len(data['classes'])} scene kinds: {', '.join(data['classes'])}.",
        f"- Noise schedule: 1000 steps, `squaredcos_cap_v2`, {PREDICTION_NAMES[info['prediction']]}; "
        "sampled with DDIM (`timestep_spacing='trailing'`, eta 0)."
        + (
            " At the first step sqrt(a) is 5e-5: an epsilon model must divide by it, and the first shipped one"
            " took its colours from the noise seed (bluish skin); v states the image directly."
            if info["prediction"] == "v_prediction"
            else ""
        ),
        "- The saved weights are an exponential moving average of the training weights.",
        "",
    ]


def _card_data(info: dict[str, Any]) -> list[str]:
    """The rendered windows and the crops cut from them."""
    data = info["data"]
    return [
        "## Data",
        f"- {data['renders']} native renders (`lab.native.render`, static camera, t = 0) of {data['render']} px windows",
        f"  at a pixel scale of {data['density']:g} px per frame height (the scale of a native {data['density']:g}p frame),",
        f"  centred at random world points; scene seeds {data['scene_seeds'][0]}..{data['scene_seeds'][-1]} of each kind.",
        f"- Training samples: random {info['crop']}x{info['crop']} crops, balanced over the kinds; values scaled to [-1, 1].",
        "- Nothing downloaded: every pixel comes from the procedural scenes of this package.",
        "",
    ]


def _card_training(info: dict[str, Any], command: str) -> list[str]:
    """Steps, optimiser, losses, time and the command that retrains the model."""
    return [
        "## Training",
        f"- {info['steps']:,} AdamW steps"
        + (
            f" (of {info['planned_steps']:,} planned: stopped by --max-minutes)"
            if info["steps"] < info["planned_steps"]
            else ""
        )
        + f", batch {info['batch']}, peak learning rate {info['lr']:g} (warm-up, cosine decay),",
        f"  gradient clipping 1.0, EMA decay {info['ema']}, seed {info['seed']}.",
        f"- Loss (MSE of the prediction): {info['first_loss']:.4f} over the first {min(50, info['loss_window'])} steps, **{info['final_loss']:.4f}** over the last {info['loss_window']}.",
        f"- Measured time on this CPU (2 cores shared with other jobs, {info['threads']} torch thread(s)): "
        f"**{info['train_seconds'] / 60:.1f} min** training ({info['seconds_per_step']:.3f} s/step) "
        f"+ {info['render_seconds']:.0f} s rendering the data.",
        "",
        "Retrain (shows a progress bar with the loss; writes the weights, this card and the sample grid):",
        "",
        "```",
        command,
        "```",
        "",
    ]


def _card_evaluation(info: dict[str, Any]) -> list[str]:
    """The spectral-slope table of :func:`evaluate` (nothing when the record has no evaluation)."""
    if "evaluation" not in info:
        return []
    lines = [
        "## Evaluation: radial power-spectrum slope (log10 power vs log10 cycles/px, 1/32..1/4 cycles/px)",
        "",
        "Samples are 128x128 px with 20 DDIM steps. Left: 8 random training crops vs samples with seeds 100-102.",
        f"Right (what `tests/test_diffusion.py` checks against the 0.3 target): windows of unseen scene seeds "
        f"{HELD_OUT_SEEDS.start}-{HELD_OUT_SEEDS.stop - 1} vs samples with seeds 0-2.",
        "",
        "| kind | training crops | samples | difference | unseen scenes | samples | difference |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, ev in info["evaluation"].items():
        lines.append(
            f"| {kind} | {ev['data_slope']:.2f} | {ev['sample_slope']:.2f} | {ev['sample_slope'] - ev['data_slope']:+.2f} "
            f"| {ev['held_out_slope']:.2f} | {ev['held_out_sample_slope']:.2f} "
            f"| {ev['held_out_sample_slope'] - ev['held_out_slope']:+.2f} |"
        )
    return lines + [""]


def _card_samples(grid: Path | None) -> list[str]:
    """The sample grid image (nothing when no grid was written)."""
    if grid is None:
        return []
    return [
        "## Samples",
        "",
        f"![samples]({grid.name})",
        "",
        "One row per kind: a training crop (left, after the white gap), then samples with seeds 0-3",
        "(96x96 px, 20 DDIM steps).",
        "",
    ]


def _card_use(info: dict[str, Any]) -> list[str]:
    """How to load the model and generate an image and a clip."""
    classes = info["data"]["classes"]
    return [
        "## Use",
        "",
        "```python",
        "from lab import diffusion",
        "model = diffusion.load()                                   # this file",
        f'image = model.generate({classes[0]!r}, "1920x1080", steps=20, seed=0)   # uint8 (1080, 1920, 3), tiled',
        f'clip = model.video({classes[-1]!r}, "512x288", 24, motion=(2, 0), noise="moving")  # stable pan',
        "```",
        "",
    ]


def _card_limits(info: dict[str, Any]) -> list[str]:
    """What the model cannot do, the kinds whose spectra miss, and a cut run's caveat."""
    lines = [
        "## Limits",
        "- A texture model, not a scene model: it makes stationary texture of each kind at the pixel scale it was",
        f"  trained at ({info['data']['density']:g} px per frame height), with no layout, objects or text.",
        "- Tiny and CPU-trained: samples are plausible but simpler than the procedural originals.",
    ]
    for kind, ev in info.get("evaluation", {}).items():
        gap = ev["held_out_sample_slope"] - ev["held_out_slope"]
        if abs(gap) > 0.3:
            look = (
                "flatter: residual high-frequency noise"
                if gap > 0
                else "steeper: too smooth, the finest detail is missing"
            )
            lines.append(
                f"- {kind}: sample spectra are {look} (slope {gap:+.2f} off the unseen scenes', table above)."
            )
    if info["steps"] < info["planned_steps"]:
        lines.append(
            f"- The run was cut by `--max-minutes` after {info['steps']:,} steps, so the same command on a faster or "
            "idle machine trains more steps; `--steps` without `--max-minutes` fixes the schedule instead."
        )
    return lines + [""]


# --- the command line ---------------------------------------------------------------------------------------
def run(args: argparse.Namespace | TrainConfig) -> int:
    """Entry point of ``python -m lab.train texture``: render, train, evaluate, write weights, grid and card."""
    import torch

    config = args if isinstance(args, TrainConfig) else TrainConfig.from_args(args)
    if config.threads:
        torch.set_num_threads(config.threads)
    pool, render_s = training_pool(config)
    model, info = train(config, pool=pool)
    info["channels"] = list(config.channels)
    info["render_seconds"] = round(render_s, 1)
    info["evaluation"] = _evaluate_and_report(model, pool)
    info["command"] = getattr(args, "command", None) or "python -m lab.train texture " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    for what, p in _write_outputs(config, model, pool, info).items():
        print(f"wrote {what}: {p}")
    return 0


def _evaluate_and_report(model: Any, pool: TexturePool) -> dict[str, dict[str, float]]:
    """:func:`evaluate`, printing one line per kind."""
    print("evaluating spectral slopes...", flush=True)
    evaluation = evaluate(model, pool)
    for kind, ev in evaluation.items():
        print(
            f"  {kind}: training crops {ev['data_slope']:.2f} vs samples {ev['sample_slope']:.2f}; "
            f"unseen scenes {ev['held_out_slope']:.2f} vs samples {ev['held_out_sample_slope']:.2f}",
            flush=True,
        )
    return evaluation


def _write_outputs(
    config: TrainConfig, model: Any, pool: TexturePool, info: dict[str, Any]
) -> dict[str, Path]:
    """Save the weights, then the sample grid and the model card unless switched off; returns the paths."""
    import imageio.v3 as iio

    out = Path(config.out)
    model.save(out, info=info)
    paths = {"weights": out}
    grid_path = None
    if config.grid != "none":
        grid_path = out.with_name(out.stem + "_samples.png") if config.grid == "auto" else Path(config.grid)
        iio.imwrite(grid_path, sample_grid(model, pool=pool))
        paths["grid"] = grid_path
    if config.card != "none":
        card = out.with_suffix(".md") if config.card == "auto" else Path(config.card)
        write_card(card, info, weights=out, grid=grid_path, command=info["command"], params=model.parameters)
        paths["card"] = card
    return paths
