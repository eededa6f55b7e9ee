# lesson: 6
# title: Text, logos and multi-shot consistency
# gpu: true

# %% [markdown]
# # Lesson 6: Text, logos and multi-shot consistency
#
# Viewers forgive soft foliage; they notice a blurry logo, a sign they cannot read, or a
# character whose markings change between shots. This lesson measures edge sharpness with
# the slanted-edge MTF, checks text legibility under the loupe, and follows one character
# across cuts.
#
# ## Learning goals
# By the end of this lesson you can
# 1. measure resolving power with the slanted-edge method (ISO 12233 style) and read MTF50
#    in cycles per pixel;
# 2. compare vector text and a logo rendered natively and upscaled, by eye and by numbers;
# 3. follow a character across shot cuts and measure whether its identity (shape, palette,
#    markings) is kept or drifts.

# %%
%matplotlib inline
import matplotlib.pyplot as plt
from lab import checks, config, metrics, native, scenes, upscale, viz, widgets

tier = config.tier()
methods = ["bicubic", "lanczos", "realesrgan-x4", "learned-sr"]
print(f"tier: {tier.name}: native {tier.target}, source {tier.source} (x{tier.factor})")
config.show_smoke_note()

# %% [markdown]
# ## Sharpness of an edge: MTF50
#
# The `edge` scene is a dark/light boundary tilted by 5 degrees. Because it is slanted, each
# pixel row crosses the edge at a slightly different sub-pixel position; stacking the rows
# gives the edge profile at 4x finer sampling (the edge spread function). Its derivative is
# the line spread function, and the Fourier transform of that is the **modulation transfer
# function** (MTF): how much contrast survives at each spatial frequency. **MTF50** is the
# frequency where half the contrast is left, in cycles per pixel: higher is sharper. The
# grid's Nyquist limit is 0.5.

# %%
edge = scenes.get("edge")
edges = {"native": native.render(edge, tier.target)}
for method in methods:
    edges[method] = native.render_upscaled(edge, tier.target, tier.source, method)
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
mtf50 = {}
for label, frame in edges.items():
    result = metrics.slanted_edge_mtf(frame)
    mtf50[label] = result.mtf50
    ax.plot(result.frequency, result.mtf, label=f"{label}: MTF50 = {result.mtf50:.3f} cycles/px")
ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
ax.axvline(0.5 / tier.factor, color="grey", linestyle="--", label="source Nyquist")
ax.axvline(0.5, color="black", linestyle="--", linewidth=0.8, label="target Nyquist (0.5)")
ax.set_xlim(0, max(0.75, 1.1 * max(mtf50.values())))
ax.set_ylim(0, 1.1)
ax.set_xlabel("spatial frequency (cycles per pixel)")
ax.set_ylabel("MTF (contrast kept, 1 = all)")
ax.set_title(f"slanted-edge MTF, edge at {result.angle_deg:.1f} degrees")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside the plot: no curve hidden
plt.show()
above = [label for label, value in mtf50.items() if value > 0.5]
print("MTF50 above the grid's Nyquist limit (0.5 cycles/px):", ", ".join(above) if above else "none")

# %% [markdown]
# The native edge keeps contrast up to high frequencies (it is limited only by the
# renderer's anti-aliasing). Its MTF50 can even lie *above* the grid's Nyquist limit (the
# line printed under the plot says whether it does here): the slanted-edge method samples
# the edge profile 4x finer than the pixels, so it can measure contrast above 0.5 cycles/px.
# A grid cannot show a *pattern* that fine without aliasing, but a single edge drawn with a
# one-pixel ramp has that much contrast: it is as sharp as the grid allows, and a little
# aliasing is the price. Every upscale from the 4x smaller grid loses contrast above the
# source's Nyquist limit, so its MTF50 sits far lower. A learned upscaler can *sharpen* the
# edge (steeper profile, higher MTF50 than bicubic), because an edge is exactly the kind of
# structure whose position the small image does reveal. Sharpening can overshoot, too: an
# MTF above 1 at some frequency means halos.

# %% [markdown]
# ## Text and a logo
#
# The `sign` scene has vector text of several sizes and a logo, drawn from outlines so the
# native render is exact at any resolution. Under the loupe, compare the smallest text.

# %%
sign = scenes.get("sign")
signs = {"native": native.render(sign, tier.target)}
for method in methods:
    signs[method] = native.render_upscaled(sign, tier.target, tier.source, method)
for label, frame in signs.items():
    print(f"{label:>14}: PSNR {metrics.psnr(signs['native'], frame):6.2f} dB   SSIM {metrics.ssim(signs['native'], frame):.4f}"
          f"   sharpness {metrics.sharpness(frame):9.1f}")

