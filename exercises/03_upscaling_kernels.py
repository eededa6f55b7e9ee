# exercise: ex03_upscaling_kernels
# title: Inside an upscaler: the bicubic kernel, PSNR and what a spectrum shows
# lessons: 2, 3

# %% [markdown]
# # Exercise 3: inside an upscaler
#
# Goes with lessons 2 (native generation) and 3 (upscaling). You will write the kernel that
# bicubic interpolation uses, measure how close upscaled frames come to the original, and read
# a spectrum plot. Answer in the cells marked `...`, then run the `grader.check` cell below.
# Cells that call `checks.` give you a hint right away; your instructor grades with more
# tests than you see here.
#
# **The kernel.** Bicubic interpolation (Keys, 1981) gives a source pixel at distance `x`
# (in source pixels) the weight
#
# $$w(x) = \begin{cases} (a+2)|x|^3 - (a+3)|x|^2 + 1 & |x| \le 1 \\
# a|x|^3 - 5a|x|^2 + 8a|x| - 4a & 1 < |x| < 2 \\ 0 & \text{otherwise} \end{cases}$$
#
# This exercise uses **a = -0.5** (Keys' choice; it reproduces quadratic ramps exactly).
# OpenCV's `INTER_CUBIC`, and so `upscale(..., "bicubic")` in this course, uses a = -0.75,
# which is slightly sharper.

# %%
import matplotlib.pyplot as plt
import numpy as np

from lab import checks, metrics, native, scenes, upscale

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [markdown]
# **Question 1.** Write `keys_kernel(x, a=-0.5)`. It must work on a numpy array of offsets
# (use `np.abs` and `np.where`, not `if`) and return an array of the same shape.

# %% [raw]
# # BEGIN SOLUTION

# %%
def keys_kernel(x, a=-0.5):
    """Keys' cubic convolution weight for offsets ``x`` (pixels)."""
    # BEGIN SOLUTION
    s = np.abs(np.asarray(x, dtype=np.float64))
    near = (a + 2) * s**3 - (a + 3) * s**2 + 1
    far = a * s**3 - 5 * a * s**2 + 8 * a * s - 4 * a
    return np.where(s <= 1, near, np.where(s < 2, far, 0.0))
    # END SOLUTION


checks.check_cubic_kernel(keys_kernel, a=-0.5)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "w(0) must be 1 and w(1) = w(2) = 0: the curve passes through the original pixels"
""" # END TEST CONFIG
assert np.allclose(keys_kernel(np.array([0.0, 1.0, 2.0, -1.0])), [1, 0, 0, 0])

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "keys_kernel must accept a numpy array and return an array of the same shape"
""" # END TEST CONFIG
assert np.shape(keys_kernel(np.zeros((3, 4)))) == (3, 4)

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
weights_q1 = keys_kernel(np.linspace(-2.5, 2.5, 101))  # export shape=(101,)
abs_q1 = np.abs(np.linspace(-2.5, 2.5, 101))
ref_q1 = np.where(abs_q1 <= 1, 1.5 * abs_q1**3 - 2.5 * abs_q1**2 + 1, np.where(abs_q1 < 2, -0.5 * abs_q1**3 + 2.5 * abs_q1**2 - 4 * abs_q1 + 2, 0.0))
assert np.allclose(weights_q1, ref_q1, atol=1e-9)

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
opencv_q1 = keys_kernel(np.array([0.25, 0.5, 1.25, 1.75]), a=-0.75)  # export shape=(4,)
assert np.allclose(opencv_q1, [0.87890625, 0.59375, -0.10546875, -0.03515625], atol=1e-9)

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "with a = -0.5 the weight half a pixel away is 0.5625 (OpenCV's a = -0.75 gives 0.59375): use the a you are given"
""" # END TEST CONFIG
assert abs(float(np.asarray(keys_kernel(np.array([0.5])))[0]) - 0.5625) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the kernel is symmetric, w(-x) = w(x): work with |x|"
""" # END TEST CONFIG
assert np.allclose(keys_kernel(np.array([-0.5, -1.5])), keys_kernel(np.array([0.5, 1.5])))

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: uses OpenCV's a = -0.75
#   code: |
#     def keys_kernel(x, a=-0.75):
#         s = np.abs(np.asarray(x, dtype=np.float64))
#         return np.where(s <= 1, (a + 2) * s**3 - (a + 3) * s**2 + 1, np.where(s < 2, a * s**3 - 5 * a * s**2 + 8 * a * s - 4 * a, 0.0))
# - why: forgets the absolute value
#   code: |
#     def keys_kernel(x, a=-0.5):
#         s = np.asarray(x, dtype=np.float64)
#         return np.where(s <= 1, (a + 2) * s**3 - (a + 3) * s**2 + 1, np.where(s < 2, a * s**3 - 5 * a * s**2 + 8 * a * s - 4 * a, 0.0))

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [markdown]
# **Question 2.** To interpolate at a point a fraction `t` (0 <= t < 1) of the way from pixel
# 0 to pixel 1, bicubic blends the 4 pixels at -1, 0, 1 and 2. Write `bicubic_weights(t, a=-0.5)`
# returning the 4 weights as a numpy array of shape `(4,)`, in that pixel order. (Hint: the
# distance from the point to pixel k is `t - k`.)

