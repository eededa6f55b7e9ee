# lesson: 9
# title: Bring your own clip
# gpu: false

# %% [markdown]
# # Lesson 9: Bring your own clip
#
# Time to point the instruments at real footage: a clip from your phone, or the output of
# any AI video tool that sells it as "4K". You almost never have the native reference a
# creator would need to compare against, so this lesson asks what the clip *alone* can tell:
# was it computed at its full size or upscaled (and from what height, with what kind of
# upscaler), how much detail does it carry, and how much does it flicker? The same inspection
# runs from a terminal: `python -m lab inspect my_clip.mp4 --out my-inspection` (add `--json`
# for one JSON object).
#
# ## Learning goals
# By the end of this lesson you can
# 1. load any mp4 as a streaming clip (frames are decoded one at a time, never all held);
# 2. tell a native clip from an upscaled one without a reference, by reading a descale error
#    curve and a spectrum, and say when that evidence is weak;
# 3. measure flicker without a reference and judge whether the flow estimate can be trusted;
# 4. run the full report of a clip against a reference when you have one, and explain why its
#    flicker number differs from the reference-free one.

# %%
%matplotlib inline
import shutil
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from pathlib import Path
from lab import checks, config, inspect, inspect_examples, metrics, native, scenes, video, viz, widgets
from lab.inspect_widget import Inspector
from lab.resolution import parse

tier = config.tier()
workdir = Path(tempfile.mkdtemp())
print(f"tier: {tier.name}; scratch folder for example files: {workdir}")
config.show_smoke_note()

# %% [markdown]
# ## Your clip
#
# Put the path of an mp4 (or of a folder of numbered frames) in `MY_CLIP` (on Colab, upload it
# with the file browser on the left, then use e.g. `"/content/my_clip.mp4"`). Leave it as
# `None` to use the examples. The inspection decodes only the first 4 seconds of the clip, once,
# and keeps a few sampled frames (and a short run of consecutive ones for the flicker), so a
# long 4K clip needs no more memory or time than a short one (the course's BENCHMARKS.md gives
# the time for a 4K clip on a 2-core CPU).

# %%
MY_CLIP = None  # e.g. "my_clip.mp4"

# %% [markdown]
# ## Examples whose answer we know
#
# The examples are the course's scenes with a slow camera pan: rendered natively, and filmed
# by a camera at a smaller height, then upscaled back with upscalers from the registry
# (classical kernels and Real-ESRGAN). All are written as H.264 mp4s, as a video tool would
# deliver them.

# %%
example_size = {"smoke": "256x144", "cpu": "480x270"}.get(tier.name, "960x540")
examples = inspect_examples.make_examples(workdir / "examples", size=example_size,
                                          frames=3 if config.smoke_mode() else 6)
for ex in examples:
    truth = "native" if ex.source_height is None else f"upscaled from {ex.source_height}p with {ex.method}"
    print(f"{ex.label:<34} {truth}")

# %% [markdown]
# ## Two kinds of evidence
#
# **The descale error curve (kernel-specific).** An upscaler with a fixed kernel (bilinear,
# bicubic, Lanczos...) computes every output pixel as a weighted sum of a few source pixels:
# a column of `h` source pixels becomes `y = U x`, with a matrix `U` that depends only on the
# kernel and on `h`. So for every candidate kernel and height, the inspector solves the
# *least-squares descale* (the source column `x` that best explains the clip), upscales it
# back and measures what is left over (RMS, in 8-bit grey levels). If the clip was upscaled,
# the leftover collapses at the true height and kernel (only rounding, compression and grain
# remain): a sharp **dip** in the curve. A native clip gives a smooth curve. The dip depth is
# 1 - leftover / (the trend of the neighbouring heights): 0 for no dip, 1 for an exact fit.
#
# **The spectrum (kernel-agnostic).** An upscale from `h` carries no detail of its own above
# the source's Nyquist limit, `0.5 * h / H` cycles per pixel. The inspector measures the luma
# power spectrum along each direction and finds where it falls to within 10 dB of the noise
# floor at the top of the band: the fraction of the band that carries signal. A learned
# upscaler leaves no linear kernel to find, and its invented detail fills that band only in
# part, so the spectrum is the evidence that is left.

