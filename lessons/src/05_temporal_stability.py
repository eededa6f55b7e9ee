# lesson: 5
# title: Temporal stability and flicker
# gpu: true

# %% [markdown]
# # Lesson 5: Temporal stability and flicker
#
# A still frame can hide a problem that motion reveals. When the camera moves by a
# fraction of a pixel per frame, detail near the grid's limit shimmers, and an upscaler
# that *invents* detail invents it afresh in every frame. This lesson measures both, and
# shows how a flicker measurement can lie when it relies on estimated motion.
#
# ## Learning goals
# By the end of this lesson you can
# 1. render clips with known sub-pixel camera motion, natively and upscaled;
# 2. measure flicker with the flow-compensated **warp error** (per frame and as a heat map)
#    using the scene's ground-truth motion, and read it in 8-bit grey levels against a
#    published visibility threshold;
# 3. explain what VBench's temporal-flickering score measures and where it fails;
# 4. recognise when optical-flow estimates make a flicker ranking unreliable, and read the
#    masked fraction and confidence that tell you so.

# %%
%matplotlib inline
from lab import checks, config, metrics, native, resolution, scenes, upscale, viz, widgets
from lab.models import diffusion_sr

tier = config.tier()
# Clips cost one render per frame, so on a CPU this lesson works at half the tier's size.
size = tier.target if config.device() == "cuda" else tier.target.scaled(0.5)
small = size.scaled(1 / tier.factor)
n_frames = min(tier.frames, 12)
generative = upscale.methods("generative")
print(f"clips of {n_frames} frames at {size}, upscaled from {small} (x{tier.factor})")
print("generative upscalers:", generative)
config.show_smoke_note()

# %% [markdown]
# ## Sub-pixel camera motion
#
# The `subpixel` motion pans the camera slowly, by a fraction of a pixel per frame: the
# hardest case for stability, because each frame samples the scene at slightly shifted
# positions. Because our scenes are continuous functions, the renderer also knows the exact
# motion of every pixel between frames (ground-truth optical flow).
#
# First scene: the zone plate, point-sampled (no anti-aliasing), with its ring density set
# so the native grid resolves the rings almost everywhere while the 4x smaller source grid
# aliases beyond a quarter of the frame height.
#
# Where does the small frame come from? `lab.native.SOURCE_MODELS` names the choices. The
# default, `camera`, is what a camera at the small size records: each pixel averages the light
# over its square area (an area downscale of a 4x finer render), so the upscaler gets all the
# detail the small grid can hold and no more. The zone plate is drawn by a renderer that
# point-samples at every size, so here we also take its own small render, `sharp` (the small
# grid point-samples the detail of the large one, as a renderer without anti-aliasing or a
# generator sharper than its pixels does). Each clip is rendered once and kept in memory as
# uint8 frames (`Clip.in_memory`), so the measurements below do not render it again; the
# memory guard refuses if that would not fit.

# %%
print({name: text.split(":")[0] for name, text in native.SOURCE_MODELS.items()})
zone = scenes.get("zoneplate", k=0.45 * size.height, motion="subpixel")
zone_clips = {"native": native.render_clip(zone, size, n_frames),
              "bicubic (sharp)": native.upscaled_clip(zone, size, small, "bicubic", n_frames, source_model="sharp"),
              "lanczos (sharp)": native.upscaled_clip(zone, size, small, "lanczos", n_frames, source_model="sharp"),
              "bicubic (camera)": native.upscaled_clip(zone, size, small, "bicubic", n_frames)}
zone_clips = {name: clip.in_memory(name) for name, clip in zone_clips.items()}
flow = zone_clips["native"].flow(0)
print(f"ground-truth motion, frame 0 -> 1: dx = {flow[..., 0].mean():+.3f} px, dy = {flow[..., 1].mean():+.3f} px (mean)")

# %% [markdown]
# ## Warp error: flicker after compensating the motion
#
# The **warp error** of a frame pair moves frame t+1 back along the true motion so that it
# lines up with frame t, then averages the squared difference over the pixels visible in
# both (Lai et al., ECCV 2018). Motion alone does not count, only change that the motion
# does not explain. The library computes it as a mean square on a [0, 1] scale, a unit no
# eye reads, so we show its square root in **8-bit grey levels**: the RMS difference between
# consecutive frames after motion compensation (`WarpError.rms_levels`). A perfectly stable
# video scores 0. Next to it stands a **visibility threshold**: the smallest grey-level step
# a viewer sees on the frame's mean grey, from the just-noticeable-distortion model of Chou
# and Li (1995): 3 levels on mid grey, more on dark or bright frames
# (`metrics.visibility_threshold`). A number below it is flicker nobody sees. The **flicker
# heat map** shows, per pixel, how much the motion-compensated value jumps around.

