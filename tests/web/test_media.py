"""What an uploaded file is, and whether a video has sound."""

from __future__ import annotations

import cv2
import pytest
from bombs import png_bomb
from media_factory import make_clip, make_playlist

from streamart.errors import TooManyPixelsError
from streamart.web.media import has_audio, media_kind


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


def test_a_playlist_is_not_a_video_whatever_it_names(tmp_path):
    secret = tmp_path / "secret.mkv"
    make_clip(secret, audio=False)
    for entry in (str(secret), secret.as_uri(), "../secret.mkv"):
        playlist = tmp_path / "uploads" / "clip.m3u8"
        playlist.parent.mkdir(exist_ok=True)
        make_playlist(playlist, entry)
        assert media_kind(playlist) is None, entry


def test_a_video_has_sound_only_with_an_audio_stream(clip_factory):
    assert has_audio(clip_factory("tone.mp4"))
    assert not has_audio(clip_factory("silent.mp4", audio=False))


def test_a_picture_or_video_over_the_limit_is_refused_from_its_header(tmp_path, clip):
    bomb = png_bomb(tmp_path / "upload.png", 30000, 30000)
    with pytest.raises(TooManyPixelsError, match=r"^bomb.png is 30000x30000 pixels .* --max-pixels 900000000'$"):
        media_kind(bomb, name="bomb.png")
    assert media_kind(clip, max_pixels=64 * 48) == "video"
    with pytest.raises(TooManyPixelsError, match="^a frame of clip.mp4 is 64x48 pixels"):
        media_kind(clip, max_pixels=64 * 48 - 1, name="clip.mp4")


def test_a_picture_whose_size_cannot_be_read_is_not_media(tmp_path):
    path = tmp_path / "picture.tif"
    path.write_bytes(b"II+\x00" + bytes(100))  # a BigTIFF header, which OpenCV recognises
    assert cv2.haveImageReader(str(path))
    assert media_kind(path) is None
