"""Measurement: flicker, texture fidelity and sharpness metrics for native vs upscaled video.

One public function per metric, in the scikit-image style: the reference comes first,
options are keyword-only, and scalar results are Python floats computed in float64.
Frames may be ``uint8`` (0-255) or float (0-1) numpy arrays ``(H, W, 3)``, or torch
tensors ``(1, 3, H, W)``/``(3, H, W)``; temporal metrics take a :class:`lab.video.Clip`
(or a list / ``(N, H, W, 3)`` array of frames) and stream it one frame at a time.
Definitions, constants and sources: each function's docstring cites them.

Public API (signatures)
-----------------------
Spatial, full reference (``lab.metrics.spatial``)::

    psnr(reference, test, *, channel="y") -> float                       # dB, BT.601 Y ("yuv": a file's Y plane)
    ssim(reference, test, *, channel="y", sigma=1.5, full=False) -> float  # (, map)
    error_map(reference, test, *, channel="y", kind="abs") -> ndarray (H, W) float32

Texture fidelity, no reference (``spectrum``, ``texture``)::

    radial_spectrum(image, *, window="hann") -> RadialSpectrum  # .frequency cycles/px, .power, .log_power, .slope()
    high_frequency_share(image, *, cutoff=0.125, window="hann") -> float   # 0..1
    waxiness(native, candidate, *, cutoff=0.125, window="hann") -> float   # share ratio, 1 = native detail
    sharpness(image, *, crop=None) -> float                  # Laplacian variance, (8-bit levels)^2
    glcm_score(image, *, levels=64, patch=64, distances=(1, 2, 3, 4)) -> float   # bits
    compression_ratio(image, *, quality=95) -> float         # raw RGB bytes / JPEG bytes

Edges (``edges``)::

    slanted_edge_mtf(image, *, oversample=4) -> MTFResult    # .frequency, .mtf, .mtf50, .angle_deg
    mtf50(image, *, oversample=4) -> float                   # cycles/pixel

Temporal (``temporal``, ``flow``)::

    vbench_flicker_score(clip) -> float                      # (255 - mean|F_t - F_t+1|) / 255
    warp_error(clip, *, flow="auto", reference=None, interpolation="auto") -> WarpError
        # .per_frame, .mean (MSE on [0,1]), .masked_fraction, .confidence, .reliable, .message,
        # .rms_levels (RMS difference, 8-bit grey levels), .threshold_levels, .visible, .verdict,
        # .floor_levels (the warp's own error), .within_floor, .warp ("exact" FFT shift or remap)
    visibility_threshold(background=127.0) -> float          # 8-bit levels, Chou & Li 1995 JND (3 at mid grey)
    flicker_table({name: WarpError}, detail=None) -> str     # levels, threshold, verdict (+ detail share)
    tof(native, candidate, *, skip=0) -> float               # px, TecoGAN Farneback
    flicker_heatmap(clip, *, flow="auto", reference=None) -> ndarray (H, W) float32  # 8-bit levels
    estimate_flow(frame0, frame1, *, preset=None) -> ndarray (H, W, 2) float32   # OpenCV DIS
    occlusion_mask(forward, backward) -> ndarray (H, W) bool # forward-backward check (Lai/Ruder)
    warp_frame(frame, flow) -> ndarray                       # frame(p + flow(p)), bilinear

Report (``reporting``)::

    report(native_clip, candidate_clip, *, flow="truth" | "dis" | (dx, dy), cutoff=0.125,
           texture_frames=3, tof_pairs=4, include_mtf=False, planes=None, ...) -> Report
        # list of Record(metric, value, unit, arm, higher_is_better, reliable, detail);
        # .value(metric, arm), .summary(), .to_pandas(), .warp_curves, .spectra, .heatmaps,
        # .warps (arm -> WarpError), .thresholds
    ReportPass(shape, frames, *, flow=..., flow_fn=None, texture_frames=3, tof_pairs=4, ...)
        # the same pass fed frame by frame: .add(native, candidate) or .feed(pairs), .finish() -> Report
    plot_report(report) -> matplotlib.figure.Figure

``flow`` everywhere: ``"truth"`` (the clip's ground-truth ``clip.flow(t)``), ``"dis"``
(OpenCV DIS optical flow with a forward-backward occlusion mask), a global motion
``(dx, dy)`` in pixels per frame, or ``"auto"`` (truth when the clip has it, else DIS).
A translation (a global motion, or ground truth alike at every pixel) is warped exactly, by an
FFT phase shift; every result carries the warp's own error (its floor). One rule,
``lab.metrics.temporal.judge``, decides ``reliable`` everywhere: estimated flow that fails its
checks or sits on a periodic pattern, a given motion (no motion included) that a quick DIS
estimate beats by far, and readings within the warp floor are all flagged.

>>> import numpy as np
>>> from lab import metrics
>>> a = np.full((32, 48, 3), 128, np.uint8)
>>> metrics.psnr(a, a)
inf
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    # spatial
    "psnr": "spatial",
    "ssim": "spatial",
    "error_map": "spatial",
    "luma": "_common",
    # texture fidelity
    "RadialSpectrum": "spectrum",
    "radial_spectrum": "spectrum",
    "high_frequency_share": "spectrum",
    "waxiness": "spectrum",
    "sharpness": "texture",
    "glcm_score": "texture",
    "compression_ratio": "texture",
    # edges
    "MTFResult": "edges",
    "slanted_edge_mtf": "edges",
    "mtf50": "edges",
    # temporal
    "vbench_flicker_score": "temporal",
    "WarpError": "temporal",
    "warp_error": "temporal",
    "visibility_threshold": "temporal",
    "flicker_table": "temporal",
    "mse_to_levels": "temporal",
    "tof": "temporal",
    "flicker_heatmap": "temporal",
    "estimate_flow": "flow",
    "occlusion_mask": "flow",
    "warp_frame": "flow",
    # VMAF (the official libvmaf, through ffmpeg)
    "vmaf": "libvmaf",
    "vmaf_scores": "libvmaf",
    "VmafResult": "libvmaf",
    # report
    "Record": "reporting",
    "Report": "reporting",
    "ReportPass": "reporting",
    "report": "reporting",
    "plot_report": "reporting",
}

_SUBMODULES = {"edges", "flow", "reporting", "spatial", "spectrum", "temporal", "texture", "libvmaf"}

__all__ = [
    "VmafResult",
    "vmaf",
    "vmaf_scores",
    "MTFResult",
    "RadialSpectrum",
    "Record",
    "Report",
    "ReportPass",
    "WarpError",
    "compression_ratio",
    "error_map",
    "estimate_flow",
    "flicker_heatmap",
    "glcm_score",
    "high_frequency_share",
    "luma",
    "mtf50",
    "occlusion_mask",
    "plot_report",
    "psnr",
    "radial_spectrum",
    "report",
    "sharpness",
    "slanted_edge_mtf",
    "ssim",
    "tof",
    "vbench_flicker_score",
    "visibility_threshold",
    "flicker_table",
    "mse_to_levels",
    "warp_error",
    "warp_frame",
    "waxiness",
]


def __getattr__(name: str) -> Any:
    # Submodules load on first use: ``import lab.metrics`` stays cheap for lessons that
    # only need one metric.
    if name in _WHERE:
        module = importlib.import_module(f"lab.metrics.{_WHERE[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:  # lab.metrics.temporal etc. without an explicit import
        return importlib.import_module(f"lab.metrics.{name}")
    raise AttributeError(f"module 'lab.metrics' has no attribute {name!r}; available: {', '.join(__all__)}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
