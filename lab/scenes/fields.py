"""Band-limited building blocks shared by the scenes (torch, CPU or CUDA).

* :func:`fbm` - fractal value noise: each octave is a random lattice smoothed by a cubic
  B-spline. Octaves are **band-limited to the grid**: an octave whose lattice spacing is
  under ~2 pixels is faded out (0 weight at 1 px, full weight at 2 px), so nothing above
  the Nyquist limit (0.5 cycles/pixel) is sampled. Because cubic B-splines refine exactly
  (a spline at spacing 2s equals one at spacing s with coefficients filtered by
  (1, 4, 6, 4, 1)/8), all octaves are summed on the finest lattice first and evaluated at
  the pixels once: separable banded matrix products when the camera does not roll, a
  4x4 gather otherwise. Both give the same function.
* :func:`pores` - Worley F1 distance to jittered feature points, clipped at the pore radius,
  drawn as discs with box-filtered (one pixel footprint) edges; sub-pixel pores keep their
  area (they fade instead of vanishing or aliasing).
* :func:`edge_coverage` / :func:`ramp` - analytic box-filter coverage of edges.

Randomness comes from small periodic tables drawn with numpy's PCG64 from the scene seed,
so the CPU and CUDA paths see the same numbers.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lab.scenes.camera import PixelGrid

if TYPE_CHECKING:
    import torch

TABLE = 256  # period of the noise lattices, in lattice cells
BLOCK = 48  # pixel rows/columns per block of the banded separable evaluation


def _tag(text: str) -> int:
    return zlib.crc32(text.encode())


@functools.lru_cache(maxsize=256)
def table(seed: int, tag: str, size: int = TABLE, kind: str = "normal") -> np.ndarray:
    """A deterministic (size, size) float32 random table for ``seed`` and a text ``tag``.

    >>> table(0, "demo").shape
    (256, 256)
    """
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, _tag(tag)])
    if kind == "normal":
        out = rng.standard_normal((size, size), dtype=np.float32)
    else:
        out = rng.random((size, size), dtype=np.float32)
    out.setflags(write=False)
    return out


def smoothstep(edge0: float, edge1: float, x: float) -> float:
    """Hermite smoothstep of a Python float (0 below edge0, 1 above edge1)."""
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def octave_fade(spacing_px: float) -> float:
    """Weight of a noise octave whose lattice spacing is ``spacing_px`` pixels (0 at <=1, 1 at >=2)."""
    return smoothstep(1.0, 2.0, spacing_px)


def _bspline(t: torch.Tensor) -> torch.Tensor:
    """Cubic B-spline kernel beta3(t), support |t| < 2 (elementwise)."""
    import torch

    a = t.abs()
    inner = (4.0 - 6.0 * a * a + 3.0 * a * a * a) / 6.0
    outer = (2.0 - a).clamp(min=0.0) ** 3 / 6.0
    out = torch.where(a < 1.0, inner, outer)
    # flush tiny weights at the support's edge: denormal floats make matrix products crawl
    return torch.where(out < 1e-20, torch.zeros_like(out), out)


def _refine(c: torch.Tensor, axis: int) -> torch.Tensor:
    """Cubic B-spline subdivision along ``axis``: nodes k0..k1 at spacing 2s -> 2k0+1..2k1-1 at s."""
    n = c.shape[axis]
    lo = c.narrow(axis, 0, n - 1)
    hi = c.narrow(axis, 1, n - 1)
    odd = (lo + hi) * 0.5  # node 2k+1, k = k0..k1-1
    mid = c.narrow(axis, 1, n - 2)
    even = (
        c.narrow(axis, 0, n - 2) + c.narrow(axis, 2, n - 2) + 6.0 * mid
    ) * 0.125  # node 2k, k = k0+1..k1-1
    shape = list(c.shape)
    shape[axis] = 2 * n - 3
    out = c.new_empty(shape)
    idx_odd = [slice(None)] * c.ndim
    idx_odd[axis] = slice(0, None, 2)
    idx_even = [slice(None)] * c.ndim
    idx_even[axis] = slice(1, None, 2)
    out[tuple(idx_odd)] = odd
    out[tuple(idx_even)] = even
    return out


def _node_range(lo: float, hi: float) -> tuple[int, int]:
    """Lattice nodes (inclusive) whose B-spline touches coordinates in [lo, hi]."""
    return math.floor(lo) - 1, math.floor(hi) + 2


def _grid_bounds(grid: PixelGrid) -> tuple[float, float, float, float]:
    """World bounding box (xmin, xmax, ymin, ymax) of the pixel centres of ``grid``."""
    corners = np.array(
        [[0, grid.row0], [grid.width - 1, grid.row0], [0, grid.row1 - 1], [grid.width - 1, grid.row1 - 1]],
        float,
    )
    w = corners @ grid.A.T + grid.b
    return float(w[:, 0].min()), float(w[:, 0].max()), float(w[:, 1].min()), float(w[:, 1].max())


def fbm(
    grid: PixelGrid,
    seed: int,
    tag: str,
    spacing: float,
    amplitudes: np.ndarray | list[list[float]],
    *,
    mix: np.ndarray | None = None,
) -> torch.Tensor:
    """Band-limited fractal value noise, one channel per column of ``amplitudes``.

    Parameters
    ----------
    grid : PixelGrid
        Where to evaluate.
    seed, tag : int, str
        Choose the random lattices (same seed and tag, same noise).
    spacing : float
        Lattice spacing of the coarsest octave in world units; octave k has spacing/2**k.
    amplitudes : (octaves, channels) array
        Weight of each octave in each channel (before the Nyquist fade).
    mix : (outputs, channels) array, optional
        Linear map applied to the channels (on the lattice, which is exact and cheap), e.g.
        to turn melanin/redness noise straight into RGB offsets.

    Returns
    -------
    torch.Tensor of shape (channels or outputs, h, W), float32, zero mean, on ``grid.device``
    (rows contiguous per channel; the channel axis may be strided).
    Each octave contributes about ``0.69 * amplitude`` standard deviation.

    >>> from lab.scenes.camera import Camera, PixelGrid
    >>> from lab.resolution import Resolution
    >>> A, b = Camera().pixel_to_world(Resolution(64, 36), 0.0)
    >>> fbm(PixelGrid(Resolution(64, 36), A, b, 0, 36), 0, "demo", 0.25, [[1.0], [0.5]]).shape
    torch.Size([1, 36, 64])
    """
    import torch

    amps = _faded_amplitudes(amplitudes, spacing, grid.footprint)
    live = [k for k in range(len(amps)) if np.any(amps[k] != 0.0)]
    if not live:
        n_out = amps.shape[1] if mix is None else np.asarray(mix).shape[0]
        return torch.zeros((n_out, grid.height, grid.width), dtype=torch.float32, device=grid.device)
    finest = live[-1]
    s_f = spacing / 2**finest
    windows = _node_windows(grid, s_f, finest)
    acc = _sum_octaves(amps, windows, seed, tag, grid.device)
    if mix is not None:
        m = torch.from_numpy(np.asarray(mix, dtype=np.float32)).to(grid.device)
        acc = torch.einsum("oc,cyx->oyx", m, acc)
    ax, _, ay, _ = windows[finest]
    if grid.axis_aligned:
        return _eval_separable(grid, acc.contiguous(), s_f, ax, ay)
    return _eval_general(grid, acc.contiguous(), s_f, ax, ay)


def _faded_amplitudes(
    amplitudes: np.ndarray | list[list[float]], spacing: float, footprint: float
) -> np.ndarray:
    """(octaves, channels) amplitudes, each octave faded out as its lattice nears the pixel Nyquist limit."""
    amps = np.asarray(amplitudes, dtype=np.float64)
    if amps.ndim == 1:
        amps = amps[:, None]
    n_oct = amps.shape[0]
    px_per_unit = 1.0 / footprint
    weights = np.array([octave_fade(spacing / 2**k * px_per_unit) for k in range(n_oct)])
    return amps * weights[:, None]


def _node_windows(grid: PixelGrid, s_f: float, finest: int) -> list[tuple[int, int, int, int]]:
    """Lattice node windows (x0, x1, y0, y1) of octaves 0..finest covering ``grid``.

    The finest level's window covers the grid (spacing ``s_f``); each coarser level covers the
    refinement of the next finer one.
    """
    xmin, xmax, ymin, ymax = _grid_bounds(grid)
    (ax0, bx0), (ay0, by0) = _node_range(xmin / s_f, xmax / s_f), _node_range(ymin / s_f, ymax / s_f)
    # one spare node each side: pixel coordinates recomputed later may round across a node
    windows: list[tuple[int, int, int, int]] = [(ax0 - 1, bx0 + 1, ay0 - 1, by0 + 1)]
    for _ in range(finest):
        ax, bx, ay, by = windows[-1]
        windows.append((ax // 2 - 1, -(-bx // 2) + 1, ay // 2 - 1, -(-by // 2) + 1))
    windows.reverse()  # windows[k] is octave k's node window
    return windows


def _sum_octaves(
    amps: np.ndarray, windows: list[tuple[int, int, int, int]], seed: int, tag: str, device: str
) -> torch.Tensor:
    """Sum the octaves' lattices on the finest one (exact B-spline refinement): (channels, ny, nx)."""
    import torch

    n_ch = amps.shape[1]
    acc = None
    for k, (ax, bx, ay, by) in enumerate(windows):
        if acc is not None:
            pax, _, pay, _ = windows[k - 1]
            acc = _refine(_refine(acc, 1), 2)
            # refined nodes start at 2*pa+1; crop to this level's window
            oy, ox = ay - (2 * pay + 1), ax - (2 * pax + 1)
            acc = acc[:, oy : oy + (by - ay + 1), ox : ox + (bx - ax + 1)]
        if np.any(amps[k] != 0.0):
            rows = np.arange(ay, by + 1) % TABLE
            cols = np.arange(ax, bx + 1) % TABLE
            vals = np.stack([table(seed, f"{tag}/{k}/{c}").take(rows, 0).take(cols, 1) for c in range(n_ch)])
            vals *= amps[k].astype(np.float32)[:, None, None]
            layer = torch.from_numpy(vals).to(device)
            acc = layer if acc is None else acc + layer
        elif acc is None:
            acc = torch.zeros((n_ch, by - ay + 1, bx - ax + 1), dtype=torch.float32, device=device)
    assert acc is not None
    return acc


