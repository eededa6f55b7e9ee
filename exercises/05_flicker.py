# exercise: ex05_flicker
# title: Measuring flicker, and choosing an upscaler on a budget
# lessons: 5, 7

# %% [markdown]
# # Exercise 5: measuring flicker, and choosing an upscaler on a budget
#
# Goes with lessons 5 (flicker) and 7 (AI generation). You will write VBench's
# temporal-flickering measure yourself, check it against the library, and use warp error
# to pick an upscaler under a compute budget. Answer in the cells marked `...`, run them, then
# run the `grader.check` cell below. Your instructor grades with more tests than you see here.
#
# A clip here is a list of uint8 frames of shape `(H, W, 3)`. Differences are measured in
# 8-bit levels (0-255).

# %%
import numpy as np

from lab import checks, metrics, video

rng = np.random.default_rng(5)
still = rng.integers(40, 216, size=(36, 64, 3)).astype(np.uint8)
# the same still image, six times: a perfectly stable clip
stable_frames = [still.copy() for _ in range(6)]
# the same image with fresh noise in every frame (+-6 levels): what a per-frame stochastic
# upscaler does to a static scene
noisy_frames = [np.clip(still.astype(int) + rng.integers(-6, 7, size=still.shape), 0, 255).astype(np.uint8)
                for _ in range(6)]
print(len(noisy_frames), "frames of", noisy_frames[0].shape, noisy_frames[0].dtype)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [markdown]
# **Question 1.** Write `temporal_mae(frames)`: for each pair of consecutive frames take the
# mean absolute difference over all pixels and channels, then average over the pairs. Return
# a float in 8-bit levels. Careful: `a - b` on uint8 arrays wraps around (10 - 30 = 236);
# convert to a signed or float type first.

# %% [raw]
# # BEGIN SOLUTION

# %%
def temporal_mae(frames):
    """Mean over t of mean |F_t - F_t+1|, in 8-bit levels."""
    # BEGIN SOLUTION
    diffs = [np.mean(np.abs(a.astype(np.float64) - b.astype(np.float64))) for a, b in zip(frames[:-1], frames[1:])]
    return float(np.mean(diffs))
    # END SOLUTION


checks.check_temporal_mae(temporal_mae)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a clip whose frames are all identical has a temporal MAE of 0"
""" # END TEST CONFIG
assert temporal_mae(stable_frames) == 0

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
lo_q1, hi_q1 = np.full((2, 3, 3), 200, np.uint8), np.full((2, 3, 3), 50, np.uint8)
mae_q1 = temporal_mae([lo_q1, hi_q1, lo_q1])  # export
assert abs(mae_q1 - 150.0) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
rng_q1 = np.random.default_rng(5)
still_q1 = rng_q1.integers(40, 216, size=(36, 64, 3)).astype(np.uint8)
noisy_q1 = [np.clip(still_q1.astype(int) + rng_q1.integers(-6, 7, size=still_q1.shape), 0, 255).astype(np.uint8) for _ in range(6)]
mae_noisy_q1 = temporal_mae(noisy_q1)  # export
rng_q1 = np.random.default_rng(5)
still_q1 = rng_q1.integers(40, 216, size=(36, 64, 3)).astype(np.uint8)
noisy_q1 = [np.clip(still_q1.astype(int) + rng_q1.integers(-6, 7, size=still_q1.shape), 0, 255).astype(np.uint8) for _ in range(6)]
pairs_q1 = [np.abs(noisy_q1[k].astype(np.int16) - noisy_q1[k + 1]).mean() for k in range(5)]
assert abs(mae_noisy_q1 - float(np.mean(pairs_q1))) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "frames of 10, 30 and 10 levels differ by 20 levels per pair; uint8 subtraction wraps around (10 - 30 = 236), so convert to a signed or float type first, and average, do not sum"
""" # END TEST CONFIG
ten_t, thirty_t = np.full((1, 2, 3), 10, np.uint8), np.full((1, 2, 3), 30, np.uint8)
assert temporal_mae([ten_t, thirty_t, ten_t]) == 20

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: subtracts uint8 frames, which wrap around
#   code: |
#     def temporal_mae(frames):
#         return float(np.mean([np.mean(np.abs(a - b)) for a, b in zip(frames[:-1], frames[1:])]))
# - why: sums over the pairs instead of averaging
#   code: |
#     def temporal_mae(frames):
#         return float(np.sum([np.mean(np.abs(a.astype(float) - b)) for a, b in zip(frames[:-1], frames[1:])]))

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [markdown]
# **Question 2.** VBench turns the temporal MAE into a score: `(255 - MAE) / 255`, so 1.0 means
# no change at all between frames. Write `flicker_score(frames)` (use your `temporal_mae`),
# then store the scores of the two clips in `stable_score` and `noisy_score`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def flicker_score(frames):
    """VBench temporal-flickering score in [0, 1]; 1 = perfectly stable."""
    return (255.0 - temporal_mae(frames)) / 255.0  # SOLUTION


