# exercise: ex08_compute_bill
# title: The compute bill of native 4K
# lessons: 8, 9

# %% [markdown]
# # Exercise 8: the compute bill of native 4K
#
# Goes with lessons 8 (the compute bill) and 9 (bring your own clip). Every pixel costs
# time, memory and bandwidth. Answer in the cells marked `...`, run them, then run the
# `grader.check` cell below. Your instructor grades with more tests than you see here.
#
# Units: MP = megapixels = 10^6 pixels; GB = 10^9 bytes; Mbit/s = 10^6 bits per second;
# 1 byte = 8 bits.

# %%
from lab import checks, resolution

uhd = resolution.parse("4k")
fhd = resolution.parse("1080p")
qhd = resolution.parse("540p")
print(uhd, fhd, qhd)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [markdown]
# **Question 1.** How many pixels per second does 4K UHD video at 24 frames per second
# contain? Store the number in `pixels_per_second`.

# %% [raw]
# # BEGIN SOLUTION

# %%
pixels_per_second = uhd.pixels * 24  # SOLUTION
pixels_per_second

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a number (int or float): pixels per frame times frames per second"
""" # END TEST CONFIG
assert isinstance(pixels_per_second, (int, float)) and pixels_per_second > 24

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
rate_q1 = pixels_per_second  # export
assert rate_q1 == 199_065_600

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "multiply the pixels of one 3840 x 2160 frame by the 24 frames shown each second"
""" # END TEST CONFIG
assert pixels_per_second > 1e8

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: forgets the frame rate
#   code: |
#     pixels_per_second = uhd.pixels
# - why: divides by the frame rate
#   code: |
#     pixels_per_second = uhd.pixels / 24

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [markdown]
# **Question 2.** A generator produces pixels at a fixed throughput. Write
# `render_seconds(width, height, frames, mp_per_second)`: the seconds needed to produce
# `frames` frames of `width x height` at `mp_per_second` megapixels per second.

# %% [raw]
# # BEGIN SOLUTION

# %%
def render_seconds(width, height, frames, mp_per_second):
    """Seconds to produce ``frames`` frames of width x height at ``mp_per_second`` MP/s."""
    return width * height * frames / (mp_per_second * 1e6)  # SOLUTION


checks.check_in_range(render_seconds(1000, 1000, 10, 1.0), 0, 1e6, name="render_seconds(1000, 1000, 10, 1.0)", unit="s")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "twice as many frames take twice as long; twice the throughput takes half as long"
""" # END TEST CONFIG
assert abs(render_seconds(64, 36, 20, 1.0) - 2 * render_seconds(64, 36, 10, 1.0)) < 1e-12
assert abs(render_seconds(64, 36, 10, 2.0) - render_seconds(64, 36, 10, 1.0) / 2) < 1e-12

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
small_q2 = render_seconds(1000, 1000, 10, 1.0)  # export
assert abs(small_q2 - 10.0) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
uhd_q2 = render_seconds(3840, 2160, 240, 0.5)  # export
assert abs(uhd_q2 - 3840 * 2160 * 240 / 5e5) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "throughput is in megapixels (1e6 pixels) per second: one 1000 x 1000 frame at 1 MP/s takes 1 s"
""" # END TEST CONFIG
assert abs(render_seconds(1000, 1000, 1, 1.0) - 1.0) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: forgets that throughput is in megapixels
#   code: |
#     def render_seconds(width, height, frames, mp_per_second):
#         return width * height * frames / mp_per_second

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# **Question 3.** A 10-second clip at 24 fps. A diffusion generator makes **0.4 MP/s** at any
# size. An upscaler enlarges 540p to 4K at **25 MP/s of output**. Compute, in seconds:
#
# * `native_seconds`: generating every frame natively at 4K;
# * `upscaled_seconds`: generating at 540p, then upscaling every frame to 4K.

# %% [raw]
# # BEGIN SOLUTION

