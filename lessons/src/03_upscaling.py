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
config.show_smoke_note()
print("classical:", upscale.methods("classical"))
print("learned:  ", upscale.methods("learned"))
print("generative:", upscale.methods("generative"))

# %% [markdown]
# ## Drawing the kernels by measurement
#
# Feed each upscaler a grey image with one brighter pixel, and enlarge it 9 times (an odd
# factor, so one output pixel sits exactly on the input pixel's centre and the curves are
# sampled at their peak). The row through that pixel, minus the grey level and divided by
# the step, is the upscaler's **kernel** (its impulse response): the weights it uses to
# spread one input sample over the output grid. (The grey background leaves room below it: the upscalers clip their
# output to [0, 1], which would hide a kernel's negative lobes on a black background.) We
# only call `upscale.upscale`; nothing is drawn from a formula.

# %%
impulse = np.full((9, 17, 3), 0.5, np.float32)
impulse[4, 8] = 0.75
fig, ax = plt.subplots(figsize=(8, 3.5))
kernel_peaks = {}
for method in ["nearest", "bilinear", "bicubic", "lanczos"]:
    row = (upscale.upscale(impulse, method, factor=9)[9 * 4 + 4, :, 0] - 0.5) / 0.25
    distance = (np.arange(row.size) + 0.5) / 9 - 8.5  # output pixel centres, in input pixels from the impulse
    ax.plot(distance, row, label=method, linewidth=1.5)
    kernel_peaks[method] = float(row[np.argmin(np.abs(distance))])
ax.axhline(0, color="grey", linewidth=0.6)
ax.set_xlabel("distance from the input pixel (input pixels)")
ax.set_ylabel("weight (output / input step)")
ax.set_title("upscaling kernels, measured from a single-pixel impulse (x9)")
ax.set_xlim(-4.5, 4.5)
ax.legend()
plt.show()
print("weight at distance 0:", {method: round(peak, 3) for method, peak in kernel_peaks.items()})

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
# Render the skin scene natively at the target size, and at the source size as a camera of
# that size would record it (`native.render_source`: each small pixel averages the light on
# its square, the `camera` source model; `native.SOURCE_MODELS` lists the others); upscale
# the small frame with each classical kernel and score it against native.

# %%
scene = scenes.get("skin", seed=3)
reference = native.render(scene, tier.target)
small = native.render_source(scene, tier.source)
results = {"native": reference}
for method in upscale.methods("classical"):
    results[method] = upscale.upscale(small, method, size=tier.target)
    print(f"{method:>9}: PSNR {metrics.psnr(reference, results[method]):6.2f} dB   "
          f"SSIM {metrics.ssim(reference, results[method]):.4f}   "
          f"high-frequency share {metrics.high_frequency_share(results[method]):.2%}")
print(f"{'native':>9}: high-frequency share {metrics.high_frequency_share(reference):.2%}")
print("area gives exactly nearest's pixels when enlarging:", np.array_equal(results["area"], results["nearest"]))

# %% [markdown]
# `area` averages the input pixels that each output pixel covers. That is the right way to
# *shrink* an image, but when enlarging, each output pixel lies inside a single input pixel,
# so the "average" is that one pixel: OpenCV's area resampling then copies pixels, exactly
# like `nearest`, as the last line above checks.

