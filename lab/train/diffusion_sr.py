"""Train the small conditional diffusion x4 upscaler (``python -m lab.train diffusion-sr``).

Data: the same procedural-scene pairs as the learned SR (:mod:`lab.models.crops`: HR rendered
natively, LR rendered natively at HR / 4), cut into random aligned crops. The model learns the
residual r = HR - bicubic(LR), scaled by ``residual_scale`` (chosen so r has a standard
deviation of 0.5), with the DDPM objective in v-prediction form on a cosine schedule:
x_t = sqrt(a_t) x0 + sqrt(1 - a_t) e, target v = sqrt(a_t) e - sqrt(1 - a_t) x0, loss MSE.
At the end it samples held-out crops with DDIM (10 steps), reports PSNR and high-frequency
share against bicubic and the native render, saves safetensors and writes the model card.

Example (about 20 minutes on one CPU thread)::

    python -m lab.train diffusion-sr --steps 5000 --out assets/models/diffusion_sr.safetensors
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from lab import validate
from lab.train._pairs import (
    HELD_OUT_SEEDS,
    PairConfig,
    PairData,
    add_pool_arguments,
    render_pools,
    write_card,
)
from lab.train._progress import LossBar
from lab.train._schedule import warmup_cosine


@dataclass(frozen=True)
class TrainConfig(PairConfig):
    """Settings of ``python -m lab.train diffusion-sr``; each field is the option of the same name."""

    steps: int = 5000  # optimiser steps
    batch: int = 12  # crops per step
    patch: int | None = 12  # side of a low-resolution crop, px (the HR crop is 4x)
    lr: float = 1e-3  # peak AdamW learning rate
    sample_steps: int = 10  # DDIM steps of the held-out evaluation
    init: Path | None = None  # continue from this diffusion-sr safetensors file; None = fresh weights
    max_minutes: float | None = None  # stop training after this many minutes; None = no limit

    def __post_init__(self) -> None:
        super().__post_init__()
        validate.positive_int(self.sample_steps, "sample_steps")
        if self.max_minutes is not None:
            validate.number(self.max_minutes, "max_minutes", minimum=0.0)

    @property
    def lr_patch(self) -> int:
        """Side of a low-resolution training crop, px."""
        return self.patch or 12

    @property
    def weights(self) -> Path:
        """The safetensors file to write."""
        from lab.models.diffusion_sr import weights_path

        return Path(self.out) if self.out else weights_path()


DEFAULTS = TrainConfig()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m lab.train diffusion-sr``."""
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="optimizer steps (default 5000)")
    parser.add_argument("--out", type=Path, default=None, help="safetensors path (default: the shipped file)")
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch, help="crops per step (default 12)")
    parser.add_argument(
        "--patch", type=int, default=DEFAULTS.patch, help="LR crop side in px; HR is 4x (default 12)"
    )
    parser.add_argument(
        "--lr", type=float, default=DEFAULTS.lr, help="AdamW learning rate, cosine-decayed (default 1e-3)"
    )
    add_pool_arguments(parser, DEFAULTS)
    parser.add_argument(
        "--sample-steps",
        type=int,
        default=DEFAULTS.sample_steps,
        help="DDIM steps for the evaluation (default 10)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help="seed of the crop sampler, noise and init (default 0)"
    )
    parser.add_argument("--threads", type=int, default=DEFAULTS.threads, help="torch CPU threads (default 1)")
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="continue from this diffusion-sr safetensors file (default: fresh)",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop training after this many minutes (default: no limit)",
    )


def _hf_share(batch: torch.Tensor, cutoff: float = 0.125) -> float:
    """Mean share of luma power above ``cutoff`` cycles/px over a batch (N, 3, H, W), Hann window."""
    y = (batch.double() * torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64)[:, None, None]).sum(1)
    y = y - y.mean(dim=(-2, -1), keepdim=True)
    h, w = y.shape[-2:]
    win = torch.outer(
        torch.hann_window(h, periodic=False, dtype=torch.float64),
        torch.hann_window(w, periodic=False, dtype=torch.float64),
    )
    power = torch.fft.fft2(y * win).abs() ** 2
    radius = torch.hypot(torch.fft.fftfreq(h)[:, None], torch.fft.fftfreq(w)[None, :]).double()
    share = power[..., radius > cutoff].sum(-1) / power.sum(dim=(-2, -1)).clamp_min(1e-20)
    return float(share.mean())


