# lesson: 3
# title: Upscaling as predictive interpolation
# gpu: true

# %% [markdown]
# # Lesson 3: Upscaling as predictive interpolation
#
# An upscaler receives W x H samples and must output 4W x 4H. Fifteen of every sixteen
# output pixels are not in its input: it has to *predict* them. Classical kernels predict
# with a fixed weighted average of neighbours; learned upscalers predict with weights
# fitted to training images. This lesson draws the kernels, applies them, and trains a
# small learned upscaler.
#
# ## Learning goals
# By the end of this lesson you can
# 1. draw the nearest, bilinear, bicubic and Lanczos kernels (by measuring how each
#    upscaler spreads a single bright pixel) and relate their shape to blur and ringing;
# 2. apply each upscaler and rank them with PSNR and SSIM against the native render;
# 3. show in the spectrum which information is missing and stays missing;
# 4. run a pretrained AI upscaler (Real-ESRGAN compact) and a small learned SR network,
#    and retrain the small one briefly.

# %%
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from lab import checks, config, metrics, native, scenes, upscale, viz, widgets

tier = config.tier()
print(f"tier: {tier.name}: {tier.source} -> {tier.target} (x{tier.factor})")
print("classical:", upscale.methods("classical"))
print("learned:  ", upscale.methods("learned"))
print("generative:", upscale.methods("generative"))

# %% [markdown]
# ## Drawing the kernels by measurement
#
# Feed each upscaler an image that is black except for one bright pixel, and enlarge it 8
# times. The row through that pixel is the upscaler's **kernel** (its impulse response): the
# weights it uses to spread one input sample over the output grid. We only call
# `upscale.upscale`; nothing is drawn from a formula.

# %%
impulse = np.zeros((9, 17, 3), np.float32)
impulse[4, 8] = 1.0
fig, ax = plt.subplots(figsize=(8, 3.5))
for method in ["nearest", "bilinear", "bicubic", "lanczos"]:
    row = upscale.upscale(impulse, method, factor=8)[8 * 4 + 4, :, 0]
    ax.plot((np.arange(row.size) + 0.5) / 8 - 8.5, row, label=method, linewidth=1.5)
ax.axhline(0, color="grey", linewidth=0.6)
ax.set_xlabel("distance from the input pixel (input pixels)")
ax.set_ylabel("output value (input = 1)")
ax.set_title("upscaling kernels, measured from a single-pixel impulse (x8)")
ax.set_xlim(-4.5, 4.5)
ax.legend()
plt.show()

# %% [markdown]
# * **nearest** is a box one input pixel wide: blocks.
# * **bilinear** is a tent two pixels wide: smooth, soft.
# * **bicubic** (Keys, a = -0.75 in OpenCV) reaches two pixels each way and dips below zero:
#   the negative lobes sharpen edges and cause slight ringing.
# * **Lanczos** (a windowed sinc over 4 pixels each way) has more lobes: the sharpest
#   classical kernel, with the most ringing.
#
# Every one of them is a weighted average of existing samples. None can create a
# frequency the input does not contain.

# %% [markdown]
# ## Applying them
#
# Render the skin scene natively at the target size, and at the source size; upscale the
# source render with each classical kernel and score it against native.

# %%
scene = scenes.get("skin", seed=3)
reference = native.render(scene, tier.target)
small = native.render(scene, tier.source)
results = {"native": reference}
for method in upscale.methods("classical"):
    results[method] = upscale.upscale(small, method, size=tier.target)
    print(f"{method:>9}: PSNR {metrics.psnr(reference, results[method]):6.2f} dB   "
          f"SSIM {metrics.ssim(reference, results[method]):.4f}   "
          f"high-frequency share {metrics.high_frequency_share(results[method]):.2%}")
print(f"{'native':>9}: high-frequency share {metrics.high_frequency_share(reference):.2%}")