# %% [raw]
# # BEGIN SOLUTION

# %%
def bicubic_weights(t, a=-0.5):
    """Weights of the pixels at -1, 0, 1, 2 for a point a fraction ``t`` past pixel 0."""
    # BEGIN SOLUTION
    return keys_kernel(t - np.array([-1.0, 0.0, 1.0, 2.0]), a)
    # END SOLUTION


checks.check_array(bicubic_weights(0.25), shape=(4,), name="bicubic_weights(0.25)")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the 4 weights must add up to 1 for any t, so a flat image stays flat"
""" # END TEST CONFIG
assert np.shape(bicubic_weights(0.3)) == (4,) and abs(float(np.sum(bicubic_weights(0.3))) - 1) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
at0_q2 = bicubic_weights(0.0)  # export shape=(4,)
at_half_q2 = bicubic_weights(0.5)  # export shape=(4,)
assert np.allclose(at0_q2, [0, 1, 0, 0]) and np.allclose(at_half_q2, [-0.0625, 0.5625, 0.5625, -0.0625])

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
rows_q2 = [bicubic_weights(tq) for tq in (0.1, 0.35, 0.8)]  # export shape=(3, 4)
ramp_q2 = np.array([-1.0, 0.0, 1.0, 2.0]) ** 2
assert all(abs(float(np.dot(np.asarray(w, dtype=float), ramp_q2)) - tq**2) < 1e-9 for w, tq in zip(rows_q2, (0.1, 0.35, 0.8)))

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "at t = 0 the point sits on pixel 0, which gets all the weight; keep the order of pixels -1, 0, 1, 2"
""" # END TEST CONFIG
assert np.allclose(bicubic_weights(0.0), [0, 1, 0, 0])

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: lists the pixels in reverse order
#   code: |
#     def bicubic_weights(t, a=-0.5):
#         return keys_kernel(t - np.array([2.0, 1.0, 0.0, -1.0]), a)

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Upscaling a small frame
#
# `small` is a 24 x 32 crop of a smooth test pattern; `original` is the same pattern at 4x the
# size. `upscale.upscale(frame, method, factor=4)` enlarges with any registered method.

# %%
yy, xx = np.mgrid[0:96, 0:128] / 128.0
pattern = 0.5 + 0.25 * np.sin(2 * np.pi * (3 * xx + 2 * yy)) + 0.2 * np.cos(2 * np.pi * 5 * xx * yy)
original = np.repeat((np.clip(pattern, 0, 1) * 255).round().astype(np.uint8)[:, :, None], 3, axis=2)
small = upscale.upscale(original, "area", size=(32, 24))  # downscale: average 4x4 blocks
print("original", original.shape, "small", small.shape, "methods:", upscale.methods("classical"))

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# **Question 3.** Enlarge `small` 4x back to the original size with `"nearest"` and with
# `"bicubic"`; store the results in `big_nearest` and `big_bicubic` (uint8, same shape as
# `original`).

# %% [raw]
# # BEGIN SOLUTION

