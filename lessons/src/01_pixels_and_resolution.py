# lesson: 1
# title: Pixels and resolution
# gpu: false

# %% [markdown]
# # Lesson 1: Pixels and resolution
#
# "4K" is a number of samples. Before comparing ways of filling those samples, we count
# them, weigh them in bytes, and see what a grid of samples can and cannot represent.
#
# ## Learning goals
# By the end of this lesson you can
# 1. state how many pixels 3840x2160 is and how it relates to 1080p and 540p;
# 2. compute the bytes of a frame and of a minute of video, uncompressed, for a size and
#    a data type;
# 3. explain the Nyquist limit (0.5 cycles per pixel) and recognise aliasing, using a zone
#    plate whose rings get finer and finer;
# 4. explain why an upscaler cannot bring back detail above the source grid's Nyquist limit.

# %%
%matplotlib inline
import matplotlib.pyplot as plt
from lab import checks, config, memory, metrics, native, resolution, scenes, upscale, viz, widgets
from lab.errors import MemoryBudgetError

tier = config.tier()
print(f"tier: {tier.name}, native {tier.target}, source {tier.source}")
config.show_smoke_note()

# %% [markdown]
# ## Counting pixels
#
# A resolution is a width and a height in pixels. `resolution.parse` understands the usual
# names. 4K here means UHD, 3840x2160, the television and streaming standard (cinema's DCI
# 4K is 4096x2160).

# %%
uhd = resolution.parse("4k")
for name in ["540p", "720p", "1080p", "1440p", "4k", "8k"]:
    r = resolution.parse(name)
    print(f"{name:>6}: {r.width:>4} x {r.height:<4} = {r.pixels:>10,} pixels = {r.megapixels:5.2f} MP"
          f"   4K has {uhd.pixels / r.pixels:5.2f}x as many")

# %% [markdown]
# 3840x2160 is **8,294,400 pixels**: doubling both sides of 1080p gives **4x** the pixels,
# and 4K has **16x** the pixels of 540p. An upscaler going from 540p to 4K therefore
# invents 15 of every 16 output pixels.

# %% [markdown]
# ## Bytes
#
# A frame at rest is 3 bytes per pixel (red, green, blue, 8 bits each). While computing,
# the library works in 32-bit floats: 12 bytes per pixel. Video is many frames per second.

# %%
for name in ["1080p", "4k", "8k"]:
    r = resolution.parse(name)
    per_frame = r.frame_bytes("uint8")
    print(f"{name:>5}: {per_frame / 1e6:6.1f} MB per uint8 frame, {r.frame_bytes('float32') / 1e6:6.1f} MB as float32;"
          f"  one minute at 24 fps, raw: {r.clip_bytes(24 * 60) / 1e9:5.1f} GB,"
          f" at 60 fps: {r.clip_bytes(60 * 60) / 1e9:5.1f} GB")

# %% [markdown]
# A raw minute of 4K at 24 fps is about 36 GB; nobody stores that, which is why codecs
# exist, and why the library never holds a 4K clip in memory as floats: it streams frames
# one at a time. The memory guard refuses an allocation that would not fit *before* it
# happens, with a message that says what to do instead:

# %%
try:
    memory.guard_clip(resolution.parse("8k"), 24 * 60 * 10, "float32")
except MemoryBudgetError as err:
    print("refused:", err)

# %% [markdown]
# ## Exercise 1: bytes of a frame
#
# How many bytes does one uncompressed 4K frame take as uint8 RGB? Compute it from the
# width and height (don't call `frame_bytes`), then check.

# %%
bytes_4k = ...  # your answer, e.g. width * height * ...
checks.check_frame_bytes(bytes_4k, "4k")

# %% [markdown]
# ## Sampling and the Nyquist limit
#
# A pixel grid *samples* a continuous picture. A pattern that repeats every 2 pixels
# (0.5 cycles per pixel) is the finest the grid can hold: that is the **Nyquist limit**.
# Anything finer does not vanish, it **aliases**: it shows up as a false, coarser pattern.
#
# A **zone plate** makes this visible. Its rings get finer with the distance from the
# centre, so its local frequency sweeps from 0 to far beyond what a small grid can hold. The
# course's `zoneplate` scene is point-sampled on purpose (each pixel takes the value at its
# centre); with `antialias=True` it fades the rings to grey before they reach the Nyquist
# limit, which is what a careful renderer does. We look at it three ways, all at the small
# source size:
#
# * `point-sampled`: the value at each pixel centre, no filtering;
# * `anti-aliased`: detail above Nyquist faded out before sampling;
# * `area-averaged`: a 4x larger anti-aliased render shrunk by averaging each 4x4 block.
#
# The ring density `k` is chosen so the rings pass the source grid's Nyquist limit a
# quarter of a frame height from the centre, and stay under the target grid's limit almost
# everywhere.

# %%
k = 2.0 * tier.source.height
zone = scenes.get("zoneplate", k=k)
zone_aa = scenes.get("zoneplate", k=k, antialias=True)
big = native.render(zone_aa, tier.target)
point_sampled = native.render(zone, tier.source)
anti_aliased = native.render(zone_aa, tier.source)
area_averaged = upscale.downscale(big, tier.source)
viz.side_by_side({"point-sampled": point_sampled, "anti-aliased": anti_aliased, "area-averaged 4x4": area_averaged},
                 width_in=max(4.0, tier.source.width / 90))

