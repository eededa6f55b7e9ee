# exercise: ex04_texture_and_text
# title: Waxy skin, soft text and drifting identity
# lessons: 4, 6

# %% [markdown]
# # Exercise 4: waxy skin, soft text and drifting identity
#
# Goes with lessons 4 (texture and "waxy" skin) and 6 (text, logos and identity). You will
# write a sharpness measure yourself, then use the library's texture metrics to put numbers
# on what the eye calls "waxy". Answer in the cells marked `...`, run them, then run the
# `grader.check` cell below. Your instructor grades with more tests than you see here.
#
# The frames are tiny (128 x 72) so everything runs in seconds; the same code works at 4K.

# %%
import numpy as np

from lab import checks, metrics, native, scenes

skin = scenes.get("skin", seed=3)
skin_native = native.render(skin, "128x72")
skin_upscaled = native.render_upscaled(skin, "128x72", "32x18", "bicubic")  # 4x from 32 x 18
print(skin_native.shape, skin_upscaled.shape, skin_native.dtype)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [markdown]
# **Question 1.** The *variance of the Laplacian* is a classic sharpness measure. The
# Laplacian of a gray image is, at every pixel, `up + down + left + right - 4 * centre`.
# Write `laplacian_variance(gray)` for a 2-D float array: pad the image by one pixel with
# `np.pad(gray, 1, mode="reflect")` (so border pixels have neighbours), compute the Laplacian
# at every original pixel with array slicing, and return its variance (`np.var`) as a float.

# %% [raw]
# # BEGIN SOLUTION

# %%
def laplacian_variance(gray):
    """Variance of the 4-neighbour Laplacian of a 2-D image (reflect-padded borders)."""
    # BEGIN SOLUTION
    p = np.pad(np.asarray(gray, dtype=np.float64), 1, mode="reflect")
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * p[1:-1, 1:-1]
    return float(np.var(lap))
    # END SOLUTION


checks.check_in_range(laplacian_variance(np.eye(8)), 0, 100, name="laplacian_variance(np.eye(8))")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a flat image has a Laplacian of 0 everywhere, so its variance is 0"
""" # END TEST CONFIG
assert laplacian_variance(np.full((6, 9), 0.7)) == 0

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
noise_var_q1 = laplacian_variance(np.random.default_rng(11).random((20, 30)) * 255)  # export
from cv2 import CV_64F as cv64_q1, Laplacian as laplacian_q1

gray_q1 = np.random.default_rng(11).random((20, 30)) * 255
assert abs(noise_var_q1 - laplacian_q1(gray_q1, cv64_q1).var()) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
board_q1 = (np.indices((6, 8)).sum(axis=0) % 2).astype(float)  # checkerboard: Laplacian is +-4 everywhere
board_vars_q1 = [laplacian_variance(board_q1), laplacian_variance(3 * board_q1 + 10)]  # export shape=(2,)
assert abs(board_vars_q1[0] - 16.0) < 1e-9 and abs(board_vars_q1[1] - 144.0) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a variance grows with the square of contrast: doubling the image must multiply it by 4 (a standard deviation would only double)"
""" # END TEST CONFIG
ramp_t = np.add.outer(np.arange(6.0), np.arange(9.0) ** 2)
assert abs(laplacian_variance(2 * ramp_t) - 4 * laplacian_variance(ramp_t)) < 1e-6 * max(1.0, laplacian_variance(ramp_t))

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: returns the standard deviation
#   code: |
#     def laplacian_variance(gray):
#         import cv2
#         return float(cv2.Laplacian(np.asarray(gray, dtype=np.float64), cv2.CV_64F).std())

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [markdown]
# **Question 2.** Measure both skin frames with the library: store
# `metrics.sharpness(...)` of the native and the upscaled frame in `sharp_native` and
# `sharp_upscaled`, and `metrics.waxiness(skin_native, skin_upscaled)` (the upscale's share of
# high-frequency energy relative to native; 1 = as detailed as native) in `waxy`.

# %% [raw]
# # BEGIN SOLUTION