# %%
first_upscaled = next(ex for ex in examples if ex.source_height is not None)
path = Path(MY_CLIP) if MY_CLIP else first_upscaled.path
result = inspect.inspect_clip(path)
print(result.summary())
display(result.plot())
plt.close("all")

# %% [markdown]
# Read the figure from left to right. In panel (a), each line is one kernel's leftover per
# assumed source height, on a log scale; a native clip's lines fall smoothly as the height
# grows (more source pixels can explain more). In panel (b), an upscaled clip's power drops
# off above the source's Nyquist limit.

# %% [markdown]
# ## Every example, read without its answer
#
# The table compares what the inspector reads with the truth. Where the two disagree, the
# `evidence` column says whether the inspector itself flagged the case as weak. An upscale by
# a small factor (from above about 0.9 of the height) cannot be told from a native clip: the
# band it removes is the top 10 %, where a native render's own anti-aliasing already rolls off.

# %%
readings = {}
print(f"{'example':<34} {'truth':<9} {'verdict':<9} {'height (px)':>11} {'kernel':<12} evidence")
for ex in examples:
    r = inspect.inspect_clip(ex.path, flicker=False, show_progress=False)
    readings[ex.label] = r
    height = "-" if r.estimated_source_height is None else str(r.estimated_source_height)
    print(f"{ex.label:<34} {ex.verdict:<9} {r.verdict:<9} {height:>11} {str(r.kernel):<12} "
          f"{'weak' if r.evidence_weak else 'strong'} (dip {r.dip:.2f}, band {r.band_fraction:.0%})")
right = sum(readings[ex.label].verdict == ex.verdict for ex in examples)
print(f"verdicts right: {right} of {len(examples)}")

# %% [markdown]
# ## Explore: the inspector
#
# Choose an example, or type the path of your own clip in the box, and press Inspect. The
# search runs in the background with a progress bar (Cancel stops it).

# %%
Inspector(examples, path=MY_CLIP)

# %% [markdown]
# ## Exercise: read a verdict
#
# `mystery.mp4` below is one of the examples under a neutral name. Inspect it (in the widget
# above: type its path in the box, or run `inspect.inspect_clip(mystery)` in a new cell) and
# answer in `mystery_answer` with `"native"` or `"upscaled"`, as the inspector reads it.
# Then look at its error curve: which dip, or which absence of one, gave the answer?

# %%
mystery = workdir / "mystery.mp4"
shutil.copy(examples[-1].path, mystery)
print(f"mystery clip: {mystery}")

# %%
mystery_answer = ...  # "native" or "upscaled"
mystery_reading = inspect.inspect_clip(mystery, flicker=False, show_progress=False)
checks.check_measured_choice(mystery_answer, mystery_reading.verdict, ["native", "upscaled"],
                             name="the mystery clip's verdict",
                             why=mystery_reading.summary().splitlines()[1])

# %% [markdown]
# ## Flicker without a reference
#
# With one clip and no reference, two flicker measurements are possible:
#
# * **VBench's temporal-flickering score** (1.0 = no change between frames). It counts
#   motion as flicker, so it is only meaningful if the shot is static (lesson 5).
# * **Warp error with estimated optical flow** (OpenCV DIS), estimated *on this clip*. It
#   compensates motion, but the flow can fail on fine or periodic detail. Read the masked
#   fraction and the confidence before trusting it.

# %%
clip = video.read_mp4(path)
print(f"{clip}: {clip.duration:.2f} s, {clip.resolution.megapixels:.2f} MP per frame")
print(f"VBench temporal-flickering score: {metrics.vbench_flicker_score(clip):.4f} (1 = identical frames)")
warp = metrics.warp_error(clip, flow="dis")
print(f"flicker with DIS flow estimated on the clip itself: {warp.verdict} "
      f"(RMS motion-compensated difference, 8-bit grey levels, {len(warp.per_frame)} frame pairs)")
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
# native render of the same scene. For your own clip, set `MY_REFERENCE` to the path of a
# reference mp4 of the same size and length, if you have one.

