# lesson: 7
# title: AI generation at scale
# gpu: true

# %% [markdown]
# # Lesson 7: AI generation at scale
#
# So far the "native" frames came from procedural scenes, which are cheap to evaluate at
# any resolution. AI video generators are not: every output pixel passes through a neural
# network, many times. This lesson uses a tiny texture diffusion model trained in this
# course to compare the two strategies generators face: **generate natively at the target
# resolution**, or **generate small and upscale**.
#
# ## Learning goals
# By the end of this lesson you can
# 1. describe how a diffusion model generates an image by repeated denoising (DDIM), and
#    watch the steps;
# 2. generate natively at rising resolutions with a fully convolutional model and measure
#    how time grows with the pixel count;
# 3. explain tiling (overlapping tiles blended at every step) and check it for seams;
# 4. compare, with texture measurements, native generation against generating small and
#    upscaling.

# %%
%matplotlib inline
from lab import checks, config, cost, diffusion, metrics, upscale, viz, widgets

tier = config.tier()
model = diffusion.load()
print(f"tier: {tier.name} on {config.device()}")
print(f"texture model: {model.parameters:,} parameters, classes {model.classes}, stride {model.stride} px")

# %% [markdown]
# ## Denoising, step by step
#
# A diffusion model starts from pure Gaussian noise and removes a little of it at each
# step, guided by what it learned about its training images (here: crops of the course's
# skin, fabric and foliage scenes). DDIM with `eta=0` is deterministic: the same seed gives
# the same image. The panels show the model's current estimate of the clean image at a few
# of the steps.
#
# This model predicts the *velocity* v = √ā·noise − √(1−ā)·image rather than the noise
# alone (ā is the fraction of signal power left at a step). At the first step ā is about 2·10⁻⁹:
# a noise-predicting model must divide its answer by √ā ≈ 0.00005 to estimate the image,
# so the smallest error turns into a random colour that the later steps keep. A
# v-predicting model states the image directly, which is why the first panel already has
# the colour of skin.

