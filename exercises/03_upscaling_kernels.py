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
grid_q1 = np.linspace(-2.5, 2.5, 101)
abs_q1 = np.abs(grid_q1)
ref_q1 = np.where(abs_q1 <= 1, 1.5 * abs_q1**3 - 2.5 * abs_q1**2 + 1, np.where(abs_q1 < 2, -0.5 * abs_q1**3 + 2.5 * abs_q1**2 - 4 * abs_q1 + 2, 0.0))
assert np.allclose(keys_kernel(grid_q1), ref_q1, atol=1e-9)

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
assert np.allclose(keys_kernel(np.array([0.25, 0.5, 1.25, 1.75]), a=-0.75), [0.87890625, 0.59375, -0.10546875, -0.03515625], atol=1e-9)

# %% [raw]
# # END TESTS

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
assert np.allclose(bicubic_weights(0.0), [0, 1, 0, 0]) and np.allclose(bicubic_weights(0.5), [-0.0625, 0.5625, 0.5625, -0.0625])

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
ramp_q2 = np.array([-1.0, 0.0, 1.0, 2.0]) ** 2
assert all(abs(float(np.dot(bicubic_weights(tq), ramp_q2)) - tq**2) < 1e-9 for tq in (0.1, 0.35, 0.8))

# %% [raw]
# # END TESTS

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
assert np.array_equal(big_nearest, np.repeat(np.repeat(small, 4, axis=0), 4, axis=1))

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
assert np.array_equal(big_bicubic, upscale.upscale(small, "bicubic", size=(128, 96)))

# %% [raw]
# # END TESTS

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
assert abs(psnr(original, big_bicubic) - metrics.psnr(original, big_bicubic, channel="rgb")) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
dark_q4, light_q4 = np.full((4, 4, 3), 10, np.uint8), np.full((4, 4, 3), 20, np.uint8)
assert abs(psnr(light_q4, dark_q4) - 10 * np.log10(255.0**2 / 100.0)) < 1e-9

# %% [raw]
# # END TESTS

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
scores_q5 = {m: metrics.psnr(original, upscale.upscale(small, m, factor=4), channel="rgb") for m in ["nearest", "bilinear", "bicubic", "lanczos"]}
assert best_method == max(scores_q5, key=scores_q5.get)

# %% [raw]
# # END TESTS

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
""" # END TEST CONFIG
assert isinstance(q6_answer, str) and q6_answer.strip().lower() in {"a", "b", "c", "d"}

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
assert q6_answer.strip().lower() in ("b",)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
