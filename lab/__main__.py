"""Command-line interface: ``python -m lab {scenes,methods,resolutions,compare,report,render,lessons,inspect}``.

Examples::

    python -m lab lessons                # copy the lessons to ./native4k-lessons and open JupyterLab there
    python -m lab scenes
    python -m lab methods
    python -m lab compare --scene skin --resolution 4k --from 540p --method bicubic --frames 24 --out DIR
    python -m lab inspect my_clip.mp4 --json

Bad input prints one clear message on stderr and exits with status 2 (argparse's convention
for usage errors) without writing anything.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lab import __version__
from lab.errors import LabError, LabTypeError

if TYPE_CHECKING:
    from pathlib import Path

    from lab.compare_settings import CompareSettings

EXIT_OK = 0
EXIT_USAGE = 2


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""


def scene_descriptions() -> list[tuple[str, str]]:
    """(name, one-line description) of every built-in scene.

    >>> "skin" in dict(scene_descriptions())
    True
    """
    from lab import scenes

    table = scenes.describe() if callable(getattr(scenes, "describe", None)) else {}
    described = []
    for name in scenes.names():
        text = table.get(name, "") if isinstance(table, dict) else ""
        if not text:
            scene = scenes.get(name)
            text = getattr(scene, "description", "") or _first_line(type(scene).__doc__)
        described.append((name, _first_line(text)))
    return described


def _cmd_scenes(args: argparse.Namespace) -> int:
    rows = scene_descriptions()
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name.ljust(width)}  {text}".rstrip())
    return EXIT_OK


def _cmd_methods(args: argparse.Namespace) -> int:
    from lab import upscale

    names = upscale.methods()
    width = max(len(n) for n in names)
    for name in names:
        item = upscale.get(name)
        scales = f" [x{', x'.join(map(str, item.scales))} only]" if item.scales else ""
        extra = " (stochastic: depends on --seed)" if item.stochastic else ""
        print(f"{name.ljust(width)}  {item.kind:<10}  {item.description}{scales}{extra}")
    return EXIT_OK


def _cmd_resolutions(args: argparse.Namespace) -> int:
    from lab.resolution import TIERS, Resolution

    for name, (w, h) in TIERS.items():
        res = Resolution(w, h)
        print(
            f"{name:<6} {w:>5}x{h:<5} {res.megapixels:6.2f} MP  {res.frame_bytes() / 2**20:7.1f} MiB/frame (uint8 RGB)"
        )
    print("also: any WIDTHxHEIGHT (e.g. 320x180) and HEIGHTp for 16:9 (e.g. 270p = 480x270)")
    return EXIT_OK


def _terminated(signum: int, frame: object) -> None:
    from lab import files

    files.STOP.set()  # checked by the run too, in case this exception is swallowed somewhere
    raise KeyboardInterrupt(f"signal {signum}")


def _cmd_compare(args: argparse.Namespace) -> int:
    from lab import compare, files

    files.check_output_dir(args.out)
    settings = compare.CompareSettings.make(
        scene=args.scene,
        resolution=args.resolution,
        source=args.source,
        method=args.method,
        frames=args.frames,
        fps=args.fps,
        motion=args.motion,
        seed=args.seed,
        crop=args.crop,
        zoom=args.zoom,
        video=not args.no_video,
        region=args.region,
        source_detail=args.source_detail,
    )
    print(
        f"{settings.scene}: native {settings.resolution} vs {settings.method} from {settings.source}"
        f" ({settings.source_detail} source) "
        f"(x{settings.factor:g}), {settings.frames} frames at {settings.fps:g} fps, motion {settings.motion}",
        file=sys.stderr,
    )
    # SIGTERM (a closed terminal, a job scheduler) unwinds like Ctrl+C, so the staging folder is removed
    previous = signal.signal(signal.SIGTERM, _terminated)
    files.STOP.clear()
    try:
        result = compare.run(settings, args.out, show_progress=not args.quiet)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(result.table())
    print(f"\nwrote {len(result.files)} files to {result.out} in {result.seconds:.1f} s:", file=sys.stderr)
    for path in sorted(result.files.values()):
        print(f"  {path}", file=sys.stderr)
    _print_motion_hint(settings, result.files)
    return EXIT_OK


def _print_motion_hint(settings: CompareSettings, written: dict[str, Path]) -> None:
    """Say the camera's translation, and the `lab report` call that measures flicker along it exactly."""
    from lab import compare

    motion = compare.global_motion(settings)
    if motion is None:
        return
    dx, dy = motion
    line = f"the camera moves one translation, (dx, dy) = ({dx:g}, {dy:g}) px per frame"
    if "native_mp4" in written and "upscaled_mp4" in written:
        line += (
            f"; `python -m lab report {written['native_mp4']} {written['upscaled_mp4']} --flow={dx:g},{dy:g}`"
            " measures flicker along it exactly"
        )
    print(line, file=sys.stderr)


