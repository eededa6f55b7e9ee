"""Image composition for ``python -m lab compare``: zoom crops, a labelled row of tiles, PNG files.

Crops are cut at the same place of every arm and enlarged with nearest-neighbour, so each
pixel stays a visible square; the source arm's crop covers the same scene region at its own
lower resolution.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lab.arrays import check_frame
from lab.boxes import crop_box
from lab.compare_settings import CompareSettings
from lab.errors import LabError
from lab.optional import opencv

cv2 = opencv()

Box = tuple[int, int, int, int]  # (x0, y0, width, height) in pixels


def first_frame_images(
    s: CompareSettings, native0: np.ndarray, upscaled0: np.ndarray, source0: np.ndarray
) -> dict[str, np.ndarray]:
    """The images of a comparison by file stem: each arm's first frame, matched zoom crops of
    them and a labelled side-by-side row of the crops."""
    side = min(s.crop, s.resolution.width, s.resolution.height)
    box = crop_box(s.resolution, s.crop, detail_centre(native0, side) if s.region == "detail" else None)
    tile = (box[2] * s.zoom, box[3] * s.zoom)
    crops = {
        "source": zoom_crop(
            source0,
            source_box(box, s.source.width / s.resolution.width, s.source.height / s.resolution.height),
            tile,
        ),
        "upscaled": zoom_crop(upscaled0, box, tile),
        "native": zoom_crop(native0, box, tile),
    }
    labels = [
        f"source {s.source.width}x{s.source.height} (pixels x{s.factor * s.zoom:g})",
        f"{s.method} x{s.factor:g} (pixels x{s.zoom})",
        f"native {s.resolution.width}x{s.resolution.height} (pixels x{s.zoom})",
    ]
    return {
        "native_frame0": native0,
        "upscaled_frame0": upscaled0,
        "source_frame0": source0,
        **{f"crop_{k}": v for k, v in crops.items()},
        "side_by_side": labelled_row(list(crops.values()), labels),
    }


def source_box(box: Box, sx: float, sy: float) -> Box:
    """``box`` in target pixels scaled by (``sx``, ``sy``) onto the source frame, at least 1 px a side.

    >>> source_box((96, 26, 128, 128), 0.25, 0.25)
    (24, 6, 32, 32)
    """
    x0, y0, w, h = box
    return int(round(x0 * sx)), int(round(y0 * sy)), max(1, int(round(w * sx))), max(1, int(round(h * sy)))


def detail_centre(frame: np.ndarray, side: int) -> tuple[int, int]:
    """Centre (x, y) of the ``side``-pixel block where ``frame`` has the most fine detail
    (Laplacian energy, as the notebooks' loupe finds it), for zoom crops that show something.

    >>> f = np.zeros((90, 160, 3), np.uint8); f[60:80, 120:140:2] = 255
    >>> detail_centre(f, 30)
    (144, 75)
    """
    from lab.viz import interesting_regions

    return interesting_regions(frame, box=(side, side))["most detail"]


def zoom_crop(frame: np.ndarray, box: tuple[int, int, int, int], size: tuple[int, int]) -> np.ndarray:
    """Cut ``box`` (x0, y0, w, h) out of ``frame`` and enlarge it to ``size`` (w, h) with nearest.

    >>> zoom_crop(np.arange(16, dtype=np.uint8).reshape(4, 4, 1).repeat(3, 2), (1, 1, 2, 2), (4, 4))[:, :, 0]
    array([[ 5,  5,  6,  6],
           [ 5,  5,  6,  6],
           [ 9,  9, 10, 10],
           [ 9,  9, 10, 10]], dtype=uint8)
    """
    frame = check_frame(frame)
    x0, y0, w, h = box
    region = np.ascontiguousarray(frame[y0 : y0 + h, x0 : x0 + w])
    return cv2.resize(region, size, interpolation=cv2.INTER_NEAREST)


def labelled_row(tiles: list[np.ndarray], labels: list[str], *, gap: int = 8) -> np.ndarray:
    """Tiles of equal height side by side on a dark background, each with a text label above.

    >>> labelled_row([np.zeros((64, 64, 3), np.uint8)] * 2, ["a", "b"]).shape
    (89, 152, 3)
    """
    if len(tiles) != len(labels) or not tiles:
        raise LabError("labelled_row needs one label per tile and at least one tile")
    height = tiles[0].shape[0]
    scale = max(0.5, min(1.0, height / 512))
    header = int(34 * scale)
    width = sum(t.shape[1] for t in tiles) + gap * (len(tiles) + 1)
    canvas = np.full((header + height + gap, width, 3), 24, np.uint8)
    x = gap
    for tile, label in zip(tiles, labels):
        if tile.shape[0] != height:
            raise LabError("all tiles must have the same height")
        canvas[header : header + height, x : x + tile.shape[1]] = tile
        cv2.putText(
            canvas,
            label,
            (x, header - int(10 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7 * scale,
            (235, 235, 235),
            1,
            cv2.LINE_AA,
        )
        x += tile.shape[1] + gap
    return canvas


def write_png(path: Path, frame: np.ndarray) -> None:
    """Write an RGB uint8 ``frame`` as a PNG file."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise LabError(f"could not encode {path.name} as PNG")
    path.write_bytes(data.tobytes())
