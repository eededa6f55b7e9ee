# lesson: 2
# title: Native generation
# gpu: true

# %% [markdown]
# # Lesson 2: Native generation
#
# "Native 4K" means every one of the 8.3 million pixels was computed from the content
# itself, not predicted from a smaller picture. This lesson does exactly that with the
# course's procedural scenes, and measures what it costs.
#
# ## Learning goals
# By the end of this lesson you can
# 1. describe a scene as a continuous function of position and time, and rendering as
#    evaluating it on a pixel grid;
# 2. explain anti-aliasing (filtering detail finer than the grid before sampling) and see
#    what happens without it;
# 3. measure render time per pixel and predict how it grows with resolution;
# 4. compare the same scene rendered at three sizes with a pixel loupe.

# %%
%matplotlib inline
from lab import checks, config, cost, native, resolution, scenes, upscale, viz, widgets

tier = config.tier()
print(f"tier: {tier.name} on {config.device()}: native {tier.target}")
config.show_smoke_note()
print("scenes:", ", ".join(scenes.names()))

# %% [markdown]
# ## A scene is a function, not a picture
#
# Each scene is defined in continuous, resolution-independent coordinates: skin pores are
# cells of a random pattern, foliage is layered noise, the zone plate is
# cos(k r²). Because nothing is stored as pixels, the same scene can be evaluated on a
# 480-pixel-wide grid or a 3840-pixel-wide one, and every pixel of either grid is computed
# from the scene. That is what "native" means in this course.
#
# Here is the skin scene rendered at three sizes: the lesson's target size, half of it
# and a quarter of it.

# %%
scene = scenes.get("skin", seed=1)
sizes = [tier.source, tier.target.scaled(0.5), tier.target]
frames = {f"{r.width}x{r.height}": native.render(scene, r) for r in sizes}
for label, frame in frames.items():
    print(f"{label:>10}: array {frame.shape}, {frame.nbytes / 1e6:6.2f} MB as uint8")

# %% [markdown]
# To compare them pixel for pixel, each smaller render is enlarged with *nearest
# neighbour*: every one of its pixels becomes a block, so you see its true pixel size. The
# loupe below magnifies the same region of the scene in all three.

# %%
blocks = {f"{label} (pixels shown as blocks)": upscale.upscale(f, "nearest", size=tier.target)
          for label, f in frames.items()}
viz.loupe_figure(blocks, x=tier.target.width * 0.5, y=tier.target.height * 0.5, zoom=8,
                 crop=max(16, tier.target.width // 24))

# %% [markdown]
# The smallest render is not a blurred version of the largest: each of its pixels is the
# average of the scene over a larger area. Pores that span less than one of its pixels become
# a flat average colour. The large render resolves them because it evaluates the scene on
# a finer grid. No later processing step can recover detail that was averaged away here.

# %% [markdown]
# ## Anti-aliasing: what a pixel should be
#
# A pixel is not a point; it covers a small square of the scene. Evaluating the scene only
# at each pixel's centre (point sampling) lets detail finer than the grid alias into false
# patterns. Each scene documents how it avoids that: the noise-based textures stop adding
# octaves that the grid cannot hold, shapes and text are box-filtered over the pixel's
# area, and the zone plate is point-sampled on purpose (it is the aliasing demonstration of
# lesson 1).

# %%
for name in scenes.names():
    print(f"{name:>10}: {scenes.get(name).antialiasing}")

# %% [markdown]
# What goes wrong without it: take every 4th pixel of the fabric rendered 4x larger (point
# sampling at the small size) and compare it with the fabric rendered natively at the small
# size, where the renderer filtered the weave to what the grid can hold.

# %%
fabric = scenes.get("fabric", seed=1)
fabric_big = native.render(fabric, tier.target)
viz.loupe_figure({"anti-aliased render": native.render(fabric, tier.source),
                  "point-sampled (every 4th pixel)": fabric_big[::tier.factor, ::tier.factor]},
                 x=tier.source.width * 0.5, y=tier.source.height * 0.5, zoom=8, crop=max(12, tier.source.width // 12))

# %% [markdown]
# In the magnified crops, the point-sampled weave breaks into an irregular false pattern
# (moire): threads appear, vanish and change direction where the fabric has none of that.
# The anti-aliased render keeps the weave's regular diagonal, softened to what the grid can
# hold. Anti-aliasing costs
# detail, but the detail it removes could not be shown correctly on that grid anyway.

# ## What each pixel costs
#
# Native rendering does work for every pixel, so its time grows with the pixel count. We
# time a render at each size (one untimed warm-up, then the median of 3 runs, with the
# spread between the fastest and slowest run) and divide by the number of pixels.

# %%
render_timings = {}
for r in sizes:
    timing = cost.time_calls(lambda: native.render(scene, r), repeats=3, warmup=1)
    render_timings[r] = timing
    print(f"{r.width:>5}x{r.height:<5} {r.megapixels:6.3f} MP   {timing}"
          f"   {timing.median / r.pixels * 1e9:7.1f} ns per pixel")
largest = sizes[-1]
for r in sizes[:-1]:
    print(f"{largest.width}x{largest.height} has {largest.pixels / r.pixels:.0f}x the pixels of {r.width}x{r.height} "
          f"and took {render_timings[largest].median / render_timings[r].median:.1f}x the time")

# %% [markdown]
# On an idle machine the time per pixel settles into a narrow range once frames are large
# enough that fixed per-call costs (setting up the scene's tables, launching the work) stop
# mattering, so the total grows roughly linearly with pixels: 4x the pixels, close to 4x the
# time (the last lines compare them). The smallest frame usually costs the most *per pixel*
# because of those fixed costs, so its time ratio falls short of its pixel ratio. On a shared or busy machine (a laptop running other work,
# a free cloud runtime) single timings jump around: run the cell again and compare. Lesson
# 8 measures more sizes and fits the scaling law properly.

# %% [markdown]
# ## Explore: one scene, any resolution
#
# Choose a scene and the source and target sizes; the panels show the native render and
# upscaled versions, and the loupe magnifies the same region in each. Things to try: the
# `fabric` weave at the smallest source size (the weave vanishes), the `sign` scene (text
# strokes thinner than a source pixel), and the `zoneplate`.

# %%
widgets.explore("skin", target=tier.target, source=tier.source, methods=["nearest", "bicubic"])

# %% [markdown]
# ## Exercise: predict the cost of 4K
#
# Using the time you measured at the lesson's target size, and assuming the time per pixel
# stays constant, predict the seconds needed to render one 3840x2160 frame on this machine.
# Store it in `predicted_4k_seconds` and check it.
#
# This lesson has no graded notebook of its own; the graded exercises are in
# [exercises/](exercises/).

# %%
target_seconds = cost.time_call(lambda: native.render(scene, tier.target), repeats=1)
predicted_4k_seconds = ...  # your answer, from target_seconds and pixel counts
checks.check_number(predicted_4k_seconds, target_seconds * resolution.parse("4k").pixels / tier.target.pixels,
                    name="predicted seconds for one 4K frame", unit="s", rel_tol=1e-3)

# %% [markdown]
# ## Summary
#
# * A native render evaluates a continuous scene at every pixel of the target grid, so
#   detail is limited only by the grid (and the scene).
# * Anti-aliasing averages the scene over each pixel's area; without it, detail finer than
#   the grid aliases into false patterns.
# * Rendering cost is roughly proportional to the pixel count: 4K costs about 4x 1080p and
#   16x 540p per frame, which is the whole economic argument for upscaling.
# * Next: [Lesson 3, upscaling as predictive interpolation](03_upscaling.ipynb).
