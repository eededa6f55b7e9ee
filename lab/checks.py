"""Self-checks for students: call one after an exercise, get pass/fail and a hint at once.

Every check prints one line that starts with a green tick or a red cross, then (on failure)
says what was expected and what arrived (value and unit, or shape, dtype and range) and a
hint aimed at the usual mistake (bits vs bytes, MB vs MiB, swapped width and height, uint8
wrap-around, ...). Each returns a :class:`CheckResult`, which is truthy when the check passed,
so ``assert checks.check_pixels(n, "4k")`` works in scripts. Checks never raise on a wrong
answer, only on a wrong *call* (a :class:`~lab.errors.LabError` naming the bad argument).

These checks are public and ungraded: they teach. Graded exercises add hidden tests that
live only in the instructor's autograder bundle (see :mod:`lab.grading`).

Available checks (lesson numbers are where they are first useful)
------------------------------------------------------------------
Numbers and sizes (lessons 0, 1, 8)

* :func:`check_number` ``(answer, expected, *, name, unit, rel_tol)``: any number with a unit;
  spots factors of 8 (bits/bytes), 1000 vs 1024 (MB/MiB), 3 (channels), 4 (float32), 1000^k.
* :func:`check_pixels` ``(answer, resolution)``: pixel count of a resolution ("4k", "1080p", ...).
* :func:`check_resolution` ``(answer, expected)``: a (width, height) pair or Resolution; spots
  (height, width) order.
* :func:`check_frame_bytes` ``(answer, resolution, *, dtype="uint8", channels=3)``: bytes of one frame.
* :func:`check_clip_bytes` ``(answer, resolution, *, seconds, fps, dtype="uint8", channels=3)``:
  bytes of an uncompressed clip.

Arrays and frames (lessons 1-4, 9)

* :func:`check_array` ``(array, *, shape=None, dtype=None, value_range=None, name="frame")``:
  shape, dtype and value range of an array.
* :func:`check_close` ``(answer, expected, *, atol=1e-6, name="answer")``: two arrays agree
  (reports the largest difference and where it is).
* :func:`check_upscaled` ``(frame, source, *, factor=None, size=None)``: an upscaled frame has the
  right size and keeps the source's dtype.
* :func:`check_method` ``(name)``: a name in the upscaler registry (:func:`lab.upscale.methods`).

Functions students write (lessons 3, 5, 8)

* :func:`check_cubic_kernel` ``(fn, *, a=-0.5)``: a Keys cubic convolution kernel w(x).
* :func:`check_psnr` ``(fn)``: a PSNR function psnr(reference, test) in dB for 8-bit frames.
* :func:`check_temporal_mae` ``(fn)``: mean absolute difference of consecutive frames (0-255).
* :func:`check_flicker_score` ``(fn)``: VBench temporal-flickering score (255 - MAE) / 255.
* :func:`check_budget_pick` ``(fn)``: pick(results, budget) returns the method with the lowest
  warp error among those whose cost fits the budget, or None.

Answers in words (every lesson)

* :func:`check_choice` ``(answer, options)``: a multiple-choice answer is one of the options
  (it checks the form, not whether it is right).
* :func:`check_in_range` ``(value, low, high, *, name, unit)``: a measured value is plausible.

>>> from lab import checks
>>> r = checks.check_pixels(3840 * 2160, "4k")
✅ pixels of 3840x2160 (4k): 8,294,400 pixels, correct.
>>> bool(r)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lab.arrays import describe
from lab.errors import LabError, LabTypeError
from lab.resolution import Resolution, parse

PASS = "\u2705"
FAIL = "\u274c"

__all__ = [
    "CheckResult",
    "check_number",
    "check_pixels",
    "check_resolution",
    "check_frame_bytes",
    "check_clip_bytes",
    "check_array",
    "check_close",
    "check_upscaled",
    "check_method",
    "check_cubic_kernel",
    "check_psnr",
    "check_temporal_mae",
    "check_flicker_score",
    "check_budget_pick",
    "check_choice",
    "check_in_range",
    "keys_cubic",
]


@dataclass
class CheckResult:
    """Outcome of one self-check: ``passed``, the one-line ``message`` and a ``hint``.

    Truthy when passed. It was already printed when the check ran, so a notebook does not
    show it a second time.

    >>> bool(CheckResult("demo", True, "fine"))
    True
    """

    name: str
    passed: bool
    message: str
    hint: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        text = f"{PASS if self.passed else FAIL} {self.name}: {self.message}"
        if self.hint and not self.passed:
            text += f"\n   hint: {self.hint}"
        return text

    def _ipython_display_(self) -> None:  # printed when the check ran: show nothing more
        return None


def _report(
    name: str, passed: bool, message: str, hint: str = "", *, show: bool = True, **details: Any
) -> CheckResult:
    result = CheckResult(name, bool(passed), message, hint, details)
    if show:
        print(result)
    return result


def _fmt(value: float, unit: str = "") -> str:
    """Format a number with thousands separators (integers) or 6 significant digits."""
    if isinstance(value, (bool, np.bool_)):
        text = str(value)
    elif float(value).is_integer() and abs(value) < 1e18:
        text = f"{int(value):,}"
    else:
        text = f"{float(value):.6g}"
    return f"{text} {unit}".rstrip()


def _as_number(answer: Any, name: str) -> float | str:
    """Return ``answer`` as a float, or a string saying why it is not a number."""
    if answer is None or answer is Ellipsis:
        return "not answered yet: replace the ... with your code, then run the cell again"
    if isinstance(answer, (bool, np.bool_)):
        return f"{name} is a bool ({answer}); a number was expected"
    if isinstance(answer, str):
        return f"{name} is the text {answer!r}; compute a number (without quotes)"
    if isinstance(answer, np.ndarray):
        if answer.size != 1:
            return f"{name} is an array ({describe(answer)}); a single number was expected"
        answer = answer.reshape(()).item()
    if hasattr(answer, "item") and callable(answer.item):  # numpy / torch scalar
        try:
            answer = answer.item()
        except (ValueError, RuntimeError):
            return f"{name} has several values ({describe(answer)}); a single number was expected"
    if not isinstance(answer, (int, float)):
        return f"{name} is a {type(answer).__name__}; a number was expected"
    if not math.isfinite(answer):
        return f"{name} is {answer}; a finite number was expected"
    return float(answer)


# Ratios answer / expected that betray a classic slip, and the hint for each.
_SLIPS: list[tuple[float, str]] = [
    (8.0, "your answer is 8x too large: did you count bits instead of bytes (1 byte = 8 bits)?"),
    (1 / 8, "your answer is 8x too small: did you count bytes where bits were asked (1 byte = 8 bits)?"),
    (1 / 3, "your answer is 3x too small: did you forget the 3 colour channels (R, G, B)?"),
    (3.0, "your answer is 3x too large: count the 3 channels once (or was it one channel?)"),
    (4.0, "your answer is 4x too large: float32 takes 4 bytes per value, uint8 only 1"),
    (1 / 4, "your answer is 4x too small: float32 takes 4 bytes per value, uint8 only 1"),
    (1000 / 1024, "off by 1000/1024: MB (10^6 bytes) and MiB (2^20 bytes) differ; check which unit is asked"),
    (1024 / 1000, "off by 1024/1000: MB (10^6 bytes) and MiB (2^20 bytes) differ; check which unit is asked"),
    ((1000 / 1024) ** 2, "off by (1000/1024)^2: MB vs MiB (or GB vs GiB) mixed up"),
    ((1024 / 1000) ** 2, "off by (1024/1000)^2: MB vs MiB (or GB vs GiB) mixed up"),
    ((1000 / 1024) ** 3, "off by (1000/1024)^3: GB (10^9) vs GiB (2^30) mixed up"),
    ((1024 / 1000) ** 3, "off by (1024/1000)^3: GB (10^9) vs GiB (2^30) mixed up"),
    (60.0, "your answer is 60x too large: seconds vs minutes?"),
    (1 / 60, "your answer is 60x too small: seconds vs minutes?"),
]
for _k, _prefix in ((1, "kilo"), (2, "mega"), (3, "giga")):
    _SLIPS.append((1000.0**_k, f"your answer is 10^{3 * _k}x too large: check the unit prefix ({_prefix}?)"))
    _SLIPS.append((1000.0**-_k, f"your answer is 10^{3 * _k}x too small: check the unit prefix ({_prefix}?)"))


def _slip_hint(answer: float, expected: float, extra: Sequence[tuple[float, str]] = ()) -> str:
    if expected == 0 or answer == 0:
        return ""
    ratio = answer / expected
    for factor, hint in list(extra) + _SLIPS:
        if math.isclose(ratio, factor, rel_tol=2e-3):
            return hint
    if math.isclose(ratio, -1.0, rel_tol=1e-6):
        return "right size, wrong sign"
    return ""


def check_number(
    answer: Any,
    expected: float,
    *,
    name: str = "answer",
    unit: str = "",
    rel_tol: float = 1e-6,
    abs_tol: float = 0.0,
    hint: str = "",
    slips: Sequence[tuple[float, str]] = (),
    show: bool = True,
    reveal: bool = True,
) -> CheckResult:
    """Check a numeric answer against ``expected`` (same unit), with a hint for classic slips.
    ``reveal=False`` says only whether a wrong answer is too large or too small (for an exercise
    whose answer is the expected number itself).

    Parameters
    ----------
    answer : number
        The student's value (int, float, numpy or torch scalar).
    expected : float
        The right value, in ``unit``.
    rel_tol, abs_tol : float
        Accepted tolerance, as in :func:`math.isclose`.
    hint : str
        Extra hint printed on failure when no classic slip (bits/bytes, MB/MiB...) is detected.
    slips : sequence of (ratio, hint)
        Extra slips to look for first: when answer / expected is close to ``ratio``, show ``hint``.

    >>> r = check_number(24_883_200 * 8, 24_883_200, name="bytes per frame", unit="B")
    ❌ bytes per frame: expected 24,883,200 B, got 199,065,600 B
       hint: your answer is 8x too large: did you count bits instead of bytes (1 byte = 8 bits)?
    """
    value = _as_number(answer, name)
    if isinstance(value, str):
        return _report(
            name, False, value, "assign a number to the variable and run the cell again", show=show
        )
    ok = math.isclose(value, expected, rel_tol=rel_tol, abs_tol=abs_tol)
    if ok:
        return _report(name, True, f"{_fmt(value, unit)}, correct.", show=show, value=value)
    found = _slip_hint(value, expected, slips) or hint
    if reveal:
        msg = f"expected {_fmt(expected, unit)}, got {_fmt(value, unit)}"
    else:
        msg = f"got {_fmt(value, unit)}, which is too {'large' if value > expected else 'small'}"
    return _report(name, False, msg, found, show=show, value=value, expected=expected)


def check_pixels(
    answer: Any, resolution: str | Resolution | tuple[int, int], *, show: bool = True
) -> CheckResult:
    """Check a pixel count (width x height) for ``resolution``.

    >>> bool(check_pixels(1920 * 1080, "1080p", show=False))
    True
    """
    res = parse(resolution)
    extra_hint = ""
    value = _as_number(answer, "pixels")
    if isinstance(value, float) and math.isclose(value, res.width + res.height):
        extra_hint = "you added width and height; a pixel count is width * height"
    elif isinstance(value, float) and math.isclose(value, res.pixels * 3):
        extra_hint = "that counts the 3 colour values; a pixel is one (R, G, B) triple"
    return check_number(
        answer,
        res.pixels,
        name=f"pixels of {res}",
        unit="pixels",
        rel_tol=0,
        hint=extra_hint,
        show=show,
        reveal=False,  # the answer is the number itself: a wrong try must not print it
    )


def check_resolution(
    answer: Any, expected: str | Resolution | tuple[int, int], *, show: bool = True
) -> CheckResult:
    """Check a size given as ``(width, height)`` or a :class:`Resolution`; spots swapped order.

    >>> bool(check_resolution((3840, 2160), "4k", show=False))
    True
    """
    want = parse(expected)
    name = f"size of {want}"
    if isinstance(answer, Resolution):
        got = (answer.width, answer.height)
    elif isinstance(answer, (tuple, list)) and len(answer) == 2:
        got = tuple(answer)
    elif isinstance(answer, np.ndarray) and answer.ndim >= 2:
        return _report(
            name,
            False,
            f"got an array ({describe(answer)}), expected a (width, height) pair",
            "array shapes are (height, width, 3); a size is (width, height): use (a.shape[1], a.shape[0])",
            show=show,
        )
    else:
        return _report(
            name,
            False,
            f"expected a (width, height) pair, got {answer!r}",
            "write it as a tuple: (width, height), in pixels",
            show=show,
        )
    if got == (want.width, want.height):
        return _report(name, True, f"{got[0]} x {got[1]}, correct.", show=show)
    hint = ""
    if got == (want.height, want.width):
        hint = "you gave (height, width): sizes are written width first, while array shapes are (H, W, 3)"
    return _report(
        name,
        False,
        f"expected (width, height) = ({want.width}, {want.height}), got {tuple(got)}",
        hint,
        show=show,
    )


def check_frame_bytes(
    answer: Any,
    resolution: str | Resolution | tuple[int, int],
    *,
    dtype: str = "uint8",
    channels: int = 3,
    show: bool = True,
) -> CheckResult:
    """Check the bytes of one uncompressed frame (width * height * channels * bytes per value).

    >>> bool(check_frame_bytes(3840 * 2160 * 3, "4k", show=False))
    True
    """
    res = parse(resolution)
    expected = res.frame_bytes(dtype, channels)
    return check_number(
        answer,
        expected,
        name=f"bytes of one {res} frame ({channels} channels, {np.dtype(dtype).name})",
        unit="B",
        rel_tol=1e-9,
        hint=f"bytes = width * height * channels * bytes per value ({np.dtype(dtype).itemsize} for {np.dtype(dtype).name})",
        show=show,
    )


def check_clip_bytes(
    answer: Any,
    resolution: str | Resolution | tuple[int, int],
    *,
    seconds: float,
    fps: float,
    dtype: str = "uint8",
    channels: int = 3,
    show: bool = True,
) -> CheckResult:
    """Check the bytes of an uncompressed clip: frame bytes * fps * seconds.

    >>> bool(check_clip_bytes(3840 * 2160 * 3 * 24 * 60, "4k", seconds=60, fps=24, show=False))
    True
    """
    if not seconds > 0 or not fps > 0:
        raise LabError(f"seconds and fps must be positive, got seconds={seconds}, fps={fps}")
    res = parse(resolution)
    expected = res.frame_bytes(dtype, channels) * fps * seconds
    extra = [
        (1 / fps, f"your answer is the size of {seconds:g} frames: multiply by {fps:g} frames per second"),
        (1 / seconds, f"your answer is one second of video: multiply by {seconds:g} seconds"),
    ]
    return check_number(
        answer,
        expected,
        name=f"bytes of {seconds:g} s of {res} at {fps:g} fps",
        unit="B",
        rel_tol=1e-9,
        hint="bytes = frame bytes * frames per second * seconds",
        slips=extra,
        show=show,
    )


def check_array(
    array: Any,
    *,
    shape: tuple[int | None, ...] | None = None,
    dtype: str | np.dtype | None = None,
    value_range: tuple[float, float] | None = None,
    name: str = "frame",
    show: bool = True,
) -> CheckResult:
    """Check an array's shape (``None`` entries match any size), dtype and value range.

    >>> bool(check_array(np.zeros((36, 64, 3), np.uint8), shape=(36, 64, 3), dtype="uint8", show=False))
    True
    """
    if hasattr(array, "detach"):
        return _report(
            name,
            False,
            f"got a torch tensor ({describe(array)}), expected a numpy array",
            "convert with lab.arrays.to_numpy(tensor)",
            show=show,
        )
    if not isinstance(array, np.ndarray):
        hint = "replace the ... with your code" if array is Ellipsis else "build it with numpy (np.asarray)"
        return _report(name, False, f"expected a numpy array, got {describe(array)}", hint, show=show)
    problems: list[str] = []
    hints: list[str] = []
    if shape is not None:
        ok = len(shape) == array.ndim and all(s is None or s == a for s, a in zip(shape, array.shape))
        if not ok:
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            problems.append(f"shape {want} expected, got {tuple(array.shape)}")
            if array.ndim == len(shape) == 3 and array.shape[:2] == tuple(shape[1::-1]):
                hints.append("height and width are swapped: arrays are (H, W, 3)")
            elif array.ndim == 3 and len(shape) == 3 and array.shape[0] == 3:
                hints.append("channels come last in numpy frames (H, W, 3); torch uses (3, H, W)")
            elif array.ndim == 2 and len(shape) == 3:
                hints.append("that is a single-channel (gray) image; stack it: np.dstack([g, g, g])")
    if dtype is not None and array.dtype != np.dtype(dtype):
        problems.append(f"dtype {np.dtype(dtype).name} expected, got {array.dtype}")
        if np.dtype(dtype) == np.uint8 and np.issubdtype(array.dtype, np.floating):
            hints.append("convert float [0, 1] to uint8 with lab.arrays.to_uint8(frame)")
        elif np.issubdtype(np.dtype(dtype), np.floating) and array.dtype == np.uint8:
            hints.append("convert uint8 to float [0, 1] with lab.arrays.to_float(frame)")
    if value_range is not None and array.size and np.issubdtype(array.dtype, np.number):
        if not np.isfinite(array).all():
            problems.append("it contains NaN or infinity")
            hints.append("look for a division by zero or a log of 0")
        else:
            lo, hi = float(array.min()), float(array.max())
            if lo < value_range[0] - 1e-6 or hi > value_range[1] + 1e-6:
                problems.append(
                    f"values in [{value_range[0]:g}, {value_range[1]:g}] expected, got [{lo:.4g}, {hi:.4g}]"
                )
                if value_range[1] <= 1 and hi > 1.5:
                    hints.append("it looks like 0-255 data: divide by 255")
                elif value_range[1] >= 255 and hi <= 1.0:
                    hints.append("it looks like 0-1 data: multiply by 255 (or use lab.arrays.to_uint8)")
    if problems:
        return _report(
            name, False, "; ".join(problems) + f" (arrived: {describe(array)})", "; ".join(hints), show=show
        )
    return _report(name, True, f"{describe(array)}, as expected.", show=show)


def check_close(
    answer: Any, expected: Any, *, atol: float = 1e-6, name: str = "answer", show: bool = True
) -> CheckResult:
    """Check that an array (or number) equals ``expected`` within ``atol`` everywhere.

    >>> bool(check_close(np.array([0.5, 1.0]), [0.5, 1.0], show=False))
    True
    """
    want = np.asarray(expected, dtype=np.float64)
    if answer is None or answer is Ellipsis:
        return _report(
            name, False, f"got {answer!r}", "replace the ... with your code and run the cell", show=show
        )
    try:
        got = np.asarray(answer.detach().cpu() if hasattr(answer, "detach") else answer, dtype=np.float64)
    except (TypeError, ValueError):
        return _report(name, False, f"expected numbers, got {describe(answer)}", show=show)
    if got.shape != want.shape:
        return _report(
            name,
            False,
            f"shape {want.shape} expected, got {got.shape}",
            "check which axis you reduced or indexed",
            show=show,
        )
    if not np.isfinite(got).all() and np.isfinite(want).all():
        return _report(name, False, "it contains NaN or infinity", "look for a division by zero", show=show)
    err = np.abs(got - want)
    worst = float(np.nanmax(err)) if err.size else 0.0
    if worst <= atol:
        return _report(name, True, f"matches (largest difference {worst:.3g}).", show=show)
    where = np.unravel_index(int(np.nanargmax(err)), err.shape) if err.ndim else ()
    at = f" at index {tuple(int(i) for i in where)}" if where else ""
    msg = f"largest difference {worst:.4g}{at} (expected {want[where]:.6g}, got {got[where]:.6g}; tolerance {atol:g})"
    return _report(name, False, msg, show=show)


def check_upscaled(
    frame: Any,
    source: Any,
    *,
    factor: int | None = None,
    size: str | Resolution | tuple[int, int] | None = None,
    show: bool = True,
) -> CheckResult:
    """Check that ``frame`` is ``source`` enlarged by ``factor`` (or to ``size``), same dtype.

    >>> src = np.zeros((36, 64, 3), np.uint8)
    >>> bool(check_upscaled(np.zeros((144, 256, 3), np.uint8), src, factor=4, show=False))
    True
    """
    if not isinstance(source, np.ndarray) or source.ndim != 3:
        raise LabTypeError(f"source must be an (H, W, 3) array, got {describe(source)}")
    if (factor is None) == (size is None):
        raise LabError("give exactly one of factor=4 or size='4k'")
    if factor is not None:
        h, w = source.shape[0] * factor, source.shape[1] * factor
    else:
        res = parse(size)  # type: ignore[arg-type]
        h, w = res.height, res.width
    return check_array(frame, shape=(h, w, 3), dtype=source.dtype, name="upscaled frame", show=show)


def check_method(name: Any, *, show: bool = True) -> CheckResult:
    """Check that ``name`` is a registered upscaling method (see :func:`lab.upscale.methods`).

    >>> bool(check_method("bicubic", show=False))
    True
    """
    from lab import upscale

    known = upscale.methods()
    if isinstance(name, str) and name.strip().lower() in known:
        return _report("upscaling method", True, f"{name!r} is a registered method.", show=show)
    return _report(
        "upscaling method",
        False,
        f"{name!r} is not a registered method",
        "choose one of: " + ", ".join(known),
        show=show,
    )


_NO_RETURN = "your function returned None: replace the ... with your code and `return` the result"


def _returned_none(fn: Callable[..., Any], *args: Any) -> bool:
    """True when ``fn(*args)`` runs and returns None (an unanswered or return-less function)."""
    try:
        return fn(*args) is None
    except Exception:  # noqa: BLE001 - other failures are reported by the caller
        return False


def keys_cubic(x: np.ndarray | float, a: float = -0.5) -> np.ndarray:
    """The Keys (1981) cubic convolution kernel w(x), the weight bicubic gives a pixel |x| away.

    w(x) = (a+2)|x|^3 - (a+3)|x|^2 + 1        for |x| <= 1
    w(x) = a|x|^3 - 5a|x|^2 + 8a|x| - 4a      for 1 < |x| < 2
    w(x) = 0                                  otherwise

    a = -0.5 is Keys' choice (it reproduces quadratics); OpenCV's INTER_CUBIC uses a = -0.75.

    >>> [float(v) for v in keys_cubic(np.array([0.0, 0.5, 1.0, 1.5, 2.0]))]
    [1.0, 0.5625, 0.0, -0.0625, 0.0]
    """
    s = np.abs(np.asarray(x, dtype=np.float64))
    near = ((a + 2) * s - (a + 3)) * s * s + 1
    far = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a
    return np.where(s <= 1, near, np.where(s < 2, far, 0.0))


def _call_elementwise(
    fn: Callable[..., Any], xs: np.ndarray, **kwargs: Any
) -> tuple[np.ndarray | None, str, str]:
    """Call ``fn`` on an array; fall back to one scalar at a time. Returns (values, note, error)."""
    note = ""
    try:
        out = np.asarray(fn(xs, **kwargs), dtype=np.float64)
        if out.shape == xs.shape:
            return out, note, ""
    except Exception:  # noqa: BLE001 - the student's code may fail in any way; fall back to scalars
        pass
    try:
        out = np.array([float(np.asarray(fn(float(x), **kwargs))) for x in xs], dtype=np.float64)
        note = " (it works one number at a time; use np.abs / np.where to make it work on arrays)"
        return out, note, ""
    except Exception as err:  # noqa: BLE001
        return None, note, f"{type(err).__name__}: {err}"


def check_cubic_kernel(fn: Any, *, a: float = -0.5, show: bool = True) -> CheckResult:
    """Check a student's cubic convolution kernel ``fn(x)`` against Keys' formula with ``a``.

    ``fn`` is called on an array of offsets x in [-3, 3] (pixels); a scalar-only function is
    accepted too. Hints name the property that fails: w(0) = 1, w(+-1) = w(+-2) = 0, symmetry,
    zero beyond 2, or the wrong ``a`` (OpenCV's -0.75 vs Keys' -0.5).

    >>> bool(check_cubic_kernel(keys_cubic, show=False))
    True
    """
    name = f"cubic kernel (a = {a:g})"
    if not callable(fn):
        return _report(
            name,
            False,
            f"expected a function w(x), got {describe(fn)}",
            "pass the function itself, without calling it: check_cubic_kernel(my_kernel)",
            show=show,
        )
    xs = np.linspace(-3, 3, 61)
    if _returned_none(fn, xs) and _returned_none(fn, 0.5):
        return _report(name, False, "not answered yet", _NO_RETURN, show=show)
    got, note, error = _call_elementwise(fn, xs)
    if got is None:
        return _report(
            name,
            False,
            f"calling your function failed: {error}",
            "try it on one number first: fn(0.5)",
            show=show,
        )
    want = keys_cubic(xs, a)
    err = np.abs(got - want)
    if np.all(err < 1e-6):
        return _report(name, True, "matches Keys' kernel at 61 offsets in [-3, 3]." + note, show=show)

    # Name the first broken property, most basic first.
    def at(x: float) -> float:
        return float(got[np.argmin(np.abs(xs - x))])

    if not np.isfinite(got).all():
        hint = "it returns NaN or infinity somewhere"
    elif abs(at(0.0) - 1) > 1e-6:
        hint = f"w(0) must be 1 (the pixel itself gets full weight), got {at(0.0):.4g}"
    elif max(abs(at(v)) for v in (-2, -1, 1, 2)) > 1e-6:
        hint = "w(+-1) and w(+-2) must be 0, so the curve passes through the original pixels"
    elif np.max(np.abs(got - got[::-1])) > 1e-6:
        hint = "w must be symmetric, w(-x) = w(x): use abs(x)"
    elif np.max(np.abs(got[np.abs(xs) > 2])) > 1e-6:
        hint = "w(x) must be 0 for |x| >= 2: bicubic only looks at 4 pixels"
    else:
        other = [b for b in (-0.5, -0.75, -1.0) if b != a and np.all(np.abs(got - keys_cubic(xs, b)) < 1e-6)]
        if other:
            hint = f"your kernel uses a = {other[0]:g}; this exercise asks for a = {a:g}"
        else:
            bad = xs[np.argmax(err)]
            hint = (
                f"largest error at x = {bad:+.2f}: expected {keys_cubic(bad, a):.5f}, got {at(bad):.5f}; "
                "check the piece for " + ("|x| <= 1" if abs(bad) <= 1 else "1 < |x| < 2")
            )
    return _report(
        name, False, f"differs from Keys' kernel by up to {float(np.nanmax(err)):.4g}" + note, hint, show=show
    )


def _test_frames(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
    noise = rng.integers(-20, 21, size=ref.shape)
    return ref, np.clip(ref.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def check_psnr(fn: Any, *, show: bool = True) -> CheckResult:
    """Check a PSNR function ``fn(reference, test) -> dB`` for uint8 frames (peak 255, all channels).

    PSNR = 10 log10(255^2 / MSE), with the MSE over every pixel and channel; identical frames
    give infinity.

    >>> ok = lambda r, t: 10 * np.log10(255**2 / m) if (m := np.mean((r.astype(float) - t) ** 2)) else float("inf")
    >>> bool(check_psnr(ok, show=False))
    True
    """
    name = "PSNR function"
    if not callable(fn):
        return _report(
            name,
            False,
            f"expected a function psnr(reference, test), got {describe(fn)}",
            "pass the function itself: check_psnr(my_psnr)",
            show=show,
        )
    ref, test = _test_frames()
    if _returned_none(fn, ref, test):
        return _report(name, False, "not answered yet", _NO_RETURN, show=show)
    mse = float(np.mean((ref.astype(np.float64) - test.astype(np.float64)) ** 2))
    want = 10 * math.log10(255.0**2 / mse)
    try:
        got = float(fn(ref, test))
    except Exception as err:  # noqa: BLE001 - report any failure of the student's code
        return _report(
            name, False, f"calling psnr(reference, test) failed: {type(err).__name__}: {err}", show=show
        )
    if not math.isclose(got, want, abs_tol=1e-3):
        wrap = np.mean((ref - test).astype(np.float64) ** 2)  # uint8 subtraction wraps around
        hint = ""
        if wrap > 0 and math.isclose(got, 10 * math.log10(255.0**2 / wrap), abs_tol=1e-3):
            hint = "uint8 subtraction wraps around (10 - 20 = 246): convert to float before subtracting"
        elif math.isclose(got, 10 * math.log10(1.0 / mse), abs_tol=1e-3):
            hint = "the peak for 8-bit frames is 255, not 1"
        elif math.isclose(got, 20 * math.log10(255.0 / mse), abs_tol=1e-3):
            hint = "PSNR uses 10 log10 of a ratio of squares (or 20 log10(255 / RMSE))"
        elif math.isclose(got, want / 2, abs_tol=1e-3) or math.isclose(
            got, 10 * math.log10(255.0 / mse), abs_tol=1e-3
        ):
            hint = "square the peak: 10 log10(255^2 / MSE)"
        return _report(
            name, False, f"expected {want:.4f} dB on a noisy test frame, got {got:.4f} dB", hint, show=show
        )
    try:
        same = float(fn(ref, ref.copy()))
    except Exception as err:  # noqa: BLE001
        return _report(
            name,
            False,
            f"identical frames made it fail: {type(err).__name__}: {err}",
            "when MSE is 0 return float('inf')",
            show=show,
        )
    if not (math.isinf(same) and same > 0):
        return _report(
            name,
            False,
            f"identical frames should give inf dB, got {same}",
            "when MSE is 0 return float('inf')",
            show=show,
        )
    return _report(name, True, f"{got:.4f} dB on a noisy test frame, inf for identical frames.", show=show)


def _static_and_flicker_clips() -> list[tuple[str, list[np.ndarray], float]]:
    """(description, frames, mean |F_t - F_t+1| in 0-255 levels) triples with known answers."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, size=(8, 10, 3), dtype=np.uint8)
    static = [base.copy() for _ in range(4)]
    dark, bright = np.full((8, 10, 3), 10, np.uint8), np.full((8, 10, 3), 30, np.uint8)
    blink = [
        dark,
        bright,
        dark,
        bright,
        dark,
    ]  # every pair differs by 20 levels; reversed order wraps in uint8
    ramp = [np.clip(base.astype(np.int16) + k * 3, 0, 255).astype(np.uint8) for k in range(5)]
    ramp_mae = float(np.mean([np.mean(np.abs(ramp[i + 1].astype(float) - ramp[i])) for i in range(4)]))
    return [
        ("a static clip", static, 0.0),
        ("a clip blinking by 20 levels", blink, 20.0),
        ("a brightening clip", ramp, ramp_mae),
    ]


