"""The course's headline, measured on real scenes: native versus low-res render + bicubic x4.

Run at 960x540 native versus 240x135 upscaled x4 (the 4K versus 540p ratio), with sub-pixel
camera motion and the scenes' ground-truth flow. The zone plate's chirp rate is scaled with
the frame (k = 250 at 540p is the k = 1000 default at 4K: the same cycles per pixel), so the
native grid resolves it exactly as a 4K frame resolves the default plate.

Measured here (CPU, 4 frames): zone plate warp error native 8.8e-4 vs upscaled 5.6e-3 (6x);
skin 3.1e-5 vs 2.3e-6: the bicubic arm has almost no detail left to flicker, while the native
skin render shimmers slightly at its finest octaves (an exact Fourier shift leaves the same
residual, so it is in the render, not the warp). That last comparison is recorded as an
expected failure until the scene or the expectation changes.
"""

from __future__ import annotations

import pytest

from lab import metrics

native = pytest.importorskip("lab.native")
scenes = pytest.importorskip("lab.scenes")

NATIVE, SOURCE, FRAMES = "960x540", "240x135", 4


def _arms(name: str, **options: object) -> tuple[object, object]:
    scene = scenes.get(name, motion="subpixel", **options)
    nat = native.render_clip(scene, NATIVE, FRAMES, show_progress=False)
    up = native.upscaled_clip(scene, NATIVE, SOURCE, "bicubic", FRAMES, show_progress=False)
    return nat, up


@pytest.fixture(scope="module")
def zoneplate() -> tuple[object, object]:
    return _arms("zoneplate", k=250.0)


@pytest.fixture(scope="module")
def skin() -> tuple[object, object]:
    return _arms("skin")


def test_zoneplate_native_has_less_flicker_and_more_detail(zoneplate: tuple[object, object]) -> None:
    nat, up = zoneplate
    w_native = metrics.warp_error(nat, flow="truth")
    w_up = metrics.warp_error(up, flow="truth")
    assert w_native.reliable and w_up.reliable and w_native.flow_source == "truth"
    assert w_native.mean < 0.5 * w_up.mean
    assert metrics.high_frequency_share(nat.frame(0)) > 2 * metrics.high_frequency_share(up.frame(0))


def test_skin_native_has_more_detail(skin: tuple[object, object]) -> None:
    nat, up = skin
    frame_n, frame_u = nat.frame(1), up.frame(1)
    assert metrics.high_frequency_share(frame_n) > 10 * metrics.high_frequency_share(frame_u)
    assert metrics.waxiness(frame_n, frame_u) < 0.1
    assert metrics.glcm_score(frame_n) > metrics.glcm_score(frame_u)


@pytest.mark.xfail(
    strict=True,
    reason="bicubic x4 of an anti-aliased 240x135 skin render is nearly detail-free and so temporally "
    "stable (warp error ~2e-6, the 8-bit floor), while the native render shimmers slightly at its finest "
    "octaves (~3e-5 even with an exact Fourier shift); lesson 5 teaches what this means",
)
def test_skin_native_has_less_flicker(skin: tuple[object, object]) -> None:
    nat, up = skin
    assert metrics.warp_error(nat, flow="truth").mean < metrics.warp_error(up, flow="truth").mean


def test_report_on_the_zoneplate_pair(zoneplate: tuple[object, object]) -> None:
    nat, up = zoneplate
    rep = metrics.report(nat, up, flow="truth", texture_frames=1, tof_pairs=1, show_progress=False)
    assert rep.reliable
    assert rep.value("warp_error", "native") < rep.value("warp_error", "candidate")
    assert rep.value("high_frequency_share", "native") > rep.value("high_frequency_share", "candidate")
    assert rep.value("waxiness") < 1.0
