# lesson: 8
# title: The compute bill and future-proofing
# gpu: true

# %% [markdown]
# # Lesson 8: The compute bill and future-proofing
#
# Every lesson so far said "native costs more". This one measures how much more, on the
# machine you are using, fits a scaling law to it, and turns it into a decision: when is
# upscaling the right call, and when is native worth paying for?
#
# ## Learning goals
# By the end of this lesson you can
# 1. measure render time and peak memory against pixel count, for native rendering and for
#    rendering small and upscaling;
# 2. fit and read a power law, time = a * pixels^b, and extrapolate it to 4K, knowing
#    when the extrapolation is trustworthy;
# 3. estimate the compute cost of a minute of 4K video both ways;
# 4. argue, with the quality measurements of lessons 4 to 6, which content deserves
#    native resolution.

# %%
%matplotlib inline
from lab import checks, config, cost, resolution, viz, widgets

tier = config.tier()
print(f"tier: {tier.name} on {config.device()}")
config.show_smoke_note()

# %% [markdown]
# ## Measuring
#
# `cost.measure` renders one scene at several output sizes up to 4K, both natively and as
# "render at 1/4 of the width and height, then upscale with bicubic", and records the
# median time of 3 runs (after one untimed warm-up of each path), their spread (slowest
# minus fastest, relative to the median) and the peak extra memory of each render. The
# upscale path pays for what a renderer at the small size does: its own band-limited render
# (the `soft` source model). The `camera` model that other lessons compare against renders
# 4x finer to imitate a sensor averaging the light on each pixel, work a real camera does
# for free, so it is not charged here. It shows a progress bar;
# on a CPU it takes well under a minute for these procedural scenes.

# %%
sizes = None if config.smoke_mode() else ["960x540", "1920x1080", "2880x1620", "3840x2160"]  # None: thumbnails
report = cost.measure("skin", sizes, method="bicubic", factor=tier.factor, repeats=1 if config.smoke_mode() else 3)
print(report.table())

# %% [markdown]
# ## Scaling laws
#
# On log-log axes a power law time = a * pixels^b is a straight line with slope b. An
# exponent near 1 means "cost per pixel is constant": 4x the pixels, 4x the time. The
# stars mark 4K: filled when that size was measured (as here), hollow when it is only
# extrapolated from the fit.

# %%
viz.cost_figure(report)

# %%
for mode in ("native", "upscaled"):
    law = report.fits[mode]
    at_4k = report.at(mode, "4k")
    print(f"{mode:>8}: time ~ {law};  4K frame: {at_4k.seconds:.3f} s, "
          f"{at_4k.peak_bytes / 2**20:.0f} MiB peak ({'measured' if at_4k.measured else 'extrapolated'})")
    if law.r2 < 0.9:
        print(f"          warning: this fit explains only {law.r2:.0%} of the variation (R² {law.r2:.2f}); the "
              "timings were probably disturbed by other work on this machine. Run the measurement again.")
native_4k, upscaled_4k = report.at("native", "4k"), report.at("upscaled", "4k")
speedup = native_4k.seconds / upscaled_4k.seconds
b_native, b_upscaled = report.fits["native"].b, report.fits["upscaled"].b
print(f"native costs {speedup:.1f}x the time of render-small-and-upscale at 4K")
print(f"exponents: native {b_native:.2f}, upscaled {b_upscaled:.2f}: the upscale path's time grows "
      + ("about as fast as native's" if abs(b_native - b_upscaled) < 0.1 else
         "more slowly than native's" if b_upscaled < b_native else "faster than native's")
      + " with the pixel count")
print(f"largest spread between repeats: {max(p.spread for p in report.points):.0%}")

# %% [markdown]
# Read the numbers honestly:
#
# * First check the fits' R²: a clean measurement on an idle machine lies on a straight line
#   (R² close to 1). Timings taken while other programs compete for the processor scatter,
#   and then neither the exponent nor the extrapolation means much: measure again.
# * The upscale path's time is rendering the small frame (1/16 of the pixels) plus a cheap
#   kernel. Its constant is much smaller, and its exponent is usually *lower* than native's
#   (the line above compares them): at small sizes fixed per-frame overheads, which do not
#   shrink with the frame, are a larger part of its time. So the ratio at 4K need not be
#   16x, and it grows with the frame size.
# * Whether the 4K point is measured or extrapolated, the lines above say (outside smoke
#   mode it is measured). An extrapolation beyond the measured sizes assumes the law keeps
#   holding; large frames overflow caches and can cost more per pixel, so trust a measured
#   point over any fit.
# * A learned upscaler (lesson 3) runs a neural network over every output pixel, so it costs
#   more than bicubic; the explorer below measures how much on your machine. For real
#   generative video, native generation is the expensive side by orders of magnitude
#   (lesson 7).

