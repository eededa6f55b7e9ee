# exercise: ex01_pixels_and_bytes
# title: Pixels, bytes and what an upscaler must invent
# lessons: 0, 1

# %% [markdown]
# # Exercise 1: pixels, bytes and what an upscaler must invent
#
# Goes with lessons 0 (start here) and 1 (pixels and resolution). Answer each question in the
# cell marked `...`, run it, then run the `grader.check` cell below it: a green result means
# the public tests pass. Your instructor grades with more tests than you see here, so make the
# answer right, not just green.
#
# Sizes are width x height in pixels. 4K means UHD, 3840 x 2160. An RGB frame stores 3
# values per pixel; `uint8` takes 1 byte per value, `float32` takes 4.

# %%
import numpy as np

from lab import checks, resolution

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [markdown]
# **Question 1.** How many pixels does one 4K UHD frame have? Store the count, as an integer,
# in `uhd_pixels`. (You may compute it by hand or with `resolution.parse("4k")`.)

# %% [raw]
# # BEGIN SOLUTION

# %%
uhd_pixels = 3840 * 2160  # SOLUTION
uhd_pixels

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "uhd_pixels must be a whole number (an int), not text or a float"
""" # END TEST CONFIG
assert isinstance(uhd_pixels, (int, np.integer)) and not isinstance(uhd_pixels, bool)

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
uhd_q1 = uhd_pixels  # export
assert int(uhd_q1) == 8_294_400

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "4K UHD is 3840 x 2160: twice the width and twice the height of 1080p, so 4x its pixels (multiply, do not add)"
""" # END TEST CONFIG
assert uhd_pixels == 4 * 1920 * 1080

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: adds width and height
#   code: |
#     uhd_pixels = 3840 + 2160
# - why: counts a 1080p frame
#   code: |
#     uhd_pixels = 1920 * 1080

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [markdown]
# **Question 2.** How many bytes does one uncompressed 4K RGB frame take in memory
# (a) as `uint8` (`frame_bytes_u8`) and (b) as `float32` (`frame_bytes_f32`)?

# %% [raw]
# # BEGIN SOLUTION

# %%
frame_bytes_u8 = 3840 * 2160 * 3 * 1  # SOLUTION
frame_bytes_f32 = 3840 * 2160 * 3 * 4  # SOLUTION
frame_bytes_u8, frame_bytes_f32

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a float32 value takes 4 bytes and a uint8 value 1 byte, so the float32 frame is 4 times larger"
""" # END TEST CONFIG
assert frame_bytes_f32 == 4 * frame_bytes_u8

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
u8_q2 = frame_bytes_u8  # export
assert int(u8_q2) == 24_883_200

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
f32_q2 = frame_bytes_f32  # export
assert int(f32_q2) == 99_532_800

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "uint8 is one byte per value and each pixel holds 3 values (R, G, B): count bytes, not bits"
""" # END TEST CONFIG
assert frame_bytes_u8 == 3 * 3840 * 2160

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: counts bits instead of bytes
#   code: |
#     frame_bytes_u8 = 3840 * 2160 * 3 * 8
#     frame_bytes_f32 = 4 * frame_bytes_u8
# - why: forgets the three colour channels
#   code: |
#     frame_bytes_u8 = 3840 * 2160
#     frame_bytes_f32 = 4 * frame_bytes_u8

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# **Question 3.** Write `raw_bytes(width, height, fps, seconds, bytes_per_value=1)`: the bytes of
# `seconds` of uncompressed RGB video (3 values per pixel) at `fps` frames per second. Return
# a number (int or float).

# %% [raw]
# # BEGIN SOLUTION

# %%
def raw_bytes(width, height, fps, seconds, bytes_per_value=1):
    """Bytes of uncompressed RGB video: width * height * 3 values * bytes per value, per frame."""
    # BEGIN SOLUTION
    return width * height * 3 * bytes_per_value * fps * seconds
    # END SOLUTION