# %%
viz.loupe_figure({k: results[k] for k in ["native", "nearest", "bilinear", "bicubic", "lanczos"]},
                 x=tier.target.width * 0.4, y=tier.target.height * 0.5, zoom=8, crop=max(16, tier.target.width // 30))

# %% [markdown]
# ## What is missing
#
# The radial power spectrum shows energy per spatial frequency. The source grid holds
# frequencies up to 0.5 cycles per *source* pixel, which is 0.5 / 4 = 0.125 cycles per
# *target* pixel (dashed line). Above it, the upscaled frames have only what the kernel's
# imperfect filtering leaks in; the native render has real detail there.

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for name in ["native", "bilinear", "bicubic", "lanczos"]:
    spectrum = metrics.radial_spectrum(results[name])
    ax.semilogy(spectrum.frequency, spectrum.power, label=name)
ax.axvline(0.5 / tier.factor, color="grey", linestyle="--", label="source Nyquist (0.125)")
ax.set_xlabel("spatial frequency (cycles per target pixel)")
ax.set_ylabel("power (log scale)")
ax.set_title("radial power spectrum of the skin scene")
ax.legend()
plt.show()

# %% [markdown]
# ## Learned upscalers
#
# A learned upscaler is still a function of the same input samples, but its weights come
# from training on pairs of (small image, large image). It can predict *plausible* detail
# above the source Nyquist limit, typed from what it saw in training: sharp edges, smooth
# surfaces. Two are available here:
#
# * `realesrgan-x4`: Real-ESRGAN's compact video model (SRVGGNetCompact, animevideov3,
#   about 0.6 M parameters), pretrained by its authors on anime-style video;
# * `learned-sr`: a tiny ESPCN-style network (about 34 k parameters) trained in this course
#   on the procedural scenes; it predicts the residual that bicubic misses.

# %%
for method in ["bicubic", "realesrgan-x4", "learned-sr"]:
    out = upscale.upscale(small, method, size=tier.target)
    results[method] = out
    print(f"{method:>14}: PSNR {metrics.psnr(reference, out):6.2f} dB   SSIM {metrics.ssim(reference, out):.4f}   "
          f"sharpness {metrics.sharpness(out):8.1f}   high-frequency share {metrics.high_frequency_share(out):.2%}")
print(f"{'native':>14}: sharpness {metrics.sharpness(reference):8.1f}   "
      f"high-frequency share {metrics.high_frequency_share(reference):.2%}")

# %%
viz.loupe_figure({k: results[k] for k in ["native", "bicubic", "realesrgan-x4", "learned-sr"]},
                 x=tier.target.width * 0.4, y=tier.target.height * 0.5, zoom=8, crop=max(16, tier.target.width // 30))

# %% [markdown]
# Look at the numbers before trusting your eyes. Real-ESRGAN's output looks crisp: it
# sharpens edges. But on skin its high-frequency share is not closer to native than
# bicubic's, and its PSNR may even be lower: it was trained on anime, where surfaces are
# flat and edges are everything, so it predicts flat surfaces with sharp borders. The
# course-trained `learned-sr` has seen these very textures and gains PSNR over bicubic, but
# it also cannot recreate pores the source grid never sampled: it predicts their *average*,
# which is smooth. Lesson 4 measures this "waxy" effect in detail.

# %% [markdown]
# ## Retrain the small learned upscaler
#
# Training fits the network's weights so its prediction from a small crop matches the
# native crop (an L1 loss). Run a short training from scratch and watch the loss fall and
# the validation PSNR rise. A few hundred steps take a minute or two on a CPU; the shipped
# weights were trained much longer.

# %%
import tempfile
from pathlib import Path
from lab.train.__main__ import main as train

retrained_path = Path(tempfile.mkdtemp()) / "learned_sr_x4_retrained.safetensors"
options = ["--steps", "5", "--train-seeds", "1", "--hr-size", "192x128", "--patch", "12", "--batch", "4"] if config.smoke_mode() else ["--steps", "300"]
train(["sr", "--scale", "4", "--out", str(retrained_path), *options])

# %% [markdown]
# The trainer wrote the weights and a model card beside them, with the loss and the PSNR on
# held-out scenes it never trained on, against bicubic:

# %%
print(retrained_path.with_suffix(".md").read_text().split("## Facts")[1])

# %% [markdown]
# Now apply your retrained network to the skin frame and compare it with the shipped
# weights (trained for 3,000 steps) and with bicubic:

# %%
import torch
from lab import arrays
from lab.models import learned_sr

retrained = learned_sr.load_file(retrained_path)
with torch.no_grad():
    mine = arrays.to_uint8(arrays.to_numpy(retrained(arrays.to_tensor(small))))
for label, frame in [("bicubic", results["bicubic"]), ("learned-sr, shipped weights", results["learned-sr"]),
                     (f"learned-sr, retrained here", mine)]:
    print(f"{label:>30}: PSNR {metrics.psnr(reference, frame):6.2f} dB against native")

# %% [markdown]
# ## Explore: upscalers side by side
#
# Choose the scene and any registered upscaler, learned ones included, and move the loupe.
# Compare `realesrgan-x4` on `sign` (text: it shines) and on `skin` (texture: it smooths).

# %%
widgets.explore("skin", target=tier.target, source=tier.source, methods=["bicubic", "realesrgan-x4", "learned-sr"])

# %% [markdown]
# ## Exercise: write the bicubic kernel
#
# Keys' cubic convolution kernel with parameter a (Keys 1981) is
#
# * w(x) = (a + 2)|x|³ - (a + 3)|x|² + 1 for |x| <= 1,
# * w(x) = a|x|³ - 5a|x|² + 8a|x| - 4a for 1 < |x| < 2,
# * w(x) = 0 otherwise.
#
# Write it for a = -0.5 as a function `cubic_kernel(x)` that works on numpy arrays (a
# `lambda` with `np.where` and `np.abs` fits in a few lines), then check it. Compare your
# curve with the measured bicubic kernel above: OpenCV uses a = -0.75, slightly sharper.
#
# Graded exercises for this lesson: [exercises/ex03_upscaling_kernels.ipynb](exercises/ex03_upscaling_kernels.ipynb).

# %%
cubic_kernel = ...  # your function of x
checks.check_cubic_kernel(cubic_kernel, a=-0.5)

# %% [markdown]
# ## Summary
#
# * Classical upscalers are fixed kernels: weighted averages of neighbouring samples, from
#   the box (nearest) to the windowed sinc (Lanczos). Wider kernels with negative lobes
#   look sharper and ring more.
# * Detail above the source grid's Nyquist limit (0.125 cycles per target pixel at x4) is
#   not in the input; kernels cannot bring it back.
# * Learned upscalers predict detail from training data. What they predict depends on what
#   they were trained on: a pretrained anime model sharpens edges and flattens texture.
# * Next: [Lesson 4, texture fidelity and the waxy look](04_texture_fidelity.ipynb).
