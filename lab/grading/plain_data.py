"""Answers as plain data: what may leave a grading sandbox, and how the grader reads it back.

A student's kernel is not trusted, so nothing it produces is unpickled, imported or called.
Inside the sandbox :func:`encode` turns an answer into JSON made of numbers, strings, lists,
tagged tuples and dicts, and numeric numpy arrays as raw little-endian bytes. Outside,
:func:`decode` rebuilds exactly those types and refuses anything else, so an "always equal"
object, a patched ``__eq__`` or a pickle payload cannot reach the grader's checks.

>>> import numpy as np
>>> decode(encode((1, 2.5, "b", [None, True], {"k": np.arange(3, dtype=np.uint8)})))
(1, 2.5, 'b', [None, True], {'k': array([0, 1, 2], dtype=uint8)})
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

# Exported values of one hidden test travel in a display_data message of this type.
EXPORT_MIME = "application/x-lab-export+json"
MAX_DEPTH = 16
MAX_ITEMS = 1_000_000
MAX_ARRAY_BYTES = 64 * 1024**2  # one decoded array (the export itself is capped smaller)
ARRAY_DTYPES = frozenset({"|b1", "|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f2", "<f4", "<f8"})


class PlainDataError(ValueError):
    """The data is not in the plain-data schema (or is too large or too deep)."""


class NotExportable:
    """Stands in for an answer that could not be exported; compares unequal to everything."""

    def __init__(self, type_name: str) -> None:
        self.type_name = printable(type_name)

    def __repr__(self) -> str:
        if self.type_name == "ellipsis":
            return "not answered (still ...)"
        return f"a {self.type_name}, which cannot be graded: answer with numbers, strings, lists or arrays"


def _encode(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise PlainDataError(f"nested deeper than {MAX_DEPTH} levels")
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return value if np.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.generic) and not isinstance(value, (np.object_, np.void)):
        return _encode(value.item(), depth)
    if type(value) is list:
        return [_encode(v, depth + 1) for v in value]
    if type(value) is tuple:
        return {"tuple": [_encode(v, depth + 1) for v in value]}
    if type(value) is dict:
        return {"dict": [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        array = np.require(value, requirements="C")  # np.ascontiguousarray would make 0-d arrays 1-d
        if array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        if array.dtype.str not in ARRAY_DTYPES:
            return {"unsupported": f"array of {array.dtype}"}
        return {
            "ndarray": {
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "data": base64.b64encode(array.tobytes()).decode("ascii"),
            }
        }
    return {"unsupported": type(value).__name__}


def encode(value: Any) -> Any:
    """The JSON-ready plain form of ``value`` (unsupported types become a named placeholder)."""
    return _encode(value, 0)


def _decode(data: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise PlainDataError(f"more than {MAX_ITEMS} items")
    if depth > MAX_DEPTH:
        raise PlainDataError(f"nested deeper than {MAX_DEPTH} levels")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [_decode(v, depth + 1, budget) for v in data]
    if type(data) is not dict or len(data) != 1:
        raise PlainDataError(f"unexpected {type(data).__name__} in plain data")
    ((tag, body),) = data.items()
    if tag == "tuple" and type(body) is list:
        return tuple(_decode(v, depth + 1, budget) for v in body)
    if tag == "dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise PlainDataError("a dict entry is not a [key, value] pair")
            key = _decode(pair[0], depth + 1, budget)
            if type(key) not in (str, int, float, bool, tuple) and key is not None:
                raise PlainDataError(f"a dict key of type {type(key).__name__}")
            out[key] = _decode(pair[1], depth + 1, budget)
        return out
    if tag == "float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "unsupported" and type(body) is str:
        return NotExportable(body[:80])
    if tag == "ndarray" and type(body) is dict and set(body) == {"dtype", "shape", "data"}:
        return _decode_array(body)
    raise PlainDataError(f"unknown tag {str(tag)[:40]!r} in plain data")


def _decode_array(body: dict) -> np.ndarray:
    dtype, shape, data = body["dtype"], body["shape"], body["data"]
    if dtype not in ARRAY_DTYPES:
        raise PlainDataError(f"array dtype {str(dtype)[:20]!r} is not allowed")
    if (
        type(shape) is not list
        or len(shape) > 8
        or any(type(n) is not int or not 0 <= n < 2**31 for n in shape)
    ):
        raise PlainDataError("array shape is not a list of up to 8 integers in [0, 2**31)")
    if type(data) is not str or not data.isascii():
        raise PlainDataError("array data is not a base64 string")
    count = math.prod(shape)  # Python integers: no overflow, whatever the shape
    if count * np.dtype(dtype).itemsize > MAX_ARRAY_BYTES:
        raise PlainDataError(f"an array of {count} values is over the {MAX_ARRAY_BYTES // 1024**2} MiB limit")
    if len(data) > 4 * (MAX_ARRAY_BYTES // 3 + 1):
        raise PlainDataError("array data is longer than any allowed array")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    if count * np.dtype(dtype).itemsize != len(raw):
        raise PlainDataError("array data does not match its shape and dtype")
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()


def printable(text: str, limit: int = 10_000) -> str:
    """``text`` cut to ``limit`` characters, as a string that always encodes to UTF-8.

    Undecodable bytes of a file name (``surrogateescape``) come back as ``\\xe9``, other lone
    surrogates as ``\\ud800``; everything else is kept.
    """
    text = str(text)[:limit]
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def decode(data: Any) -> Any:
    """Rebuild a value from :func:`encode`'s form; raises :class:`PlainDataError` for anything else."""
    try:
        return _decode(data, 0, [MAX_ITEMS])
    except (ValueError, TypeError, RecursionError, OverflowError, MemoryError) as err:
        if isinstance(err, PlainDataError):
            raise
        raise PlainDataError(f"malformed plain data ({type(err).__name__})") from None


def publish(test_id: str, values: dict[str, Any]) -> None:
    """Inside the sandbox kernel: send one hidden test's exported values to the runner."""
    from IPython.display import publish_display_data

    payload = {"test": test_id, "values": {name: encode(value) for name, value in values.items()}}
    publish_display_data({EXPORT_MIME: json.dumps(payload)})