@dataclass
class Start:
    """The model training starts from, the residual statistics and what earlier runs (``--init``) did."""

    model: Any  # lab.models.diffusion_sr.DiffusionSR
    residual_std: float  # standard deviation of HR - bicubic(LR) over the training pool, in [0, 1] units
    steps: int = 0  # optimiser steps of earlier runs
    commands: list[str] = field(default_factory=list)  # their commands, oldest first
    seconds: float = 0.0  # their training time


@dataclass
class Fit:
    """What the optimisation loop did: the running v-MSE loss, the steps taken and the seconds it took."""

    loss: float
    steps: int
    seconds: float


@dataclass
class Score:
    """Held-out results on ``crops`` crops of ``patch`` px (LR): PSNR in dB and high-frequency shares."""

    psnr_db: float
    bicubic_psnr_db: float
    hf_native: float
    hf_bicubic: float
    hf_model: float
    seed_spread: float  # mean absolute difference of two noise seeds' outputs, 0-255 levels
    patch: int
    crops: int


def run(args: argparse.Namespace | TrainConfig) -> None:
    """Train, evaluate on held-out seeds, save the weights and write the model card."""
    from lab.models.diffusion_sr import FACTOR, save

    config = args if isinstance(args, TrainConfig) else TrainConfig.from_args(args)
    config.start()
    data = render_pools(config, FACTOR)
    start = starting_point(config, data.train)
    fit = optimise(config, start.model, data.train)
    score = evaluate(start.model, data.test, config.sample_steps)
    out = config.weights
    save(start.model, out, metadata=_metadata(config, start, fit, score))
    write_card(out.with_suffix(".md"), *_card(config, data, start, fit, score))
    print(
        f"saved {out} ({out.stat().st_size / 2**20:.1f} MiB); PSNR {score.psnr_db:.2f} vs bicubic "
        f"{score.bicubic_psnr_db:.2f} dB; HF share {score.hf_model:.4f} (native {score.hf_native:.4f}, "
        f"bicubic {score.hf_bicubic:.4f})",
        file=sys.stderr,
    )


def residual_std(pool: Any) -> float:
    """Standard deviation of HR - bicubic(LR) over every pair of ``pool``."""
    from lab.models.diffusion_sr import FACTOR

    residuals = [
        (hr - F.interpolate(lr[None], scale_factor=FACTOR, mode="bicubic", align_corners=False)[0]).flatten()
        for hr, lr in zip(pool.hr, pool.lr)
    ]
    return float(torch.cat(residuals).std())


def starting_point(config: TrainConfig, pool: Any) -> Start:
    """A fresh model whose residual_scale makes x0 have std 0.5, or the ``--init`` model with its own."""
    from lab.models.diffusion_sr import DiffusionSR, build_unet, load_file

    std = residual_std(pool)
    if not config.init:
        return Start(DiffusionSR(build_unet(), 0.5 / max(std, 1e-4)), std)
    from safetensors import safe_open

    model = load_file(config.init)
    model.unet.train().requires_grad_(True)
    with safe_open(str(config.init), framework="pt") as f:
        meta = f.metadata() or {}
    return Start(
        model,
        std,
        int(meta.get("steps", 0)),
        meta.get("command", "").split("\n"),
        float(meta.get("train_seconds", 0)),
    )