# %%
zone_warp = {name: metrics.warp_error(clip, flow="truth") for name, clip in zone_clips.items()}
print(metrics.flicker_table(zone_warp, {n: metrics.high_frequency_share(c.frame(0)) for n, c in zone_clips.items()}))

# %%
zone_heat = {name: metrics.flicker_heatmap(clip, flow="truth") for name, clip in zone_clips.items()}
viz.flicker_figure({name: w.per_frame_levels for name, w in zone_warp.items()}, zone_heat,
                   threshold=zone_warp["native"].threshold_levels, width_in=13)

# %%
corner = (0.25 + (0.5 * size.width / size.height) ** 2) ** 0.5  # centre to corner, in frame heights
print(f"finest rings (the corners): {zone.options['k'] / size.height * corner:.3f} cycles/px on the native grid, "
      f"{zone.options['k'] / small.height * corner:.3f} on the small grid (Nyquist: 0.5)")
print("steadiest to least steady:", " < ".join(sorted(zone_warp, key=lambda name: zone_warp[name].rms_levels)))
print(f"native {zone_warp['native'].rms_levels:.2f} levels, point-sampled source + bicubic "
      f"{zone_warp['bicubic (sharp)'].rms_levels:.2f}, camera source + bicubic {zone_warp['bicubic (camera)'].rms_levels:.2f}"
      f" (visibility threshold {zone_warp['native'].threshold_levels:.1f})")
interpolated = metrics.warp_error(zone_clips["native"], flow="truth", interpolation="bicubic")
print(f"native, warped by {zone_warp['native'].warp} shift: {zone_warp['native'].rms_levels:.2f} levels (the warp's own "
      f"floor {zone_warp['native'].floor_levels:.2f}); warped by bicubic remap: {interpolated.rms_levels:.2f} levels "
      f"(floor {interpolated.floor_levels:.2f})")

# %% [markdown]
# The native clip is the steadiest, by far. Its finest rings, in the corners, stay below the
# native grid's Nyquist limit of 0.5 cycles/px (first line above), so nothing aliases: the
# rings move with the scene, and moved back exactly along the true motion they line up frame
# after frame. What is left is about the rounding of 8-bit pixels. "Exactly" matters: the
# camera pans, one translation for the whole frame, so the library moves frame t+1 back by an
# FFT phase shift, which keeps every frequency up to Nyquist. An interpolating warp (bicubic,
# last line) blurs rings that fine every time it resamples and reads its own loss as flicker;
# each result carries the warp's own error on its content (`WarpError.floor_levels`), and a
# reading within it is flagged.
#
# On the small grid the same rings are far beyond its Nyquist limit. With the point-sampled
# (`sharp`) source the upscaled clips shimmer far more than native: the small grid aliased
# the outer rings into false patterns, and those false patterns do not move with the scene,
# they crawl as the sampling positions shift. Upscaling keeps the crawl and makes it bigger.
# The heat maps show where: everywhere outside the central disc that the source grid could
# still resolve, most in the corners.
#
# The `camera` source tells another story: its pixels *average* the rings they cannot
# resolve into flat grey, so far less is left to crawl, and its upscale is much steadier
# than the point-sampled one, though not as steady as native. A zone plate is made to be
# hard: compare each number with the threshold printed above. The lesson: flicker depends on
# how the small frame was made, so always say which source you compared against.

# %% [markdown]
# ## Texture in motion
#
# Second scene: the anti-aliased `fabric` weave with the same sub-pixel motion, upscaled
# with bicubic and with a learned upscaler (Real-ESRGAN). Flicker alone can mislead, so the
# table also gives each clip's high-frequency share (how much fine detail it has at all).

# %%
fabric = scenes.get("fabric", seed=2, motion="subpixel")
clips = {"native": native.render_clip(fabric, size, n_frames)}
for method in ["bicubic", "realesrgan-x4"]:
    clips[method] = native.upscaled_clip(fabric, size, small, method, n_frames)  # camera source