# %%
MY_REFERENCE = None  # e.g. "my_master.mp4"
native_twin = next((ex for ex in examples if ex.scene == first_upscaled.scene and ex.source_height is None), None)
reference_path = Path(MY_REFERENCE) if MY_REFERENCE else (native_twin.path if not MY_CLIP and native_twin else None)
if reference_path is not None:
    reference = video.read_mp4(reference_path)
    report = metrics.report(reference, clip, flow="dis")
    print(report.summary())
else:
    report = None
    print("no reference clip: the full report needs one; the inspection above does not")

# %%
if report is not None:
    display(metrics.plot_report(report))
    plt.close("all")

# %% [markdown]
# ### Why the report's flicker differs from the one above
#
# The report gives both arms *one* flow, estimated on the reference (so that they are
# compared along the same motion), while the measurement above estimated the flow on the
# clip itself. Different flow, different mask, different number. The cell measures the clip
# along the reference's flow directly, and it matches the report's.

# %%
if report is not None:
    along_reference = metrics.warp_error(clip, flow="dis", reference=reference, show_progress=False)
    in_report = report.warps["candidate"]
    print(f"flow estimated on the clip itself:  {warp.rms_levels:6.2f} levels RMS, {warp.masked_fraction:.0%} masked")
    print(f"flow estimated on the reference:    {along_reference.rms_levels:6.2f} levels RMS, "
          f"{along_reference.masked_fraction:.0%} masked")
    print(f"the report's candidate flicker:     {in_report.rms_levels:6.2f} levels RMS, "
          f"{in_report.masked_fraction:.0%} masked")

# %% [markdown]
# ## VMAF is blind to flicker
#
# The report above includes VMAF (and its NEG model): the number video engineers quote. It is
# computed frame by frame and averaged, so it cannot see whether a defect stays put or
# changes every frame. The cell below films a scene from a tripod (no motion),
# upscales it, and adds the same amount of grain twice: once as a fixed pattern (it stays
# put: no flicker) and once drawn afresh for every frame (it flickers). With the camera
# known to be still, the warp error needs no estimated flow.

# %%
size = parse(example_size)  # the examples' size, whatever the size of your clip
still = scenes.get("fabric", seed=5)
n_still = 3 if config.smoke_mode() else 8
still_native = native.render_clip(still, size, n_still).to_list()
still_upscaled = native.upscaled_clip(still, size, size.scaled(1 / 2), "bicubic", n_still).to_list()
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
# ## Explore: your clip in the flicker meter
#
# The flicker meter plays the reference and the clip in step, with the per-frame warp
# error curve and heat maps. (Without a reference it shows the example pair.)

# %%
pair = (reference, clip) if reference_path is not None else (video.read_mp4(native_twin.path), video.read_mp4(first_upscaled.path))
widgets.FlickerMeter(clips=pair, flow="dis")

# %% [markdown]
# ## Exercise: is the flicker measurement trustworthy?
#
# Look at the DIS flicker measurement above (flow estimated on the clip itself): its masked
# fraction and confidence. Answer in `trust_answer` with one of `"trust"` (the flow was
# reliable: the number can be compared between clips) or `"do not trust"` (too much was
# masked or the confidence was low), then check your answer against the library's verdict.
# Explain your choice in a sentence in a markdown cell.
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
# * Without a reference, `lab.inspect` tells native from upscaled: a dip in the descale
#   error curve gives the source height and the kernel; the spectrum gives the share of the
#   band that carries signal when no kernel fits (learned upscalers). It says when its
#   evidence is weak, and small factors (below about x1.1) cannot be told at all.
# * Without a reference, flicker can be measured with VBench's score (static shots only)
#   and a DIS-flow warp error, whose masked fraction and confidence say whether to trust it.
# * With a reference, `metrics.report` gives fidelity, texture and flicker in one pass; its
#   flicker uses the reference's flow, so it differs from the reference-free number.
# * That is the course. Revisit [lesson 0](00_start_here.ipynb) for the map, and keep
#   measuring before believing.
