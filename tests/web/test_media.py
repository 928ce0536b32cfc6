"""What a file is, and JPEG in and out."""

from __future__ import annotations

import numpy as np
import pytest

from streamart.errors import InputError
from streamart.web.media import decode_jpeg, encode_jpeg, media_kind


def test_images_videos_and_the_rest(tmp_path, clip, photo):
    (tmp_path / "photo.bin").write_bytes(photo)  # the contents decide, not the name
    (tmp_path / "notes.jpg").write_text("not a picture")
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert media_kind(tmp_path / "photo.bin") == "image"
    assert media_kind(clip) == "video"
    assert media_kind(tmp_path / "notes.jpg") is None
    assert media_kind(tmp_path / "empty.mp4") is None


def test_a_sound_file_is_not_a_video(clip_factory):
    assert media_kind(clip_factory("tone.m4a", video=False)) is None


def test_jpeg_round_trip_keeps_the_picture():
    y, x = np.mgrid[0:48, 0:64]
    image = np.stack([x * 4, y * 5, np.full_like(x, 128)], -1).astype(np.uint8)
    back = decode_jpeg(encode_jpeg(image))
    assert back.shape == image.shape and np.abs(back.astype(int) - image).mean() < 3


@pytest.mark.parametrize("data", [b"", b"not a jpeg"])
def test_a_frame_that_is_not_a_picture_is_an_input_error(data):
    with pytest.raises(InputError, match="not a picture"):
        decode_jpeg(data)
