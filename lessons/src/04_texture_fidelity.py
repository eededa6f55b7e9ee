# lesson: 4
# title: Texture fidelity and the waxy look
# gpu: true

# %% [markdown]
# # Lesson 4: Texture fidelity and the waxy look
#
# Viewers describe upscaled faces as "waxy" or "plastic": the skin looks smooth, as if
# airbrushed. This lesson puts numbers on that impression, using skin pores and fabric
# grain, and explains why AI upscalers in particular smooth skin.
#
# ## Learning goals
# By the end of this lesson you can
# 1. inspect texture under the loupe and in the radial power spectrum;
# 2. compute four texture-fidelity measures and say what each one captures:
#    high-frequency share, waxiness (relative to native), GLCM score and JPEG compression
#    ratio;
# 3. explain, with measurements, why upscalers trained with pixel losses predict smooth
#    skin.

# %%
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from lab import checks, config, metrics, native, scenes, upscale, viz, widgets

tier = config.tier()
methods = ["bicubic", "lanczos", "realesrgan-x4", "learned-sr"]
print(f"tier: {tier.name}: native {tier.target}, source {tier.source}; upscalers: {methods}")
config.show_smoke_note()

# %% [markdown]
# ## Skin and fabric, both ways
#
# Render the `skin` scene (pores and fine wrinkles on a smooth base) and the `fabric` scene
# (a woven grain) natively and upscaled with each method. The small frame is what a camera
# at the source size records (the default `camera` source model, lesson 3), so the upscalers
# get all the detail the small grid can hold.

# %%
frames = {}
for name in ["skin", "fabric"]:
    scene = scenes.get(name, seed=0)
    frames[name] = {"native": native.render(scene, tier.target)}
    for method in methods:
        frames[name][method] = native.render_upscaled(scene, tier.target, tier.source, method)
print("rendered:", {name: list(panels) for name, panels in frames.items()})