clips = {name: clip.in_memory(name) for name, clip in clips.items()}
warp = {name: metrics.warp_error(clip, flow="truth") for name, clip in clips.items()}
print(metrics.flicker_table(warp, {name: metrics.high_frequency_share(clip.frame(0)) for name, clip in clips.items()}))
print("steadiest to least steady:", " < ".join(sorted(warp, key=lambda name: warp[name].rms_levels)))

# %% [markdown]
# Read the flicker column next to the detail column:
#
# * the **native** clip is the steadiest: its threads move with the camera, and it shimmers
#   only where its finest threads sit at the grid's limit;
# * the **bicubic** clip starts from a camera frame whose weave sits near the *small* grid's
#   limit, where the small pixels catch or miss threads as the camera slides; upscaled, that
#   becomes a larger shimmer;
# * the **learned** upscaler sharpens, and its sharpened detail is re-predicted in every
#   frame from shifted source pixels, so it flickers the most.
#
# At this slow drift all three stay below the visibility threshold. A low flicker number
# means "stable", not "good": a blurred clip is stable too, as the next section shows.

# %% [markdown]
# ## Three ways to be small: soft, camera and sharp sources
#
# The source model decides what the upscaler gets. Same skin, same motion, four clips:
#
# * `soft`: the small frame band-limited to its own grid with a wide margin, so detail within
#   an octave of its limit fades out (an over-smoothed source, blurrier than a camera);
# * `camera` (the default): what a camera at the small size records;
# * `sharp`: a game engine without mip-maps, or a generator trained on sharp images, draws
#   detail right up to (and past) the limit of its pixels, and those pixels then
#   *point-sample* it (graphics calls this a negative level-of-detail bias).

# %%
skin = scenes.get("skin", seed=1, motion="subpixel")
skin_clips = {"native": native.render_clip(skin, size, n_frames),
              "soft source": native.upscaled_clip(skin, size, small, "bicubic", n_frames, source_model="soft"),
              "camera source": native.upscaled_clip(skin, size, small, "bicubic", n_frames),
              "sharp source": native.upscaled_clip(skin, size, small, "bicubic", n_frames, source_model="sharp")}
skin_clips = {name: clip.in_memory(name) for name, clip in skin_clips.items()}
skin_warp = {name: metrics.warp_error(clip, flow="truth") for name, clip in skin_clips.items()}
skin_detail = {name: metrics.high_frequency_share(clip.frame(0)) for name, clip in skin_clips.items()}
print(metrics.flicker_table(skin_warp, skin_detail))
print("steadiest to least steady:", " < ".join(sorted(skin_warp, key=lambda name: skin_warp[name].rms_levels)))
print(f"native keeps {skin_detail['native'] / skin_detail['camera source']:.0f}x the camera upscale's "
      "high-frequency share")

# %%
skin_heat = {name: metrics.flicker_heatmap(clip, flow="truth") for name, clip in skin_clips.items()}
viz.flicker_figure({name: w.per_frame_levels for name, w in skin_warp.items()}, skin_heat,
                   threshold=skin_warp["native"].threshold_levels, width_in=14)

# %% [markdown]
# All three upscaled clips lost most of the fine detail, in different ways, and the flicker
# grows with the detail their source kept:
#
# * the **soft source** is the steadiest clip, because it has nothing left to flicker;
# * the **camera source** kept the pores the small grid can hold; under this slow drift its
#   upscale is steadier than native, with a fraction of native's detail;
# * the **sharp source** kept false detail: pores that the small grid caught or missed
#   depending on where its pixel centres fell. As the camera slides, those hits and misses
#   change from frame to frame, and upscaling turns each one into a 4x4 blob that blinks:
#   it is the least steady clip, with far less real detail than native;
# * the **native** clip carries all the detail and shimmers only at its own finest octave.
#
# All of them stay below the visibility threshold at this slow drift. This is the course's
# headline in its honest form: native keeps several times the detail of any upscale; against
# a sharp, aliasing source (where a low-resolution generator sits) it is also steadier, while
# against a camera-quality source the flicker difference is small and depends on the motion
# and the size (BENCHMARKS.md measures every scene at both tiers). A generator also
# re-invents detail in every frame, which is what the next section measures.

# %% [markdown]
# ## Detail invented every frame: the generative upscaler
#
# The generative upscaler `diffusion-sr` (lesson 4) invents detail from random noise. In a
# video, the question is which noise each frame gets:
#
# * "fresh-noise SR" (`noise="independent"`): new noise in every frame, as a per-frame
#   generator does;
# * "warped-noise SR" (`noise="warped"`): the noise is carried along with the scene's
#   motion, so each piece of invented detail should stay attached to the same piece of
#   fabric.
#
# The model runs its network at the output size for 10 steps per frame, so on a CPU this
# part works on a small clip.