def _weights_1d(u: np.ndarray, device: str, block: int) -> list[tuple[int, int, int, torch.Tensor]]:
    """Per block of ``block`` samples: (start, stop, first node, kernel matrix (block, nodes))."""
    import torch

    out = []
    for start in range(0, len(u), block):
        ub = u[start : start + block]
        n0, n1 = _node_range(float(ub.min()), float(ub.max()))
        nodes = np.arange(n0, n1 + 1, dtype=np.float64)
        t = torch.from_numpy((ub[:, None] - nodes[None, :]).astype(np.float32))
        out.append((start, start + len(ub), n0, _bspline(t).to(device)))
    return out


def _eval_separable(grid: PixelGrid, coef: torch.Tensor, s: float, ax: int, ay: int) -> torch.Tensor:
    """Evaluate a B-spline coefficient lattice at an axis-aligned grid with banded matmuls."""
    import torch

    n_ch, ny, nx = coef.shape
    x, y = grid.world_1d()
    u = x / s - ax  # lattice coordinate relative to the window's first node
    v = y / s - ay
    # stage 1: along x, for every lattice row; computed transposed so each block writes whole rows
    c2 = coef.permute(2, 1, 0).reshape(nx, ny * n_ch)  # (node x, (row, ch))
    t1 = torch.empty((grid.width, ny * n_ch), dtype=torch.float32, device=coef.device)
    for start, stop, n0, k in _weights_1d(u, grid.device, BLOCK):
        torch.matmul(k, c2[n0 : n0 + k.shape[1]], out=t1[start:stop])
    t1 = t1.view(grid.width, ny, n_ch).permute(1, 2, 0).reshape(ny, n_ch * grid.width)  # (row, (ch, col))
    # stage 2: along y, one banded product per block of pixel rows
    out = torch.empty((grid.height, n_ch * grid.width), dtype=torch.float32, device=coef.device)
    for start, stop, n0, k in _weights_1d(v, grid.device, BLOCK):
        torch.matmul(k, t1[n0 : n0 + k.shape[1]], out=out[start:stop])
    return out.view(grid.height, n_ch, grid.width).permute(1, 0, 2)


