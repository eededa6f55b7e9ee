"""Render cache: keys from parameters, LRU eviction within a byte budget, real renders."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lab.errors import LabError, LabTypeError
from lab.progress import format_seconds
from lab.render_cache import Render, RenderCache, RenderKey, render


def frame(value: int, h: int = 10, w: int = 10) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


def test_keys_normalise_parameters():
    a = RenderKey.make("skin", "1080p", method="Bicubic", source="480x270", t=0.1 + 0.2)
    b = RenderKey.make("skin", (1920, 1080), method="bicubic", source=(480, 270), t=0.3)
    assert a == b and hash(a) == hash(b)
    assert a.label == "bicubic 480x270 -> 1920x1080"
    assert a.target.pixels == 1920 * 1080 and a.source.width == 480
    native = RenderKey.make("skin", "1080p", source="480x270")  # a native render ignores the source
    assert native.source is None and native.label == "native 1920x1080"
    assert RenderKey.make("skin", "1080p", seed=1) != RenderKey.make("skin", "1080p", seed=2)
    assert RenderKey.make("skin", "1080p", motion="pan") != RenderKey.make("skin", "1080p")


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(method="bicubic"), LabError, "source"),
        (dict(method="bicubic", source="4k"), LabError, "larger than target"),
        (dict(t=float("nan")), LabError, "finite"),
        (dict(method=""), LabTypeError, "method"),
    ],
)
def test_bad_keys_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        RenderKey.make("skin", "1080p", **kwargs)
    with pytest.raises(LabTypeError, match="scene"):
        RenderKey.make(None, "1080p")


def test_hits_do_not_call_the_renderer_and_frames_are_read_only():
    cache = RenderCache(max_bytes=10_000)
    key = RenderKey("skin", 10, 10)
    calls = []
    r = cache.get_or_render(key, lambda: calls.append(1) or frame(5))
    assert cache.get_or_render(key, lambda: calls.append(1) or frame(6)) is r
    assert calls == [1] and (cache.hits, cache.misses) == (1, 1)
    assert r.seconds >= 0 and r.nbytes == 300
    with pytest.raises(ValueError):
        r.frame[0, 0, 0] = 1


def test_float_frames_are_stored_as_uint8():
    cache = RenderCache(max_bytes=10_000)
    r = cache.get_or_render(RenderKey("skin", 4, 2), lambda: np.full((2, 4, 3), 0.5, np.float32))
    assert r.frame.dtype == np.uint8 and r.frame[0, 0, 0] == 128
    with pytest.raises(LabError):
        cache.get_or_render(RenderKey("skin", 4, 3), lambda: np.zeros((3, 4), np.float32))


def test_lru_eviction_keeps_the_byte_budget():
    cache = RenderCache(max_bytes=1000)  # three 300-byte frames fit, a fourth evicts the oldest
    keys = [RenderKey("skin", 10, 10, seed=i) for i in range(4)]
    for k in keys[:3]:
        cache.get_or_render(k, lambda: frame(1))
    cache.get(keys[0])  # touch: keys[1] is now the least recently used
    cache.get_or_render(keys[3], lambda: frame(1))
    assert keys[1] not in cache and all(k in cache for k in (keys[0], keys[2], keys[3]))
    assert cache.nbytes <= 1000
    big = cache.get_or_render(RenderKey("skin", 100, 100), lambda: frame(1, 100, 100))
    assert big.frame.shape == (100, 100, 3) and RenderKey("skin", 100, 100) not in cache  # too big to keep
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(LabError):
        RenderCache(max_bytes=0)


def test_cache_is_thread_safe():
    cache = RenderCache(max_bytes=3000)
    errors = []

    def worker(i):
        try:
            for j in range(50):
                cache.get_or_render(
                    RenderKey("skin", 10, 10, seed=(i * 7 + j) % 15), lambda j=j: frame(j % 255)
                )
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and cache.nbytes <= 3000 and cache.hits + cache.misses == 200


def test_render_label_and_seconds_format():
    r = Render(RenderKey("skin", 64, 36, "lanczos", 16, 9), frame(0, 36, 64), 1.25)
    assert r.label == "lanczos 16x9 -> 64x36 · 1.25 s"
    assert format_seconds(0.0004) == "0 ms" and format_seconds(61) == "1 min 1 s"


def test_render_uses_the_real_renderer_and_caches():
    from lab import native, scenes

    cache = RenderCache()
    r = render("zoneplate", "64x36", cache=cache)
    assert (r.frame == native.render(scenes.get("zoneplate"), "64x36", 0.0)).all()
    assert render("zoneplate", "64x36", cache=cache) is r
    up = render("zoneplate", "64x36", method="nearest", source="16x9", cache=cache)
    expect = native.render_upscaled(scenes.get("zoneplate"), "64x36", "16x9", "nearest", 0.0, seed=0)
    assert (up.frame == expect).all() and len(cache) == 2
