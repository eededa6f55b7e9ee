"""Offline tests of lab.hub with tiny randomly initialised pipelines built in-process.

No test may touch the network: an autouse fixture makes every socket connection fail and
sets the Hugging Face libraries offline, so a stray download raises instead of hanging.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch

from lab import hub
from lab.diffusion import TilePlan, plan_tiles, seam_score
from lab.errors import LabError


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch):
    def refuse(*args, **kwargs):
        raise OSError("network access is not allowed in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def pipes() -> hub.HubPipelines:
    return hub.build_tiny(seed=0)


def _pixel_plan(plan: TilePlan, f: int) -> TilePlan:
    return TilePlan(
        (plan.canvas[0] * f, plan.canvas[1] * f),
        tuple(y * f for y in plan.ys),
        tuple(x * f for x in plan.xs),
        (plan.size[0] * f, plan.size[1] * f),
    )


class _Pointwise(torch.nn.Module):
    """Stand-in conditional UNet without spatial context (tiling must not change its result)."""

    class _Out:
        def __init__(self, sample: torch.Tensor) -> None:
            self.sample = sample

    def forward(self, x, t, encoder_hidden_states=None, class_labels=None):  # noqa: ANN001
        return self._Out(0.5 * x[:, :4] + encoder_hidden_states.mean() + 0.01 * float(t))


# --- output sizes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(48, 32), (45, 30), (100, 60)])
def test_generate_native_output_resolution(pipes: hub.HubPipelines, size: tuple[int, int]) -> None:
    image = pipes.generate_native("a cat", size, steps=2, show_progress=False)
    assert image.shape == (size[1], size[0], 3) and image.dtype == np.uint8


def test_native_tiles_engage_on_large_latents(pipes: hub.HubPipelines) -> None:
    plan = pipes.latent_plan((100, 60))
    assert plan.canvas == (30, 50) and plan.count > 1 and max(plan.size) <= pipes.settings.window


def test_generate_low_upscale_is_x4(pipes: hub.HubPipelines) -> None:
    image, low = pipes.generate_low_upscale(
        "a cat", (100, 60), steps=2, upscale_steps=2, show_progress=False, return_low=True
    )
    assert image.shape == (60, 100, 3) and image.dtype == np.uint8
    assert low.shape == (16, 26, 3)  # ceil(60/4)=15 -> 16, ceil(100/4)=25 -> 26 (VAE factor 2)


# --- determinism -------------------------------------------------------------------------------------
def test_generation_is_deterministic_for_a_seed(pipes: hub.HubPipelines) -> None:
    a = pipes.generate_native("a cat", (64, 48), seed=3, steps=3, show_progress=False)
    b = pipes.generate_native("a cat", (64, 48), seed=3, steps=3, show_progress=False)
    c = pipes.generate_native("a cat", (64, 48), seed=4, steps=3, show_progress=False)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 1.0
    u1 = pipes.generate_low_upscale("a dog", (64, 48), seed=1, steps=2, upscale_steps=2, show_progress=False)
    u2 = pipes.generate_low_upscale("a dog", (64, 48), seed=1, steps=2, upscale_steps=2, show_progress=False)
    np.testing.assert_array_equal(u1, u2)


# --- tiling --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("blend", hub.BLENDS)
def test_window_averaging_is_exact_for_a_context_free_unet(blend: str) -> None:
    """Weights are normalised: a UNet without context gives the same latent tiled or whole."""
    from diffusers import DDIMScheduler

    unet = _Pointwise()
    text = torch.randn(2, 4, 16, generator=torch.Generator().manual_seed(0))
    cond = torch.randn(1, 3, 20, 36, generator=torch.Generator().manual_seed(1))
    start = torch.randn(1, 4, 20, 36, generator=torch.Generator().manual_seed(2))
    results = []
    for plan in (
        plan_tiles(20, 36, tile=36, overlap=0, stride=1),
        plan_tiles(20, 36, tile=10, overlap=4, stride=1),
    ):
        sched = DDIMScheduler()
        sched.set_timesteps(3)
        results.append(
            hub.tiled_denoise(
                unet,
                sched,
                start.clone(),
                text,
                guidance=3.0,
                plan=plan,
                blend=blend,
                view_batch=3,
                cond=cond,
                show_progress=False,
            )
        )
    torch.testing.assert_close(results[1], results[0], rtol=0, atol=1e-5)


def test_blended_windows_leave_no_seams(pipes: hub.HubPipelines) -> None:
    """Difference to the whole-latent result, measured across window borders (seam_score).

    Hard tiles (stride = window, no overlap) jump at their borders; raised-cosine blending over
    the overlap keeps the difference smooth and closer to the whole-latent image overall.
    """
    f = pipes.latent_factor
    size = (128, 128)
    whole = (
        pipes.generate_native("a cat", size, window=1000, steps=6, show_progress=False).astype(np.float32)
        / 255
    )

    def measure(window: int, stride: int, blend: str) -> tuple[float, float]:
        plan = pipes.latent_plan(size, window=window, stride=stride)
        img = pipes.generate_native(
            "a cat", size, window=window, stride=stride, blend=blend, steps=6, show_progress=False
        )
        diff = np.clip(img.astype(np.float32) / 255 - whole + 0.5, 0, 1)
        return seam_score(diff, _pixel_plan(plan, f)), float(
            np.abs(img.astype(np.float32) / 255 - whole).mean()
        )

    blended, blended_err = measure(24, 16, "cosine")
    hard, hard_err = measure(16, 16, "cosine")
    uniform, _ = measure(24, 16, "uniform")
    assert hard > 1.5 * blended, (hard, blended)
    assert uniform > blended
    assert blended_err < 0.6 * hard_err


def test_callback_sees_every_step(pipes: hub.HubPipelines) -> None:
    seen: list[int] = []
    pipes.generate_native(
        "a cat", (32, 32), steps=3, show_progress=False, callback=lambda i, t, latents: seen.append(i)
    )
    assert seen == [0, 1, 2]


# --- settings and loading ------------------------------------------------------------------------------------
def test_memory_aware_defaults() -> None:
    t4 = hub.default_settings("cuda", gpu_memory_gib=15.0)
    assert (t4.dtype, t4.view_batch, t4.attention_slicing, t4.vae_tiling) == ("float16", 4, True, True)
    assert t4.window * 8 == 512  # SD's native 512 px windows
    assert hub.default_settings("cuda", gpu_memory_gib=80.0).view_batch > t4.view_batch
    assert hub.default_settings("cuda", gpu_memory_gib=8.0).view_batch == 1
    assert hub.default_settings("cpu").dtype == "float32"


def test_dtype_keyword_follows_installed_diffusers() -> None:
    import diffusers

    major, minor = (int(p) for p in diffusers.__version__.split(".")[:2])
    assert list(hub.dtype_kwargs(torch.float16)) == (
        ["dtype"] if (major, minor) >= (0, 40) else ["torch_dtype"]
    )


def test_settings_validation() -> None:
    with pytest.raises(LabError, match="choose one of: cosine, uniform"):
        hub.HubSettings(blend="max")
    with pytest.raises(LabError, match="gaps"):
        hub.HubSettings(window=32, stride=40)
    with pytest.raises(LabError, match="dtype"):
        hub.HubSettings(dtype="float8")


def test_bad_requests(pipes: hub.HubPipelines) -> None:
    with pytest.raises(LabError, match="prompt"):
        pipes.generate_native("", (32, 32), steps=1, show_progress=False)
    with pytest.raises(LabError, match="noise_level"):
        pipes.generate_low_upscale(
            "a cat", (32, 32), steps=1, upscale_steps=1, noise_level=5000, show_progress=False
        )
    with pytest.raises(LabError, match="no upscaler"):
        hub.HubPipelines(pipes.text2img, None, pipes.settings).generate_low_upscale(
            "a cat", (32, 32), show_progress=False
        )


def test_load_without_network_fails_clearly() -> None:
    with pytest.raises(LabError, match="cannot load 'nobody/no-such-model'"):
        hub.load_pipelines(
            "nobody/no-such-model", upscaler=None, settings=hub.HubSettings(), local_files_only=True
        )


def test_compare_pipelines_offline(pipes: hub.HubPipelines) -> None:
    result = hub.compare_pipelines("a cat", (64, 48), pipes=pipes, show_progress=False)
    assert result.native.shape == result.upscaled.shape == (48, 64, 3)
    assert result.low.shape == (12, 16, 3)
    assert result.seconds_native > 0 and result.seconds_upscaled > 0
    assert 0.0 <= result.hf_share_native <= 1.0 and "x4 upscaler" in str(result)