def _cubic_weights(t: torch.Tensor) -> torch.Tensor:
    """The 4 cubic B-spline weights (N, 4) of nodes floor(u)-1 .. floor(u)+2 for fractions t = u - floor(u)."""
    import torch

    w = torch.empty((t.numel(), 4), dtype=t.dtype, device=t.device)
    t2 = t * t
    t3 = t2 * t
    torch.div((1.0 - t) ** 3, 6.0, out=w[:, 0])
    torch.div(3.0 * t3 - 6.0 * t2 + 4.0, 6.0, out=w[:, 1])
    torch.div(t3, 6.0, out=w[:, 3])
    w[:, 2] = 1.0 - w[:, 0] - w[:, 1] - w[:, 3]
    return w


GATHER_CHUNK = 1 << 18  # pixels per chunk of the general (rolled camera) evaluation


def _eval_general(grid: PixelGrid, coef: torch.Tensor, s: float, ax: int, ay: int) -> torch.Tensor:
    """Evaluate a B-spline coefficient lattice at any affine grid.

    Each pixel reads its 4x4 nodes as 4 rows of 4 neighbours, from a table holding every
    run of 4 consecutive nodes (one gather of 16 contiguous bytes per row and channel).
    """
    import torch

    n_ch, ny, nx = coef.shape
    a, c = grid.lattice_coords(s)
    c = c - np.array([ax, ay], dtype=np.float64)
    dev = grid.device
    runs = coef.unfold(2, 4, 1).permute(1, 2, 0, 3).reshape(ny * (nx - 3), n_ch * 4)  # 4-node runs along x
    i = torch.arange(grid.width, dtype=torch.float32, device=dev)[None, :]
    j = torch.arange(grid.height, dtype=torch.float32, device=dev)[:, None]
    u = ((float(a[0, 0]) * i + float(c[0])) + float(a[0, 1]) * j).reshape(-1)
    v = ((float(a[1, 0]) * i + float(c[1])) + float(a[1, 1]) * j).reshape(-1)
    out = torch.empty((u.numel(), n_ch), dtype=torch.float32, device=dev)
    for start in range(0, u.numel(), GATHER_CHUNK):
        uc, vc = u[start : start + GATHER_CHUNK], v[start : start + GATHER_CHUNK]
        iu, iv = torch.floor(uc), torch.floor(vc)
        wu, wv = _cubic_weights(uc - iu), _cubic_weights(vc - iv)
        base = (iv.long() - 1) * (nx - 3) + (iu.long() - 1)
        acc = out[start : start + GATHER_CHUNK]
        acc.zero_()
        for dj in range(4):
            g = runs.index_select(0, base + dj * (nx - 3)).view(-1, n_ch, 4)
            acc += torch.einsum("nck,nk->nc", g, wu) * wv[:, dj : dj + 1]
    return out.T.reshape(n_ch, grid.height, grid.width)


