"""Render a clip set (every scene natively and upscaled by every method) in segments, here or on a cluster.

    python -m lab render --scene skin fabric --resolution 4k --from 540p --method bicubic lanczos \\
        --frames 240 --out clips/ [--scheduler tcp://HOST:8786]

A scene is a pure function of position and time, so frames are independent: the set is cut
into segments of ``segment_frames`` frames, and each segment is one task that renders its
frames, encodes them as an H.264 mp4 segment and saves the scene's ground-truth flow for them.
The segments of a clip are then joined without re-encoding (ffmpeg's concat demuxer, stream
copy). Tasks run on this machine one after another, or on a Dask cluster's workers
(:mod:`lab.cluster`); either way the same function encodes the same frames with the same
settings, so the output is identical frame for frame. Each clip gives ``<scene>_<arm>.mp4``
and ``<scene>_<arm>_flow.npz`` (one float32 ``(H, W, 2)`` array per frame, keys ``t00000``,
``t00001``...: the pixels moved from frame t to frame t+1, in target pixels; the last one points
to the frame after the clip, as :class:`lab.video.Clip` flows do).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lab import validate
from lab.errors import LabError
from lab.files import atomic_path
from lab.progress import progress

NATIVE = "native"
SEGMENT_FRAMES = 24
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member dates: the same flows give the same file bytes


@dataclass(frozen=True)
class Segment:
    """Frames ``[start, stop)`` of one clip of the set."""

    scene: str
    arm: str  # "native" or an upscaling method
    target: str
    source: str
    start: int
    stop: int
    fps: float
    seed: int
    crf: int
    motion: str

    @property
    def clip(self) -> str:
        """File stem of the clip this segment belongs to."""
        return f"{self.scene}_{self.arm}"


def plan(
    scenes: list[str],
    methods: list[str],
    target: str,
    source: str,
    frames: int,
    *,
    fps: float = 24.0,
    seed: int = 0,
    crf: int = 18,
    motion: str = "pan",
    segment_frames: int = SEGMENT_FRAMES,
) -> list[Segment]:
    """Every segment of the set: for each scene the native clip, then one clip per method."""
    from lab import scenes as scene_registry
    from lab import upscale
    from lab.resolution import parse
    from lab.video import check_encodable

    for name in scenes:
        scene_registry.get(name, motion=motion)  # unknown scenes and motions fail here, before any work
    for method in methods:
        upscale.get(method)
    check_encodable(target)
    if parse(source).pixels >= parse(target).pixels:
        raise LabError(f"--from {source} must be smaller than --resolution {target}")
    frames = validate.positive_int(frames, "frames")
    segment_frames = validate.positive_int(segment_frames, "segment frames")
    arms = [NATIVE] + [m for m in methods if m != NATIVE]
    return [
        Segment(
            scene,
            arm,
            target,
            source,
            start,
            min(start + segment_frames, frames),
            float(fps),
            seed,
            crf,
            motion,
        )
        for scene in scenes
        for arm in arms
        for start in range(0, frames, segment_frames)
    ]


def render_segment(segment: Segment) -> dict[str, bytes]:
    """Render, encode and save the flow of one segment; returns the files' bytes (a cluster task)."""
    from lab import native, scenes
    from lab.resolution import parse
    from lab.video import Mp4Writer

    scene = scenes.get(segment.scene, seed=segment.seed, motion=segment.motion)
    target = parse(segment.target)
    with tempfile.TemporaryDirectory(prefix="segment-") as tmp:
        path = Path(tmp) / "segment.mp4"
        flows = io.BytesIO()
        with (
            Mp4Writer(path, target, segment.fps, crf=segment.crf) as writer,
            zipfile.ZipFile(flows, "w", zipfile.ZIP_DEFLATED) as npz,
        ):
            for t in range(segment.start, segment.stop):
                seconds = t / segment.fps
                if segment.arm == NATIVE:
                    frame = native.render(scene, target, seconds)
                else:
                    frame = native.render_upscaled(
                        scene, target, segment.source, segment.arm, seconds, seed=segment.seed + t
                    )
                writer.write(frame)
                flow = np.asarray(scene.flow(target, seconds, (t + 1) / segment.fps), dtype=np.float32)
                member = io.BytesIO()
                np.save(member, flow)
                npz.writestr(
                    zipfile.ZipInfo(f"t{t:05d}.npy", date_time=ZIP_DATE),
                    member.getvalue(),
                    compress_type=zipfile.ZIP_DEFLATED,
                )
        return {"mp4": path.read_bytes(), "flow": flows.getvalue()}