# %% [markdown]
# Look at the point-sampled panel: whole sets of circles that are **not in the scene**
# appear, centred away from the middle. That is aliasing: frequencies above 0.5
# cycles/pixel folded back to low ones. Anti-aliased rendering replaces them with grey, the
# honest answer for "detail this grid cannot hold". Area averaging is a cheaper, imperfect
# filter: faint ghost circles remain.
#
# The radial power spectrum tells the same story in numbers: how much energy the image has
# at each spatial frequency, in cycles per pixel. The grid can only represent frequencies
# up to 0.5. The point-sampled version carries extra energy that the anti-aliased versions
# do not: that energy is the false rings.

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for label, frame in {"point-sampled": point_sampled, "anti-aliased": anti_aliased,
                     "area-averaged": area_averaged}.items():
    spectrum = metrics.radial_spectrum(frame)
    ax.semilogy(spectrum.frequency, spectrum.power, label=label)
ax.set_xlabel("spatial frequency (cycles per pixel of the source grid)")
ax.set_ylabel("power (log scale)")
ax.set_title("radial power spectrum of the zone plate at the source size")
ax.legend()
plt.show()

# %% [markdown]
# ## What an upscaler gets to work with
#
# Upscaling the source-size frame back to the target size gives the right number of pixels,
# but the rings the source grid could not hold are gone: an interpolating kernel only
# blends the samples it has. Compare, at the target size, the native render with the
# bicubic upscale from the (anti-aliased) source grid.
#
# *A warning about the small overview images in this and later figures: a 1920-pixel-wide
# frame drawn a few hundred screen pixels wide is shrunk by averaging, so detail finer than
# the preview's pixels averages away to flat grey. A native frame full of fine rings can
# then look plainer than an upscale whose coarser rings survive the shrinking. Trust the
# magnified crops (bottom row), which show every pixel.*

# %%
up = upscale.upscale(anti_aliased, "bicubic", size=tier.target)
print(f"PSNR of the upscale against native: {metrics.psnr(big, up):.2f} dB")
print(f"high-frequency share (> 0.125 cycles/px): native {metrics.high_frequency_share(big):.2%}, "
      f"upscaled {metrics.high_frequency_share(up):.2%}")
viz.loupe_figure({"native": big, "bicubic from source": up}, x=tier.target.width * 0.7, y=tier.target.height * 0.5,
                 zoom=8, crop=max(16, tier.target.width // 24))

# %% [markdown]
# ## Explore: the loupe on the zone plate
#
# The explorer uses the same zone plate (`k` from above), whose rings the native grid
# resolves almost everywhere, and a source frame made as a camera of that size would record
# it. The loupe opens where bicubic differs most from native. Move it towards the centre
# and outwards again: find where the upscaled rings stop following the native ones. That
# radius is where the source grid's Nyquist limit was. Then switch the upscaler to `nearest`
# and to `lanczos`: none of them brings the rings back.

# %%
explorer = widgets.explore("zoneplate", target=tier.target, source=tier.source, methods=["bicubic", "lanczos"],
                           scene_options={"k": k}, background=False)  # render now, so the next cell can read it
explorer

# %%
renders = {r.key.method: r.frame for r in explorer.compare.renders}
box = explorer.loupe.box
x0, y0, x1, y1 = box
print(f"the loupe opened at x {x0}-{x1 - 1}, y {y0}-{y1 - 1} px; high-frequency share there: "
      + ", ".join(f"{name} {metrics.high_frequency_share(frame[y0:y1, x0:x1]):.3f}" for name, frame in renders.items()))

# %% [markdown]
# ## Exercise 2: the Nyquist limit of the source grid
#
# The source grid is 4x coarser than the target grid. Measured in cycles per *target*
# pixel, what is the highest frequency the source grid can represent? (Hint: 0.5 cycles
# per source pixel, and one source pixel spans `tier.factor` target pixels.)
#
# Graded exercises for this lesson: [exercises/ex01_pixels_and_bytes.ipynb](exercises/ex01_pixels_and_bytes.ipynb).

# %%
source_nyquist = ...  # cycles per target pixel
checks.check_number(source_nyquist, 0.5 / tier.factor, name="Nyquist limit of the source grid",
                    unit="cycles per target pixel", rel_tol=1e-3)

# %% [markdown]
# ## Summary
#
# * 4K UHD is 3840x2160 = 8,294,400 pixels: 4x 1080p and 16x 540p. A 540p-to-4K upscale
#   invents 15 of every 16 pixels.
# * An uncompressed 4K frame is 24.9 MB as uint8 RGB and 99.5 MB as float32; a raw minute at
#   24 fps is about 36 GB, so frames are streamed, never held as a float clip.
# * A grid resolves at most 0.5 cycles per pixel. Finer detail aliases unless it is
#   filtered out first (anti-aliasing).
# * An upscaler sees only the source grid: detail above the source's Nyquist limit,
#   0.125 cycles per target pixel for x4, is missing and must be predicted, not recovered.
# * Next: [Lesson 2, native generation](02_native_generation.ipynb).