def _check_clip_function(
    fn: Any, name: str, transform: Callable[[float], float], unit: str, show: bool
) -> CheckResult:
    if not callable(fn):
        return _report(
            name,
            False,
            f"expected a function of a list of frames, got {describe(fn)}",
            "pass the function itself, without calling it",
            show=show,
        )
    if _returned_none(fn, list(_static_and_flicker_clips()[1][1])):
        return _report(name, False, "not answered yet", _NO_RETURN, show=show)
    for desc, frames, mae in _static_and_flicker_clips():
        want = transform(mae)
        try:
            got = float(fn(list(frames)))
        except Exception as err:  # noqa: BLE001 - report any failure of the student's code
            return _report(
                name,
                False,
                f"on {desc} it failed: {type(err).__name__}: {err}",
                "the function receives a list of (H, W, 3) uint8 frames",
                show=show,
            )
        if not math.isclose(got, want, abs_tol=1e-6):
            hint = ""
            wrapped = float(
                np.mean([np.mean((frames[i] - frames[i + 1]).astype(float)) for i in range(len(frames) - 1)])
            )
            if math.isclose(got, transform(wrapped), abs_tol=1e-6):
                hint = "uint8 subtraction wraps around (10 - 30 = 236): convert to float, then take abs"
            elif math.isclose(got, transform(mae / 255.0), abs_tol=1e-6):
                hint = "measure the differences in 8-bit levels (0-255), not in [0, 1]"
            elif mae and math.isclose(got, transform(mae * (len(frames) - 1)), abs_tol=1e-6):
                hint = "average over the frame pairs, do not sum them"
            return _report(
                name, False, f"on {desc}: expected {want:.6g}{unit}, got {got:.6g}{unit}", hint, show=show
            )
    return _report(name, True, "right on a static, a blinking and a brightening clip.", show=show)


