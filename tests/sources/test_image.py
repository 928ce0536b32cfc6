"""ImageSource: pictures written by OpenCV, read back as one frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from media_factory import pattern_frame

from streamart.errors import InputError, InputNotFoundError
from streamart.sources.image import ImageSource


def test_png_is_one_exact_rgb_frame(tmp_path):
    image = pattern_frame(2, 33, 25)
    path = tmp_path / "picture.png"
    assert cv2.imwrite(str(path), image[..., ::-1])  # OpenCV files are BGR
    with ImageSource(path) as source:
        assert source.live is False
        assert (source.info.width, source.info.height, source.info.frame_count) == (33, 25, 1)
        frames = list(source)
    assert len(frames) == 1 and frames[0].index == 0
    assert frames[0].image.flags.c_contiguous
    np.testing.assert_array_equal(frames[0].image, image)


def test_grey_picture_becomes_rgb(tmp_path):
    path = tmp_path / "grey.png"
    cv2.imwrite(str(path), np.full((8, 12), 77, np.uint8))
    image = next(iter(ImageSource(path))).image
    assert image.shape == (8, 12, 3) and (image == 77).all()


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InputNotFoundError, match="not found"):
        ImageSource(tmp_path / "nothing.png")
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(InputError, match="not an image"):
        ImageSource(text)
    empty = tmp_path / "empty.jpg"
    empty.touch()
    with pytest.raises(InputError, match="not an image"):
        ImageSource(empty)
