"""Resolutions: tier table, parsing, byte counts, the memory guard, config tiers."""

from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest

import lab.config
import lab.errors
import lab.memory
import lab.resolution
from lab.errors import LabError, LabTypeError, MemoryBudgetError, choice_error
from lab.memory import check_memory, guard_clip, guard_frame
from lab.resolution import Resolution, parse


@pytest.mark.parametrize(
    "spec, size",
    [
        ("540p", (960, 540)),
        ("720p", (1280, 720)),
        ("1080p", (1920, 1080)),
        ("1440p", (2560, 1440)),
        ("4k", (3840, 2160)),
        ("4K", (3840, 2160)),
        ("UHD", (3840, 2160)),
        ("4K UHD", (3840, 2160)),
        ("2160p", (3840, 2160)),
        ("dci4k", (4096, 2160)),
        ("DCI 4K", (4096, 2160)),
        ("8k", (7680, 4320)),
        ("3840x2160", (3840, 2160)),
        ("3840X2160", (3840, 2160)),
        (" 320 x 180 ", (320, 180)),
        ("1920×1080", (1920, 1080)),
        ((640, 360), (640, 360)),
        ("270p", (480, 270)),
        ("360p", (640, 360)),
        ("480p", (854, 480)),
        ("144P", (256, 144)),
    ],
)
def test_parse_accepts_names_and_sizes(spec, size):
    res = parse(spec)
    assert (res.width, res.height) == size


def test_named_sizes_get_their_tier_name():
    assert parse("3840x2160").name == "4k"
    assert parse("UHD") == parse("3840x2160")
    assert Resolution(1920, 1080).name == "1080p"
    assert Resolution(321, 181).name == ""
    assert str(parse("4k")) == "3840x2160 (4k)"
    assert parse(parse("720p")) == parse("720p")


def test_pixel_and_byte_counts():
    uhd = parse("4k")
    assert uhd.pixels == 3840 * 2160 == 4 * parse("1080p").pixels
    assert uhd.shape == (2160, 3840, 3)
    assert uhd.megapixels == pytest.approx(8.2944)
    assert uhd.aspect == pytest.approx(16 / 9)
    assert uhd.frame_bytes() == 3840 * 2160 * 3
    assert uhd.frame_bytes("float32") == 3840 * 2160 * 3 * 4
    assert uhd.frame_bytes(np.float16, channels=1) == 3840 * 2160 * 2
    assert uhd.clip_bytes(48) == 48 * 3840 * 2160 * 3
    assert uhd.clip_bytes(0) == 0
    with pytest.raises(LabError):
        uhd.clip_bytes(-1)


def test_scaled_and_even():
    assert parse("540p").scaled(4) == parse("4k")
    assert parse("1080p").scaled(0.25) == Resolution(480, 270)
    assert parse("4k").is_even() and not Resolution(321, 180).is_even()
    with pytest.raises(LabError):
        parse("540p").scaled(0)
    with pytest.raises(LabError):
        parse("540p").scaled(float("nan"))


@pytest.mark.parametrize(
    "spec",
    ["4kk", "", "1080", "0p", "p", "1080i", "uhd-9", "10x", "x10", "1.5x2", "0x100", "-3x100", "potato"],
)
def test_parse_rejects_unknown_strings(spec):
    with pytest.raises(LabError) as info:
        parse(spec)
    message = str(info.value)
    assert spec.strip() in message or "must be positive" in message


def test_unknown_name_lists_accepted_spellings():
    with pytest.raises(LabError, match="540p.*1080p.*4k.*8k.*WIDTHxHEIGHT"):
        parse("16k")


@pytest.mark.parametrize("spec", [3840, 3.5, None, [3840, 2160], (1920,)])
def test_parse_rejects_wrong_types(spec):
    with pytest.raises(LabTypeError):
        parse(spec)


