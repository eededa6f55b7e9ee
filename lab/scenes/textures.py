"""Texture scenes: skin, fabric and foliage (fine detail that upscaling cannot invent)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from lab.errors import choice_error
from lab.scenes.base import Scene, check_option, check_rgb
from lab.scenes.camera import PixelGrid
from lab.scenes.fields import CellLookup, band_limit, fbm, pores

if TYPE_CHECKING:
    import torch

SKIN_TONES: dict[str, tuple[float, float, float]] = {
    "light": (0.92, 0.75, 0.65),
    "medium": (0.80, 0.59, 0.46),
    "tan": (0.66, 0.46, 0.33),
    "dark": (0.45, 0.30, 0.22),
}


def _octaves(n: int, gain: float, first: float = 1.0) -> np.ndarray:
    return first * gain ** np.arange(n, dtype=np.float64)


class Skin(Scene):
    """Close-up skin: pores (Worley cells), fine micro-relief (fBm) and melanin/redness mottling.

    World scale: pores sit on cells of ``0.013 * pore_scale`` frame heights (28 px at 4K, 7 px
    at 540p) with radii 0.0009-0.0019 (2-4 px at 4K, half a pixel to one at 540p); fine
    follicles on cells of 0.0055 (12 px at 4K, gone at 540p); the micro-relief reaches down
    to 0.000625 (1.35 px at 4K).

    >>> from lab.scenes import get
    >>> get("skin", tone="dark").options["tone"]
    'dark'
    """

    name = "skin"
    description = "close-up skin: Worley-cell pores, fBm micro-relief and mottling in a skin palette."
    antialiasing = (
        "band-limited: noise octaves with lattice spacing under 2 px fade out (gone at 1 px); "
        "pore edges are box-filtered over one pixel and sub-pixel pores keep their area; "
        "a pore layer fades out as its cells shrink from 6 to 4 px."
    )
    defaults: ClassVar[dict[str, Any]] = {"tone": "medium", "pore_scale": 1.0, "relief": 1.0}
    planes = 20

    def validate_options(self) -> None:
        tone = self.options["tone"]
        if isinstance(tone, str):
            if tone not in SKIN_TONES:
                raise choice_error("skin tone", tone, list(SKIN_TONES))
        else:
            check_rgb(tone, "tone")
        check_option(self.options["pore_scale"], "pore_scale", 0.2, 5.0)
        check_option(self.options["relief"], "relief", 0.0, 3.0)

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        import torch

        tone = self.options["tone"]
        base = np.array(SKIN_TONES[tone] if isinstance(tone, str) else tone, dtype=np.float64)
        ps = float(self.options["pore_scale"])
        relief = float(self.options["relief"])
        # 1. melanin + redness mottling (coarse), mixed into RGB offsets on the lattice
        mottle_rgb = base[:, None] * np.array([[-0.10, 0.06], [-0.13, -0.06], [-0.16, -0.04]])
        mottle = fbm(
            grid,
            self.seed,
            "skin/mottle",
            0.25,
            np.stack([_octaves(4, 0.5), _octaves(4, 0.55)], 1),
            mix=mottle_rgb,
        )
        # 2. micro-relief (fine fBm, down to the Nyquist limit) and Worley pores
        bump = fbm(grid, self.seed, "skin/bump", 0.02, _octaves(6, 0.72)[:, None])[0]
        p = pores(grid, self.seed, "skin/pores", 0.013 * ps, (0.0009 * ps, 0.0019 * ps))
        p.add_(pores(grid, self.seed, "skin/fine", 0.0055 * ps, (0.0005 * ps, 0.0008 * ps)), alpha=0.6)
        # 3. rgb = (base + mottle + base * 0.1 * relief * bump) * (1 - pore_dark * pores)
        rgb = torch.empty((3, grid.height, grid.width), dtype=torch.float32, device=grid.device)
        for c, dark in enumerate((0.30, 0.36, 0.38)):
            torch.add(mottle[c], bump, alpha=float(base[c]) * 0.16 * relief, out=rgb[c])
            rgb[c].add_(float(base[c])).mul_(torch.sub(1.0, p, alpha=dark))
        return rgb.clamp_(0.0, 1.0)


class Fabric(Scene):
    """Woven fabric (denim-like by default): threads, over/under weave, fibre grain and dye variation.

    Threads are ``thread`` frame heights apart (0.0045: 9.7 px at 4K, 2.4 px at 540p, where
    the weave is beyond Nyquist and fades to its average colour).
    """

    name = "fabric"
    description = "woven fabric: warp/weft threads in a plain or twill weave with fibre grain."
    antialiasing = (
        "analytic band-limit: the weave is a sum of sinusoids, each faded from 0.25 to 0.5 "
        "cycles/pixel by its own frequency; fibre grain is band-limited fBm (octaves under 2 px fade)."
    )
    defaults: ClassVar[dict[str, Any]] = {
        "weave": "twill",
        "thread": 0.0045,
        "warp": (0.16, 0.24, 0.50),
        "weft": (0.86, 0.83, 0.75),
    }
    planes = 20

    def validate_options(self) -> None:
        if self.options["weave"] not in ("plain", "twill"):
            raise choice_error("weave", self.options["weave"], ["plain", "twill"])
        check_option(self.options["thread"], "thread", 1e-4, 0.2)
        check_rgb(self.options["warp"], "warp")
        check_rgb(self.options["weft"], "weft")

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        import torch

        p = float(self.options["thread"])
        f = grid.footprint
        X, Y = grid.xy()
        a, b = X * (1.0 / p), Y * (1.0 / p)
        two_pi = 2.0 * math.pi
        rx, ry = torch.cos(two_pi * a), torch.cos(two_pi * b)
        if self.options["weave"] == "plain":
            wr = torch.cos(math.pi * a) * torch.cos(math.pi * b)
            fw = math.sqrt(0.5) / p
        else:  # 2/2 twill: diagonal ribs, period 4 threads along a - b
            wr = torch.cos((0.5 * math.pi) * (a - b))
            fw = math.sqrt(2.0) / (4.0 * p)
        f_th, f_w, f_pr = band_limit(1.0 / p, f), band_limit(fw, f), band_limit(1.0 / p + fw, f)
        on_top = 0.5 + (0.5 * f_w) * wr  # 1 where the warp thread is on top
        relief = (0.5 * f_th) * (rx + ry) + (0.5 * f_pr) * (rx - ry) * wr
        grain = fbm(grid, self.seed, "fabric/grain", 0.004, _octaves(4, 0.8, 0.07)[:, None])[0]
        dye = fbm(grid, self.seed, "fabric/dye", 0.2, _octaves(3, 0.5, 0.06)[:, None])[0]
        shade = (0.80 + 0.16 * relief) * (1.0 + grain + dye)
        warp = self.options["warp"]
        weft = self.options["weft"]
        out = torch.empty((3, grid.height, grid.width), dtype=torch.float32, device=grid.device)
        for c in range(3):
            out[c] = (weft[c] + (warp[c] - weft[c]) * on_top) * shade
        return out.clamp_(0.0, 1.0)


class Foliage(Scene):
    """Grass: thousands of thin tapered blades (sub-pixel wide at 540p) over dark soil.

    Blades root in cells of 0.02 x 0.05 frame heights (divided by sqrt(density)), 0.9-1.45
    cells tall and a few pixels wide at 4K; each has its own root, lean, curve, height and
    shade of green.
    """

    name = "foliage"
    description = "grass: many thin tapered, curved blades (fine lines) over soil."
    antialiasing = (
        "analytic: each blade's edge is box-filtered over one pixel footprint; a blade thinner "
        "than a pixel is widened to one pixel with its darkness scaled by width (area kept)."
    )
    defaults: ClassVar[dict[str, Any]] = {"density": 3.0, "blade_width": 0.003}
    planes = 28
    framing = ((0.0, 0.0), 1.0)

    def validate_options(self) -> None:
        check_option(self.options["density"], "density", 0.25, 4.0)
        check_option(self.options["blade_width"], "blade_width", 1e-4, 0.02)

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        import torch

        f = grid.footprint
        dens = float(self.options["density"])
        cw, ch = 0.02 / math.sqrt(dens), 0.05 / math.sqrt(dens)
        soil = fbm(grid, self.seed, "foliage/soil", 0.05, _octaves(5, 0.6, 0.5)[:, None])[0]
        rgb = torch.empty((3, grid.height, grid.width), dtype=torch.float32, device=grid.device)
        for c, (base, k) in enumerate(((0.26, 0.08), (0.21, 0.07), (0.12, 0.04))):
            rgb[c] = base + k * soil
        for layer, shade in ((0, 0.75), (1, 1.0)):
            cells = CellLookup(grid, cw, ch, 2, self.seed, f"foliage/{layer}")
            bx, by, lean, height = cells.table("x"), cells.table("y"), cells.table("lean"), cells.table("h")
            hue, width = cells.table("hue"), cells.table("w")
            lx = (cells.col + 0.0) * cw  # left edge of the pixel's cell, local world units
            for dj in (0, 1):  # blades rooted in this cell row, then the row below (nearer, on top)
                for di in (-1, 0, 1):
                    base_x = lx + (di + 0.15 + 0.7 * cells.get(bx, di, dj)) * cw
                    base_y = (cells.row + (1 + dj) - 0.5 * cells.get(by, di, dj)) * ch  # root inside the cell
                    h = (0.9 + 0.55 * cells.get(height, di, dj)) * ch  # the tip stays inside the row above
                    s = ((base_y - cells.Y) / h).clamp_(0.0, 1.0)  # 0 at the root, 1 at the tip
                    bend = (cells.get(lean, di, dj) - 0.5) * (1.6 * cw)
                    centre = base_x + bend * s * s
                    half = (
                        float(self.options["blade_width"])
                        * (0.5 / math.sqrt(dens))
                        * (0.6 + 0.8 * cells.get(width, di, dj))
                    )
                    half = half * (1.0 - s)  # taper to the tip
                    root = ((base_y - cells.Y) / f + 0.5).clamp_(0.0, 1.0)  # box-filtered root edge
                    half_eff = half.clamp(min=0.5 * f)
                    cov = ((half_eff - (cells.X - centre).abs()) / f + 0.5).clamp_(0.0, 1.0)
                    cov = cov * (half / half_eff) * root * (cells.Y >= base_y - h)
                    g = cells.get(hue, di, dj)
                    light = shade * (0.55 + 0.45 * s)
                    blade = (
                        (0.22 + 0.25 * g) * light,
                        (0.50 + 0.30 * g) * light,
                        (0.12 + 0.10 * (1 - g)) * light,
                    )
                    for c in range(3):
                        rgb[c] += cov * (blade[c] - rgb[c])
        return rgb.clamp_(0.0, 1.0)
