"""lab.boxes: one box convention (x0, y0, x1, y1) and one rule for centring a box on a pixel."""

from __future__ import annotations

from lab.boxes import clamp_box, crop_box
from lab.resolution import Resolution


def test_an_odd_sized_box_has_the_requested_pixel_in_its_middle():
    for x in range(10, 20):
        x0, y0, x1, y1 = clamp_box(100, 50, x, 20, 5, 9)
        assert (x0 + x1 - 1) / 2 == x and (y0 + y1 - 1) / 2 == 20


def test_crop_box_is_clamp_box_in_size_form():
    for side in (7, 8, 64, 200):
        for centre in ((0, 0), (80, 45), (159, 89), (33, 71), (34, 70)):
            x0, y0, w, h = crop_box(Resolution(160, 90), side, centre)
            assert (x0, y0, x0 + w, y0 + h) == clamp_box(160, 90, *centre, side, side)