def pores(
    grid: PixelGrid,
    seed: int,
    tag: str,
    cell: float,
    radius: tuple[float, float],
    *,
    presence: float = 0.75,
    table_size: int = 1024,
) -> torch.Tensor:
    """Dark pore coverage (h, W) in [0, 1]: Worley F1 distance clipped at each pore's radius.

    Each square cell of side ``cell`` (world units) holds one feature point (a jittered grid,
    as in Worley noise); a fraction ``presence`` of the cells show a pore, a disc of radius
    drawn from ``radius`` (world units). Its edge is box-filtered over one pixel footprint,
    and a pore smaller than a pixel spreads over about one pixel with its area (darkness x
    area) kept. The layer fades in between 4 and 6 px per cell (below that the pores are
    a Nyquist-level pattern). Feature points keep a margin of ``max(r_max, 0.15 cell) +
    0.125 cell`` from their cell's border, which bounds the reach of a visible pore and its
    anti-aliased fringe, so F1 below that reach only needs the pixel's own cell: the result
    equals a full 3x3-cell Worley search, at the cost of one cell lookup.
    """
    import torch

    gain = smoothstep(4.0, 6.0, cell / grid.footprint)
    if gain == 0.0:
        return torch.zeros((grid.height, grid.width), dtype=torch.float32, device=grid.device)
    cells = _PoreCells.draw(grid, seed, tag, cell, radius, presence, table_size, gain)
    if grid.axis_aligned:
        return _pores_separable(grid, cells)
    return _pores_general(grid, cells)