# %%
frames = 10 * 24
native_seconds = render_seconds(uhd.width, uhd.height, frames, 0.4)  # SOLUTION
upscaled_seconds = render_seconds(qhd.width, qhd.height, frames, 0.4) + render_seconds(uhd.width, uhd.height, frames, 25)  # SOLUTION
checks.check_in_range(native_seconds, 0, 1e5, name="native_seconds", unit="s")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "native generation of 16x the pixels should cost far more than generating 540p and upscaling"
""" # END TEST CONFIG
assert native_seconds > upscaled_seconds > 0

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
native_q3 = native_seconds  # export
assert abs(native_q3 - 4976.64) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
upscaled_q3 = upscaled_seconds  # export
assert abs(upscaled_q3 - (311.04 + 79.62624)) < 1e-6

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the upscaled route pays twice: generating the 540p clip, then upscaling every frame to 4K"
""" # END TEST CONFIG
assert upscaled_seconds > render_seconds(qhd.width, qhd.height, frames, 0.4)

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: leaves out the upscaler's cost
#   code: |
#     upscaled_seconds = render_seconds(qhd.width, qhd.height, frames, 0.4)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 1

# %% [markdown]
# **Question 4.** A latent diffusion transformer encodes each 8 x 8 pixel block into one latent
# and groups 2 x 2 latents into one token, so a frame has (W / 16) x (H / 16) tokens (ignore
# rounding).
# Self-attention costs grow with the *square* of the token count. How many times more
# attention work does one 4K frame need than one 1080p frame? Store it in `attention_ratio`.

# %% [raw]
# # BEGIN SOLUTION

# %%
attention_ratio = ((uhd.width / 16) * (uhd.height / 16)) ** 2 / ((fhd.width / 16) * (fhd.height / 16)) ** 2  # SOLUTION
attention_ratio

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "4K has 4x the pixels of 1080p, so more than 4x the attention work"
""" # END TEST CONFIG
assert attention_ratio > 4

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
ratio_q4 = attention_ratio  # export
assert abs(ratio_q4 - 16.0) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: compares pixels, not pairs of tokens
#   code: |
#     attention_ratio = uhd.pixels / fhd.pixels

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 2

# %% [markdown]
# **Question 5.** Delivered video is compressed. Write `gb_per_minute(mbit_per_second)`: the
# gigabytes (10^9 bytes) one minute of video takes at a bitrate in megabits per second.
# Then store the size of one minute of a 16 Mbit/s 4K stream in `stream_gb`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def gb_per_minute(mbit_per_second):
    """Gigabytes (10^9 B) per minute at ``mbit_per_second`` Mbit/s."""
    return mbit_per_second * 1e6 * 60 / 8 / 1e9  # SOLUTION


stream_gb = gb_per_minute(16)  # SOLUTION
checks.check_in_range(stream_gb, 0, 10, name="stream_gb", unit="GB")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "the size is proportional to the bitrate"
""" # END TEST CONFIG
assert abs(gb_per_minute(32) - 2 * gb_per_minute(16)) < 1e-12 and gb_per_minute(16) > 0

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
gb_q5 = gb_per_minute(8)  # export
assert abs(gb_q5 - 0.06) < 1e-12

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
stream_q5 = stream_gb  # export
assert abs(stream_q5 - 0.12) < 1e-12

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "80 Mbit/s for 60 s is 4,800 Mbit = 600 MB = 0.6 GB: divide bits by 8 to get bytes"
""" # END TEST CONFIG
assert abs(gb_per_minute(80) - 0.6) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: forgets that a byte is 8 bits
#   code: |
#     def gb_per_minute(mbit_per_second):
#         return mbit_per_second * 1e6 * 60 / 1e9
#
#
#     stream_gb = gb_per_minute(16)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# **Question 6 (multiple choice).** A convolutional upscaler (every output pixel looks at a
# fixed neighbourhood) goes from 1080p output to 4K output. By how much does its work per
# frame grow? Store the letter in `q6_answer`.
#
# * **a.** 2x, because each side doubles.
# * **b.** 4x, because the work is proportional to the number of output pixels.
# * **c.** 16x, like self-attention.
# * **d.** It stays the same: the kernel size does not change.

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
assert letter_q6.lower().strip() == "b"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