# %% [markdown]
# ## A minute of 4K
#
# A minute at 24 frames per second is 1,440 frames. Multiply by the per-frame time:

# %%
frames_per_minute = 24 * 60
for mode, est in (("native", native_4k), ("render small + upscale", upscaled_4k)):
    hours = est.seconds * frames_per_minute / 3600
    print(f"{mode:>22}: {est.seconds:7.3f} s per 4K frame -> {hours * 60:7.2f} minutes of compute per minute"
          f" of video on {report.device}")

# %% [markdown]
# ## Explore: the cost explorer
#
# The explorer measures on your device, live, for the scene, upscaler and sizes you pick
# (here the sizes measured above), and redraws the fit. If you leave 4K out of the sizes,
# its 4K numbers are extrapolated from the fit and it says so next to them. Try a learned
# upscaler from the list (`learned-sr`, `realesrgan-x4`): how does its cost compare with
# native rendering? The generative `diffusion-sr` costs tens of seconds per megapixel on a
# CPU: measure it at the small sizes only.

# %%
widgets.CostExplorer("skin", method="bicubic", sizes=sizes)

# %% [markdown]
# ## When to upscale, when to go native
#
# Put the measurements of the whole course side by side (the cost column is this
# notebook's own measurement):

# %%
from IPython.display import Markdown

Markdown(f"""
| content | what upscaling loses (lessons 4-6) | verdict |
|---|---|---|
| casual, fast-moving, small-screen content; talking heads at phone size | little that viewers can see at that size | **upscale**: {speedup:.0f}x cheaper at 4K here (bicubic, {report.device}) |
| hero shots, close-ups of skin, fabric, foliage | high-frequency texture (waxy skin), measured as a lower high-frequency share | **native** for the shots that matter |
| slow camera moves over fine detail | temporal stability: shimmer from sources that alias, and hallucinated detail that flickers | **native**, or a temporally consistent upscaler, checked with the flicker in grey levels against the visibility threshold |
| text, logos, UI, product labels | edge sharpness (MTF50) and legibility | **native** (or render the text layer natively and composite) |
| archive and future-proofing: masters that will be re-cut, cropped, reframed or shown on larger screens | detail that cannot be recovered later | **native** master, upscaled proxies |
""")

# %% [markdown]
# Compute prices fall, but information that was never rendered cannot be bought back
# later: an upscaled master stays an upscaled master.

# %% [markdown]
# ## Exercise: the cost of a minute
#
# Using `native_4k.seconds` (the seconds per native 4K frame measured or extrapolated
# above), compute the hours of compute one minute of native 4K at 30 frames per second
# needs on this machine. Store it in `hours_per_minute_30fps` and check it.
#
# Graded exercises for this lesson: [exercises/ex08_compute_bill.ipynb](exercises/ex08_compute_bill.ipynb).

# %%
hours_per_minute_30fps = ...  # your answer
checks.check_number(hours_per_minute_30fps, native_4k.seconds * 30 * 60 / 3600,
                    name="hours of compute per minute of 4K at 30 fps", unit="h", rel_tol=1e-3)

# %% [markdown]
# ## Summary
#
# * Render time and memory grow roughly as a power of the pixel count with an exponent
#   near 1; fit the law on log-log axes and extrapolate with care.
# * Rendering small and upscaling with a classical kernel is many times cheaper per 4K
#   frame (the ratio printed above; at most about the 16x pixel ratio), because the kernel
#   itself is almost free. `python -m lab compare` bills it the same way: a render at the
#   small size plus the upscale.
# * A minute of 4K is 1,440 frames at 24 fps: per-frame seconds become hours.
# * Upscale casual content; render natively what viewers scrutinise (faces, texture, text,
#   slow pans) and what you will want to reuse.
# * Next: [Lesson 9, bring your own clip](09_bring_your_own_clip.ipynb).
