"""Train the tiny learned super-resolution network (``python -m lab.train sr``).

Data: random aligned crops of procedural scenes (:mod:`lab.models.crops`), the HR frame
rendered natively and the LR frame rendered natively at HR / scale. Training seeds are
0..N-1; the held-out score uses seeds 1000+ that training never sees. Loss: L1 on RGB.
At the end the weights are saved as safetensors and a model card is written beside them
(same name, ``.md``) with the data, steps, final loss, held-out PSNR against bicubic, the
training time and the exact command that reproduces the file.

Example (about 3 minutes on one CPU thread)::

    python -m lab.train sr --scale 4 --steps 3000 --out assets/models/learned_sr_x4.safetensors
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from lab import validate
from lab.errors import LabError
from lab.train._pairs import (
    HELD_OUT_SEEDS,
    PairConfig,
    PairData,
    add_pool_arguments,
    render_pools,
    write_card,
)
from lab.train._progress import LossBar

SCALES = (2, 4)
LR_MODES = ("native", "area")


@dataclass(frozen=True)
class TrainConfig(PairConfig):
    """Settings of ``python -m lab.train sr``; each field is the option of the same name."""

    scale: int = 4  # upscale factor, 2 or 4
    lr_mode: str = "native"  # LR crops: "native" renders or "area" (the HR render shrunk)

    def __post_init__(self) -> None:
        super().__post_init__()
        if validate.integer(self.scale, "scale") not in SCALES:
            raise LabError(f"scale must be 2 or 4, got {self.scale}")
        validate.choice(self.lr_mode, "lr_mode", LR_MODES)

    @property
    def lr_patch(self) -> int:
        """Side of a low-resolution training crop, px (default 24 for x4, 32 for x2)."""
        return self.patch or (24 if self.scale == 4 else 32)

    @property
    def weights(self) -> Path:
        """The safetensors file to write."""
        from lab.models.learned_sr import weights_path

        return Path(self.out) if self.out else weights_path(self.scale)


DEFAULTS = TrainConfig()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m lab.train sr``."""
    parser.add_argument(
        "--scale", type=int, choices=SCALES, default=DEFAULTS.scale, help="upscale factor (default 4)"
    )
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="optimizer steps (default 3000)")
    parser.add_argument("--out", type=Path, default=None, help="safetensors path (default: the shipped file)")
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch, help="crops per step (default 16)")
    parser.add_argument(
        "--patch", type=int, default=None, help="LR crop side in px (default 24 for x4, 32 for x2)"
    )
    parser.add_argument(
        "--lr", type=float, default=DEFAULTS.lr, help="Adam learning rate, cosine-decayed (default 2e-3)"
    )
    add_pool_arguments(parser, DEFAULTS)
    parser.add_argument(
        "--lr-mode", choices=LR_MODES, default=DEFAULTS.lr_mode, help="how LR is made (default native)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help="seed of the crop sampler and init (default 0)"
    )
    parser.add_argument("--threads", type=int, default=DEFAULTS.threads, help="torch CPU threads (default 1)")


@dataclass
class Fit:
    """What the optimisation loop produced: the network, its running L1 loss and the seconds it took."""

    net: Any
    loss: float
    seconds: float


@dataclass
class Score:
    """Held-out PSNR (dB) of the network and of bicubic on every ``patch`` x ``patch`` LR crop."""

    net_db: float
    bicubic_db: float
    patch: int
    crops: int
    border: int


def run(args: argparse.Namespace | TrainConfig) -> None:
    """Train, evaluate on held-out seeds, save the weights and write the model card."""
    from lab.models.learned_sr import save

    config = args if isinstance(args, TrainConfig) else TrainConfig.from_args(args)
    config.start()
    data = render_pools(config, config.scale, config.lr_mode)
    fit = optimise(config, data.train)
    score = evaluate(fit.net, data.test, config.scale)
    out = config.weights
    save(fit.net, out, metadata=_metadata(config, fit, score))
    write_card(out.with_suffix(".md"), *_card(config, data, fit, score))
    print(
        f"saved {out} ({out.stat().st_size / 1024:.0f} KiB); held-out PSNR {score.net_db:.2f} dB "
        f"vs bicubic {score.bicubic_db:.2f} dB",
        file=sys.stderr,
    )