# %%
steps = 4 if config.smoke_mode() else 10
size = (64, 64) if config.smoke_mode() else (128, 128)
snapshots = {}
for step in model.ddim_steps("skin", model.noise(size, seed=0), steps=steps):
    if step.index in (0, steps // 4, steps // 2, steps - 1):
        snapshots[f"step {step.index + 1}/{steps} (t = {step.timestep})"] = step.image()
viz.side_by_side(snapshots, width_in=2.6)

# %% [markdown]
# ## Native generation at rising resolutions
#
# The model has no attention layers, only convolutions, so it can denoise a grid of any
# size: that is native generation. Its cost should grow linearly with the number of
# pixels. At each of several sizes we first generate once untimed (a warm-up: the first call
# pays for memory and caches that later calls reuse), then time three generations and keep
# the median, with the spread between the fastest and the slowest.

# %%
sides = [32, 48, 64] if config.smoke_mode() else ([256, 512, 1024, 2048] if config.device() == "cuda" else [96, 192, 288])
gen_steps = 2 if config.smoke_mode() else 10
timings = []
for side in sides:
    timing = cost.time_calls(lambda: model.generate("foliage", (side, side), steps=gen_steps, seed=1, show_progress=False),
                             repeats=1 if config.smoke_mode() else 3, warmup=1)
    timings.append(timing)
    print(f"{side:>5}x{side:<5} {side * side / 1e6:6.3f} MP  {timing} for {gen_steps} steps"
          f"   {timing.median / (side * side) * 1e6:7.2f} µs per pixel")
law, (b_low, b_high) = cost.fit_timings([s * s for s in sides], timings)
print(f"fit: time ~ {law}; exponent {law.b:.2f} (5-95% range over the repeats {b_low:.2f}-{b_high:.2f})")
print(f"a 4K frame (8.3 MP) would take ~{law.predict(3840 * 2160):.0f} s on this device for {gen_steps} steps (extrapolated)")
growth = ("about in proportion to the pixel count" if abs(law.b - 1.0) <= 0.1 else
          "faster than the pixel count: larger frames cost more per pixel" if law.b > 1.0 else
          "more slowly than the pixel count: fixed per-step costs still weigh at these sizes")
print(f"time grows {growth}")
if law.r2 < 0.9 or b_high - b_low > 0.3:
    print(f"warning: the fit explains {law.r2:.0%} of the variation and the exponent ranges over {b_high - b_low:.2f}; "
          "other work on this machine disturbed the timings, so the extrapolation is unreliable. Run the cell again.")
config.show_smoke_note()

# %% [markdown]
# An exponent of 1 means a constant cost per pixel (twice the pixels, twice the time).
# Below 1, fixed per-step costs still matter at the smallest sizes; above 1, larger frames
# cost more per pixel, for example when the network's intermediate images no longer fit the
# processor's caches (on a shared 2-core CPU we measured 1.39, range 1.22-1.45). The line under the
# timings says which holds on your machine; a low R² or a wide exponent range means other
# work disturbed the timings. Extrapolated to 4K, even this tiny model needs minutes per
# frame on a CPU, and production video models have thousands of times
# more parameters and run dozens of steps per frame. That is why generators produce at low
# resolution and upscale, and why the upscaler's quality matters so much.

# %% [markdown]
# ## Tiling
#
# A large canvas does not fit through the network in one pass (memory grows with pixels),
# so it is split into overlapping tiles. At *every* denoising step each tile makes its
# prediction and the predictions are blended with smooth weights across the overlaps, so
# neighbouring tiles agree as they denoise. The seam score compares the image's gradient
# across tile borders with elsewhere: about 1 means no visible seam.

# %%
side = 96 if config.smoke_mode() else 256
tile = 48 if config.smoke_mode() else 128
plan = model.plan(side, side, tile=tile, overlap=16)
tiled = model.generate("fabric", (side, side), steps=gen_steps, seed=2, tile=tile, overlap=16, show_progress=False)
print(f"{side}x{side} px as {plan.count} tiles of {plan.size[1]}x{plan.size[0]} px "
      f"({plan.overhead:.0%} extra pixels computed in the overlaps); seam score {diffusion.seam_score(tiled, plan):.3f}")
viz.side_by_side({f"fabric generated in {plan.count} overlapping tiles": tiled}, width_in=5)

# %% [markdown]
# ## Generate natively, or generate small and upscale?
#
# Generate a `skin` texture natively at a target size, and generate at a quarter of the
# width and height (16x fewer pixels, 16x cheaper) then upscale x4. There is no ground
# truth to compute PSNR against (both are samples of a random texture), so compare texture
# statistics: the high-frequency share and the GLCM score.

# %%
target_side = 64 if config.smoke_mode() else 256
native_gen = model.generate("skin", (target_side, target_side), steps=gen_steps, seed=3, show_progress=False)
small_gen = model.generate("skin", (target_side // 4, target_side // 4), steps=gen_steps, seed=3, show_progress=False)
versions = {"generated natively": native_gen}
for method in ["bicubic", "realesrgan-x4"]:
    versions[f"generated small + {method}"] = upscale.upscale(small_gen, method, factor=4)
for label, image in versions.items():
    print(f"{label:>32}: high-frequency share {metrics.high_frequency_share(image):6.2%}   "
          f"GLCM {metrics.glcm_score(image, patch=min(64, target_side // 2)):.3f} bits")
viz.loupe_figure(versions, x=target_side / 2, y=target_side / 2, zoom=4, crop=max(16, target_side // 4))

# %% [markdown]
# The natively generated skin has fine pores a few pixels wide all over. The small
# generation upscaled shows a few big, soft blobs instead. Two things happened, and both
# are worth knowing:
#
# * this texture model learned skin at one pixel scale, so it always draws pores a few
#   pixels wide: generating "small" made a smaller *piece* of skin, and upscaling x4
#   magnified its pores to 4x the size. The detail has the wrong scale, not just less
#   sharpness;
# * a generator trained on many scales would instead draw the same view with pores too
#   small for its grid, so smooth skin, and the upscale would stay smooth (the waxy look of
#   lessons 3 and 4).
#
# Either way, the fine grain of the native generation is not there (see the
# high-frequency share), and no upscaler can know what it would have been: it was never
# generated.

# %% [markdown]
# ## Explore: generated textures under the loupe
#
# The comparison widget works with the generative upscaler too: `diffusion-sr` upscales by
# sampling detail with a small diffusion model. Change the seed and watch the invented
# detail change.

# %%
widgets.explore("skin", target=tier.target, source=tier.source, methods=["bicubic", "diffusion-sr"])

# %% [markdown]
# ## Optional, online: real text-to-image pipelines on a Colab GPU
#
# *This section needs a GPU and internet access to download real models from the Hugging
# Face hub (Stable Diffusion 1.5 and its x4 upscaler, several GB). It is skipped on a CPU,
# offline, and in smoke mode; set `ONLINE = True` on a Colab GPU runtime to run it (a few
# minutes on a T4).* It generates one prompt two ways at 2048x1152: natively, by denoising
# the whole large latent in overlapping windows (the same tiling idea as above), and at a
# quarter of the size followed by the x4 upscaler pipeline; then it times both and compares
# their high-frequency share.

# %%
ONLINE = False  # set to True on a Colab GPU runtime to run the hub section
if ONLINE and config.device() == "cuda" and not config.smoke_mode():
    from lab import hub

    hub_result = hub.compare_pipelines(prompt="close-up portrait, natural skin texture, macro photo",
                                       size="2048x1152", seed=0)
    print(hub_result)
    display(viz.loupe_figure({"generated natively (tiled latent)": hub_result.native,
                              "generated at 1/4 size + x4 upscaler": hub_result.upscaled},
                             x=1024, y=576, zoom=4, crop=96))
else:
    print("skipped: the hub section runs only with ONLINE = True on a CUDA GPU (and not in smoke mode)")

# %% [markdown]
# ## Exercise: extrapolate the generation cost
#
# Using `law` (the power law fitted above, `law.predict(pixels)` gives seconds), how many
# seconds would generating one 1080p frame (1920x1080) natively take on this device with
# the same number of steps? Store it in `seconds_1080p` and check it.
#
# This lesson has no graded notebook of its own; the graded exercises are in
# [exercises/](exercises/).

# %%
seconds_1080p = ...  # your answer
checks.check_number(seconds_1080p, float(law.predict(1920 * 1080)), name="seconds for a 1080p generation",
                    unit="s", rel_tol=0.01)

# %% [markdown]
# ## Summary
#
# * Diffusion models generate by repeated denoising; a fully convolutional one can denoise
#   any grid size, so it can generate natively at any resolution.
# * Its cost grows about linearly with pixels (times the number of steps); 4K is 16x the
#   cost of 540p per step, which is why generators go small and upscale.
# * Tiles blended at every denoising step generate large images without seams.
# * Generating small and upscaling cannot produce the fine grain the native generation
#   has; the upscaled texture is smoother (lower high-frequency share).
# * Next: [Lesson 8, the compute bill](08_compute_bill.ipynb).
