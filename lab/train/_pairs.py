"""What the two upscaler trainers (``sr`` and ``diffusion-sr``) share: their common options, their
data (aligned low/high-resolution crop pools of the procedural scenes), the retrain command and
the Markdown model card."""

from __future__ import annotations

import argparse
import shlex
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from lab import validate
from lab.resolution import Resolution, parse

C = TypeVar("C", bound="PairConfig")

# Scene seeds for the held-out score; training takes seeds 0..N-1 and never sees these.
HELD_OUT_SEEDS = (1000, 1001, 1002)


@dataclass(frozen=True)
class PairConfig:
    """Options both upscaler trainers take; each field is the command-line option of the same name.

    The subclasses set their own defaults and add their own options.
    """

    steps: int = 3000  # optimiser steps
    out: Path | None = None  # safetensors file to write; None = the shipped file
    batch: int = 16  # crops per step
    patch: int | None = None  # side of a low-resolution crop, px; None = the trainer's default
    lr: float = 2e-3  # peak learning rate
    train_seeds: int = 6  # scene seeds 0..N-1 to train on
    hr_size: str = "384x216"  # size of each high-resolution render, "WxH" px or a frame name
    scenes: str | None = None  # comma-separated scene names; None = lab.models.crops.DEFAULT_SCENES
    views: int = 4  # random windows per scene and seed
    detail: str = "4k"  # pixel scale of the high-resolution renders, as a frame size
    seed: int = 0  # seed of the initial weights, the crop sampler and any noise
    threads: int = 1  # torch CPU threads (at least 1 is used)

    def __post_init__(self) -> None:
        validate.positive_int(self.steps, "steps")
        validate.positive_int(self.batch, "batch")
        if self.patch is not None:
            validate.positive_int(self.patch, "patch")
        validate.positive_number(self.lr, "lr")
        validate.positive_int(self.train_seeds, "train_seeds")
        validate.positive_int(self.views, "views")
        validate.integer(self.seed, "seed")
        validate.integer(self.threads, "threads")

    @classmethod
    def from_args(cls: type[C], args: argparse.Namespace) -> C:
        """The settings of a parsed command line (the options this trainer's ``add_arguments`` defines)."""
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls)})

    @property
    def hr(self) -> Resolution:
        """Size of each high-resolution render."""
        return parse(self.hr_size)

    @property
    def scene_names(self) -> list[str] | None:
        """The scenes to render, or None for the default set."""
        return [n.strip() for n in self.scenes.split(",") if n.strip()] if self.scenes else None

    def command(self, kind: str) -> str:
        """The ``python -m lab.train <kind> ...`` command that reproduces a run with these settings."""
        parts = ["python", "-m", "lab.train", kind]
        for name in sorted(f.name for f in fields(self)):
            value = getattr(self, name)
            if value is not None:
                parts += [f"--{name.replace('_', '-')}", str(value)]
        return " ".join(shlex.quote(p) for p in parts)

    def start(self) -> None:
        """Set torch's CPU threads and seed its global generator (the initial weights)."""
        import torch

        torch.set_num_threads(max(1, self.threads))
        torch.manual_seed(self.seed)


def add_pool_arguments(parser: argparse.ArgumentParser, defaults: PairConfig) -> None:
    """The options that choose the crop pools (seeds, render size, scenes, views, detail scale)."""
    parser.add_argument(
        "--train-seeds",
        type=int,
        default=defaults.train_seeds,
        help=f"scene seeds 0..N-1 to train on (default {defaults.train_seeds})",
    )
    parser.add_argument(
        "--hr-size", default=defaults.hr_size, help=f"size of each HR render (default {defaults.hr_size})"
    )
    parser.add_argument(
        "--scenes",
        default=None,
        help="comma-separated scene names (default: skin, fabric, foliage, sign, character)",
    )
    parser.add_argument(
        "--views",
        type=int,
        default=defaults.views,
        help=f"random windows per scene and seed (default {defaults.views})",
    )
    parser.add_argument(
        "--detail",
        default=defaults.detail,
        help=f"pixel scale of the HR renders, as a frame size (default {defaults.detail})",
    )


@dataclass
class PairData:
    """The training and held-out crop pools (:class:`lab.models.crops.CropPool`) and the seconds spent rendering them."""

    train: Any
    test: Any
    seconds: float


def render_pools(config: PairConfig, scale: int, lr_mode: str = "native") -> PairData:
    """Render the training pool (seeds 0..N-1) and the held-out pool (:data:`HELD_OUT_SEEDS`, 2 views)."""
    from lab.models import crops

    started = time.perf_counter()
    pools = [
        crops.build_pool(
            scale,
            seeds,
            hr=config.hr,
            views=views,
            detail=config.detail,
            names=config.scene_names,
            lr=lr_mode,
            desc=f"rendering {which} scenes",
        )
        for seeds, views, which in (
            (range(config.train_seeds), config.views, "training"),
            (HELD_OUT_SEEDS, 2, "held-out"),
        )
    ]
    return PairData(pools[0], pools[1], time.perf_counter() - started)


def write_card(path: Path, title: str, sections: dict[str, str], rows: dict[str, str]) -> Path:
    """Write a Markdown model card: a title, free-text sections and a two-column fact table."""
    lines = [f"# {title}", ""]
    for heading, text in sections.items():
        lines += [f"## {heading}", "", text.strip(), ""]
    lines += ["## Facts", "", "| item | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