stable_score = flicker_score(stable_frames)  # SOLUTION
noisy_score = flicker_score(noisy_frames)  # SOLUTION
checks.check_flicker_score(flicker_score)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the stable clip scores 1.0 and the noisy one a little less"
""" # END TEST CONFIG
assert stable_score == 1.0 and 0.9 < noisy_score < 1.0

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
score_q2 = noisy_score  # export
from lab import metrics

rng_q2 = np.random.default_rng(5)
still_q2 = rng_q2.integers(40, 216, size=(36, 64, 3)).astype(np.uint8)
noisy_q2 = [np.clip(still_q2.astype(int) + rng_q2.integers(-6, 7, size=still_q2.shape), 0, 255).astype(np.uint8) for _ in range(6)]
assert abs(score_q2 - metrics.vbench_flicker_score(noisy_q2)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
step_q2 = flicker_score([np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 51, np.uint8)])  # export
assert abs(step_q2 - 0.8) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: forgets to divide by 255
#   code: |
#     def flicker_score(frames):
#         return 255.0 - temporal_mae(frames)
#
#
#     stable_score = flicker_score(stable_frames)
#     noisy_score = flicker_score(noisy_frames)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [markdown]
# **Question 3.** The library measures the same thing on a streaming `Clip`. Wrap
# `noisy_frames` in a clip with `video.Clip.from_frames` and compute
# `metrics.vbench_flicker_score` on it; store the clip in `noisy_clip` and the score in
# `library_score`. It should agree with your `noisy_score`.

# %% [raw]
# # BEGIN SOLUTION

# %%
noisy_clip = video.Clip.from_frames(noisy_frames, fps=24)  # SOLUTION
library_score = metrics.vbench_flicker_score(noisy_clip)  # SOLUTION
checks.check_in_range(library_score, 0, 1, name="library flicker score")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "noisy_clip must be a lab.video.Clip of the 6 noisy frames"
""" # END TEST CONFIG
assert isinstance(noisy_clip, video.Clip) and len(noisy_clip) == 6

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
library_q3 = library_score  # export
rng_q3 = np.random.default_rng(5)
still_q3 = rng_q3.integers(40, 216, size=(36, 64, 3)).astype(np.uint8)
noisy_q3 = [np.clip(still_q3.astype(int) + rng_q3.integers(-6, 7, size=still_q3.shape), 0, 255).astype(np.uint8) for _ in range(6)]
assert abs(float(library_q3) - (255 - np.mean([np.abs(noisy_q3[j].astype(float) - noisy_q3[j + 1]).mean() for j in range(5)])) / 255) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the library's score of your clip should equal your own noisy_score: wrap noisy_frames, not another list"
""" # END TEST CONFIG
assert abs(float(library_score) - noisy_score) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: wraps the stable frames
#   code: |
#     noisy_clip = video.Clip.from_frames(stable_frames, fps=24)
#     library_score = metrics.vbench_flicker_score(noisy_clip)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [markdown]
# **Question 4.** Flicker under camera motion is measured with **warp error**: warp frame t+1
# back onto frame t along the true motion and measure what still differs. Lower is better.
# Suppose you measured, for a 4K clip, each method's warp error and its cost in GPU seconds
# per frame. Write `pick_upscaler(results, budget)`: `results` maps a method name to
# `(warp_error, cost)`; return the name of the method with the **lowest warp error among
# those whose cost is at most `budget`**, or `None` if no method fits.

# %% [raw]
# # BEGIN SOLUTION

# %%
def pick_upscaler(results, budget):
    """Name of the lowest-warp-error method with cost <= budget, or None."""
    # BEGIN SOLUTION
    affordable = {name: err for name, (err, cost) in results.items() if cost <= budget}
    if not affordable:
        return None
    return min(affordable, key=affordable.get)
    # END SOLUTION


checks.check_budget_pick(pick_upscaler)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "with a single method that fits, return its name"
""" # END TEST CONFIG
assert pick_upscaler({"bicubic": (0.02, 1.0)}, 5.0) == "bicubic"

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
table_q4 = {"m1": (0.010, 9.0), "m2": (0.030, 2.0), "m3": (0.020, 4.0), "m4": (0.005, 40.0)}
picks_q4 = [pick_upscaler(table_q4, 4.0), pick_upscaler(table_q4, 9.0), pick_upscaler(table_q4, 100)]  # export shape=(3,)
assert picks_q4 == ["m3", "m1", "m4"]

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
edge_q4 = [pick_upscaler({"x": (0.1, 3.0), "y": (0.2, 2.5)}, 2.0), pick_upscaler({"x": (0.1, 3.0)}, 3.0)]  # export shape=(2,)
assert edge_q4 == [None, "x"]

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "only methods whose cost is at most the budget count, however steady the others are"
""" # END TEST CONFIG
assert pick_upscaler({"cheap": (0.05, 1.0), "steady": (0.01, 10.0)}, 2.0) == "cheap"

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a method that costs exactly the budget fits; when nothing fits, the answer is None"
""" # END TEST CONFIG
assert pick_upscaler({"exact": (0.1, 2.0)}, 2.0) == "exact" and pick_upscaler({"dear": (0.1, 3.0)}, 2.0) is None

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: ignores the budget
#   code: |
#     def pick_upscaler(results, budget):
#         return min(results, key=lambda name: results[name][0]) if results else None
# - why: treats the budget as a strict limit
#   code: |
#     def pick_upscaler(results, budget):
#         fits = {n: e for n, (e, c) in results.items() if c < budget}
#         return min(fits, key=fits.get) if fits else None

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