def check_temporal_mae(fn: Any, *, show: bool = True) -> CheckResult:
    """Check ``fn(frames) -> float``: mean over t of mean |F_t - F_(t+1)|, in 8-bit levels.

    >>> mae = lambda fr: np.mean([np.abs(a.astype(float) - b).mean() for a, b in zip(fr, fr[1:])])
    >>> bool(check_temporal_mae(mae, show=False))
    True
    """
    return _check_clip_function(fn, "temporal MAE", lambda m: m, " levels", show)


def check_flicker_score(fn: Any, *, show: bool = True) -> CheckResult:
    """Check ``fn(frames) -> float``: VBench's temporal-flickering score (255 - MAE) / 255.

    1.0 means no change at all between frames.

    >>> score = lambda fr: (255 - np.mean([np.abs(a.astype(float) - b).mean() for a, b in zip(fr, fr[1:])])) / 255
    >>> bool(check_flicker_score(score, show=False))
    True
    """
    return _check_clip_function(fn, "flicker score", lambda m: (255.0 - m) / 255.0, "", show)


def _best_within(results: dict[str, tuple[float, float]], budget: float) -> str | None:
    fits = [(err, name) for name, (err, cost) in results.items() if cost <= budget]
    return min(fits)[1] if fits else None


def check_budget_pick(fn: Any, *, show: bool = True) -> CheckResult:
    """Check ``fn(results, budget) -> method name or None``.

    ``results`` maps a method name to ``(warp_error, cost)``; the answer is the method with
    the lowest warp error among those with ``cost <= budget``, or ``None`` if none fits.

    >>> pick = lambda r, b: min((e, n) for n, (e, c) in r.items() if c <= b)[1] if any(c <= b for e, c in r.values()) else None
    >>> bool(check_budget_pick(pick, show=False))
    True
    """
    name = "budget pick"
    if not callable(fn):
        return _report(
            name,
            False,
            f"expected a function pick(results, budget), got {describe(fn)}",
            "pass the function itself, without calling it",
            show=show,
        )
    table = {
        "bicubic": (0.020, 1.0),
        "lanczos": (0.018, 1.5),
        "learned-sr": (0.009, 20.0),
        "native": (0.004, 60.0),
    }
    if _returned_none(fn, dict(table), 100.0):
        return _report(
            name, False, "returned None although every method fits a budget of 100", _NO_RETURN, show=show
        )
    cases = [(table, 100.0), (table, 25.0), (table, 1.2), (table, 0.5), ({"only": (0.5, 3.0)}, 3.0)]
    for results, budget in cases:
        want = _best_within(results, budget)
        try:
            got = fn(dict(results), budget)
        except Exception as err:  # noqa: BLE001 - report any failure of the student's code
            hint = "when no method fits the budget, return None" if want is None else ""
            return _report(
                name, False, f"with budget {budget:g} it failed: {type(err).__name__}: {err}", hint, show=show
            )
        if got != want:
            hint = ""
            if got == min(results, key=lambda k: results[k][0]):
                hint = "you picked the lowest warp error without checking the cost against the budget"
            elif want is None:
                hint = "no method fits this budget: return None"
            elif got == min(results, key=lambda k: results[k][1]):
                hint = "you picked the cheapest method; the goal is the lowest warp error that fits"
            elif isinstance(got, tuple):
                hint = "return only the method name (a string)"
            elif budget in [c for _, c in results.values()]:
                hint = "a cost equal to the budget fits (use <=)"
            return _report(
                name, False, f"with budget {budget:g}: expected {want!r}, got {got!r}", hint, show=show
            )
    return _report(name, True, "right for 5 budgets, including one where nothing fits.", show=show)


