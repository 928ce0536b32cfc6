"""The frame type and the one image check (streamart/core/frame.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from streamart.core.frame import Frame, check_image
from streamart.errors import InputError


def image(height: int = 4, width: int = 6, value: int = 0) -> np.ndarray:
    return np.full((height, width, 3), value, np.uint8)


def test_frame_knows_its_size_and_time():
    frame = Frame(image(4, 6), 3, pts=45, time_base=Fraction(1, 30))
    assert (frame.height, frame.width) == (4, 6)
    assert frame.time == pytest.approx(1.5)
    assert Frame(image(), 0).time is None  # no timestamps


def test_with_image_keeps_what_the_source_delivered():
    source = image(value=10)
    first = Frame(source, 0).with_image(image(value=20))
    second = first.with_image(image(value=30))
    assert first.original is source and second.original is source
    assert second.source_image is source and int(second.image[0, 0, 0]) == 30
    assert Frame(source, 0).source_image is source  # nothing replaced yet


def test_with_image_refuses_what_is_not_an_rgb_image():
    with pytest.raises(InputError, match="a stage's output must have shape H x W x 3"):
        Frame(image(), 0).with_image(np.zeros((4, 6), np.uint8))


def test_replace_changes_only_the_given_fields():
    frame = Frame(image(), 2, pts=7)
    moved = frame.replace(index=5)
    assert (moved.index, moved.pts, moved.image is frame.image) == (5, 7, True)
    assert frame.index == 2  # frames are immutable


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (image().astype(np.float32), "style image 1 must be a uint8 numpy array"),
        ([[0, 0, 0]], "must be a uint8 numpy array (RGB), got list"),
        (image()[..., :2], "style image 1 must have shape H x W x 3"),
        (np.zeros((0, 4, 3), np.uint8), "must have shape"),
    ],
)
def test_check_image_names_what_is_wrong(value, message):
    check_image(image())  # a good one passes
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_image(value, "style image 1")