# %%
viz.loupe_figure(signs, x=tier.target.width * 0.3, y=tier.target.height * 0.75, zoom=8,
                 crop=max(16, tier.target.width // 24))

# %% [markdown]
# Legibility is where the upscalers differ most visibly. Strokes thinner than a source pixel
# either vanish (bicubic blurs them into grey) or get confidently redrawn (the learned
# upscalers), and a redrawn letter can be the *wrong* letter. A sharp-looking result is not
# the same as a correct one: compare the shapes with native, not just their crispness.

# %% [markdown]
# ## One character, several shots
#
# The `character` scene is a cat-like creature with an identity: a body shape, a palette
# and markings (`character.identity`). With `motion="shots"` the camera cuts between three
# framings: wide, a close-up on the head, and a rolled medium shot. An identity is *kept*
# when the character looks the same in every shot; it *drifts* when its details change from
# shot to shot. We render one frame in the middle of each shot, natively and upscaled.

# %%
character = scenes.get("character", seed=7, motion="shots")
identity = character.identity
print(f"identity: {identity.marking_count} {identity.markings}, {identity.ears} ears, body aspect {identity.body_aspect:.2f}; "
      "colours (8-bit RGB): " + ", ".join(f"{part} {tuple(round(255 * c) for c in rgb)}"
                                          for part, rgb in identity.palette().items()))
cuts = character.cuts
times = [0.5 * (a + b) for a, b in zip([0.0] + cuts, cuts + [cuts[-1] + 1.0])]
print("cuts at", ", ".join(f"{t:.1f} s" for t in cuts), "| frames analysed at", ", ".join(f"{t:.1f} s" for t in times))
shot_methods = ["bicubic", "realesrgan-x4"]
shots = {}
for i, t in enumerate(times):
    shots[(i, "native")] = native.render(character, tier.target, t)
    for method in shot_methods:
        shots[(i, method)] = native.render_upscaled(character, tier.target, tier.source, method, t)

# %%
display(viz.side_by_side({f"shot {i + 1}, native": shots[(i, "native")] for i in range(len(times))}))
viz.side_by_side({f"shot {i + 1}, bicubic from {tier.source.width}x{tier.source.height}": shots[(i, "bicubic")]
                  for i in range(len(times))})

# %% [markdown]
# The scene knows where each part of the character is in the world (`character.anchors`),
# and `world_to_pixel` tells where that point lands in any shot. So we can read the colour
# of the body, the belly and the eye in every shot and compare each upscaled version with
# native: the colour error, in 8-bit levels (0-255), of each part in each shot ("off-frame"
# where the framing leaves that part out).

# %%
parts = ["body", "belly", "eye"]
print(f"{'':>24}" + "".join(f"{part:>10}" for part in parts) + "   (colour error vs native, 8-bit levels)")
for i, t in enumerate(times):
    points = character.world_to_pixel(tier.target, t, [character.anchors[part] for part in parts]).round().astype(int)
    ref = shots[(i, "native")]
    for method in shot_methods:
        visible = [0 <= x < tier.target.width and 0 <= y < tier.target.height for x, y in points]
        errors = [abs(shots[(i, method)][y, x].astype(int) - ref[y, x].astype(int)).mean() if ok else None
                  for (x, y), ok in zip(points, visible)]
        print(f"shot {i + 1} {method:>17}" + "".join(f"{e:10.1f}" if e is not None else f"{'off-frame':>10}" for e in errors))

# %% [markdown]
# The native render *is* the character's identity, the same in every shot by construction.
# The upscaled versions are not. A part that covers many source pixels (the body, the eye
# in the close-up) keeps its colour under bicubic; the eye in the wide shot spans only a
# few source pixels, so it is blended with its surroundings and its colour is off by
# several levels. Real-ESRGAN shifts colours everywhere by a few levels, and the small eye
# most. These are small numbers for one pixel, but they are systematic: the *same* character
# changes between shots after upscaling,
# because how much survives depends on the framing: identity drift that native rendering
# does not have. A generative upscaler adds its own randomness on top; try `diffusion-sr`
# in the widget below with different seeds.

# %% [markdown]
# ## Explore: text and characters under the loupe
#
# Switch between `sign` and `character`, change the source size (1/2, 1/4, 1/8) and watch
# where the smallest text stops being legible for each upscaler.

# %%
widgets.explore("sign", target=tier.target, source=tier.source, methods=["bicubic", "realesrgan-x4"])

# %% [markdown]
# ## Exercise: the sharpest upscaler by MTF50
#
# From the MTF plot above, which upscaler has the highest MTF50 on the edge? Put its name in
# `sharpest_upscaler` (a string such as `"bicubic"`) and check it against the measurement.
# Then compare: is it also the one with the best PSNR on the sign?
#
# Graded exercises for this lesson: [exercises/ex04_texture_and_text.ipynb](exercises/ex04_texture_and_text.ipynb)
# (it covers lessons 4 and 6).

# %%
sharpest_upscaler = ...  # e.g. "lanczos"
measured = {m: mtf50[m] for m in methods}
checks.check_measured_choice(sharpest_upscaler, max(measured, key=measured.get), methods,
                             name="sharpest upscaler by MTF50",
                             why="MTF50 " + ", ".join(f"{m} {v:.3f}" for m, v in measured.items()) + " cycles/px")

# %% [markdown]
# ## Summary
#
# * The slanted-edge MTF measures how much contrast survives at each frequency; MTF50 in
#   cycles per pixel summarises it. Upscaled edges lose contrast above the source Nyquist
#   limit; learned upscalers sharpen edges but cannot restore thin strokes faithfully.
# * Text is the harshest test: strokes thinner than a source pixel vanish or are redrawn,
#   sometimes as the wrong shape.
# * Upscaling quality depends on framing, so one character can look different across shots:
#   identity drift that native rendering avoids.
# * Next: [Lesson 7, AI generation at scale](07_ai_generation_at_scale.ipynb).