# A plausibility check (not the grade): a raw minute of 4K at 24 fps is tens of gigabytes.
checks.check_in_range(raw_bytes(3840, 2160, 24, 60), 1e10, 1e11, name="one minute of 4K at 24 fps", unit="B")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "one frame of 1 x 1 pixel, 1 byte per value, is 3 bytes (R, G, B)"
""" # END TEST CONFIG
assert raw_bytes(1, 1, 1, 1) == 3

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "twice the frame rate (or twice the duration) means twice the bytes"
""" # END TEST CONFIG
assert raw_bytes(16, 9, 48, 1) == 2 * raw_bytes(16, 9, 24, 1) == raw_bytes(16, 9, 24, 2)

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
minute_q3 = raw_bytes(3840, 2160, 24, 60)  # export
assert minute_q3 == 35_831_808_000

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
floats_q3 = raw_bytes(1920, 1080, 60, 10, bytes_per_value=4)  # export
assert floats_q3 == 1920 * 1080 * 12 * 600

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "bytes_per_value multiplies the size: one float32 RGB pixel is 3 x 4 = 12 bytes"
""" # END TEST CONFIG
assert raw_bytes(1, 1, 1, 1, bytes_per_value=4) == 12

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: forgets the colour channels
#   code: |
#     def raw_bytes(width, height, fps, seconds, bytes_per_value=1):
#         return width * height * fps * seconds * bytes_per_value
# - why: ignores bytes_per_value
#   code: |
#     def raw_bytes(width, height, fps, seconds, bytes_per_value=1):
#         return width * height * 3 * fps * seconds

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 1

# %% [markdown]
# **Question 4.** An upscaler turns a 960 x 540 frame into a 3840 x 2160 frame. What fraction of
# the output pixels does it have to invent (pixels that were not in the input)? Store a
# number between 0 and 1 in `invented_share`.

# %% [raw]
# # BEGIN SOLUTION

# %%
invented_share = 1 - (960 * 540) / (3840 * 2160)  # SOLUTION
checks.check_in_range(invented_share, 0, 1, name="invented share")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "a share is a number between 0 and 1"
""" # END TEST CONFIG
assert 0 <= float(invented_share) <= 1

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
share_q4 = invented_share  # export
assert abs(float(share_q4) - 15 / 16) < 1e-9

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "most pixels of the 4K frame were not in the 960 x 540 source: the share the upscaler invents is above one half"
""" # END TEST CONFIG
assert float(invented_share) > 0.5

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: gives the share that came from the source
#   code: |
#     invented_share = (960 * 540) / (3840 * 2160)

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

# %% [markdown]
# **Question 5.** Write `size_for_factor(source, factor)`: given a source size as a
# `(width, height)` tuple and an integer factor, return the upscaled size as a
# `(width, height)` tuple. Note the order: sizes are width first, array shapes are
# `(height, width, 3)`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def size_for_factor(source, factor):
    """(width, height) of ``source`` scaled by ``factor``."""
    # BEGIN SOLUTION
    width, height = source
    return (width * factor, height * factor)
    # END SOLUTION


checks.check_resolution(size_for_factor((960, 540), 4), "4k")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "return a tuple (width, height)"
""" # END TEST CONFIG
assert isinstance(size_for_factor((2, 1), 1), tuple) and len(size_for_factor((2, 1), 1)) == 2

# %%
""" # BEGIN TEST CONFIG
points: 1
hidden: true
""" # END TEST CONFIG
sizes_q5 = [size_for_factor((480, 270), 4), size_for_factor((7, 3), 2)]  # export shape=(2, 2)
assert sizes_q5 == [(1920, 1080), (14, 6)]

# %%
""" # BEGIN TEST CONFIG
points: 0
failure_message: "sizes are (width, height): keep that order and scale both by the factor"
""" # END TEST CONFIG
assert size_for_factor((2, 1), 3) == (6, 3)

# %% [raw]
# # END TESTS

# %% [raw]
# # COMMON MISTAKES
# - why: swaps width and height
#   code: |
#     def size_for_factor(source, factor):
#         return (source[1] * factor, source[0] * factor)
# - why: returns a list
#   code: |
#     def size_for_factor(source, factor):
#         return [source[0] * factor, source[1] * factor]

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# **Question 6 (multiple choice).** A 1080p frame enlarged 2x with bicubic has exactly as many
# pixels as a native 4K frame. Which statement is true? Store the letter in `q6_answer`.
#
# * **a.** It holds the same detail as the native 4K frame, because the pixel counts match.
# * **b.** It cannot hold detail finer than the 1080p grid could sample: anything above 0.25
#   cycles per *output* pixel is missing or guessed.
# * **c.** It takes a quarter of the memory of a native 4K frame.
# * **d.** Bicubic adds the missing fine texture back by sharpening.

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
assert letter_q6.strip().lower() == "b"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
