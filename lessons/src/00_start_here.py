# lesson: 0
# title: Start here
# gpu: false

# %% [markdown]
# # Lesson 0: Start here
#
# This course asks one question and answers it by measurement: **what do you get when a
# video is computed natively at 4K (3840x2160), compared with computing it at a lower
# resolution and upscaling it to 4K?** Upscaled 4K has the same number of pixels, so a
# spec sheet cannot tell the two apart. Your eyes, a pixel loupe and a handful of metrics
# can: texture that turns waxy, detail that shimmers from frame to frame, text that goes
# soft, faces that drift between shots, and a compute bill that grows with every pixel.
#
# ## Learning goals
# By the end of this lesson you can
# 1. say what the course covers and in which order (the map below);
# 2. tell which size tier your machine runs the lessons at, and why;
# 3. render one scene natively and upscaled in three lines of code, and compare them
#    numerically (PSNR in dB, high-frequency share in %) and by eye (the loupe).

# %% [markdown]
# ## The course map
#
# | # | Lesson | You will measure |
# |---|---|---|
# | 0 | Start here | a first native vs upscaled comparison |
# | 1 | Pixels and resolution | pixel and byte counts, the Nyquist limit, aliasing |
# | 2 | Native generation | computing every pixel from a continuous scene, anti-aliasing, cost per pixel |
# | 3 | Upscaling as predictive interpolation | kernels, missing information, Real-ESRGAN, a small learned SR you retrain |
# | 4 | Texture fidelity and the waxy look | spectra, high-frequency share, GLCM, compression ratio |
# | 5 | Temporal stability and flicker | warp error, heat maps, VBench's flicker score and where flow estimates lie |
# | 6 | Text, logos and multi-shot consistency | MTF50 on a slanted edge, legibility, identity across cuts |
# | 7 | AI generation at scale | a tiny diffusion model generating natively vs generating small and upscaling |
# | 8 | The compute bill | time and memory against pixels, scaling laws, the cost of a minute of 4K |
# | 9 | Bring your own clip | the full report on any mp4 |
#
# Every lesson runs top to bottom on a laptop CPU. All the computing happens in the
# course library `lab`; the notebooks only call it, so you can read any function it uses
# with `help(...)` or `??` in Jupyter.

# %% [markdown]
# ## How this notebook runs on your machine
#
# The library picks a **tier** of sizes from the hardware it finds:
#
# * on a CUDA GPU (for example a free Colab T4: *Runtime > Change runtime type > T4 GPU*)
#   the native frames are true 4K, 3840x2160, upscaled from 540p (x4);
# * on a CPU they are 1920x1080, upscaled from 480x270 (the same x4 ratio), so that each
#   lesson finishes in a few minutes;
# * in *smoke mode* (the environment variable `LAB_SMOKE=1`, used by the automated tests)
#   everything shrinks to thumbnails so a lesson runs in seconds.
#
# The ratio between native and source size is what the lessons are about, and it is the
# same x4 in every tier. Absolute numbers (render seconds, bytes) change with the tier.

# %%
%matplotlib inline
from lab import checks, config, metrics, native, scenes, viz, widgets

tier = config.tier()
print(f"device: {config.device()}   tier: {tier.name}")
print(f"native size:  {tier.target}  = {tier.target.megapixels:.2f} million pixels")
print(f"source size:  {tier.source}  = {tier.source.megapixels:.3f} million pixels, upscaled x{tier.factor}")
print(f"clip length:  {tier.frames} frames")
config.show_smoke_note()

# %% [markdown]
# ## A first comparison, in three lines
#
# A *scene* in this course is a continuous picture: a function you can evaluate at any
# point, at any time. `native.render` computes every pixel of the target grid from it.
# `native.render_upscaled` renders the same scene on the small source grid and upscales
# the result to the target size with a classical kernel (bicubic here). Both arrays have
# exactly the same shape.

# %%
scene = scenes.get("skin", seed=0)
sharp = native.render(scene, tier.target)
upscaled = native.render_upscaled(scene, tier.target, tier.source, "bicubic")
print(sharp.shape, sharp.dtype, "|", upscaled.shape, upscaled.dtype)

# %% [markdown]
# Same shape, same dtype. Now look. The top row shows both full frames with the loupe's
# region marked in red; the bottom row magnifies that region with nearest-neighbour zoom, so
# each pixel is a visible block (axes in frame pixels).

# %%
viz.loupe_figure({"native": sharp, f"bicubic from {tier.source.width}x{tier.source.height}": upscaled},
                 x=tier.target.width * 0.5, y=tier.target.height * 0.5, zoom=8, crop=max(16, tier.target.width // 32))

# %% [markdown]
# And measure. **PSNR** (peak signal-to-noise ratio, in dB) compares the upscaled frame
# with the native one pixel by pixel: higher is closer, identical frames give infinity.
# **High-frequency share** is the fraction of the image's spectral energy above 0.125
# cycles per pixel: fine detail such as skin pores lives there.

# %%
print(f"PSNR of the upscaled frame against native: {metrics.psnr(sharp, upscaled):.2f} dB")
print(f"high-frequency share, native:   {metrics.high_frequency_share(sharp):.2%}")
print(f"high-frequency share, upscaled: {metrics.high_frequency_share(upscaled):.2%}")
print(f"waxiness (upscaled share / native share, 1 = all detail kept): {metrics.waxiness(sharp, upscaled):.2f}")

# %% [markdown]
# The upscaled frame kept only a fraction of the fine detail: the x4 upscale had 16 times
# fewer pixels to work with, and a kernel cannot invent what was never sampled. The rest of
# the course takes this apart: *which* detail goes missing (lesson 1), how much it costs to
# compute it instead (lessons 2 and 8), what learned upscalers do about it (lessons 3, 4,
# 7) and what happens once things move (lesson 5).

# %% [markdown]
# ## Explore: the comparison widget
#
# Pick a scene and an upscaler, press Render, then move the loupe with its `x` and `y`
# sliders (or its "jump to" menu of interesting regions); its red square on the thumbnails
# shows where it is. The panels show the same region of the native render and of the
# upscaled one, magnified with visible pixels.
# Try the `zoneplate` scene (rings that get finer towards the edge) and the `sign` scene
# (text). Which upscaler keeps the text readable? Which one invents structure that is not
# in the native frame?

# %%
widgets.explore("skin", target=tier.target, source=tier.source, methods=["bicubic", "nearest"])

# %% [markdown]
# ## Exercise
#
# How many pixels does one 4K UHD frame (3840 x 2160) have? Replace the `...` with an
# expression that computes it, then run the check. (A wrong answer prints a hint; nothing
# breaks.)
#
# This lesson has no graded notebook of its own; the graded exercises are in
# [exercises/](exercises/).

# %%
pixels_4k = ...  # your answer
checks.check_pixels(pixels_4k, "4k")

# %% [markdown]
# ## Summary
#
# * Native and upscaled 4K frames have the same size; the difference is in what the
#   pixels contain.
# * The library picks sizes for your hardware (`config.tier()`): true 4K on a GPU, 1080p
#   on a CPU, thumbnails in smoke mode, always with a x4 upscale between source and target.
# * Three calls render a scene both ways; `metrics` turns what you see into numbers with
#   units: here, the bicubic upscale kept only part of the native frame's fine-detail energy.
# * Next: [Lesson 1, pixels and resolution](01_pixels_and_resolution.ipynb): what 8.3
#   million pixels buy, and what sampling on a coarser grid throws away.