# %%
big_nearest = upscale.upscale(small, "nearest", factor=4)  # SOLUTION
big_bicubic = upscale.upscale(small, "bicubic", factor=4)  # SOLUTION
checks.check_upscaled(big_bicubic, small, factor=4)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "both results must be uint8 arrays shaped like original, (96, 128, 3)"
""" # END TEST CONFIG
assert all(isinstance(b, np.ndarray) and b.shape == original.shape and b.dtype == np.uint8 for b in (big_nearest, big_bicubic))

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
nearest_q3 = big_nearest  # export shape=(96, 128, 3)
from lab import upscale

yy_q3, xx_q3 = np.mgrid[0:96, 0:128] / 128.0
wave_q3 = 0.5 + 0.25 * np.sin(2 * np.pi * (3 * xx_q3 + 2 * yy_q3)) + 0.2 * np.cos(2 * np.pi * 5 * xx_q3 * yy_q3)
original_q3 = np.repeat((np.clip(wave_q3, 0, 1) * 255).round().astype(np.uint8)[:, :, None], 3, axis=2)
small_q3 = upscale.upscale(original_q3, "area", size=(32, 24))
assert np.array_equal(nearest_q3, np.repeat(np.repeat(small_q3, 4, axis=0), 4, axis=1))

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
bicubic_q3 = big_bicubic  # export shape=(96, 128, 3)
from lab import upscale

yy_q3, xx_q3 = np.mgrid[0:96, 0:128] / 128.0
wave_q3 = 0.5 + 0.25 * np.sin(2 * np.pi * (3 * xx_q3 + 2 * yy_q3)) + 0.2 * np.cos(2 * np.pi * 5 * xx_q3 * yy_q3)
original_q3 = np.repeat((np.clip(wave_q3, 0, 1) * 255).round().astype(np.uint8)[:, :, None], 3, axis=2)
small_q3 = upscale.upscale(original_q3, "area", size=(32, 24))
assert np.array_equal(bicubic_q3, upscale.upscale(small_q3, "bicubic", size=(128, 96)))

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: enlarges 2x instead of 4x
#   code: |
#     big_nearest = upscale.upscale(small, "nearest", factor=2)
#     big_bicubic = upscale.upscale(small, "bicubic", factor=2)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [markdown]
# **Question 4.** Write `psnr(reference, test)` for uint8 frames: 10 log10(255^2 / MSE), with
# the mean squared error over every pixel and channel, and `float("inf")` for identical
# frames. Careful: subtracting uint8 arrays wraps around (10 - 20 = 246).

# %% [raw]
# # BEGIN SOLUTION

# %%
def psnr(reference, test):
    """PSNR in dB of ``test`` against ``reference`` (uint8 frames, peak 255)."""
    # BEGIN SOLUTION
    mse = np.mean((reference.astype(np.float64) - test.astype(np.float64)) ** 2)
    if mse == 0:
        return float("inf")
    return float(10 * np.log10(255.0**2 / mse))
    # END SOLUTION


checks.check_psnr(psnr)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "identical frames have MSE 0: return float('inf')"
""" # END TEST CONFIG
assert psnr(original, original.copy()) == float("inf")

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
rng_q4 = np.random.default_rng(41)
ref_q4 = rng_q4.integers(0, 256, (24, 32, 3)).astype(np.uint8)
test_q4 = np.clip(ref_q4.astype(int) + rng_q4.integers(-60, 61, ref_q4.shape), 0, 255).astype(np.uint8)
noise_db_q4 = psnr(ref_q4, test_q4)  # export
from lab import metrics

rng_q4 = np.random.default_rng(41)
ref_q4 = rng_q4.integers(0, 256, (24, 32, 3)).astype(np.uint8)
test_q4 = np.clip(ref_q4.astype(int) + rng_q4.integers(-60, 61, ref_q4.shape), 0, 255).astype(np.uint8)
assert abs(noise_db_q4 - metrics.psnr(ref_q4, test_q4, channel="rgb")) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
flat_db_q4 = psnr(np.full((4, 4, 3), 20, np.uint8), np.full((4, 4, 3), 10, np.uint8))  # export
assert abs(flat_db_q4 - 10 * np.log10(255.0**2 / 100.0)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "frames 0 and 100 differ by 100 levels everywhere: MSE 10,000 and about 8.13 dB. uint8 arithmetic wraps around (0 - 100 = 156, and squares overflow): convert to float first"
""" # END TEST CONFIG
assert abs(psnr(np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 100, np.uint8)) - 10 * np.log10(255**2 / 100**2)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the peak is 255 for uint8 frames: black against white is exactly 0 dB"
""" # END TEST CONFIG
assert abs(psnr(np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 255, np.uint8))) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: subtracts uint8 frames, which wrap around
#   code: |
#     def psnr(reference, test):
#         mse = np.mean((reference - test) ** 2)
#         return float('inf') if mse == 0 else float(10 * np.log10(255.0**2 / mse))
# - why: uses a peak of 1 instead of 255
#   code: |
#     def psnr(reference, test):
#         mse = np.mean((reference.astype(float) - test.astype(float)) ** 2)
#         return float('inf') if mse == 0 else float(10 * np.log10(1.0 / mse))

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