# %%
gen_size = resolution.parse("64x36" if config.smoke_mode() else "960x540" if config.device() == "cuda" else "192x108")
gen_small = gen_size.scaled(1 / tier.factor)
gen_frames = min(n_frames, 4)
low = native.render_clip(fabric, gen_small, gen_frames)  # the small source clip, with its true motion
gen_clips = {"native": native.render_clip(fabric, gen_size, gen_frames),
             "bicubic": native.upscaled_clip(fabric, gen_size, gen_small, "bicubic", gen_frames)}
for label, noise in [("fresh-noise SR", "independent"), ("warped-noise SR", "warped")]:
    gen_clips[label] = diffusion_sr.upscale_clip(low, noise=noise, seed=0)
gen_clips = {name: clip.in_memory(name) for name, clip in gen_clips.items()}
gen_warp = {name: metrics.warp_error(clip, flow="truth") for name, clip in gen_clips.items()}
print(f"{gen_frames} frames at {gen_size}")
print(metrics.flicker_table(gen_warp, {name: metrics.high_frequency_share(clip.frame(0)) for name, clip in gen_clips.items()}))
fresh, warped = gen_warp["fresh-noise SR"].rms_levels, gen_warp["warped-noise SR"].rms_levels
print(f"fresh noise {fresh:.2f} levels, warped noise {warped:.2f}, native {gen_warp['native'].rms_levels:.2f}: "
      f"warping the noise removes {1 - warped / fresh:.0%} of the fresh-noise flicker")

# %%
gen_heat = {name: metrics.flicker_heatmap(clip, flow="truth") for name, clip in gen_clips.items()}
viz.flicker_figure({name: w.per_frame_levels for name, w in gen_warp.items()}, gen_heat,
                   threshold=gen_warp["native"].threshold_levels, width_in=15)

# %% [markdown]
# With fresh noise the generative upscaler flickers by far the most: every frame
# invents different texture, and the heat map lights up wherever it invents it. Note also
# the high-frequency share: at this small size the fabric's weave is finer than the pixels,
# so the native render (correctly) filters it to an almost flat colour, while the
# generative upscaler invents texture anyway.
# On a single frame it can look the most detailed of all (lesson 4); in motion that detail
# boils. Carrying the noise along with the motion lowers the flicker a lot, but not to the
# native level: the network does not respond identically to shifted noise, and content
# entering the frame gets fresh noise. Native rendering needs no such trick: its detail is
# the scene's own, so it moves with the scene.

# %% [markdown]
# ## VBench's temporal-flickering score and its limits
#
# VBench, a benchmark for video generators, scores flicker as
# (255 - mean |F_t - F_t+1|) / 255: 1.0 means consecutive frames are identical. It has no
# motion compensation, so it is only meaningful for **static** shots (VBench filters the
# others out first). On a static scene it works:

# %%
static = scenes.get("skin", seed=4, motion="static")
static_clips = {"native": native.render_clip(static, gen_size, gen_frames),
                "bicubic": native.upscaled_clip(static, gen_size, gen_small, "bicubic", gen_frames),
                "fresh-noise SR": native.upscaled_clip(static, gen_size, gen_small, "diffusion-sr", gen_frames, seed=0)}
for name, clip in static_clips.items():
    print(f"static skin, {name:>14}: VBench flicker score {metrics.vbench_flicker_score(clip):.4f}")
for name, clip in zone_clips.items():
    print(f"moving zone plate, {name:>16}: VBench flicker score {metrics.vbench_flicker_score(clip):.4f}"
          f"   (flicker along the true motion {zone_warp[name].rms_levels:.2f} grey levels RMS)")

# %% [markdown]
# On the static scene, native and bicubic score a perfect 1.0 (nothing changes), while a
# generative upscaler with fresh noise per frame loses points: its per-frame noise is pure
# flicker. On the moving zone plate the score counts the *motion* as flicker, and ranks the
# native clip *worst*: its sharp rings change the most between frames simply because they
# move, while the upscales' blurrier rings change less, even where, along the true motion,
# the upscale from the point-sampled source flickers far more. Use the VBench score
# only on static shots; use a motion-compensated warp error otherwise.