def _cmd_report(args: argparse.Namespace) -> int:
    import warnings

    from lab import clip_report, tables

    with warnings.catch_warnings():  # e.g. a file cut short: one line, not a Python warning with its source
        warnings.showwarning = _one_line_warning
        warnings.simplefilter("always", UserWarning)
        result = clip_report.run(
            args.native,
            args.candidate,
            flow=args.flow,
            frames=args.frames,
            out=args.out,
            show_progress=not args.quiet,
        )
    print(tables.report_table(result.report))
    print(f"\nwrote {len(result.files)} files to {result.out}:", file=sys.stderr)
    for path in sorted(result.files.values()):
        print(f"  {path}", file=sys.stderr)
    return EXIT_OK


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: object, **kwargs: object
) -> None:
    """Show a warning as one line on stderr: ``python -m lab: warning: ...`` (no source path)."""
    print(f"python -m lab: warning: {message}", file=sys.stderr)


def _flow_values_joined(argv: list[str]) -> list[str]:
    """``--flow -2,0`` as ``--flow=-2,0``: argparse reads a value that starts with '-' as an option.

    >>> _flow_values_joined(["report", "a.mp4", "b.mp4", "--flow", "-2,0.5"])
    ['report', 'a.mp4', 'b.mp4', '--flow=-2,0.5']
    """
    import re

    pan = re.compile(r"^-\d*\.?\d+\s*,\s*-?\d*\.?\d+$")
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--flow" and i + 1 < len(argv) and pan.match(argv[i + 1]):
            out.append(f"--flow={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def _cmd_render(args: argparse.Namespace) -> int:
    from lab import render_set

    # SIGTERM unwinds like Ctrl+C: no segments left behind
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        written = render_set.render_set(
            args.scene,
            args.method,
            args.resolution,
            args.source,
            args.frames,
            args.out,
            fps=args.fps,
            seed=args.seed,
            crf=args.crf,
            motion=args.motion,
            segment_frames=args.segment_frames,
            scheduler=args.scheduler,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    where = f" on the cluster at {args.scheduler}" if args.scheduler else ""
    print(
        f"wrote {len(written)} clips{where} to {args.out} (each with its _flow.npz; render_set.json lists the segments):"
    )
    for path in written:
        print(f"  {path}")
    return EXIT_OK


def _cmd_lessons(args: argparse.Namespace) -> int:
    from pathlib import Path

    from lab import lesson_copy

    result = lesson_copy.copy_lessons(args.dir, source=args.source, overwrite=args.overwrite)
    print(result.summary(), file=sys.stderr)
    if args.copy_only:
        return EXIT_OK
    command = lesson_copy.jupyter_command(
        no_browser=args.no_browser, allow_root=args.allow_root, port=args.port
    )
    print(f"starting JupyterLab in {Path(args.dir).resolve()} (Ctrl+C stops it)", file=sys.stderr)
    return lesson_copy.start_jupyter(Path(args.dir), command)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``python -m lab``."""
    parser = argparse.ArgumentParser(
        prog="python -m lab",
        description="Native 4K vs upscaling lab: render a scene natively and upscaled, compare pixels and flicker.",
        epilog="Example: python -m lab compare --scene skin --resolution 4k --from 540p --method bicubic --frames 24",
    )
    parser.add_argument("--version", action="version", version=f"native4k-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_listings(sub)
    _add_compare(sub)
    _add_report(sub)
    _add_render(sub)
    _add_lessons(sub)
    _add_inspect(sub)
    return parser


def _add_lessons(sub: Any) -> None:
    """``lessons``: a working copy of the lessons, opened in JupyterLab."""
    from lab import lesson_copy

    p = sub.add_parser(
        "lessons",
        help="copy the lessons into a folder of yours and start JupyterLab there",
        description=(
            "Copy the lesson and exercise notebooks into DIR and start JupyterLab in it, so that running and "
            "saving notebooks never changes the course's own files. A notebook you edited in DIR is kept "
            "(--overwrite replaces it, saving yours as NAME.bak); one you left as it was is updated."
        ),
    )
    p.add_argument(
        "dir", nargs="?", default=lesson_copy.DEFAULT_DIR, help="folder for your copies; default %(default)s"
    )
    p.add_argument("--from", dest="source", default=None, metavar="FOLDER", help="copy these lessons instead")
    p.add_argument(
        "--overwrite", action="store_true", help="replace notebooks you edited (yours kept as .bak)"
    )
    p.add_argument("--copy-only", action="store_true", help="copy, do not start JupyterLab")
    p.add_argument("--no-browser", action="store_true", help="passed to JupyterLab: do not open a browser")
    p.add_argument(
        "--allow-root",
        action="store_true",
        help="passed to JupyterLab, which refuses to run as root without it",
    )
    p.add_argument("--port", type=int, default=None, help="passed to JupyterLab: the port to serve on")
    p.set_defaults(func=_cmd_lessons)


def _add_listings(sub: Any) -> None:
    """``scenes``, ``methods`` and ``resolutions``: what can be chosen."""
    p = sub.add_parser("scenes", help="list the built-in scenes", description="List the built-in scenes.")
    p.set_defaults(func=_cmd_scenes)
    p = sub.add_parser(
        "methods", help="list the upscaling methods", description="List the registered upscalers."
    )
    p.set_defaults(func=_cmd_methods)
    p = sub.add_parser(
        "resolutions",
        help="list the named resolutions",
        description="List the named resolution tiers with their sizes.",
    )
    p.set_defaults(func=_cmd_resolutions)


def _add_compare(sub: Any) -> None:
    """``compare``: its settings (see :class:`lab.compare_settings.CompareSettings`)."""
    p = sub.add_parser(
        "compare",
        help="render native and upscaled versions and write frames, crops, videos and a table",
        description=(
            "Render SCENE natively at --resolution and at --from upscaled with --method; write full "
            "frames, matched nearest-neighbour zoom crops, a labelled side-by-side PNG, an mp4 of "
            "each and a detail/flicker table (details.csv, also printed) into --out."
        ),
    )
    _add_clip_arguments(p)
    _add_crop_arguments(p)
    p.add_argument(
        "--out",
        default="compare-out",
        help="output folder (created; files in it are replaced); default %(default)s",
    )
    p.add_argument("--no-video", action="store_true", help="skip the mp4 files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_compare)


def _add_clip_arguments(p: argparse.ArgumentParser) -> None:
    """What ``compare`` renders: scene, sizes, upscaler, length, motion and seed."""
    from lab import compare

    p.add_argument(
        "--scene",
        default=compare.DEFAULT_SCENE,
        help="scene name (see `python -m lab scenes`); default %(default)s",
    )
    p.add_argument(
        "--resolution",
        default=compare.DEFAULT_RESOLUTION,
        help="native target size: 4k, 1080p, 540p, 3840x2160...; default %(default)s",
    )
    p.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="RESOLUTION",
        help="low resolution that gets upscaled; default: the target divided by 4 (270p for 1080p)",
    )
    p.add_argument(
        "--method", default="bicubic", help="upscaler (see `python -m lab methods`); default %(default)s"
    )
    p.add_argument("--frames", type=int, default=24, help="clip length in frames; default %(default)s")
    p.add_argument("--fps", type=float, default=24.0, help="frames per second; default %(default)s")
    p.add_argument(
        "--motion", default="pan", help=f"camera motion: {', '.join(compare.MOTIONS)}; default %(default)s"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="scene (and stochastic upscaler) seed; default %(default)s"
    )


def _add_crop_arguments(p: argparse.ArgumentParser) -> None:
    """Where ``compare`` cuts its zoom crops, and how the low-res frame is made."""
    from lab import compare
    from lab import native as native_models

    p.add_argument(
        "--crop", type=int, default=128, help="side of the zoom crop in target pixels; default %(default)s"
    )
    p.add_argument(
        "--zoom", type=int, default=4, help="nearest-neighbour enlargement of the crops; default %(default)s"
    )
    p.add_argument(
        "--region",
        default="detail",
        choices=compare.REGIONS,
        help="where to cut the zoom crops: the most detailed native region, or the centre; default %(default)s",
    )
    p.add_argument(
        "--source-detail",
        default=native_models.DEFAULT_SOURCE_MODEL,
        help="how the low-res frame is made: "
        + "; ".join(f"{k}: {v}" for k, v in native_models.SOURCE_MODELS.items())
        + "; default %(default)s",
    )


def _add_report(sub: Any) -> None:
    """``report``: any two clips, measured by :func:`lab.metrics.report`."""
    p = sub.add_parser(
        "report",
        help="measure detail and flicker of a candidate video against a native one (any two mp4s)",
        description=(
            "Measure CANDIDATE (e.g. an upscaled or AI-generated clip) against NATIVE, a clip of the same size "
            "and length: PSNR/SSIM, VMAF (standard and NEG models), detail, flicker (warp error along the motion) "
            "and flicker heat maps. Prints the table; writes report.csv, report.png and flicker_heatmaps.png into --out."
        ),
    )
    p.add_argument("native", help="the reference video (mp4 or anything ffmpeg reads)")
    p.add_argument("candidate", help="the video to measure, same width, height and frame count")
    p.add_argument(
        "--flow",
        default="dis",
        help="motion between frames: dis (estimated on NATIVE), none (no "
        "compensation: a tripod shot), or DX,DY in px/frame for a known camera "
        "pan (a negative one as --flow -2,0 or --flow=-2,0); default %(default)s",
    )
    p.add_argument("--frames", type=int, default=None, help="use only the first N frames of each clip")
    p.add_argument("--out", default="report-out", help="output folder; default %(default)s")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_report)


def _add_render(sub: Any) -> None:
    """``render``: a clip set in segments, here or on a Dask cluster."""
    from lab import compare

    p = sub.add_parser(
        "render",
        help="render a clip set (scenes natively and upscaled by methods) in segments, here or on a Dask cluster",
        description=(
            "Render every SCENE natively at --resolution and from --from upscaled by every --method, cut into "
            "segments of --segment-frames frames (one task each; on a Dask cluster with --scheduler), joined without "
            "re-encoding. Writes <scene>_<arm>.mp4 and <scene>_<arm>_flow.npz per clip into --out."
        ),
        epilog="Example: python -m lab render --scene skin fabric --resolution 4k --from 540p --method bicubic "
        "--frames 240 --out clips/ --scheduler tcp://10.0.0.5:8786",
    )
    p.add_argument("--scene", nargs="+", required=True, help="scene names (see `python -m lab scenes`)")
    p.add_argument("--resolution", default="4k", help="target resolution; default %(default)s")
    p.add_argument(
        "--from",
        dest="source",
        default="540p",
        metavar="RESOLUTION",
        help="resolution the upscaled arms start from; default %(default)s",
    )
    p.add_argument("--method", nargs="+", default=["bicubic"], help="upscalers (see `python -m lab methods`)")
    p.add_argument("--frames", type=int, default=24, help="frames per clip; default %(default)s")
    p.add_argument("--fps", type=float, default=24.0, help="frames per second; default %(default)s")
    p.add_argument(
        "--seed", type=int, default=0, help="scene (and stochastic upscaler) seed; default %(default)s"
    )
    p.add_argument(
        "--motion", default="pan", help=f"camera motion: {', '.join(compare.MOTIONS)}; default %(default)s"
    )
    p.add_argument(
        "--crf", type=int, default=18, help="x264 quality, 0 (lossless) .. 51; default %(default)s"
    )
    p.add_argument("--segment-frames", type=int, default=24, help="frames per task; default %(default)s")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="render on a Dask cluster: the scheduler's address, e.g. tcp://10.0.0.5:8786 (needs [cluster])",
    )
    p.add_argument("--out", default="render-out", help="output folder; default %(default)s")
    p.set_defaults(func=_cmd_render)


def _cmd_inspect(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from lab import files
    from lab.inspect import inspect_clip

    if args.out:
        files.check_output_dir(args.out)
    result = inspect_clip(
        args.clip,
        frames=args.frames,
        flicker=not args.no_flicker,
        show_progress=not (args.quiet or args.json),
    )
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        fig = result.plot()
        with files.atomic_path(out / "inspect.png") as tmp:
            fig.savefig(tmp, dpi=120, format="png")
        plt.close(fig)
        with files.atomic_path(out / "inspect.json") as tmp:
            Path(tmp).write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(result.summary())
        if args.out:
            print(f"wrote {Path(args.out) / 'inspect.png'} (error curve and spectrum) and inspect.json")
    return EXIT_OK


def _add_inspect(sub: Any) -> None:
    """``inspect``: native or upscaled, from what height, how flickery: from the clip alone."""
    p = sub.add_parser(
        "inspect",
        help="is this clip native or upscaled (and from what height)? flicker and detail, no reference needed",
        description=(
            "Inspect CLIP (an mp4 or a folder of frames) without a reference: a least-squares descale search "
            "over kernels and source heights, the luma spectrum, detail and DIS-flow flicker."
        ),
        epilog="Example: python -m lab inspect my_clip.mp4 --out inspect-out",
    )
    p.add_argument("clip", help="an mp4 (any video ffmpeg reads) or a folder of frames")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    p.add_argument("--out", help="folder for inspect.png (error curve and spectrum) and inspect.json")
    p.add_argument(
        "--frames", type=int, default=4, help="frames sampled for the descale search; default %(default)s"
    )
    p.add_argument("--no-flicker", action="store_true", help="skip the flicker measurement")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_inspect)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: the process arguments); returns the exit status.

    >>> main(["resolutions"])  # doctest: +ELLIPSIS
    540p     960x540 ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(_flow_values_joined(list(sys.argv[1:] if argv is None else argv)))
    try:
        return int(args.func(args))
    except (LabError, LabTypeError) as err:
        print(f"{parser.prog} {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{parser.prog} {args.command}: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