# %% [markdown]
# **Question 5.** With your `psnr`, compare `original` with `small` enlarged 4x by each of
# `"nearest"`, `"bilinear"`, `"bicubic"` and `"lanczos"`. Store the name of the method with
# the highest PSNR in `best_method`, and all four values in the dict `psnr_by_method`.

# %% [raw]
# # BEGIN SOLUTION

# %%
psnr_by_method = {m: psnr(original, upscale.upscale(small, m, factor=4)) for m in ["nearest", "bilinear", "bicubic", "lanczos"]}  # SOLUTION
best_method = max(psnr_by_method, key=psnr_by_method.get)  # SOLUTION
checks.check_method(best_method)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "psnr_by_method maps each of the 4 method names to a PSNR in dB"
""" # END TEST CONFIG
assert sorted(psnr_by_method) == ["bicubic", "bilinear", "lanczos", "nearest"]

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
best_q5 = best_method  # export
from lab import metrics, upscale

yy_q5, xx_q5 = np.mgrid[0:96, 0:128] / 128.0
wave_q5 = 0.5 + 0.25 * np.sin(2 * np.pi * (3 * xx_q5 + 2 * yy_q5)) + 0.2 * np.cos(2 * np.pi * 5 * xx_q5 * yy_q5)
original_q5 = np.repeat((np.clip(wave_q5, 0, 1) * 255).round().astype(np.uint8)[:, :, None], 3, axis=2)
small_q5 = upscale.upscale(original_q5, "area", size=(32, 24))
scores_q5 = {m: metrics.psnr(original_q5, upscale.upscale(small_q5, m, factor=4), channel="rgb") for m in ["nearest", "bilinear", "bicubic", "lanczos"]}
assert best_q5 == max(scores_q5, key=scores_q5.get)

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a higher PSNR means closer to the original: pick the method with the largest value"
""" # END TEST CONFIG
assert best_method == max(psnr_by_method, key=psnr_by_method.get)

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: picks the lowest PSNR
#   code: |
#     best_method = min(psnr_by_method, key=psnr_by_method.get)

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Reading a spectrum
#
# The plot shows the radial power spectrum of a zone plate (rings that get finer towards the
# edge) rendered natively at 256 x 144, and of the same scene rendered at 64 x 36 and enlarged
# 4x with bicubic. The horizontal axis is spatial frequency in cycles per output pixel
# (0.5 is the finest pattern a grid can hold).

# %%
zone = scenes.get("zoneplate")
native_frame = native.render(zone, "256x144")
upscaled_frame = native.render_upscaled(zone, "256x144", "64x36", "bicubic")
fig, ax = plt.subplots(figsize=(6, 3.5))
for label, frame in [("native 256x144", native_frame), ("64x36 + bicubic x4", upscaled_frame)]:
    spectrum = metrics.radial_spectrum(frame)
    ax.semilogy(spectrum.frequency, spectrum.power, label=label)
ax.axvline(0.5 / 4, color="gray", linestyle="--", label="0.125 cycles/px")
ax.set_xlabel("spatial frequency (cycles per output pixel)")
ax.set_ylabel("power (log scale)")
ax.legend()
plt.show()

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# **Question 6 (multiple choice).** Above about 0.125 cycles per pixel the upscaled curve falls
# far below the native one. Why? Store the letter in `q6_answer`.
#
# * **a.** Bicubic's slight ringing removes energy at high frequencies.
# * **b.** The 64 x 36 source could only hold frequencies up to 0.5 cycles per *source* pixel,
#   which is 0.125 cycles per output pixel after 4x; interpolation cannot create the content
#   above that, it only smooths between known samples.
# * **c.** The native frame is noisier, and noise has more high-frequency power.
# * **d.** The spectrum is computed on a smaller image for the upscaled frame.

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
assert letter_q6.strip().lower() in ("b",)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