# %% [markdown]
# **Question 5.** Use your function on these numbers (flicker as lesson 5 shows it: the RMS
# difference along the motion in 8-bit grey levels, where about 3 levels starts to be visible
# on mid grey; cost in GPU seconds per 4K frame) with a budget of **2.5 s per frame**; store
# the result in `choice`. They are illustrative, ordered as lesson 5 measures its fabric clip:
# native is the steadiest (but far over budget), bicubic comes next, nearest-neighbour snaps
# from pixel to pixel as the scene moves, and the learned upscalers re-invent their sharpened
# detail in every frame, so they flicker more than bicubic. A low flicker means "stable", not
# "good": lesson 5 shows how little detail the bicubic clip keeps.

# %%
measured = {
    "nearest": (3.1, 0.005),
    "bicubic": (1.4, 0.01),
    "lanczos": (1.6, 0.02),
    "realesrgan-x4": (2.6, 0.9),
    "learned-sr": (2.3, 2.4),
    "diffusion-sr": (4.8, 14.0),
    "native-4k": (0.9, 31.0),
}

# %% [raw]
# # BEGIN SOLUTION

# %%
choice = pick_upscaler(measured, 2.5)  # SOLUTION
checks.check_choice(choice, list(measured), name="choice")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "choice must be one of the method names in measured"
""" # END TEST CONFIG
assert choice in measured

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
choice_q5 = choice  # export
assert choice_q5 == "bicubic"

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "among the methods that cost at most 2.5 GPU seconds per frame, take the one with the lowest warp error"
""" # END TEST CONFIG
assert measured[choice][1] <= 2.5 and measured[choice][0] == min(err for err, cost in measured.values() if cost <= 2.5)

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: takes the steadiest method whatever it costs
#   code: |
#     choice = min(measured, key=lambda name: measured[name][0])
# - why: takes the most expensive method that fits, as if cost meant quality
#   code: |
#     choice = max((name for name in measured if measured[name][1] <= 2.5), key=lambda name: measured[name][1])
# - why: takes the cheapest method
#   code: |
#     choice = min(measured, key=lambda name: measured[name][1])

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# **Question 6 (multiple choice).** A fine stripe pattern drifts slowly across the frame. With
# warp error computed on **estimated** optical flow (OpenCV DIS), the native 4K clip looks 9x
# *worse* than the bicubic-upscaled clip; with the scene's **true** motion, native is 5x
# *better*. What is going on? Store the letter in `q6_answer`.
#
# * **a.** The native clip really flickers; the true-motion number is wrong.
# * **b.** The flow estimator cannot track fine periodic detail (a stripe shifted by one period looks the same, so the match is ambiguous), so
#   warping leaves large residuals on the sharp native clip that are not flicker; the blurred
#   upscale has no fine detail left to mis-track.
# * **c.** Bicubic upscaling removes flicker, so the upscaled clip is truly more stable.
# * **d.** Warp error is not defined for native video.

# %% [raw]
# # BEGIN SOLUTION

# %%
q6_answer = "b"  # SOLUTION
checks.check_choice(q6_answer, "abcd")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "answer with one letter: 'a', 'b', 'c' or 'd'"
success_message: "answer recorded: one of a, b, c or d. It is graded after you submit"
""" # END TEST CONFIG
assert isinstance(q6_answer, str) and q6_answer.strip().lower() in {"a", "b", "c", "d"}

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
letter_q6 = q6_answer  # export
assert letter_q6.strip().lower()[:1] == "b"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
