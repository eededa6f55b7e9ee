# lesson: 9
# title: Bring your own clip
# gpu: false

# %% [markdown]
# # Lesson 9: Bring your own clip
#
# Time to point the instruments at real footage: a clip from your phone, or the output of
# any AI video tool. This lesson loads an mp4 and produces the full flicker and detail
# report. Without a clip of your own, it generates a small example at run time. The same
# report runs from a terminal on any two clips of one size:
# `python -m lab report NATIVE.mp4 CANDIDATE.mp4 --out my-report` (see the course README).
#
# ## Learning goals
# By the end of this lesson you can
# 1. load any mp4 as a streaming clip (frames are decoded one at a time, never all held);
# 2. measure flicker without a reference (VBench score, warp error with estimated flow),
#    and judge whether the flow estimate can be trusted;
# 3. run the full report of a clip against a reference, and read its table and figure;
# 4. use a "re-upscale test" to look for signs that a clip was upscaled.

# %%
%matplotlib inline
import tempfile

import numpy as np
import matplotlib.pyplot as plt
from pathlib import Path
from lab import checks, config, metrics, native, scenes, upscale, video, viz, widgets

tier = config.tier()
workdir = Path(tempfile.mkdtemp())
print(f"tier: {tier.name}; scratch folder for example files: {workdir}")
config.show_smoke_note()

# %% [markdown]
# ## Your clip
#
# Put the path of an mp4 in `MY_CLIP` (on Colab, upload it with the file browser on the
# left, then use e.g. `"/content/my_clip.mp4"`). Leave it as `None` to use the example.
# Long 4K clips take a while on a CPU: the analysis streams frames, so memory stays low,
# but every frame is decoded and measured. `MAX_FRAMES` limits how many are analysed.

# %%
MY_CLIP = None  # e.g. "my_clip.mp4"
MAX_FRAMES = 6 if config.smoke_mode() else 48

# %% [markdown]
# ## The example clip
#
# The example is the `skin` scene (pores and wrinkles at every size) with a slow camera pan,
# rendered natively, plus the same shot as a camera at a quarter of the size records it,
# upscaled with bicubic. Both are written to mp4
# (H.264), as a video tool would deliver them, and read back.

# %%
size = tier.source.scaled(2) if not config.smoke_mode() else tier.target
example = scenes.get("skin", seed=5, motion="pan")
example_native = video.write_mp4(native.render_clip(example, size, min(MAX_FRAMES, tier.frames)),
                                 workdir / "example_native.mp4")
small = size.scaled(1 / tier.factor)
example_upscaled = video.write_mp4(native.upscaled_clip(example, size, small, "bicubic", min(MAX_FRAMES, tier.frames)),
                                   workdir / "example_upscaled.mp4")
print(f"wrote {example_native.name} ({example_native.stat().st_size / 1e3:.0f} kB) and "
      f"{example_upscaled.name} ({example_upscaled.stat().st_size / 1e3:.0f} kB)")

# %%
path = Path(MY_CLIP) if MY_CLIP else example_upscaled
clip = video.read_mp4(path)
print(f"{clip}: {clip.duration:.2f} s, {clip.resolution.megapixels:.2f} MP per frame")
viz.side_by_side({f"{path.name}: first frame": clip.frame(0), "last frame": clip.frame(-1)})

# %% [markdown]
# ## Flicker without a reference
#
# With one clip and no reference, two flicker measurements are possible:
#
# * **VBench's temporal-flickering score** (1.0 = no change between frames). It counts
#   motion as flicker, so it is only meaningful if the shot is static (lesson 5).
# * **Warp error with estimated optical flow** (OpenCV DIS). It compensates motion, but the
#   flow can fail on fine or periodic detail. Read the masked fraction and the confidence
#   before trusting it.

# %%
print(f"VBench temporal-flickering score: {metrics.vbench_flicker_score(clip):.4f} (1 = identical frames)")
warp = metrics.warp_error(clip, flow="dis")
print(f"flicker with DIS flow: {warp.verdict} (RMS motion-compensated difference, 8-bit grey levels, "
      f"{len(warp.per_frame)} frame pairs)")
print(f"pixels masked as unreliable: {warp.masked_fraction:.1%}; flow confidence {warp.confidence:.2f}; "
      f"reliable: {warp.reliable}")
if warp.message:
    print(warp.message)

# %%
heat = metrics.flicker_heatmap(clip, flow="dis")
viz.flicker_figure({path.stem: warp.per_frame_levels}, {path.stem: heat}, threshold=warp.threshold_levels)

# %% [markdown]
# ## The full report against a reference
#
# When a reference exists (the native render, a higher-quality master, the original before
# an AI tool processed it), `metrics.report` computes everything in one streaming pass:
# PSNR and SSIM, texture (high-frequency share, waxiness), flicker (warp error, tOF, VBench)
# and returns a table; `metrics.plot_report` draws it. For the example, the reference is the
# native render. For your own clip, set `MY_REFERENCE` to the path of a reference mp4 of the
# same size and length, if you have one.

# %%
MY_REFERENCE = None  # e.g. "my_master.mp4"
reference_path = Path(MY_REFERENCE) if MY_REFERENCE else (example_native if not MY_CLIP else None)
if reference_path is not None:
    reference = video.read_mp4(reference_path)
    report = metrics.report(reference, clip, flow="dis")
    print(report.summary())
else:
    report = None
    print("no reference clip: the full report needs one; the re-upscale test below does not")

# %%
if report is not None:
    display(metrics.plot_report(report))
    plt.close("all")

