"""Clips: uint8 RGB frames streamed one at a time, with fps and optional ground-truth flow.

A :class:`Clip` never holds a 4K sequence as float32: it wraps a *frame source* (a list,
a render function, or an mp4 on disk) and yields ``uint8`` (H, W, 3) frames on iteration.

Flow convention: ``clip.flow(t)`` is an (H, W, 2) float32 array of (dx, dy) in pixels such
that the scene point seen at pixel p in frame t is seen at p + flow(p) in frame t+1.

>>> import numpy as np
>>> clip = Clip.from_frames([np.zeros((4, 6, 3), np.uint8)] * 3, fps=24)
>>> len(clip), clip.resolution.width, clip.duration
(3, 6, 0.125)
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path

import numpy as np

from lab import validate
from lab.arrays import check_frame, to_float, to_uint8
from lab.errors import LabError, LabTypeError, choice_error
from lab.files import atomic_path
from lab.memory import guard_clip
from lab.optional import opencv
from lab.progress import progress
from lab.resolution import Resolution, parse

cv2 = opencv()

FlowFn = Callable[[int], np.ndarray]


class Clip:
    """A streamable sequence of uint8 RGB frames.

    Build one with :meth:`from_frames` (in-memory list), :meth:`from_function` (rendered on
    demand, nothing stored) or :func:`read_mp4` (decoded on demand from disk).

    Parameters
    ----------
    frame_fn : callable
        ``frame_fn(t) -> (H, W, 3)`` frame for 0 <= t < n_frames (uint8, or float in [0, 1]).
    n_frames : int
        Number of frames.
    resolution : Resolution
        Frame size.
    fps : float
        Frames per second.
    flow : callable, optional
        ``flow(t) -> (H, W, 2)`` ground-truth motion from frame t to t+1, in pixels.
    name : str
        A label for plots and tables.
    """

    def __init__(
        self,
        frame_fn: Callable[[int], np.ndarray],
        n_frames: int,
        resolution: Resolution | str,
        fps: float = 24.0,
        *,
        flow: FlowFn | None = None,
        name: str = "",
        iterate: Callable[[], Iterator[np.ndarray]] | None = None,
    ) -> None:
        if not callable(frame_fn):
            raise LabTypeError(f"frame_fn must be a function t -> frame, got {type(frame_fn).__name__}")
        self._frame_fn = frame_fn
        self._iterate = iterate
        self.n_frames = validate.positive_int(n_frames, "n_frames")
        self.fps = validate.positive_number(fps, "fps")
        self.resolution = parse(resolution)
        self._flow = flow
        self.name = name
        self.planes = "rgb"  # what the frames hold: "rgb", or a file's own "yuv" planes (read_mp4)

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_frames(
        cls, frames: Sequence[np.ndarray], fps: float = 24.0, *, flow: FlowFn | None = None, name: str = ""
    ) -> Clip:
        """Wrap frames already in memory (uint8, or float in [0, 1] converted to uint8 once)."""
        if isinstance(frames, np.ndarray) and frames.ndim == 4:
            frames = list(frames)
        if not isinstance(frames, (list, tuple)):
            raise LabTypeError(f"from_frames needs a list of (H, W, 3) frames, got {type(frames).__name__}")
        if not frames:
            raise LabError("from_frames needs a non-empty list of (H, W, 3) frames")
        stored = [to_uint8(check_frame(f, name=f"frame {i}")) for i, f in enumerate(frames)]
        shape = stored[0].shape
        for i, f in enumerate(stored):
            if f.shape != shape:
                raise LabError(
                    f"frame {i} has shape {f.shape} but frame 0 has {shape}; all frames must match"
                )
        res = Resolution(shape[1], shape[0])
        return cls(stored.__getitem__, len(stored), res, fps, flow=flow, name=name)

    @classmethod
    def from_function(
        cls,
        frame_fn: Callable[[int], np.ndarray],
        n_frames: int,
        resolution: Resolution,
        fps: float = 24.0,
        *,
        flow: FlowFn | None = None,
        name: str = "",
    ) -> Clip:
        """A clip whose frame t is computed by ``frame_fn(t)`` when asked for (nothing stored)."""
        return cls(frame_fn, n_frames, resolution, fps, flow=flow, name=name)

    # --- access -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Clip{label} {self.n_frames} frames {self.resolution} @ {self.fps:g} fps>"

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_frames / self.fps

    @property
    def has_flow(self) -> bool:
        """True when the clip knows its exact motion (rendered from a scene)."""
        return self._flow is not None

    def frame(self, t: int) -> np.ndarray:
        """Frame ``t`` as uint8 (H, W, 3); negative t counts from the end."""
        if not isinstance(t, (int, np.integer)):
            raise LabTypeError(f"frame index must be an integer, got {t!r}")
        if t < 0:
            t += self.n_frames
        if not 0 <= t < self.n_frames:
            raise LabError(f"frame {t} is out of range for a {self.n_frames}-frame clip")
        frame = self._checked(self._frame_fn(int(t)), t)
        return frame

    def _checked(self, frame: np.ndarray, t: int) -> np.ndarray:
        frame = to_uint8(check_frame(frame, name=f"frame {t}"))
        if frame.shape != self.resolution.shape:
            raise LabError(f"frame {t} has shape {frame.shape}, expected {self.resolution.shape}")
        return frame

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield uint8 frames one at a time (decoding/rendering each when reached)."""
        if self._iterate is not None:
            count = 0
            for t, frame in enumerate(self._iterate()):
                if t >= self.n_frames:
                    break
                count += 1
                yield self._checked(frame, t)
            if count < self.n_frames:
                raise LabError(f"{self!r} ended after {count} frames; the file may be truncated")
            return
        for t in range(self.n_frames):
            yield self.frame(t)

    def iter_float(self) -> Iterator[np.ndarray]:
        """Yield float32 [0, 1] frames one at a time (one float frame alive at once)."""
        for frame in self:
            yield to_float(frame)

    def pairs(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield (t, frame t, frame t+1) for consecutive frames, streaming."""
        prev = None
        for t, frame in enumerate(self):
            if prev is not None:
                yield t - 1, prev, frame
            prev = frame

    def flow(self, t: int) -> np.ndarray:
        """Ground-truth flow (H, W, 2) float32 from frame t to t+1, in pixels."""
        if self._flow is None:
            raise LabError(
                f"{self!r} has no ground-truth flow; estimate it with lab.metrics (DIS optical flow)"
            )
        if not 0 <= t < self.n_frames - 1:
            raise LabError(
                f"flow index {t} out of range: a {self.n_frames}-frame clip has {self.n_frames - 1} steps"
            )
        return self._flow(int(t))

    def map(
        self, fn: Callable[[np.ndarray], np.ndarray], *, name: str = "", resolution: Resolution | None = None
    ) -> Clip:
        """A new lazy clip whose frame t is ``fn(self.frame(t))`` (e.g. an upscaler).

        The ground-truth flow is kept only when the size is unchanged.
        """
        out_res = resolution or self.resolution
        # the flow of a resized clip must come from the scene rendered at that size
        flow = self._flow if out_res == self.resolution else None
        source_iterate = self._iterate

        def iterate() -> Iterator[np.ndarray]:
            for frame in self:
                yield fn(frame)

        return Clip(
            lambda t: fn(self.frame(t)),
            self.n_frames,
            out_res,
            self.fps,
            flow=flow,
            name=name or self.name,
            iterate=iterate if source_iterate is not None else None,
        )

    def head(self, n: int) -> Clip:
        """The first ``n`` frames of this clip (lazy, with its fps and flow).

        >>> Clip.from_frames([np.zeros((4, 6, 3), np.uint8)] * 5).head(2).n_frames
        2
        """
        n = validate.positive_int(n, "n (frames)", maximum=self.n_frames)
        source_iterate = self._iterate

        def iterate() -> Iterator[np.ndarray]:
            assert source_iterate is not None
            for t, frame in enumerate(source_iterate()):
                if t >= n:
                    return
                yield frame

        clip = Clip(
            self._frame_fn,
            int(n),
            self.resolution,
            self.fps,
            flow=self._flow,
            name=self.name,
            iterate=iterate if source_iterate is not None else None,
        )
        clip.planes = self.planes
        return clip

    def with_flow(self, flow: FlowFn) -> Clip:
        """The same frames with ``flow`` attached as ground truth."""
        return Clip(
            self._frame_fn,
            self.n_frames,
            self.resolution,
            self.fps,
            flow=flow,
            name=self.name,
            iterate=self._iterate,
        )

    def to_list(self) -> list[np.ndarray]:
        """All frames as a list of uint8 arrays, after checking they fit in memory."""
        guard_clip(self.resolution, self.n_frames, "uint8")
        return list(self)

    def in_memory(self, name: str = "") -> Clip:
        """This clip rendered (or decoded) once and kept as uint8 frames, with its fps and flow.

        Measuring a lazy clip several times renders it each time; measure this copy instead.
        The memory guard refuses a clip that would not fit.
        """
        return Clip.from_frames(self.to_list(), self.fps, flow=self._flow, name=name or self.name)


# --- mp4 ---------------------------------------------------------------------------------
def _check_output_path(path: str | os.PathLike[str], suffix: str) -> Path:
    """Validate an output file path and create its missing parent folders.

    Refuses a path that is a directory, has the wrong suffix, or lies below a regular file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise LabTypeError(f"output path must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise LabError(f"{path} is a directory; give a file name ending in {suffix}")
    if path.suffix.lower() != suffix:
        raise LabError(f"output file {path} must end in {suffix}")
    parent = path.parent if str(path.parent) else Path(".")
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise LabError(f"cannot write {path}: {ancestor} is a file, not a directory")
            break
    parent.mkdir(parents=True, exist_ok=True)
    return path


DEFAULT_PRESET = "superfast"  # x264 speed preset: >= 30 frames/s at 1080p on a 2-core CPU (BENCHMARKS.md)


H264_MAX_MACROBLOCKS = 139_264  # H.264 level 6.2 MaxFS: 16x16 blocks per frame (8K UHD uses 129,600)


def check_encodable(resolution: str | Resolution) -> Resolution:
    """Refuse a frame size H.264 (yuv420p) cannot encode: odd sides, or over level 6.2's 139,264 macroblocks.

    >>> check_encodable("8k").width
    7680
    """
    res = parse(resolution)
    if not res.is_even():
        raise LabError(
            f"H.264 (yuv420p) needs even width and height; {res} is not. "
            "Render at an even size such as 3840x2160 or 1920x1080."
        )
    blocks = -(-res.width // 16) * -(-res.height // 16)
    if blocks > H264_MAX_MACROBLOCKS:
        raise LabError(
            f"H.264 encodes at most {H264_MAX_MACROBLOCKS:,} macroblocks of 16x16 px per frame (level 6.2, "
            f"about 35.6 megapixels, e.g. 8192x4320); {res} needs {blocks:,}. Use a smaller size, or skip the "
            "mp4 files (compare --no-video)"
        )
    return res


class Mp4Writer:
    """Stream frames into an H.264 mp4 (yuv420p) one at a time; the file appears only when complete.

    Use it as a context manager: leaving the block normally finishes the file and renames it
    onto ``path``; leaving it by an exception deletes the partial file. Each frame must be
    ``uint8`` (or float in [0, 1]) with the shape of ``resolution``; both sides must be even.

    Parameters
    ----------
    path : str or Path
        Output file, ending in ``.mp4``; missing parent folders are created.
    resolution : Resolution or str
        Frame size, e.g. ``"1080p"``.
    fps : float
        Frames per second stored in the file.
    crf : int
        x264 constant rate factor, 0 (lossless) .. 51 (worst); 18 is visually lossless.
    preset : str
        x264 speed preset ("ultrafast" .. "veryslow"); faster presets give larger files.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "grey.mp4"
    >>> with Mp4Writer(out, "64x36", fps=24) as w:
    ...     for _ in range(3):
    ...         w.write(np.full((36, 64, 3), 128, np.uint8))
    >>> out.exists(), w.frames_written
    (True, 3)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        resolution: Resolution | str,
        fps: float = 24.0,
        *,
        crf: int = 18,
        preset: str = DEFAULT_PRESET,
    ) -> None:
        res = check_encodable(resolution)
        self.crf = validate.integer(crf, "crf", minimum=0, maximum=51)
        if preset not in _PRESETS:
            raise choice_error("x264 preset", preset, _PRESETS)
        self.fps = validate.positive_number(fps, "fps")
        self.path = _check_output_path(path, ".mp4")
        self.resolution = res
        self.preset = preset
        self.frames_written = 0
        self._atomic: atomic_path | None = None
        self._writer: Generator[None, np.ndarray | None, None] | None = None  # imageio-ffmpeg's frame sink

    def __enter__(self) -> Mp4Writer:
        import imageio_ffmpeg

        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        try:
            self._writer = imageio_ffmpeg.write_frames(
                str(tmp),
                (self.resolution.width, self.resolution.height),
                fps=self.fps,
                codec="libx264",
                pix_fmt_in="yuv420p",  # converted here with OpenCV: half the bytes through the pipe
                pix_fmt_out="yuv420p",
                output_params=["-crf", str(self.crf), "-preset", self.preset],
                macro_block_size=1,
                ffmpeg_log_level="error",
            )
            self._writer.send(None)
        except BaseException as err:
            self._atomic.__exit__(type(err), err, None)
            raise
        return self

    def write(self, frame: np.ndarray) -> None:
        """Encode one (H, W, 3) frame (uint8, or float in [0, 1] rounded to uint8)."""
        if self._writer is None:
            raise LabError("Mp4Writer.write called outside its `with` block")
        frame = to_uint8(check_frame(frame, name=f"frame {self.frames_written}"))
        if frame.shape != self.resolution.shape:
            raise LabError(
                f"frame {self.frames_written} has shape {frame.shape}, but this mp4 is "
                f"{self.resolution} (shape {self.resolution.shape})"
            )
        # BT.601 limited-range RGB -> YUV 4:2:0 (the conversion ffmpeg would apply to rgb24 input),
        # done by OpenCV's SIMD code: about 1.5x faster writes than piping RGB (BENCHMARKS.md)
        self._writer.send(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2YUV_I420))
        self.frames_written += 1

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._atomic is not None
        writer, self._writer = self._writer, None
        failure: BaseException | None = exc
        if writer is not None:
            try:
                writer.close()  # waits for ffmpeg to finish the file
            except Exception as err:  # ffmpeg failed while finishing: do not keep the file
                failure = failure or LabError(f"ffmpeg could not finish {self.path}: {err}")
        if failure is None and self.frames_written == 0:
            failure = LabError(f"no frames were written to {self.path}; an mp4 needs at least one")
        self._atomic.__exit__(type(failure) if failure is not None else None, failure, tb)
        if failure is not None and failure is not exc:
            raise failure


_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


def write_mp4(
    clip: Clip,
    path: str | os.PathLike[str],
    *,
    crf: int = 18,
    preset: str = DEFAULT_PRESET,
    show_progress: bool = True,
) -> Path:
    """Encode ``clip`` to an H.264 mp4 (yuv420p) at ``path``, streaming frame by frame.

    ``crf`` is x264's constant rate factor (0 lossless .. 51 worst; 18 is visually lossless).
    Both sides must be even for yuv420p. The file appears under its name only when complete:
    if rendering or encoding fails half-way, no file and no temporary file is left.

    >>> import tempfile, pathlib
    >>> clip = Clip.from_frames([np.zeros((36, 64, 3), np.uint8)] * 2, fps=24)
    >>> write_mp4(clip, pathlib.Path(tempfile.mkdtemp()) / "black.mp4", show_progress=False).name
    'black.mp4'
    """
    if not isinstance(clip, Clip):
        raise LabTypeError(
            f"write_mp4 needs a Clip, got {type(clip).__name__}; wrap frames with Clip.from_frames"
        )
    with Mp4Writer(path, clip.resolution, clip.fps, crf=crf, preset=preset) as writer:
        for frame in progress(
            clip, total=len(clip), desc=f"writing {Path(path).name}", disable=not show_progress
        ):
            writer.write(frame)
    return writer.path


PLANES = {"rgb": "rgb24", "yuv": "yuv444p"}


def read_mp4(path: str | os.PathLike[str], *, name: str = "", planes: str = "rgb") -> Clip:
    """Open an mp4 (or any video ffmpeg reads) as a lazily decoded :class:`Clip`.

    Frames are decoded while iterating; nothing is held in memory. Missing or unreadable
    files raise :class:`LabError`. ``planes="rgb"`` (default) gives (H, W, 3) RGB frames, as
    ffmpeg converts them; ``planes="yuv"`` gives the file's own planes as (H, W, 3) uint8
    Y, U, V: Y exactly as decoded (studio swing, no RGB round trip that clips), chroma brought
    to full size by ffmpeg (``yuv444p``). The clip's ``planes`` attribute says which; the
    metrics read Y from such frames with ``channel="yuv"`` (:func:`lab.metrics.psnr`,
    :func:`lab.metrics.report` with ``planes="yuv"``).
    """
    import imageio_ffmpeg

    if planes not in PLANES:
        raise choice_error("planes", planes, list(PLANES))
    path = Path(path)
    if not path.exists():
        raise LabError(f"video file {path} does not exist")
    if path.is_dir():
        raise LabError(f"{path} is a directory, not a video file")
    try:
        reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
        meta = reader.__next__()
        reader.close()
    except (RuntimeError, OSError, StopIteration) as err:
        raise LabError(_unreadable(path, err)) from None
    width, height = meta["size"]
    fps = float(meta.get("fps") or 24.0)
    n_frames = _count_frames(path, meta)
    if n_frames < 1:
        raise LabError(f"{path} contains no video frames")
    announced = int(round(float(meta.get("duration") or 0) * float(meta.get("fps") or 0)))
    if announced > n_frames + 1:
        warnings.warn(
            f"{path}: only {n_frames} of the {announced} frames its header announces could be decoded; "
            f"the file is damaged or cut short after frame {n_frames}, and only those frames are used",
            stacklevel=2,
        )
    res = Resolution(int(width), int(height))

    def iterate() -> Iterator[np.ndarray]:
        gen = imageio_ffmpeg.read_frames(str(path), pix_fmt=PLANES[planes])
        gen.__next__()
        try:
            for raw in gen:
                frame = np.frombuffer(raw, np.uint8)
                if planes == "yuv":  # planar Y, U, V -> (H, W, 3)
                    yield np.ascontiguousarray(frame.reshape(3, height, width).transpose(1, 2, 0))
                else:
                    yield frame.reshape(height, width, 3)
        finally:
            gen.close()

    # random access keeps one decoder open: asking for frames in increasing order (the usual
    # pattern) decodes each frame once; going backwards restarts from the first frame
    decoder = _SequentialDecoder(iterate)

    def frame_at(t: int) -> np.ndarray:
        frame = decoder.get(t)
        if frame is None:
            raise LabError(f"{path} ended before frame {t}")
        return frame

    clip = Clip(frame_at, n_frames, res, fps, name=name or path.stem, iterate=iterate)
    clip.planes = planes
    return clip


def _unreadable(path: Path, err: BaseException) -> str:
    """Why ffmpeg could not decode ``path``: no video stream (e.g. an mp4 with zero frames) or its own message."""
    import subprocess

    import imageio_ffmpeg

    try:
        probe = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        probe = ""
    if "Input #0" in probe and "Video:" not in probe:
        return f"{path} holds no video frames (the file has no video stream); record or export at least one frame"
    detail = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    return f"cannot read {path} as video: {detail}"


class _SequentialDecoder:
    """Frame t of a stream that can only be read forwards, restarting it when t goes back."""

    def __init__(self, open_stream: Callable[[], Iterator[np.ndarray]]) -> None:
        self._open = open_stream
        self._stream: Iterator[np.ndarray] | None = None
        self._next = 0  # index of the frame the open stream yields next

    def get(self, t: int) -> np.ndarray | None:
        if self._stream is None or t < self._next:
            self._stream, self._next = self._open(), 0
        for frame in self._stream:
            self._next += 1
            if self._next - 1 == t:
                return frame
        self._stream = None
        return None


def _count_frames(path: Path, meta: dict) -> int:
    import imageio_ffmpeg

    try:
        counted, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
        return int(counted)
    except (RuntimeError, OSError):
        return int(round(float(meta.get("duration") or 0) * float(meta.get("fps") or 0)))