# %%
viz.loupe_figure({k: results[k] for k in ["native", "nearest", "bilinear", "bicubic", "lanczos"]},
                 x=tier.target.width * 0.4, y=tier.target.height * 0.5, zoom=8, crop=max(16, tier.target.width // 30))

# %% [markdown]
# ## What is missing
#
# The radial power spectrum shows energy per spatial frequency. The source grid holds
# frequencies up to 0.5 cycles per *source* pixel, which is 0.5 / 4 = 0.125 cycles per
# *target* pixel (dashed line). Above it, the upscaled frames have only what the kernel's
# imperfect filtering leaks in; the native render has real detail there. The cell prints
# where each upscale's spectrum falls below a tenth of native's.

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for name in ["native", "bilinear", "bicubic", "lanczos"]:
    spectrum = metrics.radial_spectrum(results[name])
    ax.semilogy(spectrum.frequency, spectrum.power, label=name, color=viz.color_for(name))  # each arm's colour in every figure
ax.axvline(0.5 / tier.factor, color="grey", linestyle="--", label="source Nyquist (0.125)")
ax.set_xlabel("spatial frequency (cycles per target pixel)")
ax.set_ylabel("power (log scale)")
ax.set_title("radial power spectrum of the skin scene")
ax.legend()
plt.show()
native_spectrum = metrics.radial_spectrum(reference)
for name in ["bilinear", "bicubic", "lanczos"]:
    ratio = metrics.radial_spectrum(results[name]).power / native_spectrum.power
    below = native_spectrum.frequency[ratio < 0.1]
    print(f"{name:>9} falls below a tenth of native's power from {below[0]:.3f} cycles/px "
          f"(source Nyquist {0.5 / tier.factor:.3f})")

# %% [markdown]
# ## Learned upscalers
#
# A learned upscaler is still a function of the same input samples, but its weights come
# from training on pairs of (small image, large image). It can predict *plausible* detail
# above the source Nyquist limit, typed from what it saw in training: sharp edges, smooth
# surfaces. Two are available here:
#
# * `realesrgan-x4`: Real-ESRGAN's compact video model (SRVGGNetCompact, animevideov3,
#   about 0.6 M parameters), pretrained by its authors on anime-style video. The course runs
#   it in PyTorch; the test suite checks every pixel against the authors' own runtime (within
#   3 of 255 levels on three photos at x2, x3 and x4; see the model card
#   `realesrgan_animevideov3.md` in `lab/assets/models/`);
# * `learned-sr`: a tiny ESPCN-style network (about 34 k parameters) trained in this course
#   on the procedural scenes; it predicts the residual that bicubic misses.

# %%
sign = scenes.get("sign", seed=3)
tests = {"skin": (reference, small), "sign": (native.render(sign, tier.target), native.render_source(sign, tier.source))}
learned = {}
for scene_name, (ref, low) in tests.items():
    for method in ["bicubic", "realesrgan-x4", "learned-sr"]:
        out = upscale.upscale(low, method, size=tier.target)
        learned[(scene_name, method)] = out
        print(f"{scene_name:>5} {method:>14}: PSNR {metrics.psnr(ref, out):6.2f} dB   SSIM {metrics.ssim(ref, out):.4f}   "
              f"sharpness {metrics.sharpness(out):8.1f}")
    print(f"{scene_name:>5} {'native':>14}: sharpness {metrics.sharpness(ref):8.1f}")
results.update({method: learned[("skin", method)] for method in ["realesrgan-x4", "learned-sr"]})
for scene_name, (ref, low) in tests.items():
    ranks = {metric: "above" if fn(ref, learned[(scene_name, "realesrgan-x4")]) > fn(ref, learned[(scene_name, "bicubic")])
             else "below" for metric, fn in [("PSNR", metrics.psnr), ("SSIM", metrics.ssim)]}
    print(f"{scene_name}: Real-ESRGAN ranks {ranks['PSNR']} bicubic on PSNR and {ranks['SSIM']} it on SSIM")
soft_sign = native.render_source(sign, tier.source, model="soft")  # the kind of small frame learned-sr trained on
soft_psnr = {m: metrics.psnr(tests["sign"][0], upscale.upscale(soft_sign, m, size=tier.target)) for m in ["bicubic", "learned-sr"]}
print(f"sign from a soft source: learned-sr PSNR {soft_psnr['learned-sr']:.2f} dB, bicubic {soft_psnr['bicubic']:.2f} dB")

# %%
viz.loupe_figure({"native": tests["sign"][0], **{m: learned[("sign", m)] for m in ["bicubic", "realesrgan-x4", "learned-sr"]}},
                 x=tier.target.width * 0.3, y=tier.target.height * 0.75, zoom=8, crop=max(16, tier.target.width // 30))

# %% [markdown]
# ### What VMAF says
#
# Video engineers judge an upscaler by **VMAF** (Netflix's Video Multi-method Assessment
# Fusion: 0-100, trained on viewers' ratings), computed here by the official libvmaf inside
# ffmpeg. Its **NEG** model ("no enhancement gain") was built so that sharpening cannot buy
# points. The cell prints both scores, and what they say of Real-ESRGAN against bicubic; then
# VMAF of bicubic on the zone plate, whose finest rings the small grid cannot hold, next to
# the share of fine detail that survives.

# %%
vmaf_scores = {}
for scene_name, (ref, low) in tests.items():
    for method in ["bicubic", "realesrgan-x4", "learned-sr"]:
        out = learned[(scene_name, method)]
        vmaf_scores[(scene_name, method)] = (metrics.vmaf([ref], [out]).mean,
                                             metrics.vmaf([ref], [out], model="vmaf_v0.6.1neg").mean)
        print(f"{scene_name:>5} {method:>14}: VMAF {vmaf_scores[(scene_name, method)][0]:5.1f}   "
              f"VMAF NEG {vmaf_scores[(scene_name, method)][1]:5.1f}   (0-100)")
for scene_name in tests:
    standard = vmaf_scores[(scene_name, "realesrgan-x4")][0] - vmaf_scores[(scene_name, "bicubic")][0]
    neg = vmaf_scores[(scene_name, "realesrgan-x4")][1] - vmaf_scores[(scene_name, "bicubic")][1]
    scores = [v for (name, _), pair in vmaf_scores.items() if name == scene_name for v in pair]
    verdict = ("all scores sit at VMAF's floor, where it cannot rank them" if max(scores) < 1.0 else
               "NEG gives its sharpening less credit" if neg < standard - 0.5 else
               "NEG scores it about the same" if abs(neg - standard) <= 0.5 else "NEG does not discount it here")
    print(f"{scene_name}: Real-ESRGAN minus bicubic = {standard:+.1f} points (standard), {neg:+.1f} (NEG): {verdict}")
zone = scenes.get("zoneplate")
zone_native = native.render(zone, tier.target)
zone_bicubic = native.render_upscaled(zone, tier.target, tier.source, "bicubic")
print(f"zone plate, bicubic: VMAF {metrics.vmaf([zone_native], [zone_bicubic]).mean:.1f} (0-100); high-frequency share "
      f"{metrics.high_frequency_share(zone_native):.1%} native vs {metrics.high_frequency_share(zone_bicubic):.1%} upscaled")

# %% [markdown]
# Look at the numbers before trusting your eyes:
#
# * **Real-ESRGAN** looks crisp: its sharpness (variance of the Laplacian) is above
#   bicubic's on both scenes, several times on the sign's text. It was trained on anime-style video, where surfaces are flat and edges are
#   everything, so it draws confident edges and flat surfaces. On skin that costs it: its
#   PSNR and SSIM are *lower* than bicubic's, because the pores it flattens were real. On the
#   sign's text, where crisp edges are right, it beats bicubic on both (the lines under the
#   table say so per scene, from the numbers above). Whether a sharpener helps depends on the
#   content: text yes, texture no.
# * **learned-sr** was trained on these very scenes, but with small frames made by the
#   `soft` source model, which fades out the detail near the small grid's limit. Fed those, it
#   gains PSNR over bicubic on the sign (the last line above). Fed a camera's frame, which
#   keeps that detail, it sharpens what is already sharp and falls *below* bicubic on the
#   sign: a learned upscaler's gains hold only for inputs like its training data. Even with
#   its own kind of input it memorised these glyphs rather than learning to sharpen letters:
#   with new words on the sign it is about 2 dB worse than bicubic (its model card
#   `learned_sr_x4.md` records the test). On skin its output is practically bicubic's: the
#   network learned that the position of each pore cannot be predicted from the small image,
#   and the best prediction of an unpredictable pore is its average, which is smooth skin.
#   Lesson 4 measures this "waxy" effect in detail.

# ## Retrain the small learned upscaler
#
# Training fits the network's weights so its prediction from a small crop matches the
# native crop (an L1 loss). Run a short training from scratch: the progress bar shows the
# running loss. 300 steps take well under a minute on a CPU; the shipped weights were
# trained for 4,000.

# %%
import contextlib
import sys
import tempfile
from pathlib import Path
from lab.train.__main__ import main as train

retrained_path = Path(tempfile.mkdtemp()) / "learned_sr_x4_retrained.safetensors"
options = ["--steps", "300"]
if config.smoke_mode():  # a handful of steps on tiny crops, so the automated tests stay fast
    options = ["--steps", "5", "--train-seeds", "1", "--hr-size", "192x128", "--patch", "12", "--batch", "4"]
with contextlib.redirect_stderr(sys.stdout):  # the trainer reports progress on stderr; show it as plain output
    exit_code = train(["sr", "--scale", "4", "--out", str(retrained_path), *options])
print("training finished" if exit_code == 0 else f"training failed with exit code {exit_code}")

# %% [markdown]
# The trainer wrote the weights and a model card beside them, with the loss and the PSNR on
# held-out scenes it never trained on, against bicubic:

# %%
from IPython.display import Markdown

Markdown(retrained_path.with_suffix(".md").read_text().split("## Facts")[1])

# %% [markdown]
# Now apply your retrained network to the skin and sign frames and compare it with the
# shipped weights and with bicubic:

# %%
import torch
from lab import arrays
from lab.models import learned_sr

retrained = learned_sr.load_file(retrained_path)
with torch.no_grad():
    mine = arrays.to_uint8(arrays.to_numpy(retrained(arrays.to_tensor(small))))
    mine_sign = arrays.to_uint8(arrays.to_numpy(retrained(arrays.to_tensor(tests["sign"][1]))))
for label, skin_frame, sign_frame in [("bicubic", learned[("skin", "bicubic")], learned[("sign", "bicubic")]),
                                      ("learned-sr, shipped weights", learned[("skin", "learned-sr")],
                                       learned[("sign", "learned-sr")]),
                                      ("learned-sr, retrained here", mine, mine_sign)]:
    print(f"{label:>28}: PSNR against native: skin {metrics.psnr(reference, skin_frame):6.2f} dB, "
          f"sign {metrics.psnr(tests['sign'][0], sign_frame):6.2f} dB")

# %% [markdown]
# A few hundred steps move the network only a little away from bicubic. The shipped weights
# (4,000 steps, about 10 minutes on a CPU) are not much better on these camera-source
# frames: the line below prints their gain over bicubic on each scene, small on skin and
# negative on the sign (the camera frame is not the `soft` kind of input they were trained
# on, as the section above showed). Training is where a learned upscaler's "knowledge" comes
# from, and it only knows what its training data showed it.

# %%
for scene_name, ref in (("skin", reference), ("sign", tests["sign"][0])):
    gain = metrics.psnr(ref, learned[(scene_name, "learned-sr")]) - metrics.psnr(ref, learned[(scene_name, "bicubic")])
    print(f"{scene_name}: shipped learned-sr minus bicubic = {gain:+.2f} dB PSNR "
          f"({'a gain' if gain > 0 else 'a loss'})")

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