def optimise(config: TrainConfig, pool: Any) -> Fit:
    """Fit a fresh :class:`~lab.models.learned_sr.LearnedSR` to ``pool``: L1 loss, Adam, cosine decay to 1/20."""
    from lab.models import crops
    from lab.models.learned_sr import LearnedSR

    started = time.perf_counter()
    net = LearnedSR(scale=config.scale)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.steps, eta_min=config.lr * 0.05)
    gen = torch.Generator().manual_seed(config.seed)
    bar = LossBar(config.steps, f"training learned-sr x{config.scale}")
    for _ in bar:
        lr_batch, hr_batch = crops.sample_crops(pool, config.batch, config.lr_patch, generator=gen)
        loss = F.l1_loss(net(lr_batch), hr_batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        bar.record(loss.item())
    bar.close()
    return Fit(net, bar.final, time.perf_counter() - started)


def evaluate(net: Any, pool: Any, scale: int) -> Score:
    """PSNR of ``net`` and of bicubic on every (up to 32 px) LR crop of the held-out ``pool``."""
    from lab.models import crops

    net.eval()
    patch = min(32, *pool.lr[0].shape[1:])
    lr_test, hr_test = crops.grid_crops(pool, patch)
    with torch.no_grad():
        pred = net(lr_test)
        bic = F.interpolate(lr_test, scale_factor=scale, mode="bicubic", align_corners=False)
    border = scale * 2
    return Score(
        crops.psnr_db(hr_test, pred, border=border),
        crops.psnr_db(hr_test, bic, border=border),
        patch,
        len(lr_test),
        border,
    )


def _metadata(config: TrainConfig, fit: Fit, score: Score) -> dict[str, str]:
    """The safetensors metadata: the run's facts and its command."""
    return {
        "steps": str(config.steps),
        "final_loss": f"{fit.loss:.5f}",
        "heldout_psnr_db": f"{score.net_db:.3f}",
        "heldout_bicubic_psnr_db": f"{score.bicubic_db:.3f}",
        "train_seconds": f"{fit.seconds:.0f}",
        "lr_mode": config.lr_mode,
        "command": config.command("sr"),
    }


def _card(
    config: TrainConfig, data: PairData, fit: Fit, score: Score
) -> tuple[str, dict[str, str], dict[str, str]]:
    """Title, sections and fact rows of the model card."""
    scale, hr, n_params = config.scale, config.hr, sum(p.numel() for p in fit.net.parameters())
    p_net, p_bic = score.net_db, score.bicubic_db
    title = f"learned-sr x{scale}: a tiny ESPCN-style upscaler trained on the procedural scenes"
    sections = {
        "What it is": (
            f"`lab.models.learned_sr.LearnedSR(scale={scale})`: four convolutions at low resolution "
            f"(5x5 then 3x3, 32 channels, PReLU) predict the residual over bicubic upsampling, and a "
            f"PixelShuffle({scale}) puts it on the large grid. {n_params:,} parameters. Registered as the "
            f"upscaler `learned-sr` (scales 2 and 4)."
        ),
        "Data": (
            f"Scenes {', '.join(sorted({s[0] for s in data.train.sources}))} from `lab.scenes`, seeds "
            f"0..{config.train_seeds - 1}, {config.views} random static windows each: {len(data.train)} HR "
            f"renders of {hr.width}x{hr.height} at the pixel scale of a {config.detail} frame (a window of "
            f"what {config.detail} shows). "
            + (
                f"LR frames are rendered natively at {hr.width // scale}x{hr.height // scale} "
                "(the renderer band-limits to that grid), not blurred copies of the HR frame."
                if config.lr_mode == "native"
                else "LR frames are the HR renders shrunk with pixel-area averaging (cv2.INTER_AREA)."
            )
            + f" Random {config.lr_patch}x{config.lr_patch} LR crops with flips and 90-degree turns, "
            f"batch {config.batch}."
        ),
        "Training": (
            f"L1 loss, Adam (lr {config.lr:g}, cosine decay), {config.steps} steps, seed {config.seed}, "
            f"{config.threads} CPU thread(s). Rendering the data took {data.seconds:.0f} s, training "
            f"{fit.seconds:.0f} s (2-core shared CPU)."
        ),
        "Evaluation": (
            f"Held-out: seeds {', '.join(map(str, HELD_OUT_SEEDS))}, 2 windows each (never seen in training), "
            f"every {score.patch}x{score.patch} LR crop ({score.crops} crops), RGB PSNR with a "
            f"{score.border}-px border shaved: "
            f"learned-sr {p_net:.2f} dB vs bicubic {p_bic:.2f} dB ({p_net - p_bic:+.2f} dB)."
        ),
        "Limits": (
            "Trained only on synthetic procedural textures at one scale of detail (4K pixels): its gain "
            "over bicubic comes from having learned those textures, so on photographs or other scales it "
            "is a mild sharpener at best. It is deterministic: one LR frame always gives the same output "
            "(compare the stochastic diffusion upscaler)."
        ),
        "Retrain": f"```\n{config.command('sr')}\n```",
    }
    rows = {
        "file": config.weights.name,
        "scale": str(scale),
        "parameters": f"{n_params:,}",
        "steps": str(config.steps),
        "final loss (L1, running mean)": f"{fit.loss:.4f}",
        "held-out PSNR learned-sr / bicubic": f"{p_net:.2f} dB / {p_bic:.2f} dB",
        "training time (this CPU)": f"{fit.seconds:.0f} s (+ {data.seconds:.0f} s rendering)",
    }
    return title, sections, rows