# %%
sharp_native = metrics.sharpness(skin_native)  # SOLUTION
sharp_upscaled = metrics.sharpness(skin_upscaled)  # SOLUTION
waxy = metrics.waxiness(skin_native, skin_upscaled)  # SOLUTION
checks.check_in_range(waxy, 0, 2, name="waxiness")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "sharpness values are floats >= 0 in (8-bit levels)^2"
""" # END TEST CONFIG
assert all(isinstance(v, float) and v >= 0 for v in (sharp_native, sharp_upscaled))

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
sharp_q2 = [sharp_native, sharp_upscaled]  # export shape=(2,)
from lab import metrics, native, scenes

skin_q2 = scenes.get("skin", seed=3)
native_q2 = native.render(skin_q2, "128x72")
upscaled_q2 = native.render_upscaled(skin_q2, "128x72", "32x18", "bicubic")
assert abs(sharp_q2[0] - metrics.sharpness(native_q2)) < 1e-9 and abs(sharp_q2[1] - metrics.sharpness(upscaled_q2)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
waxy_q2 = waxy  # export
from lab import metrics, native, scenes

skin_q2 = scenes.get("skin", seed=3)
native_q2 = native.render(skin_q2, "128x72")
upscaled_q2 = native.render_upscaled(skin_q2, "128x72", "32x18", "bicubic")
assert abs(waxy_q2 - metrics.high_frequency_share(upscaled_q2) / metrics.high_frequency_share(native_q2)) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "native keeps the fine skin detail: it is the sharper one, and the upscale's share of it (waxy = upscaled / native) is below 1"
""" # END TEST CONFIG
assert sharp_native > sharp_upscaled and 0 < waxy < 1

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: swaps native and upscaled
#   code: |
#     sharp_native = metrics.sharpness(skin_upscaled)
#     sharp_upscaled = metrics.sharpness(skin_native)
#     waxy = metrics.waxiness(skin_upscaled, skin_native)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [markdown]
# **Question 3 (multiple choice).** The upscaled skin has a waxiness far below 1 and a much
# lower sharpness. What does a viewer see? Store the letter in `q3_answer`.
#
# * **a.** Pores and fine wrinkles are smoothed into flat, plastic-looking ("waxy") skin: the
#   energy above the 32 x 18 source's limit is simply not there.
# * **b.** More noise and grain than the native frame.
# * **c.** Shifted colours, because bicubic changes the skin tone.
# * **d.** Nothing: the two frames have the same number of pixels, so they look the same.

# %% [raw]
# # BEGIN SOLUTION

# %%
q3_answer = "a"  # SOLUTION
checks.check_choice(q3_answer, "abcd")

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
assert isinstance(q3_answer, str) and q3_answer.strip().lower() in {"a", "b", "c", "d"}

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
letter_q3 = q3_answer  # export
assert letter_q3.strip().lower().rstrip(".") == "a"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [markdown]
# **Question 4.** A logo line is 1.5 px wide in the 4K output. How wide is it, in pixels, in a
# 960 x 540 source that is upscaled 4x to 4K? Store it in `source_line_px`. Then store in
# `needs_native` whether that line is thinner than one source pixel (`True`/`False`): such a
# line cannot be drawn crisply in the source, so no upscaler can recover its exact shape.

# %% [raw]
# # BEGIN SOLUTION

# %%
source_line_px = 1.5 / 4  # SOLUTION
needs_native = source_line_px < 1  # SOLUTION
source_line_px, needs_native

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "source_line_px is a positive number of pixels and needs_native a bool"
""" # END TEST CONFIG
assert float(source_line_px) > 0 and isinstance(needs_native, (bool, np.bool_))

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
line_q4 = source_line_px  # export
assert abs(float(line_q4) - 0.375) < 1e-12

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
needs_q4 = needs_native  # export
assert needs_q4 is True or needs_q4 == 1

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the source is 4x smaller, so the line is 4x thinner there; a line under one pixel wide cannot be drawn crisply at the source"
""" # END TEST CONFIG
assert float(source_line_px) < 1.5 and needs_native == (float(source_line_px) < 1)

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: multiplies by the factor instead of dividing
#   code: |
#     source_line_px = 1.5 * 4
#     needs_native = source_line_px < 1

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

# %% [markdown]
# **Question 5.** Render the built-in `"sign"` scene (text and a logo) natively at 128 x 72 and
# upscaled from 32 x 18 with `"bicubic"`, as above. Store the PSNR (`metrics.psnr`) of the
# upscaled frame against the native one in `sign_psnr` (dB).

# %% [raw]
# # BEGIN SOLUTION

# %%
sign = scenes.get("sign")
sign_native = native.render(sign, "128x72")  # SOLUTION
sign_upscaled = native.render_upscaled(sign, "128x72", "32x18", "bicubic")  # SOLUTION
sign_psnr = metrics.psnr(sign_native, sign_upscaled)  # SOLUTION
checks.check_in_range(sign_psnr, 0, 100, name="sign PSNR", unit="dB")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a PSNR is a float in dB; compare the upscaled frame with the native one"
""" # END TEST CONFIG
assert isinstance(sign_psnr, float) and 0 < sign_psnr < 100

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
sign_db_q5 = sign_psnr  # export
from lab import metrics, native, scenes

assert abs(sign_db_q5 - metrics.psnr(native.render(scenes.get("sign"), "128x72"), native.render_upscaled(scenes.get("sign"), "128x72", "32x18", "bicubic"))) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: compares the native frame with itself
#   code: |
#     sign_psnr = metrics.psnr(sign_native, sign_native)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# **Question 6 (multiple choice).** A character appears in three shots. Each shot is generated
# at low resolution and upscaled with a *generative* upscaler that invents detail from random
# noise. Between shots, the character's markings and freckles change. Why? Store the letter in
# `q6_answer`.
#
# * **a.** The camera moved.
# * **b.** The low-resolution frames only fix the coarse shape; the fine markings are invented
#   anew from different noise for each shot (and frame), so nothing ties them together.
# * **c.** The upscaler runs out of memory on later shots.
# * **d.** Compression artefacts in the final video.

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
assert {"b"} == {letter_q6.strip().lower()}

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