@pytest.mark.parametrize("w, h", [(0, 10), (10, 0), (-4, 10), (10, -1), (20000, 10), (10, 16385)])
def test_resolution_rejects_bad_sides(w, h):
    with pytest.raises(LabError):
        Resolution(w, h)


@pytest.mark.parametrize("w, h", [(10.0, 10), (10, "10"), (True, 10)])
def test_resolution_rejects_non_integers(w, h):
    with pytest.raises(LabTypeError):
        Resolution(w, h)


def test_numpy_integers_become_python_ints():
    res = Resolution(np.int64(64), np.int32(36))
    assert type(res.width) is int and type(res.height) is int


def test_memory_guard_refuses_before_allocating(monkeypatch):
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", str(200 * 2**20))  # pretend 200 MiB are free
    check_memory(50 * 2**20, "a small buffer")  # 50 MiB < half of 200 MiB: fine
    with pytest.raises(MemoryBudgetError) as info:
        guard_frame(parse("4k"), "float32", copies=2)  # 2 x 99.5 MB > 100 MiB
    message = str(info.value)
    assert "GiB" in message and "lower resolution" in message and "tiles" in message and "stream" in message
    with pytest.raises(MemoryBudgetError, match="48-frame clip"):
        guard_clip(parse("4k"), 48)
    guard_clip(parse("4k"), 2)  # two uint8 4K frames (47 MiB) fit
    assert isinstance(MemoryBudgetError("x"), ValueError)


def test_memory_guard_uses_real_memory_when_not_overridden(monkeypatch):
    monkeypatch.delenv("LAB_MEMORY_LIMIT_BYTES", raising=False)
    available = lab.memory.available_memory()
    assert available > 0
    with pytest.raises(MemoryBudgetError):
        check_memory(available + 1, "more than all free memory")


@pytest.mark.parametrize("value", ["lots", "-5", "0"])
def test_bad_memory_override_is_explained(monkeypatch, value):
    monkeypatch.setenv("LAB_MEMORY_LIMIT_BYTES", value)
    with pytest.raises(LabError, match="LAB_MEMORY_LIMIT_BYTES"):
        check_memory(1, "one byte")


def test_errors_are_value_and_type_errors():
    assert issubclass(LabError, ValueError) and issubclass(LabTypeError, TypeError)
    err = choice_error("scene", "skn", ["skin", "fabric"])
    assert str(err) == "unknown scene 'skn'; choose one of: fabric, skin"


def test_config_tiers(monkeypatch):
    monkeypatch.setenv("LAB_SMOKE", "1")
    assert lab.config.smoke_mode()
    smoke = lab.config.tier()
    assert smoke.name == "smoke" and smoke.target.pixels < 100_000 and smoke.factor == 4
    monkeypatch.setenv("LAB_SMOKE", "0")
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    assert not lab.config.smoke_mode() and lab.config.device() == "cpu"
    cpu = lab.config.tier()
    assert cpu.target == parse("1080p") and cpu.source.scaled(cpu.factor) == cpu.target
    monkeypatch.setenv("LAB_DEVICE", "cuda")
    gpu = lab.config.tier()
    assert gpu.target == parse("4k") and gpu.source == parse("540p")


@pytest.mark.parametrize("module", [lab.resolution, lab.memory, lab.errors, lab.config])
def test_docstring_examples_run(module, monkeypatch):
    monkeypatch.delenv("LAB_SMOKE", raising=False)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_memory_guard_counts_the_address_space_limit():
    """Under `ulimit -v` a 4K request is refused by the guard, not by a raw allocation failure."""
    code = """
import resource
from lab import memory, resolution
with open("/proc/self/status") as f:
    used = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
_, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20, hard))
memory._MEMINFO_CACHE[0] = -1.0
room = memory.available_memory()
assert 250 * 2**20 < room <= 300 * 2**20, room
try:
    memory.guard_frame(resolution.parse("4k"), "float32", copies=2)  # 199 MB: more than half the room
except memory.MemoryBudgetError as err:
    print("refused:", err)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused:") and "GiB" in done.stdout