# %% [markdown]
# ## A pitfall: estimated optical flow on fine, periodic detail
#
# Real footage does not come with ground-truth motion, so flicker tools estimate it with
# optical flow (here OpenCV's DIS). On fine or periodic detail flow estimation fails: a
# pattern that repeats every few pixels looks the same after moving one period, so its motion
# is ambiguous by whole periods (the *correspondence problem* of periodic patterns, the
# wagon-wheel effect in space; the related *aperture problem* is that along a straight edge
# only the motion across it can be seen). Then the sharp native clip appears to flicker badly,
# while the blurred upscale, whose fine detail is gone, is easy to track and looks stable.
#
# Measure the zone-plate clips again, with estimated flow instead of the true motion:

# %%
for name, clip in zone_clips.items():
    dis = metrics.warp_error(clip, flow="dis")
    print(f"{name:>16}: flicker (grey levels RMS) with true motion {zone_warp[name].rms_levels:7.2f} | with DIS "
          f"flow {dis.rms_levels:7.2f}, masked {dis.masked_fraction:.0%} of pixels, confidence {dis.confidence:.2f}, "
          f"reliable: {dis.reliable}")
    print(f"                  {dis.message}")

# %% [markdown]
# With the true motion the native clip is steadier than the upscales of the point-sampled
# source. With estimated flow the ranking flips: native looks many times *worse* than them. The library does not let that
# pass silently: for the native clip it masks the pixels whose forward and backward flow
# disagree, reports how much of the frame that removed and how well the flow explains the
# frames (confidence), and marks the number unreliable. Notice that the upscaled clips'
# DIS numbers can even look trustworthy on their own: only the comparison with the true
# motion shows how wrong the ranking is. The rules for your own measurements: use known
# motion whenever you have it (rendered content, a locked-off or motion-controlled camera,
# a known global pan), never rank clips by an estimated-flow flicker number without its
# masked fraction and confidence, and distrust a ranking in which the sharper clip's flow
# was unreliable.

# ## Explore: the flicker meter
#
# Play the native zone plate and its bicubic upscale from the point-sampled source in step. The curve marks the current
# frame; the heat maps show where the flicker is.

# %%
widgets.FlickerMeter(clips=(zone_clips["native"], zone_clips["bicubic (sharp)"]), flow="truth")

# %% [markdown]
# Called with a scene name instead of clips, the meter renders and measures any scene and
# upscaler you pick. Try it in a new cell:
# `widgets.FlickerMeter("fabric", method="diffusion-sr", motion="subpixel")`. Unless you give
# `target`, `source` and `n_frames`, it picks a size and clip length that your tier renders
# and measures in about a minute with that upscaler (the diffusion upscaler runs its network
# ten times over every output pixel, so it gets a much smaller clip than bicubic), says its
# estimate before it starts, moves its bar at every denoising step, and Cancel stops it
# within a step. What it would pick here:

# %%
for method in ["bicubic", "diffusion-sr"]:
    print(widgets.FlickerMeterSettings.make("fabric", method=method, motion="subpixel").plan_text())

# %% [markdown]
# ## Exercise: write VBench's flicker score
#
# Write a function `flicker_score(frames)` that takes a list of uint8 frames and returns
# (255 - mean over t of mean |F_t - F_t+1|) / 255. Watch out: subtracting two uint8 arrays
# wraps around (10 - 30 = 236), so convert to float first. A one-line `lambda` is enough.
#
# Graded exercises for this lesson: [exercises/ex05_flicker.ipynb](exercises/ex05_flicker.ipynb).

# %%
flicker_score = ...  # your function, e.g. lambda frames: ...
checks.check_flicker_score(flicker_score)

# %% [markdown]
# ## Summary
#
# * Sub-pixel motion exposes what a still frame hides: shimmering from aliasing and detail
#   that an upscaler re-invents each frame.
# * The flow-compensated warp error, with the scene's true motion, measures flicker without
#   counting motion; read it in grey levels (RMS) next to the visibility threshold, and a
#   heat map shows where it happens.
# * How the small frame was made (soft, camera, sharp) decides how much the upscale flickers;
#   always name the source you compared against.
# * VBench's flicker score counts any change, including real motion: valid for static
#   shots only.
# * Estimated optical flow fails on fine periodic detail and can invert the ranking; report
#   the masked fraction and the confidence, and prefer known motion.
# * Next: [Lesson 6, text, logos and multi-shot consistency](06_text_and_consistency.ipynb).
