"""VMAF, the metric video engineers judge upscalers by, computed by the official libvmaf.

VMAF (Netflix's Video Multi-method Assessment Fusion) fuses detail-loss, visual-information
and motion features of each frame's luma into a 0-100 score with a model trained on viewers'
ratings. It is computed per frame and pooled, so it says little about flicker between frames:
read it next to the warp error. The ffmpeg binary shipped with ``imageio-ffmpeg`` is built with
libvmaf and its built-in models; frames are streamed to it through pipes (or the mp4 files are
read by ffmpeg itself), so a long 4K pair never sits in memory.

Models: ``vmaf_v0.6.1`` (the default, 1080p viewing), ``vmaf_v0.6.1neg`` ("no enhancement
gain": it discounts gains from sharpening and contrast boosts, so a sharpening upscaler cannot
buy points) and ``vmaf_4k_v0.6.1`` (4K viewing at 1.5 screen heights).

References
----------
.. [1] Z. Li, A. Aaron, I. Katsavounidis, A. Moorthy, M. Manohara, "Toward A Practical Perceptual
   Video Quality Metric", Netflix Technology Blog, 2016; libvmaf (github.com/Netflix/vmaf).
.. [2] Netflix, "VMAF NEG: no enhancement gain" model notes (vmaf_v0.6.1neg), 2020.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from lab.arrays import to_uint8
from lab.errors import LabError, choice_error
from lab.metrics._common import check_clips, clip_shape, iter_frames

MODELS = ("vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1")
MIN_SIDE = 24  # px; libvmaf's multi-scale filters crash on smaller frames (16x16: segmentation fault)


@dataclass(frozen=True)
class VmafResult:
    """VMAF of a candidate against its reference.

    Attributes
    ----------
    model : str
        The libvmaf model used.
    mean, harmonic_mean : float
        Pooled scores, 0-100 (higher = closer to the reference as viewers rate it).
    per_frame : ndarray
        The score of every frame, 0-100.
    """

    model: str
    mean: float
    harmonic_mean: float
    per_frame: np.ndarray

    def __float__(self) -> float:
        return self.mean


def ffmpeg_exe() -> str:
    """The ffmpeg binary used (imageio-ffmpeg's, or the one ``IMAGEIO_FFMPEG_EXE`` names)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@lru_cache(maxsize=8)
def _has_libvmaf(exe: str) -> bool:
    try:
        filters = subprocess.run(
            [exe, "-hide_banner", "-filters"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.split()[1:2] == ["libvmaf"] for line in filters.splitlines() if line.strip())


def check_available() -> str:
    """The ffmpeg binary, after checking it has the libvmaf filter; raises :class:`LabError` when not."""
    exe = ffmpeg_exe()
    if not _has_libvmaf(exe):
        raise LabError(
            f"the ffmpeg at {exe} has no libvmaf filter, so VMAF cannot be computed. The ffmpeg shipped with "
            "imageio-ffmpeg has it (pip install -U imageio-ffmpeg, and unset IMAGEIO_FFMPEG_EXE), or use any "
            "ffmpeg built with --enable-libvmaf (set IMAGEIO_FFMPEG_EXE to its path)"
        )
    return exe


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _check_models(models: Sequence[str]) -> tuple[str, ...]:
    models = tuple(models)
    if not models:
        raise LabError("give at least one VMAF model")
    for model in models:
        if model not in MODELS:
            raise choice_error("VMAF model", model, MODELS)
    return models


def _graph(
    models: Sequence[str], log: Path, n_threads: int, *, convert: bool, frames: int | None = None
) -> str:
    """The filter graph: input 1 is the candidate ("main"), input 0 the reference; one libvmaf, every
    model; ``frames`` keeps only the first that many frames of each input (``trim``)."""
    spec = "|".join(f"version={m}\\:name={m}" for m in models)
    prep = "format=yuv444p,setpts=PTS-STARTPTS" if convert else "setpts=PTS-STARTPTS"
    if frames is not None:
        prep = f"trim=end_frame={int(frames)},{prep}"
    return (
        f"[1:v]{prep}[main];[0:v]{prep}[ref];"
        f"[main][ref]libvmaf=model='{spec}':log_fmt=json:log_path={log}:n_threads={n_threads}"
    )


def _parse_log(log: Path, models: Sequence[str]) -> dict[str, VmafResult]:
    data = json.loads(log.read_text(encoding="utf-8"))
    frames = data.get("frames", [])
    if not frames:
        raise LabError("libvmaf scored no frames; check that both inputs hold frames")
    out = {}
    for model in models:
        per_frame = np.array([frame["metrics"][model] for frame in frames], dtype=np.float64)
        pooled = data.get("pooled_metrics", {}).get(model, {})
        harmonic = len(per_frame) / np.sum(1.0 / (per_frame + 1.0)) - 1.0
        out[model] = VmafResult(
            model,
            float(pooled.get("mean", per_frame.mean())),
            float(pooled.get("harmonic_mean", harmonic)),
            per_frame,
        )
    return out


class VmafStream:
    """VMAF computed while frames are produced: add (reference, candidate) pairs one at a time.

    ffmpeg runs alongside; each side's frames go through a pipe fed by a thread from a queue of
    two frames, so at most a few frames are held. :meth:`close` returns ``{model: VmafResult}``.

    >>> with VmafStream(64, 48) as stream:  # doctest: +SKIP
    ...     stream.add(frame, frame)
    >>> stream.results["vmaf_v0.6.1"].mean  # doctest: +SKIP
    """

    def __init__(
        self,
        width: int,
        height: int,
        *,
        models: Sequence[str] = ("vmaf_v0.6.1",),
        fps: float = 24.0,
        threads: int | None = None,
    ) -> None:
        self.models = _check_models(models)
        if min(width, height) < MIN_SIDE:
            raise LabError(f"VMAF needs frames of at least {MIN_SIDE}x{MIN_SIDE} px, got {width}x{height}")
        exe = check_available()
        self.shape = (int(height), int(width), 3)
        self._tmp = tempfile.TemporaryDirectory(prefix="lab-vmaf-")
        self._log = Path(self._tmp.name) / "vmaf.json"
        read_fd, write_fd = (
            os.pipe()
        )  # the candidate goes through this pipe (pipe:N), the reference through stdin
        raw = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", f"{fps:g}"]
        args = [
            exe,
            "-hide_banner",
            "-loglevel",
            "error",
            *raw,
            "-i",
            "pipe:0",
            *raw,
            "-i",
            f"pipe:{read_fd}",
            "-lavfi",
            _graph(self.models, self._log, _thread_count(threads), convert=True),
            "-f",
            "null",
            "-",
        ]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(read_fd,)
        )
        os.close(read_fd)
        assert self._proc.stdin is not None
        self._errors: list[BaseException] = []
        self._queues: list[queue.Queue[np.ndarray | None]] = [queue.Queue(maxsize=2), queue.Queue(maxsize=2)]
        sinks = [self._proc.stdin, os.fdopen(write_fd, "wb")]
        self._threads = [
            threading.Thread(target=self._feed, args=(q, sink), daemon=True)
            for q, sink in zip(self._queues, sinks)
        ]
        for thread in self._threads:
            thread.start()
        self.results: dict[str, VmafResult] = {}

    def _feed(self, frames: queue.Queue[np.ndarray | None], sink: Any) -> None:
        try:
            while (frame := frames.get()) is not None:
                sink.write(frame.tobytes())
        except BrokenPipeError:  # ffmpeg stopped; close() reports why
            while frames.get() is not None:
                pass
        except BaseException as err:
            self._errors.append(err)
        finally:
            try:
                sink.close()
            except OSError:
                pass

    def add(self, reference: np.ndarray, candidate: np.ndarray) -> None:
        """Queue one frame of each clip (uint8 RGB, the size given)."""
        for q, frame, name in zip(self._queues, (reference, candidate), ("reference", "candidate")):
            frame = np.ascontiguousarray(frame)
            if frame.shape != self.shape or frame.dtype != np.uint8:
                raise LabError(f"{name} frame is {frame.dtype} {frame.shape}; VMAF needs uint8 {self.shape}")
            q.put(frame)

    def close(self) -> dict[str, VmafResult]:
        """Finish: wait for ffmpeg and return ``{model: VmafResult}``."""
        for q in self._queues:
            q.put(None)
        assert self._proc.stderr is not None
        stderr = self._proc.stderr.read().decode(errors="replace")
        self._proc.stderr.close()
        self._proc.wait()
        for thread in self._threads:
            thread.join()
        try:
            if self._errors:
                raise self._errors[0]
            if self._proc.returncode != 0 or not self._log.is_file():
                last = (
                    stderr.strip().splitlines()[-1]
                    if stderr.strip()
                    else f"exit status {self._proc.returncode}"
                )
                raise LabError(f"ffmpeg's libvmaf failed: {last}")
            self.results = _parse_log(self._log, self.models)
            return self.results
        finally:
            self._tmp.cleanup()

    def abort(self) -> None:
        """Stop ffmpeg without a result (the caller failed)."""
        self._proc.kill()
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        for q in self._queues:
            while True:
                try:
                    q.get_nowait()
                except queue.Empty:
                    break
            q.put(None)
        self._proc.wait()
        for thread in self._threads:
            thread.join()
        self._tmp.cleanup()

    def __enter__(self) -> VmafStream:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def vmaf_scores(
    reference: Any,
    candidate: Any,
    *,
    models: Sequence[str] = ("vmaf_v0.6.1", "vmaf_v0.6.1neg"),
    threads: int | None = None,
    fps: float = 24.0,
    frames: int | None = None,
) -> dict[str, VmafResult]:
    """VMAF of ``candidate`` against ``reference`` under each of ``models``, in one ffmpeg pass.

    ``reference`` and ``candidate`` are Clips, lists of frames, (N, H, W, 3) arrays (streamed to
    ffmpeg as RGB through pipes, converted to YUV 4:4:4 there, never held whole) or two video
    files (read by ffmpeg itself, in their own YUV: give files when you have them, since a
    decode to RGB and back moves small clips' scores by a few points). Both must have the same
    size and frame count. ``models`` are names from :data:`MODELS`. ``frames`` (files only)
    scores just the first that many frames. Raises :class:`LabError` when ffmpeg has no libvmaf.
    """
    models = _check_models(models)
    if _is_path(reference) != _is_path(candidate):
        raise LabError("give both clips as video files, or both as frames/Clips")
    if _is_path(reference):
        return _vmaf_files(Path(reference), Path(candidate), models, threads, frames)
    if frames is not None:
        raise LabError(
            "frames= limits video files only; for frames or Clips pass the frames to score (clip.head(n))"
        )
    check_clips(reference, candidate, names=("reference", "candidate"), min_frames=1)
    shape = clip_shape(reference, name="reference")
    if clip_shape(candidate, name="candidate") != shape:
        raise LabError(
            f"reference frames are {shape} but candidate frames are {clip_shape(candidate, name='candidate')}; "
            "VMAF compares frames of one size (upscale the candidate first)"
        )
    stream = VmafStream(shape[1], shape[0], models=models, fps=fps, threads=threads)
    with stream:
        for ref, cand in zip(
            iter_frames(reference, name="reference"), iter_frames(candidate, name="candidate")
        ):
            stream.add(to_uint8(ref), to_uint8(cand))
    return stream.results


def vmaf(
    reference: Any,
    candidate: Any,
    *,
    model: str = "vmaf_v0.6.1",
    threads: int | None = None,
    fps: float = 24.0,
) -> VmafResult:
    """VMAF of ``candidate`` against ``reference``, per frame and pooled, by the official libvmaf.

    One model (one of :data:`MODELS`) of :func:`vmaf_scores`, which says what the inputs may be.

    >>> still = [np.full((64, 64, 3), 120, np.uint8)] * 2
    >>> vmaf(still, still).mean > 95  # doctest: +SKIP
    True
    """
    return vmaf_scores(reference, candidate, models=(model,), threads=threads, fps=fps)[model]


def _thread_count(threads: int | None) -> int:
    return threads or max(1, min(os.cpu_count() or 1, 8))


def _vmaf_files(
    reference: Path, candidate: Path, models: Sequence[str], threads: int | None, frames: int | None = None
) -> dict[str, VmafResult]:
    exe = check_available()
    for name, path in (("reference", reference), ("candidate", candidate)):
        if not path.is_file():
            raise LabError(f"the {name} video {path} does not exist")
    with tempfile.TemporaryDirectory(prefix="lab-vmaf-") as tmp:
        log = Path(tmp) / "vmaf.json"
        done = subprocess.run(
            [
                exe,
                "-hide_banner",
                "-loglevel",
                "error",
                "-i",
                str(reference),
                "-i",
                str(candidate),
                "-lavfi",
                _graph(models, log, _thread_count(threads), convert=False, frames=frames),
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not log.is_file():
            last = (
                done.stderr.strip().splitlines()[-1]
                if done.stderr.strip()
                else f"exit status {done.returncode}"
            )
            raise LabError(f"ffmpeg's libvmaf failed on {reference.name} and {candidate.name}: {last}")
        return _parse_log(log, models)


__all__ = ["MODELS", "VmafResult", "VmafStream", "check_available", "ffmpeg_exe", "vmaf", "vmaf_scores"]
