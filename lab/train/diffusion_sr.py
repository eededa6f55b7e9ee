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
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from lab.errors import LabError
from lab.resolution import parse

HELD_OUT_SEEDS = (1000, 1001, 1002)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m lab.train diffusion-sr``."""
    parser.add_argument("--steps", type=int, default=5000, help="optimizer steps (default 5000)")
    parser.add_argument("--out", type=Path, default=None, help="safetensors path (default: the shipped file)")
    parser.add_argument("--batch", type=int, default=12, help="crops per step (default 12)")
    parser.add_argument("--patch", type=int, default=12, help="LR crop side in px; HR is 4x (default 12)")
    parser.add_argument(
        "--lr", type=float, default=1e-3, help="AdamW learning rate, cosine-decayed (default 1e-3)"
    )
    parser.add_argument(
        "--train-seeds", type=int, default=6, help="scene seeds 0..N-1 to train on (default 6)"
    )
    parser.add_argument("--hr-size", default="384x216", help="size of each HR render (default 384x216)")
    parser.add_argument(
        "--scenes",
        default=None,
        help="comma-separated scene names (default: skin, fabric, foliage, sign, character)",
    )
    parser.add_argument("--views", type=int, default=4, help="random windows per scene and seed (default 4)")
    parser.add_argument(
        "--detail", default="4k", help="pixel scale of the HR renders, as a frame size (default 4k)"
    )
    parser.add_argument(
        "--sample-steps", type=int, default=10, help="DDIM steps for the evaluation (default 10)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the crop sampler, noise and init (default 0)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
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


def run(args: argparse.Namespace) -> None:
    """Train, evaluate on held-out seeds, save weights and the model card."""
    from tqdm.auto import tqdm

    from lab.models import crops
    from lab.models.diffusion_sr import (
        FACTOR,
        DiffusionSR,
        build_unet,
        load_file,
        make_scheduler,
        sample,
        save,
        weights_path,
    )
    from lab.train.sr import command_line, write_card

    if args.steps < 1:
        raise LabError(f"--steps must be at least 1, got {args.steps}")
    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(args.seed)
    out = Path(args.out) if args.out else weights_path()
    hr_size = parse(args.hr_size)
    names = [n.strip() for n in args.scenes.split(",") if n.strip()] if args.scenes else None
    t_start = time.perf_counter()
    train_pool = crops.build_pool(
        FACTOR,
        range(args.train_seeds),
        hr=hr_size,
        views=args.views,
        detail=args.detail,
        names=names,
        desc="rendering training scenes",
    )
    test_pool = crops.build_pool(
        FACTOR,
        HELD_OUT_SEEDS,
        hr=hr_size,
        views=2,
        detail=args.detail,
        names=names,
        desc="rendering held-out scenes",
    )
    t_data = time.perf_counter() - t_start

    # 1. residual statistics -> scale so that x0 has std 0.5
    residual_std = float(
        torch.cat(
            [
                (
                    hr - F.interpolate(lr[None], scale_factor=FACTOR, mode="bicubic", align_corners=False)[0]
                ).flatten()
                for hr, lr in zip(train_pool.hr, train_pool.lr)
            ]
        ).std()
    )
    residual_scale = 0.5 / max(residual_std, 1e-4)

    # 2. DDPM training, v-prediction (fresh, or continuing a saved model with its own residual_scale)
    previous: dict = {"steps": 0, "commands": [], "seconds": 0.0}
    if args.init:
        from safetensors import safe_open

        model = load_file(args.init)
        unet = model.unet.train().requires_grad_(True)
        residual_scale = model.residual_scale
        with safe_open(str(args.init), framework="pt") as f:
            meta = f.metadata() or {}
        previous = {
            "steps": int(meta.get("steps", 0)),
            "commands": meta.get("command", "").split("\n"),
            "seconds": float(meta.get("train_seconds", 0)),
        }
    else:
        unet = build_unet()
        model = DiffusionSR(unet, residual_scale)
    scheduler = make_scheduler("ddpm")
    opt = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=1e-4)
    limit_s = args.max_minutes * 60 if args.max_minutes else float("inf")

    def lr_at(fraction: float) -> float:  # linear warm-up over 5 %, then cosine decay to 5 %
        if fraction < 0.05:
            return args.lr * (0.05 + 0.95 * fraction / 0.05)
        progress = (fraction - 0.05) / 0.95
        return args.lr * (0.05 + 0.95 * 0.5 * (1 + float(np.cos(np.pi * min(progress, 1.0)))))

    gen = torch.Generator().manual_seed(args.seed)
    running = None
    unet.train()
    bar = tqdm(range(args.steps), desc="training diffusion-sr x4", dynamic_ncols=True)
    t_loop = time.perf_counter()
    steps_done = 0
    for step in bar:
        # the schedule follows whichever runs out first: steps or the time limit
        fraction = max(step / args.steps, (time.perf_counter() - t_loop) / limit_s)
        if fraction >= 1.0:
            break
        for group in opt.param_groups:
            group["lr"] = lr_at(fraction)
        lr_batch, hr_batch = crops.sample_crops(train_pool, args.batch, args.patch, generator=gen)
        base = F.interpolate(lr_batch, scale_factor=FACTOR, mode="bicubic", align_corners=False)
        x0 = (hr_batch - base) * residual_scale
        eps = torch.randn(x0.shape, generator=gen)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (x0.shape[0],), generator=gen)
        xt = scheduler.add_noise(x0, eps, t)
        target = scheduler.get_velocity(x0, eps, t)
        pred = unet(torch.cat([xt, base * 2 - 1], dim=1), t).sample
        loss = F.mse_loss(pred, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        steps_done = step + 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 10 == 0 or step == args.steps - 1:
            bar.set_postfix(loss=f"{running:.4f}")
    bar.close()
    t_train = time.perf_counter() - t_start - t_data
    unet.eval().requires_grad_(False)

    # 3. held-out evaluation: 64x64 HR crops, two noise seeds
    eval_patch = min(16, *test_pool.lr[0].shape[1:])
    lr_test, hr_test = crops.grid_crops(test_pool, eval_patch)
    keep = torch.linspace(0, lr_test.shape[0] - 1, min(96, lr_test.shape[0])).round().long()  # spread subset
    lr_test, hr_test = lr_test[keep], hr_test[keep]
    bic = F.interpolate(lr_test, scale_factor=FACTOR, mode="bicubic", align_corners=False).clamp(0, 1)
    outs = []
    for s in (0, 1):
        noise = torch.randn(hr_test.shape, generator=torch.Generator().manual_seed(10_000 + s))
        preds = [
            sample(model, lr_test[i : i + 32], noise[i : i + 32], steps=args.sample_steps)
            for i in range(0, lr_test.shape[0], 32)
        ]
        outs.append(torch.cat(preds))
    p_diff, p_bic = crops.psnr_db(hr_test, outs[0], border=8), crops.psnr_db(hr_test, bic, border=8)
    hf_native, hf_bic, hf_diff = _hf_share(hr_test), _hf_share(bic), _hf_share(outs[0])
    seed_spread = float((outs[0] - outs[1]).abs().mean() * 255)
    n_params = sum(p.numel() for p in unet.parameters())
    command = "\n".join([c for c in previous["commands"] if c] + [command_line(args, "diffusion-sr")])
    total_steps = previous["steps"] + steps_done
    limit_note = f", time limit {args.max_minutes:g} min" if args.max_minutes else ""
    meta = {
        "steps": str(total_steps),
        "final_loss": f"{running:.5f}",
        "heldout_psnr_db": f"{p_diff:.3f}",
        "heldout_bicubic_psnr_db": f"{p_bic:.3f}",
        "heldout_hf_share": f"{hf_diff:.4f}",
        "heldout_native_hf_share": f"{hf_native:.4f}",
        "heldout_bicubic_hf_share": f"{hf_bic:.4f}",
        "train_seconds": f"{t_train + previous['seconds']:.0f}",
        "command": command,
    }
    save(model, out, metadata=meta)
    scenes_used = sorted({s[0] for s in train_pool.sources})
    write_card(
        out.with_suffix(".md"),
        "diffusion-sr: a small conditional diffusion x4 upscaler trained on the procedural scenes",
        {
            "What it is": (
                f"`lab.models.diffusion_sr`: a `diffusers.UNet2DModel` (3 levels, 32/48/64 channels, one ResNet "
                f"block per level, `add_attention=False`, {n_params:,} parameters) denoises the residual over "
                "bicubic upsampling; its 6 input channels are the noisy residual and the bicubic-upsampled "
                "low-res frame (scaled to [-1, 1]). Sampling: DDIM, eta 0, 10 steps by default, so the output "
                "is a deterministic function of the starting noise: `seed` chooses which detail is invented. "
                "Registered as the upscaler `diffusion-sr` (x4, stochastic); `upscale_clip(..., noise=...)` "
                "runs it on clips with independent, fixed or motion-warped noise."
            ),
            "Data": (
                f"Scenes {', '.join(scenes_used)} from `lab.scenes`, seeds 0..{args.train_seeds - 1}, "
                f"{args.views} random "
                f"static windows each at the pixel scale of a {args.detail} frame: {len(train_pool)} HR renders of "
                f"{hr_size.width}x{hr_size.height}; LR frames "
                f"rendered natively at {hr_size.width // FACTOR}x{hr_size.height // FACTOR}. Random "
                f"{args.patch}x{args.patch} LR / {args.patch * FACTOR}x{args.patch * FACTOR} HR crops with flips "
                f"and 90-degree turns, batch {args.batch}. Residual std {residual_std:.4f}, so residual_scale "
                f"= {residual_scale:.3f}."
            ),
            "Training": (
                f"DDPM objective, v-prediction, cosine (squaredcos_cap_v2) schedule, 1000 timesteps; AdamW "
                f"(lr {args.lr:g}, warm-up then cosine), gradient clipping 1.0, {total_steps} steps in all"
                + (f" ({previous['steps']} in earlier runs, then {steps_done}" if previous["steps"] else " (")
                + f" of {args.steps} planned{limit_note}), seed {args.seed}, "
                f"{args.threads} CPU thread(s). Rendering the data took {t_data:.0f} s, training {t_train:.0f} s "
                "(2-core CPU shared with other jobs)."
            ),
            "Evaluation": (
                f"Held-out seeds {', '.join(map(str, HELD_OUT_SEEDS))} (2 windows each), every "
                f"{eval_patch}x{eval_patch} LR crop ({lr_test.shape[0]} crops, {eval_patch * FACTOR}x"
                f"{eval_patch * FACTOR} output), {args.sample_steps} DDIM steps. RGB PSNR (8-px "
                f"border shaved): diffusion-sr {p_diff:.2f} dB, bicubic {p_bic:.2f} dB. High-frequency share "
                f"(power above 0.125 cycles/px): native {hf_native:.4f}, bicubic {hf_bic:.4f}, diffusion-sr "
                f"{hf_diff:.4f}. Two noise seeds differ by {seed_spread:.2f} levels (mean absolute, 0-255): "
                "that invented, seed-dependent detail is what flickers in video. A generative upscaler trades "
                "PSNR for texture: it is not meant to beat bicubic on PSNR."
            ),
            "Limits": (
                "Tiny and trained for minutes on synthetic textures: its invented detail is plausible at the "
                "scale of the training scenes only. It runs on the whole frame (GroupNorm statistics are "
                "per image), so very large frames are refused by the memory guard; use crops or a GPU."
                + (
                    " Training stopped on its time limit, so rerunning the commands reproduces the recipe "
                    "and the quality, not the exact weights."
                    if args.max_minutes
                    else ""
                )
            ),
            "Retrain": f"```\n{command}\n```",
        },
        {
            "file": out.name,
            "parameters": f"{n_params:,}",
            "steps": str(total_steps),
            "final loss (v-MSE, running mean)": f"{running:.4f}",
            "held-out PSNR diffusion-sr / bicubic": f"{p_diff:.2f} dB / {p_bic:.2f} dB",
            "held-out HF share native / bicubic / diffusion-sr": f"{hf_native:.4f} / {hf_bic:.4f} / {hf_diff:.4f}",
            "training time (this CPU)": f"{t_train + previous['seconds']:.0f} s in all (+ {t_data:.0f} s rendering)",
        },
    )
    print(
        f"saved {out} ({out.stat().st_size / 2**20:.1f} MiB); PSNR {p_diff:.2f} vs bicubic {p_bic:.2f} dB; "
        f"HF share {hf_diff:.4f} (native {hf_native:.4f}, bicubic {hf_bic:.4f})",
        file=sys.stderr,
    )