def optimise(config: TrainConfig, model: Any, pool: Any) -> Fit:
    """DDPM training in v-prediction form: AdamW, warm-up then cosine decay, gradient clipping 1.0.

    The schedule runs on whichever ends first, the steps or ``max_minutes``.
    """
    from lab.models.diffusion_sr import make_scheduler

    started = time.perf_counter()
    unet = model.unet
    scheduler = make_scheduler("ddpm")
    opt = torch.optim.AdamW(unet.parameters(), lr=config.lr, weight_decay=1e-4)
    limit_s = config.max_minutes * 60 if config.max_minutes else float("inf")
    gen = torch.Generator().manual_seed(config.seed)
    unet.train()
    bar = LossBar(config.steps, "training diffusion-sr x4")
    t_loop = time.perf_counter()
    for step in bar:
        fraction = max(step / config.steps, (time.perf_counter() - t_loop) / limit_s)
        if fraction >= 1.0:
            break
        for group in opt.param_groups:
            group["lr"] = config.lr * warmup_cosine(fraction, warmup=0.05, total=1.0, start=0.05)
        loss = _v_loss(model, scheduler, pool, config, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        bar.record(loss.item())
    bar.close()
    unet.eval().requires_grad_(False)
    return Fit(bar.final, bar.steps_done, time.perf_counter() - started)


def _v_loss(model: Any, scheduler: Any, pool: Any, config: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    """MSE between the UNet's v and the true v on one batch of random crops at random timesteps."""
    from lab.models import crops
    from lab.models.diffusion_sr import FACTOR

    lr_batch, hr_batch = crops.sample_crops(pool, config.batch, config.lr_patch, generator=gen)
    base = F.interpolate(lr_batch, scale_factor=FACTOR, mode="bicubic", align_corners=False)
    x0 = (hr_batch - base) * model.residual_scale
    eps = torch.randn(x0.shape, generator=gen)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (x0.shape[0],), generator=gen)
    xt = scheduler.add_noise(x0, eps, t)
    target = scheduler.get_velocity(x0, eps, t)
    pred = model.unet(torch.cat([xt, base * 2 - 1], dim=1), t).sample
    return F.mse_loss(pred, target)


def evaluate(model: Any, pool: Any, sample_steps: int) -> Score:
    """Sample up to 96 held-out crops (16 px LR, 64 px HR) with two noise seeds; PSNR and HF shares."""
    from lab.models import crops
    from lab.models.diffusion_sr import FACTOR, sample

    patch = min(16, *pool.lr[0].shape[1:])
    lr_test, hr_test = crops.grid_crops(pool, patch)
    keep = torch.linspace(0, lr_test.shape[0] - 1, min(96, lr_test.shape[0])).round().long()  # spread subset
    lr_test, hr_test = lr_test[keep], hr_test[keep]
    bic = F.interpolate(lr_test, scale_factor=FACTOR, mode="bicubic", align_corners=False).clamp(0, 1)
    outs = []
    for s in (0, 1):
        noise = torch.randn(hr_test.shape, generator=torch.Generator().manual_seed(10_000 + s))
        preds = [
            sample(model, lr_test[i : i + 32], noise[i : i + 32], steps=sample_steps)
            for i in range(0, lr_test.shape[0], 32)
        ]
        outs.append(torch.cat(preds))
    return Score(
        crops.psnr_db(hr_test, outs[0], border=8),
        crops.psnr_db(hr_test, bic, border=8),
        _hf_share(hr_test),
        _hf_share(bic),
        _hf_share(outs[0]),
        float((outs[0] - outs[1]).abs().mean() * 255),
        patch,
        lr_test.shape[0],
    )


def _command(config: TrainConfig, start: Start) -> str:
    """Every command that led to these weights, one per line (earlier runs first)."""
    return "\n".join([c for c in start.commands if c] + [config.command("diffusion-sr")])


def _metadata(config: TrainConfig, start: Start, fit: Fit, score: Score) -> dict[str, str]:
    """The safetensors metadata: the run's facts (all runs together) and its commands."""
    return {
        "steps": str(start.steps + fit.steps),
        "final_loss": f"{fit.loss:.5f}",
        "heldout_psnr_db": f"{score.psnr_db:.3f}",
        "heldout_bicubic_psnr_db": f"{score.bicubic_psnr_db:.3f}",
        "heldout_hf_share": f"{score.hf_model:.4f}",
        "heldout_native_hf_share": f"{score.hf_native:.4f}",
        "heldout_bicubic_hf_share": f"{score.hf_bicubic:.4f}",
        "train_seconds": f"{fit.seconds + start.seconds:.0f}",
        "command": _command(config, start),
    }


def _card(
    config: TrainConfig, data: PairData, start: Start, fit: Fit, score: Score
) -> tuple[str, dict[str, str], dict[str, str]]:
    """Title, sections and fact rows of the model card."""
    n_params = sum(p.numel() for p in start.model.unet.parameters())
    total_steps = start.steps + fit.steps
    hf = f"{score.hf_native:.4f} / {score.hf_bicubic:.4f} / {score.hf_model:.4f}"
    title = "diffusion-sr: a small conditional diffusion x4 upscaler trained on the procedural scenes"
    sections = {
        "What it is": (
            f"`lab.models.diffusion_sr`: a `diffusers.UNet2DModel` (3 levels, 32/48/64 channels, one ResNet "
            f"block per level, `add_attention=False`, {n_params:,} parameters) denoises the residual over "
            "bicubic upsampling; its 6 input channels are the noisy residual and the bicubic-upsampled "
            "low-res frame (scaled to [-1, 1]). Sampling: DDIM, eta 0, 10 steps by default, so the output "
            "is a deterministic function of the starting noise: `seed` chooses which detail is invented. "
            "Registered as the upscaler `diffusion-sr` (x4, stochastic); `upscale_clip(..., noise=...)` "
            "runs it on clips with independent, fixed or motion-warped noise."
        ),
        "Data": _data_section(config, data, start),
        "Training": _training_section(config, data, start, fit),
        "Evaluation": _evaluation_section(config, score),
        "Limits": (
            "Tiny and trained for minutes on synthetic textures: its invented detail is plausible at the "
            "scale of the training scenes only. It runs on the whole frame (GroupNorm statistics are "
            "per image), so very large frames are refused by the memory guard; use crops or a GPU."
            + (
                " Training stopped on its time limit, so rerunning the commands reproduces the recipe "
                "and the quality, not the exact weights."
                if config.max_minutes
                else ""
            )
        ),
        "Retrain": f"```\n{_command(config, start)}\n```",
    }
    rows = {
        "file": config.weights.name,
        "parameters": f"{n_params:,}",
        "steps": str(total_steps),
        "final loss (v-MSE, running mean)": f"{fit.loss:.4f}",
        "held-out PSNR diffusion-sr / bicubic": f"{score.psnr_db:.2f} dB / {score.bicubic_psnr_db:.2f} dB",
        "held-out HF share native / bicubic / diffusion-sr": hf,
        "training time (this CPU)": (
            f"{fit.seconds + start.seconds:.0f} s in all (+ {data.seconds:.0f} s rendering)"
        ),
    }
    return title, sections, rows


def _data_section(config: TrainConfig, data: PairData, start: Start) -> str:
    """The card's "Data" paragraph: scenes, renders, crops and the residual scale."""
    from lab.models.diffusion_sr import FACTOR

    hr, patch = config.hr, config.lr_patch
    return (
        f"Scenes {', '.join(sorted({s[0] for s in data.train.sources}))} from `lab.scenes`, seeds "
        f"0..{config.train_seeds - 1}, {config.views} random "
        f"static windows each at the pixel scale of a {config.detail} frame: {len(data.train)} HR renders of "
        f"{hr.width}x{hr.height}; LR frames "
        f"rendered natively at {hr.width // FACTOR}x{hr.height // FACTOR}. Random "
        f"{patch}x{patch} LR / {patch * FACTOR}x{patch * FACTOR} HR crops with flips "
        f"and 90-degree turns, batch {config.batch}. Residual std {start.residual_std:.4f}, so residual_scale "
        f"= {start.model.residual_scale:.3f}."
    )


def _training_section(config: TrainConfig, data: PairData, start: Start, fit: Fit) -> str:
    """The card's "Training" paragraph: objective, optimiser, steps (of this and earlier runs), time."""
    limit_note = f", time limit {config.max_minutes:g} min" if config.max_minutes else ""
    return (
        f"DDPM objective, v-prediction, cosine (squaredcos_cap_v2) schedule, 1000 timesteps; AdamW "
        f"(lr {config.lr:g}, warm-up then cosine), gradient clipping 1.0, {start.steps + fit.steps} steps in all"
        + (f" ({start.steps} in earlier runs, then {fit.steps}" if start.steps else " (")
        + f" of {config.steps} planned{limit_note}), seed {config.seed}, "
        f"{config.threads} CPU thread(s). Rendering the data took {data.seconds:.0f} s, training "
        f"{fit.seconds:.0f} s (2-core CPU shared with other jobs)."
    )


def _evaluation_section(config: TrainConfig, score: Score) -> str:
    """The card's "Evaluation" paragraph: PSNR, high-frequency shares and the spread between noise seeds."""
    from lab.models.diffusion_sr import FACTOR

    out_px = score.patch * FACTOR
    return (
        f"Held-out seeds {', '.join(map(str, HELD_OUT_SEEDS))} (2 windows each), every "
        f"{score.patch}x{score.patch} LR crop ({score.crops} crops, {out_px}x{out_px} output), "
        f"{config.sample_steps} DDIM steps. RGB PSNR (8-px "
        f"border shaved): diffusion-sr {score.psnr_db:.2f} dB, bicubic {score.bicubic_psnr_db:.2f} dB. "
        "High-frequency share "
        f"(power above 0.125 cycles/px): native {score.hf_native:.4f}, bicubic {score.hf_bicubic:.4f}, "
        f"diffusion-sr {score.hf_model:.4f}. Two noise seeds differ by {score.seed_spread:.2f} levels "
        "(mean absolute, 0-255): "
        "that invented, seed-dependent detail is what flickers in video. A generative upscaler trades "
        "PSNR for texture: it is not meant to beat bicubic on PSNR."
    )
