"""Scenes: registry, determinism, camera geometry and exact flow, cuts, identity, building blocks."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from lab import native, scenes
from lab.errors import LabError, LabTypeError
from lab.resolution import Resolution
from lab.scenes import Camera, Identity, Shot, ShotList
from lab.scenes.camera import PixelGrid
from lab.scenes.fields import _bspline, _refine, edge_coverage, fbm, pores, table


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small test frames render fastest on one thread (no fork/join per op); restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


REQUIRED = ["skin", "fabric", "foliage", "zoneplate", "sign", "character", "edge"]
RANDOM_SCENES = ["skin", "fabric", "foliage", "sign", "character"]  # the others have no random content


# --- registry ------------------------------------------------------------------------------
def test_names_and_descriptions():
    assert all(name in scenes.names() for name in REQUIRED)
    desc = scenes.describe()
    for name in scenes.names():
        assert desc[name] and "\n" not in desc[name]
        s = scenes.get(name)
        assert s.antialiasing and name in s.info()


def test_unknown_scene_lists_names():
    with pytest.raises(LabError, match="unknown scene 'skn'.*character.*skin"):
        scenes.get("skn")
    with pytest.raises(LabTypeError):
        scenes.get(3)  # type: ignore[arg-type]


def test_bad_motion_option_and_seed():
    with pytest.raises(LabError, match="unknown motion 'spin'.*pan.*rotate"):
        scenes.get("skin", motion="spin")
    with pytest.raises(LabError, match="has no option 'colour'.*tone"):
        scenes.get("skin", colour="red")
    with pytest.raises(LabError, match="unknown skin tone"):
        scenes.get("skin", tone="green")
    with pytest.raises(LabError, match="out of range"):
        scenes.get("fabric", thread=-1.0)
    with pytest.raises(LabError, match="seed"):
        scenes.get("skin", seed=-1)
    with pytest.raises(LabTypeError, match="seed"):
        scenes.get("skin", seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(LabError, match="either camera= or shots="):
        scenes.get("skin", camera=Camera(), shots=[(Camera(), 1.0)])


def test_camera_validation():
    with pytest.raises(LabError, match="zoom must be positive"):
        Camera(zoom=0.0)
    with pytest.raises(LabTypeError, match="pair"):
        Camera(center=(1.0,))  # type: ignore[arg-type]
    with pytest.raises(LabError, match="finite"):
        Camera(velocity=(math.nan, 0.0))
    with pytest.raises(LabError, match="positive"):
        Shot(Camera(), 0.0)
    with pytest.raises(LabError, match="at least one"):
        ShotList(())
    with pytest.raises(LabError, match=">= 0"):
        scenes.get("skin").flow("64x36", -1.0, 0.0)


# --- determinism and rendering of every scene --------------------------------------------
@pytest.mark.parametrize("name", REQUIRED)
def test_every_scene_renders_at_several_sizes(name):
    scene = scenes.get(name, seed=2)
    for size in ["160x90", "97x61", "320x180"]:
        res = Resolution(*map(int, size.split("x")))
        frame = native.render(scene, res, 0.25)
        assert frame.shape == (res.height, res.width, 3) and frame.dtype == np.uint8
        f = native.render_float(scene, res, 0.25)
        assert np.isfinite(f).all() and f.min() >= 0.0 and f.max() <= 1.0
        assert f.std() > 0.01  # not a blank frame


@pytest.mark.parametrize("name", REQUIRED)
def test_same_seed_same_frame(name):
    a = native.render(scenes.get(name, seed=5, motion="pan"), "160x90", 0.5)
    b = native.render(scenes.get(name, seed=5, motion="pan"), "160x90", 0.5)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("name", RANDOM_SCENES)
def test_different_seed_different_frame(name):
    a = native.render(scenes.get(name, seed=1), "160x90")
    b = native.render(scenes.get(name, seed=2), "160x90")
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.5


@pytest.mark.parametrize("name", REQUIRED)
def test_rolled_camera_renders(name):
    """A rolling camera takes the general (non-separable) path; it must still render cleanly."""
    f = native.render_float(scenes.get(name, motion="rotate"), "96x54", 2.0)
    assert np.isfinite(f).all() and f.std() > 0.01


def test_world_is_resolution_independent():
    """The same world point lands on the same colour at any resolution (smooth zone plate)."""
    scene = scenes.get("zoneplate", k=4.0)
    small = native.render_float(scene, "160x90")
    big = native.render_float(scene, "640x360")
    down = cv2.resize(big, (160, 90), interpolation=cv2.INTER_AREA)
    assert np.abs(small - down).max() < 2e-3


# --- flow --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", REQUIRED)
def test_integer_pan_flow_reproduces_next_frame(name):
    """Shifting frame t by the reported flow reproduces frame t+1 within 1/255 away from borders."""
    res, fps = Resolution(160, 90), 24.0
    step = (3.0, -2.0)  # camera moves 3 px right and 2 px up per frame
    cam = Camera(center=(0.1, 0.05), velocity=(step[0] * fps / res.height, step[1] * fps / res.height))
    scene = scenes.get(name, seed=4, camera=cam)
    clip = native.render_clip(scene, res, 2, fps, show_progress=False)
    f0, f1 = clip.frame(0).astype(int), clip.frame(1).astype(int)
    flow = clip.flow(0)
    assert np.allclose(flow[..., 0], -step[0], atol=1e-4) and np.allclose(flow[..., 1], -step[1], atol=1e-4)
    dx, dy = int(np.rint(flow[0, 0, 0])), int(np.rint(flow[0, 0, 1]))
    m = 6
    ys, xs = np.mgrid[m : res.height - m, m : res.width - m]
    moved = f1[ys + dy, xs + dx]
    assert np.abs(moved - f0[ys, xs]).max() <= 1


def _analytic(res: Resolution, p: np.ndarray, kind: str, dt: float, cam: Camera) -> np.ndarray:
    """Where pixel p goes after dt, from the camera parameters (independent of Scene.flow)."""
    c = np.array([res.width / 2 - 0.5, res.height / 2 - 0.5])
    if kind == "subpixel":
        return p - np.array(cam.velocity) * dt * cam.zoom * res.height
    if kind == "zoom":
        return c + (p - c) * math.exp(cam.zoom_rate * dt)
    a = -cam.spin * dt  # content turns against the camera roll (image y points down)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return c + (p - c) @ rot.T


@pytest.mark.parametrize("kind", ["subpixel", "zoom", "rotate"])
def test_flow_matches_camera_transform(kind):
    res = Resolution(160, 90)
    scene = scenes.get("skin", motion=kind)
    cam = scene.camera
    t0, t1 = 0.5, 0.5 + 1 / 24
    flow = scene.flow(res, t0, t1)
    j, i = np.mgrid[0 : res.height, 0 : res.width]
    p = np.stack([i, j], -1).reshape(-1, 2).astype(np.float64)
    expected = _analytic(res, p, kind, t1 - t0, cam) - p
    assert np.abs(flow.reshape(-1, 2) - expected).max() < 1e-4
    if kind == "subpixel":  # 0.37 px per frame at 1080p and 24 fps: genuinely sub-pixel
        step = np.hypot(*scene.flow("1080p", t0, t1)[0, 0])
        assert abs(step - 0.37) < 1e-3
    # world points seen at p at t0 are seen at p + flow at t1
    A, b = scene.transform(res, t0)
    world = p[::97] @ A.T + b
    assert np.abs(scene.world_to_pixel(res, t1, world) - (p[::97] + flow.reshape(-1, 2)[::97])).max() < 1e-4


WARP_CAMERAS = {
    "subpixel": Camera(center=(0.3, 0.1), velocity=(0.0031, 0.0023)),
    "zoom": Camera(center=(0.3, 0.1), zoom_rate=0.2),
    "rotate": Camera(center=(0.3, 0.1), spin=0.1),
}


@pytest.mark.parametrize("kind", list(WARP_CAMERAS))
def test_warping_back_with_flow_matches_previous_frame(kind):
    """On smooth content, frame t+1 sampled at p + flow(p) reproduces frame t."""
    from scipy.ndimage import map_coordinates

    scene = scenes.get("zoneplate", k=8.0, camera=WARP_CAMERAS[kind])
    res = Resolution(192, 108)
    f0 = native.render_float(scene, res, 1.0)[..., 0].astype(np.float64)
    f1 = native.render_float(scene, res, 1.0 + 1 / 24)[..., 0].astype(np.float64)
    flow = scene.flow(res, 1.0, 1.0 + 1 / 24)
    j, i = np.mgrid[0 : res.height, 0 : res.width]
    back = map_coordinates(f1, [j + flow[..., 1], i + flow[..., 0]], order=3, mode="nearest")
    m = 8
    err = np.abs(back - f0)[m:-m, m:-m].mean()
    still = np.abs(f1 - f0)[m:-m, m:-m].mean()
    assert err < 2e-4 and err < still / 10, (err, still)


def test_cuts_make_flow_undefined():
    scene = scenes.get("character", motion="shots")
    assert scene.cuts == [1.0, 2.0]
    assert [scene.shot_index(t) for t in (0.0, 0.99, 1.0, 2.5)] == [0, 0, 1, 2]
    assert np.isnan(scene.flow("64x36", 0.98, 1.02)).all()
    assert np.isfinite(scene.flow("64x36", 1.1, 1.2)).all()
    clip = native.render_clip(scene, "64x36", 30, fps=24.0, show_progress=False)
    assert np.isnan(clip.flow(23)).all() and np.isfinite(clip.flow(22)).all()
    custom = scenes.get("skin", shots=[(Camera(), 0.5), (Camera(zoom=2.0), 0.5)])
    assert custom.cuts == [0.5] and custom.motion == "shots"


# --- character identity -------------------------------------------------------------------
def test_identity_is_seeded_and_exposed():
    assert scenes.get("character", seed=3).identity == Identity.from_seed(3)
    idents = {Identity.from_seed(s) for s in range(8)}
    assert len(idents) > 4
    ident = Identity.from_seed(3)
    assert set(ident.palette()) == {"body", "belly", "marking", "eye"}
    assert ident.as_dict()["markings"] in ("stripes", "spots")
    with pytest.raises(LabTypeError, match="Identity"):
        scenes.get("character", identity="tabby")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identity_kept_across_cuts(seed):
    """In every shot, each visible anchor of the character shows its identity colour."""
    scene = scenes.get("character", seed=seed, motion="shots")
    res = Resolution(320, 180)
    pal = scene.identity.palette()
    for t in (0.5, 1.5, 2.5):
        frame = native.render_float(scene, res, t)
        seen_parts = []
        for part, world in scene.anchors.items():
            x, y = scene.world_to_pixel(res, t, [world])[0]
            if not (2 <= x < res.width - 2 and 2 <= y < res.height - 2):
                continue  # out of this shot's frame (the close-up shows the head only)
            colour = pal["body" if part == "head" else part]
            seen = frame[int(np.rint(y)), int(np.rint(x))]
            assert np.abs(seen - np.array(colour)).max() < 0.05, (part, t, seen)
            seen_parts.append(part)
        assert {"head", "eye"} <= set(seen_parts), (t, seen_parts)


# --- building blocks against independent references ---------------------------------------
def _grid(res: Resolution, cam: Camera, t: float = 0.0) -> PixelGrid:
    A, b = cam.pixel_to_world(res, t)
    return PixelGrid(res, A, b, 0, res.height)


def test_bspline_refinement_is_exact():
    c = torch.randn(1, 1, 16, dtype=torch.float64)
    d = _refine(c, 2)
    for u in (3.3, 5.0, 9.71):
        coarse = float((c[0, 0] * _bspline(torch.tensor(u - np.arange(16)))).sum())
        fine = float((d[0, 0] * _bspline(torch.tensor(2 * u - 1 - np.arange(d.shape[-1])))).sum())
        assert abs(coarse - fine) < 1e-12


def test_fbm_separable_equals_general_and_direct_sum():
    """Banded matmul path == 16-tap path == a direct per-pixel B-spline sum over the octaves."""
    res = Resolution(48, 27)
    cam = Camera(center=(0.3, -0.2), zoom=1.7)
    grid = _grid(res, cam)
    amps = np.array([[1.0], [0.6], [0.36]])
    sep = fbm(grid, 3, "t", 0.2, amps)[0].numpy()
    A2 = grid.A.copy()
    A2[0, 1] = 1e-30  # same map, flagged non-separable
    gen = fbm(PixelGrid(res, A2, grid.b, 0, res.height), 3, "t", 0.2, amps)[0].numpy()
    assert np.abs(sep - gen).max() < 1e-5
    # direct: every octave evaluated on its own lattice (no refinement)
    j, i = np.mgrid[0 : res.height, 0 : res.width]
    wx = grid.A[0, 0] * i + grid.b[0]
    wy = grid.A[1, 1] * j + grid.b[1]
    direct = np.zeros(res.shape[:2])
    for k, a in enumerate(amps[:, 0]):
        s = 0.2 / 2**k
        u, v = wx / s, wy / s
        tab = table(3, f"t/{k}/0").astype(np.float64)
        for dj in range(-1, 3):
            for di in range(-1, 3):
                nu, nv = np.floor(u) + di, np.floor(v) + dj
                w = _bspline(torch.from_numpy(u - nu)).numpy() * _bspline(torch.from_numpy(v - nv)).numpy()
                direct += a * w * tab[nv.astype(int) % 256, nu.astype(int) % 256]
    assert np.abs(sep - direct).max() < 1e-4


def test_fbm_drops_octaves_beyond_nyquist():
    """An octave whose lattice is under 1 px apart contributes nothing (it would alias)."""
    fine_only = np.array([[0.0], [0.0], [0.0], [1.0]])  # spacing 0.1 / 8 = 0.0125 world units
    low = fbm(_grid(Resolution(64, 36), Camera()), 0, "n", 0.1, fine_only)  # 0.45 px apart
    high = fbm(_grid(Resolution(640, 360), Camera()), 0, "n", 0.1, fine_only)  # 4.5 px apart
    assert float(low.abs().max()) == 0.0 and float(high.std()) > 0.3


def test_pores_match_brute_force_worley():
    """Pore coverage equals a brute-force Worley F1 (3x3 cell search) disc at each pixel."""
    res = Resolution(200, 120)
    cam = Camera(center=(0.37, 0.11), zoom=3.0)
    grid = _grid(res, cam)
    cell, radius = 0.02, (0.0015, 0.003)
    got = pores(grid, 9, "p", cell, radius).numpy()
    f = grid.footprint
    jx, jy, jr = (table(9, f"p/{k}", 1024, "uniform").astype(np.float64) for k in ("jx", "jy", "jr"))
    j, i = np.mgrid[0 : res.height, 0 : res.width]
    wx, wy = grid.A[0, 0] * i + grid.b[0], grid.A[1, 1] * j + grid.b[1]
    cx, cy = np.floor(wx / cell).astype(int), np.floor(wy / cell).astype(int)
    m = max(radius[1] / cell, 0.15) + 0.125
    best = np.full(wx.shape, np.inf)
    best_r = np.zeros(wx.shape)
    best_u = np.zeros(wx.shape)
    for dj in (-1, 0, 1):
        for di in (-1, 0, 1):
            ci, cj = (cx + di) % 1024, (cy + dj) % 1024
            px = (cx + di + m + (1 - 2 * m) * jx[cj, ci]) * cell
            py = (cy + dj + m + (1 - 2 * m) * jy[cj, ci]) * cell
            d = np.hypot(wx - px, wy - py)
            u = jr[cj, ci]
            r = radius[0] + (radius[1] - radius[0]) * np.clip(u / 0.75, 0, 1)
            closer = d < best
            best, best_r, best_u = (
                np.where(closer, d, best),
                np.where(closer, r, best_r),
                np.where(closer, u, best_u),
            )
    r_eff = np.maximum(best_r, 0.6 * f)
    ref = np.clip(r_eff / f + 0.5 - best / f, 0, 1) * (best_r / r_eff) ** 2 * (best_u < 0.75)
    assert np.abs(got - ref).max() < 1e-4
    assert ref.max() == 1.0  # pores really are resolved at this zoom


def test_edge_coverage_is_exact_pixel_area():
    """The slanted edge's coverage equals the supersampled area of each pixel square."""
    rng = np.random.default_rng(0)
    n = 64
    sub = (np.arange(n) + 0.5) / n - 0.5
    sx, sy = np.meshgrid(sub, sub)
    for angle in (0.0, 0.087, 0.5, 0.785, 1.3):
        nx, ny = math.cos(angle), math.sin(angle)
        d = rng.uniform(-1.0, 1.0, 40)  # signed distance of the pixel centre, in pixels
        got = edge_coverage(torch.from_numpy(d), 1.0, angle).numpy()
        ref = np.array([((sx * nx + sy * ny + di) < 0).mean() for di in d])
        assert np.abs(got - ref).max() < 2.5 / n


def test_edge_scene_is_slanted_five_degrees():
    f = native.render_float(scenes.get("edge"), "320x180")[..., 0]
    rows = [f[y] for y in (20, 160)]
    cross = [np.interp(0.5, r, np.arange(320)) for r in rows]  # dark->light column, per row
    slope = (cross[1] - cross[0]) / 140.0
    assert abs(math.degrees(math.atan(slope)) - 5.0) < 0.3


def test_fbm_window_survives_rounding_at_band_edges():
    """Regression: lattice windows once missed a node when a band edge fell just below a node
    (pan frame 13 of a 4K clip, second band), and the banded product failed."""
    scene = scenes.get("skin", motion="pan")
    for t in (13, 16):
        grid = scene.grid("64x2160", t / 24, (781, 1562))  # the 4K rows, narrowed: same y mapping
        out = fbm(grid, 0, "skin/bump", 0.02, [[1.0]] * 6)
        assert out.shape == (1, 781, 64) and bool(torch.isfinite(out).all())