# %%
viz.loupe_figure(frames["skin"], x=tier.target.width * 0.45, y=tier.target.height * 0.45, zoom=8,
                 crop=max(16, tier.target.width // 32))

# %% [markdown]
# In the magnified crops, native skin shows individual pores, with dark and light pixels
# next to each other. The classical upscalers blur them into soft blotches; the learned
# ones keep edges crisp but fill pores with smooth colour. That is the waxy look.

# %% [markdown]
# ## The spectrum of texture
#
# Texture is energy at high spatial frequencies. The radial power spectrum (average power
# at each distance from the centre of the 2-D Fourier transform) shows where each version
# has less energy than native.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, name in zip(axes, frames):
    for label, frame in frames[name].items():
        spectrum = metrics.radial_spectrum(frame)
        ax.semilogy(spectrum.frequency, spectrum.power, label=label)
    ax.axvline(0.5 / tier.factor, color="grey", linestyle="--", label="source Nyquist")
    ax.set_xlabel("spatial frequency (cycles per pixel)")
    ax.set_title(f"{name}: radial power spectrum")
axes[0].set_ylabel("power (log scale)")
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Four numbers for texture
#
# * **high-frequency share**: the fraction of spectral energy above 0.125 cycles per pixel
#   (0 to 1; higher means more fine detail);
# * **waxiness**: a frame's high-frequency share divided by the native frame's (1 means as
#   detailed as native; 0.3 means 70% of the fine-detail energy is gone);
# * **GLCM score**: from the grey-level co-occurrence matrix, as used by the Diffusion-4K
#   paper: how varied neighbouring grey levels are, in bits (higher means richer texture);
# * **compression ratio**: raw bytes divided by JPEG (quality 95) bytes. Detail is hard to
#   compress, so a *higher* ratio means *less* detail.

# %%
for name, panels in frames.items():
    print(f"--- {name} ---")
    print(f"{'version':>14} {'HF share':>9} {'waxiness':>9} {'GLCM (bits)':>12} {'JPEG ratio':>11} {'PSNR (dB)':>10}")
    reference = panels["native"]
    for label, frame in panels.items():
        print(f"{label:>14} {metrics.high_frequency_share(frame):9.2%} {metrics.waxiness(reference, frame):9.2f} "
              f"{metrics.glcm_score(frame):12.3f} {metrics.compression_ratio(frame):11.2f} "
              f"{metrics.psnr(reference, frame):10.2f}")

# %% [markdown]
# ### And VMAF?
#
# VMAF (lesson 3) scores how close each frame looks to native, for viewers at 1080p. Does it
# see the waxy look? The cell puts it next to waxiness (1 = native's amount of fine detail,
# below 1 = waxy, above 1 = invented detail) and names the upscaler each one prefers.

# %%
for name, panels in frames.items():
    ref = panels["native"]
    rows = [(label, metrics.vmaf([ref], [frame]).mean, metrics.waxiness(ref, frame))
            for label, frame in panels.items() if label != "native"]
    for label, score, wax in rows:
        print(f"{name:>6} {label:>14}: VMAF {score:5.1f} (0-100)   waxiness {wax:5.2f}")
    best_vmaf = max(rows, key=lambda r: r[1])
    closest_texture = min(rows, key=lambda r: abs(np.log(max(r[2], 1e-6))))
    texture = f"the texture closest to native's is {closest_texture[0]}'s (waxiness {closest_texture[2]:.2f})"
    if max(r[1] for r in rows) - min(r[1] for r in rows) < 1.0:
        print(f"{name}: VMAF cannot tell the upscalers apart (all within 1 point); {texture}")
    else:
        print(f"{name}: VMAF prefers {best_vmaf[0]} ({best_vmaf[1]:.1f}); {texture}"
              + ("" if best_vmaf[0] == closest_texture[0] else ": VMAF and texture disagree"))

# %% [markdown]
# ## Reading the table
#
# **Skin.** Every upscaler loses almost all of the fine-detail energy (waxiness close to
# 0), the GLCM score falls to a fraction of native's and the JPEG ratio rises (the frames
# are easy to compress because there is little detail left). Real-ESRGAN, trained on flat
# anime surfaces, flattens the pores further: its high-frequency share is below bicubic's
# and so is its PSNR. The course's `learned-sr` gives practically the bicubic result.
#
# **Fabric.** Here the learned upscalers put a lot of high-frequency energy back (waxiness
# well above bicubic's, a higher GLCM score, a lower JPEG ratio), and still their PSNR is the
# worst in the table. Texture statistics measure *how much* detail there is, not whether it
# is the *right* detail. Look at the weave:

# %%
viz.loupe_figure({k: frames["fabric"][k] for k in ["native", "bicubic", "realesrgan-x4", "learned-sr"]},
                 x=tier.target.width * 0.45, y=tier.target.height * 0.45, zoom=8, crop=max(16, tier.target.width // 32))

# %% [markdown]
# The native twill shows the crossings of warp and weft threads. Bicubic keeps only the
# dominant diagonal, softly. Real-ESRGAN turns that diagonal into bold, high-contrast stripes
# that are not in the fabric; `learned-sr` adds some crossing structure, at the wrong places.
# In the spectrum above they appear as strong peaks where native has none. A texture
# measure alone would call these results "detailed"; the reference comparison and your
# eyes say "invented". Always read a no-reference texture number together with a
# comparison against the real thing.

# %% [markdown]
# ## Why AI upscalers smooth skin
#
# Pores are small, random and, at the source size, smaller than a pixel. From the source
# pixels the network cannot know *where* each pore was; many different pore patterns give
# the same small image. A network trained to minimise a pixel loss (L1 or L2) against the
# true image learns to output the **average** of all those plausible patterns, and the
# average of many randomly placed pores is smooth skin. That is exactly what `learned-sr`
# learned: on skin it reproduces bicubic, because predicting the average is the best it can
# do. Edges and regular structures are different: their position *is* visible in the small
# image, so a network sharpens them confidently (and, as the fabric shows, sometimes
# sharpens the wrong structure).

# %% [markdown]
# ## A generative upscaler: detail by sampling
#
# A generative (diffusion) upscaler samples *one* plausible pattern instead of predicting
# the average. The course's `diffusion-sr` is a small diffusion model trained on these
# scenes: starting from random noise, it denoises for 10 steps while looking at the bicubic
# upscale, and the seed of the noise decides which detail it invents. It runs its network
# at the *output* size for every step, so on a CPU we apply it to a crop of the skin, cut
# from a `soft` source frame: the kind of small frame it was trained on (as lesson 3 showed
# for `learned-sr`, a learned upscaler works as trained only on inputs like its training data).

# %%
crop = (tier.source.width // 8, tier.source.height // 8) if config.smoke_mode() else (64, 36)
if config.device() == "cuda":
    crop = (tier.source.width // 2, tier.source.height // 2)
x0, y0 = tier.source.width // 3, tier.source.height // 3
f = tier.factor
skin = scenes.get("skin", seed=0)
skin_source = native.render_source(skin, tier.source, model="soft")[y0:y0 + crop[1], x0:x0 + crop[0]]
generated = {"native": frames["skin"]["native"][f * y0:f * (y0 + crop[1]), f * x0:f * (x0 + crop[0])],
             "bicubic": upscale.upscale(skin_source, "bicubic", factor=f)}
for seed in (0, 1):
    generated[f"diffusion-sr, seed {seed}"] = upscale.upscale(skin_source, "diffusion-sr", factor=f, seed=seed)
for label, image in generated.items():
    print(f"{label:>20}: high-frequency share {metrics.high_frequency_share(image):6.2%}   "
          f"PSNR against native {metrics.psnr(generated['native'], image):6.2f} dB")
gain = metrics.high_frequency_share(generated["diffusion-sr, seed 0"]) / max(metrics.high_frequency_share(generated["bicubic"]), 1e-9)
print(f"diffusion-sr (seed 0) has {gain:.0f}x bicubic's high-frequency share")

# %%
viz.side_by_side(generated, width_in=3.2)

# %% [markdown]
# The generated crops have fine grain again: their high-frequency share is many times
# bicubic's (the last line above), though still below native's. But the grain is invented, not recovered: the two
# seeds draw different pores in different places, neither matches the native pores, and the
# PSNR against native is slightly *worse* than bicubic's. A still frame can look convincingly
# "native" this way; lesson 5 shows what happens when the invented detail has to stay put
# from one frame to the next.

# %% [markdown]
# ## Explore: the texture loupe
#
# Move the loupe over skin, fabric or foliage. The widget prints the high-frequency share
# and sharpness of each crop, so you can find regions where an upscaler looks fine (smooth
# areas) and where it fails (dense pores, weave crossings).

# %%
widgets.explore("skin", target=tier.target, source=tier.source, methods=["bicubic", "realesrgan-x4"])

# %% [markdown]
# ## Exercise: measure waxiness yourself
#
# Compute the waxiness of the `lanczos` skin frame by hand: its high-frequency share
# divided by the native frame's (use `metrics.high_frequency_share`). Store it in
# `lanczos_waxiness` and check it against the library's `metrics.waxiness`.
#
# Graded exercises for this lesson: [exercises/ex04_texture_and_text.ipynb](exercises/ex04_texture_and_text.ipynb)
# (it covers lessons 4 and 6).

# %%
lanczos_waxiness = ...  # your answer
checks.check_number(lanczos_waxiness, metrics.waxiness(frames["skin"]["native"], frames["skin"]["lanczos"]),
                    name="waxiness of the Lanczos skin frame", rel_tol=1e-3)

# %% [markdown]
# ## Summary
#
# * Texture lives above the source grid's Nyquist limit; upscaled frames lose most of that
#   energy, measurably: lower high-frequency share, waxiness below 1, a lower GLCM score
#   and a higher JPEG compression ratio than native.
# * Learned upscalers trained with pixel losses predict the average of the plausible
#   textures, which is smooth: sharp edges, waxy skin.
# * Generative upscalers put texture back by inventing it; the spectrum can look native,
#   but the pores are not the scene's pores.
# * Next: [Lesson 5, temporal stability and flicker](05_temporal_stability.ipynb).