def check_choice(
    answer: Any, options: Iterable[str], *, name: str = "choice", show: bool = True
) -> CheckResult:
    """Check that a multiple-choice ``answer`` is one of ``options`` (form only, not correctness).

    >>> bool(check_choice("b", "abcd", show=False))
    True
    """
    opts = [str(o) for o in options]
    if isinstance(answer, str) and answer.strip().lower() in [o.lower() for o in opts]:
        return _report(name, True, f"{answer.strip()!r} is a valid option (graded later).", show=show)
    hint = f"answer with one of {', '.join(repr(o) for o in opts)}, as a string"
    if answer is Ellipsis or answer is None:
        return _report(name, False, "not answered yet", hint, show=show)
    return _report(name, False, f"{answer!r} is not one of the options", hint, show=show)


def check_measured_choice(
    answer: Any,
    expected: str,
    options: Iterable[str],
    *,
    name: str = "choice",
    why: str = "",
    show: bool = True,
) -> CheckResult:
    """Check a choice against the answer the lesson's own measurement gives (``expected``).

    Unlike :func:`check_choice`, which checks only the form, this says whether the answer is
    right, and ``why`` (the measurement, e.g. "MTF50: bicubic 0.09, lanczos 0.10 cycles/px")
    tells the student what to look at when it is not.

    >>> bool(check_measured_choice("lanczos", "lanczos", ["bicubic", "lanczos"], show=False))
    True
    >>> check_measured_choice("bicubic", "lanczos", ["bicubic", "lanczos"], why="MTF50 0.09 vs 0.10", show=False).message
    "'bicubic' is not what the measurement above says"
    """
    opts = [str(o) for o in options]
    if str(expected) not in opts:
        raise LabError(f"expected {expected!r} must be one of the options {opts}")
    form = check_choice(answer, opts, name=name, show=False)
    if not form:
        return _report(name, False, form.message, form.hint, show=show)
    if answer.strip().lower() == str(expected).lower():
        return _report(
            name,
            True,
            f"{answer.strip()!r} is what the measurement says" + (f" ({why})." if why else "."),
            show=show,
        )
    return _report(
        name,
        False,
        f"{answer.strip()!r} is not what the measurement above says",
        f"look again at the numbers: {why}" if why else "look again at the numbers above",
        show=show,
    )


def check_in_range(
    value: Any, low: float, high: float, *, name: str = "value", unit: str = "", show: bool = True
) -> CheckResult:
    """Check that a measured ``value`` lies in ``[low, high]`` (a plausibility check).

    >>> bool(check_in_range(0.97, 0.9, 1.0, name="flicker score", show=False))
    True
    """
    if not low <= high:
        raise LabError(f"low must be <= high, got [{low}, {high}]")
    got = _as_number(value, name)
    if isinstance(got, str):
        return _report(name, False, got, "assign a number to the variable and run the cell again", show=show)
    if low <= got <= high:
        return _report(
            name,
            True,
            f"{_fmt(got, unit)} is within [{_fmt(low)}, {_fmt(high)}] {unit}".rstrip() + ".",
            show=show,
        )
    side = "below" if got < low else "above"
    return _report(
        name,
        False,
        f"{_fmt(got, unit)} is {side} the plausible range [{_fmt(low)}, {_fmt(high)}] {unit}".rstrip(),
        "re-read the definition and the unit asked for",
        show=show,
    )