@dataclass(frozen=True)
class _PoreCells:
    """The pore of every cell covering a grid: (cells_y, cells_x) tables in local world units.

    ``px``, ``py``: feature point; ``k1``: coverage offset (coverage = clamp(k1 - d / footprint, 0, 1));
    ``area``: darkness (the pore's area kept when it is smaller than a pixel, zero for no pore).
    """

    cell: float
    origin: tuple[float, float]  # world position of the first cell's corner: keeps float32 precise
    px: np.ndarray
    py: np.ndarray
    k1: np.ndarray
    area: np.ndarray

    @classmethod
    def draw(
        cls,
        grid: PixelGrid,
        seed: int,
        tag: str,
        cell: float,
        radius: tuple[float, float],
        presence: float,
        table_size: int,
        gain: float,
    ) -> _PoreCells:
        """Feature points, radii and presence of the cells under ``grid``, from the seeded tables."""
        f = grid.footprint
        jx = table(seed, f"{tag}/jx", table_size, "uniform")
        jy = table(seed, f"{tag}/jy", table_size, "uniform")
        jr = table(seed, f"{tag}/jr", table_size, "uniform")
        xmin, xmax, ymin, ymax = _grid_bounds(grid)
        cx0, cy0 = math.floor(xmin / cell), math.floor(ymin / cell)
        cx1, cy1 = math.floor(xmax / cell), math.floor(ymax / cell)
        rows = np.arange(cy0, cy1 + 1) % table_size
        cols = np.arange(cx0, cx1 + 1) % table_size
        ci, cj = np.meshgrid(np.arange(cx1 - cx0 + 1), np.arange(cy1 - cy0 + 1))
        m = min(0.45, max(radius[1] / cell, 0.15) + 0.125)  # margin: a pore and its fringe stay in the cell
        px = (ci + m + (1.0 - 2.0 * m) * jx[np.ix_(rows, cols)]) * cell  # feature point, local world units
        py = (cj + m + (1.0 - 2.0 * m) * jy[np.ix_(rows, cols)]) * cell
        u = jr[np.ix_(rows, cols)].astype(np.float64)
        r = radius[0] + (radius[1] - radius[0]) * (u / presence).clip(0.0, 1.0)
        r_eff = np.maximum(r, 0.6 * f)
        area = (r / r_eff) ** 2 * gain * (u < presence)  # darkness keeps the pore's area when it is sub-pixel
        k1 = r_eff / f + 0.5  # coverage = clamp(k1 - d / f, 0, 1)
        return cls(cell, (cx0 * cell, cy0 * cell), px, py, k1, area)


