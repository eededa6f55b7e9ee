"""Plant known bugs in a copy of the course and check that the tests catch each one.

Every mutation below is a bug the test suite once let through, or one a test exists to catch.
For each, the script copies the repository to a temporary folder, applies the one-line change,
runs the tests named for it there, and expects them to FAIL. A mutation whose tests pass is a
hole in the suite: the script lists it and exits with status 1.

    python tools/mutations.py            # all mutations (about two minutes on 2 cores)
    python tools/mutations.py --list     # what is planted, and which tests should notice
    python tools/mutations.py luma-gb    # only the named ones
    python tools/mutations.py --check    # only check each bug can still be planted (no tests run)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``path``; ``tests`` must then fail."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str


MUTATIONS = [
    Mutation(
        "exact-warp-off",
        "lab/metrics/temporal.py",
        'shift = self.source.motion if self.warp in ("auto", "exact") else None',
        "shift = None",
        ("tests/test_metrics_exact_warp.py", "-k", "reference or steadier"),
        "translations remapped bicubically instead of the exact FFT shift",
    ),
    Mutation(
        "exact-margin",
        "lab/metrics/flow.py",
        "EXACT_MARGIN = 16",
        "EXACT_MARGIN = 0",
        ("tests/test_metrics_exact_warp.py", "-k", "reference"),
        "the exact shift's border pixels counted",
    ),
    Mutation(
        "motion-ratio",
        "lab/metrics/temporal.py",
        "MOTION_RATIO = 3.0",
        "MOTION_RATIO = 30.0",
        ("tests/test_metrics_reliability.py", "-k", "wrong_given or boundaries"),
        "a given motion doubted only when DIS explains far more (wrong motions pass)",
    ),
    Mutation(
        "motion-check-sampler",
        "lab/metrics/temporal.py",
        "MOTION_CHECK_PAIRS = 3",
        "MOTION_CHECK_PAIRS = 1",
        ("tests/test_metrics_reliability.py", "-k", "first_middle"),
        "the quick DIS check looks at one pair",
    ),
    Mutation(
        "floor-share",
        "lab/metrics/temporal.py",
        "FLOOR_SHARE = 0.5\n",
        "FLOOR_SHARE = 0.9\n",
        ("tests/test_metrics_reliability.py", "-k", "floor"),
        "a reading within the warp's own error passed as flicker",
    ),
    Mutation(
        "peak-ratio",
        "lab/metrics/flow.py",
        "PEAK_RATIO = 10.0",
        "PEAK_RATIO = 0.0",
        ("tests/test_metrics_reliability.py", "-k", "out_of_focus or thresholds"),
        "the periodic check counts smooth spectra as peaks (false alarm on bokeh)",
    ),
    Mutation(
        "periodic-limit",
        "lab/metrics/flow.py",
        "PERIODIC_SHARE = 0.6",
        "PERIODIC_SHARE = 0.9",
        ("tests/test_metrics_reliability.py", "-k", "periodic"),
        "DIS on a small aliasing patch trusted",
    ),
    Mutation(
        "report-sampler",
        "lab/metrics/reporting.py",
        "self.indices = {round(float(v)) for v in np.linspace(0, total - 1, count)}",
        "self.indices = {int(v) for v in np.linspace(0, total - 1, count)}",
        ("tests/test_metrics_report.py", "-k", "sample"),
        "the report's evenly spaced frames truncated instead of rounded",
    ),
    Mutation(
        "yuv-planes",
        "lab/video.py",
        "frame.reshape(3, height, width).transpose(1, 2, 0)",
        "frame.reshape(height, width, 3)",
        ("tests/test_video.py", "-k", "yuv"),
        "planar Y, U, V read as interleaved",
    ),
    Mutation(
        "ssim-k2",
        "lab/metrics/spatial.py",
        "c2 = np.float32((0.03 * data_range) ** 2)",
        "c2 = np.float32((0.0301 * data_range) ** 2)",
        ("tests/test_metrics_spatial.py", "-k", "scikit"),
        "SSIM's K2 off by 0.3 %",
    ),
    Mutation(
        "luma-gb",
        "lab/metrics/_common.py",
        "[65.481, 128.553, 24.966]",
        "[65.481, 24.966, 128.553]",
        ("tests/test_metrics_spatial.py",),
        "G and B luma weights swapped",
    ),
    Mutation(
        "lesson-copy-overwrites-edits",
        "lab/lesson_copy.py",
        "        elif overwrite:\n",
        "        elif True:\n",
        ("tests/test_cli.py", "-k", "lessons_command"),
        "python -m lab lessons replaces a notebook the student edited without being asked",
    ),
    Mutation(
        "meter-steps-unwatched",
        "lab/widgets.py",
        "        with on_steps(pace.inner):  # steps inside one frame",
        "        with on_steps(lambda *step: None):  # steps inside one frame",
        ("tests/test_widgets.py", "-k", "progress_inside or cancel_stops_inside"),
        "the flicker meter shows no progress inside a diffusion frame and Cancel waits for the frame",
    ),
    Mutation(
        "loupe-stays-on-old-scene",
        "lab/widgets.py",
        "            moved = scene != self._scene",
        "            moved = self._scene is None",
        ("tests/test_widgets.py", "-k", "loupe_follows_a_new_scene"),
        "the loupe keeps its old position on a new scene (a plain wall on the sign)",
    ),
    Mutation(
        "compare-bills-camera",
        "lab/compare.py",
        "            bill.camera += own_render\n",
        "            bill.camera += own_render\n            bill.upscaled += own_render\n",
        ("tests/test_cli.py", "-k", "bills"),
        "compare charges the upscaled arm for the camera source's 4x4 supersampled render",
    ),
    Mutation(
        "warp-y-sign",
        "lab/metrics/flow.py",
        "map_y = flow[..., 1] + ys",
        "map_y = ys - flow[..., 1]",
        ("tests/test_metrics_temporal.py",),
        "the warp's y displacement flipped",
    ),
    Mutation(
        "report-arms",
        "lab/metrics/reporting.py",
        'cur = {"native": nat, "candidate": cand}',
        'cur = {"native": cand, "candidate": nat}',
        ("tests/test_metrics_report.py",),
        "the report's arms swapped",
    ),
    Mutation(
        "confidence-unmasked",
        "lab/metrics/temporal.py",
        "                residual = masked_mean(d2, valid) if shift is not None else float(d2.mean(dtype=np.float64))\n",
        "                residual = masked_mean(d2, valid)\n",
        ("tests/test_metrics_temporal.py",),
        "flow confidence computed on unmasked pixels only",
    ),
    Mutation(
        "no-periodic-check",
        "lab/metrics/temporal.py",
        "if periodic > PERIODIC_SHARE:",
        "if False:",
        ("tests/test_metrics_temporal.py",),
        "DIS on periodic or aliased patterns called reliable",
    ),
    Mutation(
        "given-motion-unchecked",
        "lab/metrics/temporal.py",
        '    if worse_than_still and kind != "truth":\n',
        "    if False:\n",
        ("tests/test_metrics_temporal.py", "tests/test_metrics_report.py"),
        "a given motion worse than none trusted",
    ),
    Mutation(
        "realesrgan-no-prepad",
        "lab/models/realesrgan.py",
        "PREPADDING = 10",
        "PREPADDING = 0",
        ("tests/test_realesrgan_reference.py", "-k", "x4 and whole"),
        "Real-ESRGAN frame borders without the reference's mirror padding",
    ),
    Mutation(
        "diffusion-sr-residual-x2",
        "lab/models/diffusion_sr.py",
        "residual = x[..., :h, :w] / model.residual_scale\n",
        "residual = x[..., :h, :w] / model.residual_scale * 2\n",
        ("tests/test_diffusion_sr.py", "-k", "far_better"),
        "the diffusion upscaler adds twice its residual",
    ),
    Mutation(
        "character-hard-edges",
        "lab/scenes/character.py",
        "        return (0.5 - d / self.footprint).clamp(0.0, 1.0)",
        "        return (d < 0).float()",
        ("tests/test_native.py", "-k", "supersampled"),
        "the character's edges drawn without anti-aliasing",
    ),
    Mutation(
        "fbm-no-octave-fade",
        "lab/scenes/fields.py",
        "weights = np.array([octave_fade(spacing / 2**k * px_per_unit) for k in range(n_oct)])",
        "weights = np.ones(n_oct)",
        ("tests/test_scenes.py", "tests/test_native.py"),
        "noise octaves above the Nyquist limit kept (aliasing)",
    ),
    Mutation(
        "learned-sr-half-residual",
        "lab/models/learned_sr.py",
        "return base + self.shuffle(self.body(x))",
        "return base + 0.5 * self.shuffle(self.body(x))",
        ("tests/test_learned_sr.py", "-k", "per_scene"),
        "the learned upscaler adds half its residual",
    ),
    Mutation(
        "mtf-no-edge-check",
        "lab/metrics/edges.py",
        "    if step <= spread:",
        "    if False:",
        ("tests/test_metrics_texture.py",),
        "mtf50 of noise returns a number",
    ),
    Mutation(
        "ssim-unbounded-sigma",
        "lab/metrics/spatial.py",
        "    if 2 * int(3.5 * sigma + 0.5) + 1 > side:",
        "    if False:",
        ("tests/test_metrics_spatial.py", "-k", "wider"),
        "ssim blurs with a window wider than the image",
    ),
    Mutation(
        "memory-ignores-ulimit",
        "lab/memory.py",
        "return min(_system_available(), _address_space_room(), _cgroup_room())",
        "return min(_system_available(), _cgroup_room())",
        ("tests/test_resolution.py",),
        "the memory guard ignores ulimit -v",
    ),
    Mutation(
        "private-outputs",
        "lab/files.py",
        '        os.fchmod(fd, default_mode("file"))',
        "        pass",
        ("tests/test_video.py", "-k", "permissions"),
        "outputs left 0600",
    ),
    Mutation(
        "staging-left-on-sigterm",
        "lab/__main__.py",
        "is removed\n    previous = signal.signal(signal.SIGTERM, _terminated)",
        "is removed\n    previous = signal.getsignal(signal.SIGTERM)",
        ("tests/test_cli.py", "-k", "sigterm"),
        "SIGTERM leaves the staging folder",
    ),
    Mutation(
        "stale-staging-kept",
        "lab/files.py",
        "            remove_stale_staging(self.out)\n",
        "            pass\n",
        ("tests/test_cli.py", "-k", "dead_runs"),
        "staging folders of killed runs kept",
    ),
    Mutation(
        "colab-ignores-wheel",
        "lab/colab_setup.py",
        "    if wheels:\n",
        "    if False:\n",
        ("tests/test_packaging.py", "-k", "setup_cell"),
        "the Colab cell ignores an uploaded wheel",
    ),
    Mutation(
        "weights-not-shipped",
        "pyproject.toml",
        '"lab.assets" = ["models/*.safetensors", "models/*.md", "models/*.png"]\n',
        "",
        ("tests/test_packaging.py", "-k", "carries"),
        "the wheel leaves the trained weights out",
    ),
    Mutation(
        "soft-default-source",
        "lab/native.py",
        'DEFAULT_SOURCE_MODEL = "camera"',
        'DEFAULT_SOURCE_MODEL = "soft"',
        ("tests/test_source_models.py", "-k", "skin or default_is"),
        "the upscaled arm's small frame blurrier than a camera again",
    ),
    Mutation(
        "camera-undersampled",
        "lab/native.py",
        "CAMERA_SUPERSAMPLE = 4",
        "CAMERA_SUPERSAMPLE = 2",
        ("tests/test_source_models.py", "-k", "smoke"),
        "the camera averages too few samples per pixel",
    ),
    Mutation(
        "flicker-levels-no-sqrt",
        "lab/metrics/temporal.py",
        "        return mse_to_levels(self.mean)\n",
        "        return 255.0 * self.mean\n",
        ("tests/test_metrics_temporal.py", "-k", "grey_levels"),
        "flicker shown as MSE scaled to 255 instead of RMS grey levels",
    ),
    Mutation(
        "timing-no-warmup",
        "lab/cost.py",
        "    for _ in range(warmup):\n",
        "    for _ in range(0):\n",
        ("tests/test_cost.py", "-k", "time_calls"),
        "timing fits without a warm-up call",
    ),
    Mutation(
        "loupe-opens-at-centre",
        "lab/widgets.py",
        'if name.startswith("biggest error")),',
        'if name.startswith("centre")),',
        ("tests/test_widgets.py", "-k", "opens_where"),
        "the loupe opens where native and upscaled look the same",
    ),
    Mutation(
        "plain-data-trusts-subclasses",
        "lab/grading/plain_data.py",
        "    if type(value) is int:\n",
        "    if isinstance(value, int):\n",
        ("tests/test_grading.py", "-k", "plain_data"),
        "an int subclass with a forged __eq__ leaves the sandbox as a number",
    ),
    Mutation(
        "zero-d-export-made-1-d",
        "lab/grading/plain_data.py",
        'np.require(value, requirements="C")',
        "np.ascontiguousarray(value)",
        ("tests/test_grading_total.py", "-k", "zero_dimensional"),
        "an honest 0-d array answer leaves the sandbox with shape (1,) and loses its point",
    ),
    Mutation(
        "check-before-shape",
        "lab/grading/hidden_tests.py",
        "        problem = shape_problem(values[name], shape)\n",
        "        problem = None\n",
        ("tests/test_grading_total.py", "-k", "empty_answers"),
        "an empty answer reaches np.allclose / all() and passes them",
    ),
    Mutation(
        "stale-grade-after-new-limits",
        "lab/grading/grade.py",
        '        "timeout": settings.timeout,\n',
        "",
        ("tests/test_grading_total.py", "-k", "grading_key"),
        "a rerun with a longer --timeout keeps the old timeout grade",
    ),
    Mutation(
        "ctrl-c-drops-finished-grades",
        "lab/grading/grade.py",
        "                record(future.result())\n",
        "                pass\n",
        ("tests/test_grading_total.py", "-k", "ctrl_c"),
        "grades finished just before a Ctrl-C are lost",
    ),
    Mutation(
        "segments-joined-out-of-order",
        "lab/render_set.py",
        "            starts = sorted(flows[clip])\n",
        "            starts = sorted(flows[clip], reverse=True)\n",
        ("tests/test_cluster.py", "-k", "join_into"),
        "render segments joined in the wrong order",
    ),
    Mutation(
        "python-cap-below-colab",
        "pyproject.toml",
        'requires-python = ">=3.11,!=3.12.*,<3.14"',
        'requires-python = ">=3.11,<3.13"',
        ("tests/test_packaging.py", "-k", "requires_python"),
        "requires-python refuses Colab's Python 3.13 (the set-up cell fails on its first line)",
    ),
    Mutation(
        "python-untested-admitted",
        "pyproject.toml",
        'requires-python = ">=3.11,!=3.12.*,<3.14"',
        'requires-python = ">=3.10,!=3.12.*,<3.14"',
        ("tests/test_packaging.py", "-k", "requires_python"),
        "requires-python claims Python 3.10, which CI does not test",
    ),
    Mutation(
        "inspect-kernel-centre",
        "lab/inspect.py",
        "s = (i + 0.5) * scale - 0.5",
        "s = i * scale",
        ("tests/test_inspect.py::test_kernel_matrix_is_opencvs_resize",),
        "the upscaling matrix drops the half-pixel centre convention (wrong kernel matrix)",
    ),
    Mutation(
        "inspect-keys-a",
        "lab/inspect.py",
        'Kernel("bicubic", "bicubic-like", "bicubic", 2, _keys(-0.75)',
        'Kernel("bicubic", "bicubic-like", "bicubic", 2, _keys(-0.5)',
        ("tests/test_inspect.py::test_kernel_matrix_is_opencvs_resize",),
        "OpenCV's bicubic modelled with Catmull-Rom's a = -0.5 instead of a = -0.75",
    ),
    Mutation(
        "inspect-height-off-by-one",
        "lab/inspect.py",
        "        h = int(heights[at])\n",
        "        h = int(heights[min(at + 1, len(heights) - 1)])\n",
        ("tests/test_inspect.py::test_known_upscale_is_found_at_its_height_and_kernel",),
        "the reported source height is off by one grid step",
    ),
    Mutation(
        "inspect-grid-off-by-one",
        "lab/inspect.py",
        "int(math.floor(0.95 * target)) + 1)",
        "int(math.floor(0.95 * target)))",
        ("tests/test_inspect.py::test_height_grid_covers_the_advertised_range",),
        "the height grid stops one pixel short of its advertised top",
    ),
    Mutation(
        "inspect-unlocked",
        "lab/inspect.py",
        "    with _ONE_AT_A_TIME:\n        return _inspect(",
        "    if True:\n        return _inspect(",
        ("tests/test_inspect.py::test_two_inspections_at_once_run_one_after_the_other",),
        "two inspections (a widget's thread and a cell) run at once, calling OpenBLAS from two threads",
    ),
    Mutation(
        "inspect-grid-bottom",
        "lab/inspect.py",
        "int(math.ceil(0.2 * target))",
        "int(math.ceil(0.28 * target))",
        ("tests/test_inspect.py::test_x4_upscale_is_found_at_its_height",),
        "the height grid starts at 0.28 of the height again, above a x4 upscale's 0.25",
    ),
    Mutation(
        "inspect-weak-confidence",
        "lab/inspect.py",
        "conf = float(min(WEAK_CONFIDENCE if weak else 0.99, 0.5 + dip))",
        "conf = float(min(0.99, 0.5 + dip))",
        ("tests/test_inspect.py::test_weak_verdicts_never_report_high_confidence",),
        "a shallow (weak) upscaled dip reports up to 85 % confidence again",
    ),
    Mutation(
        "inspect-spectrum-agreement",
        "lab/inspect.py",
        "thr = np.where(np.abs(heights - spectral_h) <= 0.03 * height, DIP_UPSCALED, thr)",
        "thr = np.where(np.abs(heights - spectral_h) <= 0.03 * height, thr, thr)",
        ("tests/test_inspect.py::test_a_shallow_dip_where_the_spectrum_cuts_off_counts_as_weak_evidence",),
        "a simple-ratio dip the spectrum agrees with still needs the full 0.35",
    ),
]


def pattern_problem(mutation: Mutation, text: str) -> str | None:
    """Why ``mutation`` cannot be planted in ``text`` (its file's source), or None when it can."""
    found = text.count(mutation.old)
    if found == 1:
        return None
    return (
        f"{mutation.name}: expected {mutation.old!r} exactly once in {mutation.path}, "
        f"found {found}; update tools/mutations.py"
    )


def run_one(mutation: Mutation, timeout: float) -> tuple[bool, float, str]:
    """(caught, seconds, last line of pytest's output) for one mutation applied to a fresh copy."""
    with tempfile.TemporaryDirectory(prefix=f"mutation-{mutation.name}-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        target = copy / mutation.path
        text = target.read_text(encoding="utf-8")
        problem = pattern_problem(mutation, text)
        if problem:
            raise SystemExit(problem)
        target.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutation.tests],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        lines = (done.stdout + done.stderr).strip().splitlines()
        return done.returncode != 0, time.perf_counter() - start, lines[-1] if lines else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only these mutations")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument(
        "--check", action="store_true", help="check each pattern occurs exactly once, run nothing"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutation's tests")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTATIONS}
    if unknown:
        parser.error(f"unknown mutation(s): {', '.join(sorted(unknown))}")
    if args.check:
        problems = [pattern_problem(m, (ROOT / m.path).read_text(encoding="utf-8")) for m in chosen]
        for problem in filter(None, problems):
            print(problem, file=sys.stderr)
        print(f"{len(chosen) - len(list(filter(None, problems)))} of {len(chosen)} bugs can be planted")
        return 1 if any(problems) else 0
    if args.list:
        width = max(len(m.name) for m in chosen)
        for m in chosen:
            print(f"{m.name:<{width}}  {m.why}  ->  pytest {' '.join(m.tests)}")
        return 0
    missed = []
    print("| mutation | planted bug | caught | seconds |\n|---|---|---|---:|")
    for m in chosen:
        caught, seconds, last = run_one(m, args.timeout)
        print(f"| {m.name} | {m.why} | {'yes' if caught else 'NO: ' + last} | {seconds:.0f} |", flush=True)
        if not caught:
            missed.append(m.name)
    if missed:
        print(f"\nnot caught by the tests: {', '.join(missed)}", file=sys.stderr)
        return 1
    print(f"\nall {len(chosen)} planted bugs were caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