# %% [markdown]
# ## VMAF is blind to flicker
#
# The report above includes VMAF (and its NEG model): the number video engineers quote. It is
# computed frame by frame and averaged, so it cannot see whether a defect stays put or
# changes every frame. The cell below films the example scene from a tripod (no motion),
# upscales it, and adds the same amount of grain twice: once as a fixed pattern (it stays
# put: no flicker) and once drawn afresh for every frame (it flickers). With the camera
# known to be still, the warp error needs no estimated flow.

# %%
still = scenes.get("skin", seed=5)
n_still = min(MAX_FRAMES, tier.frames)
still_native = native.render_clip(still, size, n_still).to_list()
still_upscaled = native.upscaled_clip(still, size, small, "bicubic", n_still).to_list()
rng = np.random.default_rng(0)
pattern = rng.normal(0.0, 6.0, still_upscaled[0].shape)
grain = {
    "fixed grain": [np.clip(f + pattern, 0, 255).astype(np.uint8) for f in still_upscaled],
    "fresh grain every frame": [np.clip(f + rng.normal(0.0, 6.0, f.shape), 0, 255).astype(np.uint8)
                                for f in still_upscaled],
}
scores = {}
for label, frames_ in grain.items():
    scores[label] = (metrics.vmaf(still_native, frames_).mean,
                     metrics.warp_error(frames_, flow=(0, 0), show_progress=False).rms_levels)
    print(f"{label:>24}: VMAF {scores[label][0]:5.1f} (0-100)   flicker {scores[label][1]:.2f} grey levels RMS")
d_vmaf = scores["fresh grain every frame"][0] - scores["fixed grain"][0]
w_fixed, w_fresh = scores["fixed grain"][1], scores["fresh grain every frame"][1]
print(f"flickering grain: VMAF {d_vmaf:+.1f} points, flicker {w_fixed:.2f} -> {w_fresh:.2f} grey levels RMS: "
      + ("VMAF barely notices what the flicker measure sees" if abs(d_vmaf) < 5 and w_fresh > 2 * w_fixed + 0.1
         else "here VMAF does notice it"))

# %% [markdown]
# ## The re-upscale test: was this clip upscaled?
#
# A clip rendered or filmed at its full size has detail up to its own Nyquist limit. A
# clip upscaled x4 from a small source has almost none above the source's limit. So shrink
# the clip x4 and upscale it back with bicubic: if the clip was upscaled, little is lost
# (a high PSNR between the frame and its round trip); if it was native, the round trip
# removes visible detail (a low PSNR).
# This is a hint, not a proof: a soft lens, motion blur, compression or a learned upscaler
# that invents detail all move the numbers.

# %%
round_trip_psnr = {}
for label, candidate in [("this clip", clip)] + ([("example native", video.read_mp4(example_native))] if not MY_CLIP else []):
    frame = candidate.frame(0)
    small_frame = upscale.downscale(frame, (frame.shape[1] // tier.factor, frame.shape[0] // tier.factor))
    round_trip = upscale.upscale(small_frame, "bicubic", size=(frame.shape[1], frame.shape[0]))
    round_trip_psnr[label] = metrics.psnr(frame, round_trip)
    print(f"{label:>15}: x{tier.factor} round trip PSNR {round_trip_psnr[label]:6.2f} dB, "
          f"SSIM {metrics.ssim(frame, round_trip):.3f} (1 = nothing lost)")
if "example native" in round_trip_psnr:
    gap = round_trip_psnr["this clip"] - round_trip_psnr["example native"]
    print(f"the upscaled example keeps {gap:+.1f} dB more through the round trip than the native one")

# %% [markdown]
# For the example, the upscaled clip survives the round trip far better than the native
# clip (the last line gives the gap in dB), which loses its finest pores: exactly the
# information that distinguishes native from upscaled video.

# %% [markdown]
# ## Explore: your clip in the flicker meter
#
# The flicker meter plays the reference and the clip in step, with the per-frame warp
# error curve and heat maps. (Without a reference it shows the example pair.)

# %%
pair = (reference, clip) if reference_path is not None else (video.read_mp4(example_native), video.read_mp4(example_upscaled))
widgets.FlickerMeter(clips=pair, flow="dis")

# %% [markdown]
# ## Exercise: is the flicker measurement trustworthy?
#
# Look at the DIS flicker measurement above: its masked fraction and confidence. Answer in
# `trust_answer` with one of `"trust"` (the flow was reliable: the number can be compared
# between clips) or `"do not trust"` (too much was masked or the confidence was low), then
# check your answer against the library's verdict. Explain your choice in a sentence in a
# markdown cell.
#
# This lesson has no graded notebook of its own; the graded exercises are in
# [exercises/](exercises/).

# %%
trust_answer = ...  # "trust" or "do not trust"
checks.check_measured_choice(trust_answer, "trust" if warp.reliable else "do not trust", ["trust", "do not trust"],
                             name="trust in the DIS warp error",
                             why=warp.message)

# %% [markdown]
# ## Summary
#
# * Any mp4 opens as a streaming clip: frames are decoded one at a time, so long 4K clips
#   fit in memory.
# * Without a reference, flicker can be measured with VBench's score (static shots only)
#   and a DIS-flow warp error, whose masked fraction and confidence say whether to trust it.
# * With a reference, `metrics.report` gives fidelity, texture and flicker in one pass.
# * The x4 round trip hints at whether a clip was upscaled: an upscaled clip has little to
#   lose.
# * That is the course. Revisit [lesson 0](00_start_here.ipynb) for the map, and keep
#   measuring before believing.