def _pores_separable(grid: PixelGrid, cells: _PoreCells) -> torch.Tensor:
    """Pore coverage on an axis-aligned grid: each pixel row's cells copied from one row of cell tables."""
    import torch

    f, dev, origin = grid.footprint, grid.device, cells.origin
    n_rows, n_cols = cells.px.shape
    _, Y = grid.xy(origin)
    x, y = grid.world_1d()
    ix = np.clip(np.floor((x - origin[0]) / cells.cell).astype(np.int64), 0, n_cols - 1)
    iy = torch.from_numpy(np.clip(np.floor((y - origin[1]) / cells.cell).astype(np.int64), 0, n_rows - 1)).to(
        dev
    )

    def expand(tab: np.ndarray) -> torch.Tensor:  # (cells_y, cells_x) -> (h, W) by row copies
        return (
            torch.from_numpy(np.ascontiguousarray(tab[:, ix], dtype=np.float32)).to(dev).index_select(0, iy)
        )

    dx2 = (
        torch.from_numpy(((x - origin[0])[None, :] - cells.px[:, ix]) ** 2)
        .float()
        .to(dev)
        .index_select(0, iy)
    )
    dy = Y - expand(cells.py)
    d = torch.sqrt(torch.addcmul(dx2, dy, dy))
    cov = torch.sub(expand(cells.k1), d, alpha=1.0 / f).clamp_(0.0, 1.0)
    return cov.mul_(expand(cells.area))


def _pores_general(grid: PixelGrid, cells: _PoreCells) -> torch.Tensor:
    """Pore coverage on any grid (a rolled camera): one cell lookup per pixel."""
    import torch

    f, dev = grid.footprint, grid.device
    n_rows, n_cols = cells.px.shape
    X, Y = grid.xy(cells.origin)
    ix = torch.floor(X / cells.cell).long().clamp_(0, n_cols - 1)
    iy = torch.floor(Y / cells.cell).long().clamp_(0, n_rows - 1)
    idx = (iy * n_cols + ix).reshape(-1)

    def take(tab: np.ndarray) -> torch.Tensor:
        return (
            torch.from_numpy(np.ascontiguousarray(tab, dtype=np.float32))
            .to(dev)
            .reshape(-1)[idx]
            .view(X.shape)
        )

    d = torch.sqrt((X - take(cells.px)) ** 2 + (Y - take(cells.py)) ** 2)
    return (take(cells.k1) - d / f).clamp_(0.0, 1.0) * take(cells.area)


def ramp(signed_distance: torch.Tensor, footprint: float) -> torch.Tensor:
    """Box-filtered coverage of the inside (negative distance) of a straight edge.

    ``signed_distance`` in world units; the transition spans one pixel ``footprint``.
    Exact for edges along the pixel grid, within a few percent at other angles.
    """
    return (0.5 - signed_distance / footprint).clamp_(0.0, 1.0)


def edge_coverage(signed_distance: torch.Tensor, footprint: float, angle: float) -> torch.Tensor:
    """Exact area of a square pixel on the inside (negative side) of a straight edge.

    A square of side ``footprint`` projected on the edge normal (at ``angle`` to the pixel
    grid) has a trapezoid profile, the convolution of two boxes of widths f|cos a| and
    f|sin a|; the covered area is that trapezoid's CDF at ``-signed_distance``.
    """
    import torch

    w1 = max(abs(math.cos(angle)), abs(math.sin(angle))) * footprint
    w2 = min(abs(math.cos(angle)), abs(math.sin(angle))) * footprint
    x = -signed_distance  # positive inside
    if w2 < 1e-12 * footprint:
        return (x / w1 + 0.5).clamp(0.0, 1.0)
    # CDF of U(-w1/2, w1/2) + U(-w2/2, w2/2)
    a, b = (w1 - w2) / 2.0, (w1 + w2) / 2.0
    xa = x.abs()
    tail = (b - xa).clamp(min=0.0) ** 2 / (2.0 * w1 * w2)  # mass beyond |x| in one tail
    lin = 0.5 + xa / w1  # CDF at |x| when |x| <= a
    upper = torch.where(xa <= a, lin, 1.0 - tail)
    return torch.where(x >= 0, upper, 1.0 - upper)