def join_segments(parts: list[Path], out: Path) -> Path:
    """Concatenate mp4 segments into ``out`` without re-encoding (ffmpeg concat demuxer, stream copy)."""
    import imageio_ffmpeg

    listing = out.with_name(out.name + ".parts.txt")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in parts), encoding="utf-8")
    try:
        with atomic_path(out) as tmp:
            proc = subprocess.run(
                [
                    imageio_ffmpeg.get_ffmpeg_exe(),
                    "-y",
                    "-loglevel",
                    "error",
                    "-f",
                    "concat",
                    "-safe",
                    "0",
                    "-i",
                    str(listing),
                    "-c",
                    "copy",
                    "-movflags",
                    "+faststart",
                    str(tmp),
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise LabError(
                    f"ffmpeg could not join the segments of {out.name}: {proc.stderr.strip()[-300:]}"
                )
    finally:
        listing.unlink(missing_ok=True)
    return out


def join_flows(parts: list[bytes], out: Path) -> Path:
    """Merge the segments' flow archives into one ``.npz`` (members copied, never all in memory)."""
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as merged:
        for data in parts:
            with zipfile.ZipFile(io.BytesIO(data)) as part:
                for info in part.infolist():
                    merged.writestr(info, part.read(info.filename))
    return out


def _results(segments: list[Segment], client: object) -> Iterator[tuple[Segment, dict[str, bytes]]]:
    if client is None:
        yield from map(_tagged, segments)
        return
    from lab.cluster import run_all

    run = uuid.uuid4().hex[:8]
    keys = [f"render-{run}-{s.clip}-{s.start}" for s in segments]
    yield from run_all(client, _tagged, [(s,) for s in segments], keys=keys)


def _tagged(segment: Segment) -> tuple[Segment, dict[str, bytes]]:
    """A cluster task: the segment travels back with its files, since results arrive in any order."""
    return segment, render_segment(segment)


def render_set(
    scenes: list[str],
    methods: list[str],
    target: str,
    source: str,
    frames: int,
    out: str | Path,
    *,
    fps: float = 24.0,
    seed: int = 0,
    crf: int = 18,
    motion: str = "pan",
    segment_frames: int = SEGMENT_FRAMES,
    scheduler: str | None = None,
) -> list[Path]:
    """Render the clip set into folder ``out``; returns the mp4 paths (see the module docstring)."""
    segments = plan(
        scenes,
        methods,
        target,
        source,
        frames,
        fps=fps,
        seed=seed,
        crf=crf,
        motion=motion,
        segment_frames=segment_frames,
    )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise LabError(f"--out {out} is a file; give a folder")
    client = None
    if scheduler is not None:
        from lab.cluster import connect

        client = connect(scheduler)  # before anything is written: a wrong address leaves no trace
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(
        tempfile.mkdtemp(prefix=f".{out.name}-segments-", dir=out.parent)
    )  # beside --out, removed at the end
    flows: dict[str, dict[int, bytes]] = {}
    try:
        for segment, files in progress(
            _results(segments, client), total=len(segments), desc="rendering segments"
        ):
            (work / f"{segment.clip}-{segment.start:05d}.mp4").write_bytes(files["mp4"])
            flows.setdefault(segment.clip, {})[segment.start] = files["flow"]
        out.mkdir(exist_ok=True)
        written = []
        for clip in dict.fromkeys(s.clip for s in segments):
            starts = sorted(flows[clip])
            written.append(join_segments([work / f"{clip}-{s:05d}.mp4" for s in starts], out / f"{clip}.mp4"))
            join_flows([flows[clip][s] for s in starts], out / f"{clip}_flow.npz")
        manifest = {"segments": [asdict(s) for s in segments], "clips": [p.name for p in written]}
        (out / "render_set.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if client is not None:
            client.close()