def band_limit(freq: float, footprint: float) -> float:
    """Weight of a sinusoid of ``freq`` cycles per world unit on a grid of ``footprint`` units/pixel.

    1 up to 0.25 cycles/pixel, fading smoothly to 0 at the Nyquist limit (0.5 cycles/pixel).
    """
    return 1.0 - smoothstep(0.25, 0.5, freq * footprint)


class CellLookup:
    """Per-pixel access to per-cell parameters on a regular world grid of (cw, ch) cells.

    ``get(tab, di, dj)`` returns, for every pixel, ``tab[row + dj, col + di]`` of the cell
    the pixel lies in, broadcastable to (h, W). On axis-aligned grids this is a column
    gather on the small table followed by row copies (no per-pixel gather).
    """

    def __init__(
        self, grid: PixelGrid, cw: float, ch: float, pad: int, seed: int, tag: str, size: int = 512
    ) -> None:
        import torch

        self.grid, self.cw, self.ch, self.seed, self.tag, self.size = grid, cw, ch, seed, tag, size
        xmin, xmax, ymin, ymax = _grid_bounds(grid)
        self.c0 = math.floor(xmin / cw) - pad
        self.r0 = math.floor(ymin / ch) - pad
        c1, r1 = math.floor(xmax / cw) + pad, math.floor(ymax / ch) + pad
        self.ncols, self.nrows = c1 - self.c0 + 1, r1 - self.r0 + 1
        self.pad = pad
        self.origin = (self.c0 * cw, self.r0 * ch)
        self.X, self.Y = grid.xy(self.origin)  # local world coordinates
        dev = grid.device
        if grid.axis_aligned:
            x, y = grid.world_1d()
            self._ix = np.floor((x - self.origin[0]) / cw).astype(np.int64)
            self._iy = np.floor((y - self.origin[1]) / ch).astype(np.int64)
            self.col = torch.from_numpy(self._ix.astype(np.float32)).to(dev)[None, :]
            self.row = torch.from_numpy(self._iy.astype(np.float32)).to(dev)[:, None]
        else:
            self.col = torch.floor(self.X / cw)
            self.row = torch.floor(self.Y / ch)
            self._flat = (self.row.long() * self.ncols + self.col.long()).reshape(-1)

    def table(self, name: str) -> np.ndarray:
        """Uniform [0, 1) values of the cells in the window, (nrows, ncols) float64."""
        tab = table(self.seed, f"{self.tag}/{name}", self.size, "uniform")
        rows = np.arange(self.r0, self.r0 + self.nrows) % self.size
        cols = np.arange(self.c0, self.c0 + self.ncols) % self.size
        return tab[np.ix_(rows, cols)].astype(np.float64)

    def get(self, tab: np.ndarray, di: int = 0, dj: int = 0) -> torch.Tensor:
        """``tab[row + dj, col + di]`` per pixel as float32 (h, W) (indices clipped to the window)."""
        import torch

        dev = self.grid.device
        if self.grid.axis_aligned:
            cols = np.clip(self._ix + di, 0, self.ncols - 1)
            rows = torch.from_numpy(np.clip(self._iy + dj, 0, self.nrows - 1)).to(dev)
            small = torch.from_numpy(np.ascontiguousarray(tab[:, cols], dtype=np.float32)).to(dev)
            return small.index_select(0, rows)
        flat = torch.from_numpy(np.ascontiguousarray(tab, dtype=np.float32)).to(dev).reshape(-1)
        shift = dj * self.ncols + di
        idx = (self._flat + shift).clamp_(0, flat.numel() - 1)
        return flat[idx].view(self.grid.height, self.grid.width)
