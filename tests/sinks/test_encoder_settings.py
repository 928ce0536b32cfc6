"""The encoder's settings, checked before any frame (streamart/sinks/encoder_settings.py): on
their own, and as the encoder sink checks them on construction, leaving no file behind."""

from __future__ import annotations

import av
import pytest

from streamart.config import EncodeConfig
from streamart.core.protocols import StreamInfo
from streamart.errors import OutputError
from streamart.sinks.encoder import EncoderSink
from streamart.sinks.encoder_settings import available_encoders, check_encode, even_size


def test_check_encode_returns_the_options_on_the_encoders_own_scale():
    assert check_encode(EncodeConfig(crf=20, preset="veryfast"), 64, 48) == {"crf": "20", "preset": "veryfast"}
    assert check_encode(EncodeConfig(encoder="mpeg4", qscale=4), 64, 48) == {"qmin": "4", "qmax": "4"}
    above_1080p = check_encode(EncodeConfig(), 2048, 1152)
    assert above_1080p["x264-params"] == "rc-lookahead=0:mbtree=0:bframes=0:ref=1"
    assert "x264-params" not in check_encode(EncodeConfig(), 1280, 720)


def test_even_size_follows_the_pixel_formats_chroma_grid():
    assert even_size(63, 47, "yuv420p") == (64, 48)
    assert even_size(63, 47, "yuv422p") == (64, 47)
    assert even_size(63, 47, "yuv444p") == (63, 47)
    assert even_size(63, 47, "gray") == (63, 47)


def test_unknown_encoder_names_the_choices(tmp_path):
    with pytest.raises(OutputError) as caught:
        EncoderSink(tmp_path / "out.mp4", info=StreamInfo(64, 48, 10.0), encode=EncodeConfig(encoder="x265turbo"))
    assert "libx264" in str(caught.value)
    assert "libx264" in available_encoders()


def test_container_is_checked_before_any_frame(tmp_path):
    info = StreamInfo(64, 48, 10.0)
    with pytest.raises(OutputError, match="from its extension"):
        EncoderSink(tmp_path / "out.unknown", info=info)
    with pytest.raises(OutputError, match="cannot hold h264.*--encoder .*libvpx-vp9"):
        EncoderSink(tmp_path / "out.webm", info=info)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"preset": "warp-speed"},
            "libx264 has no preset 'warp-speed'; choose one of: ultrafast, superfast, .*placebo",
        ),
        ({"pix_fmt": "rgb565be"}, "libx264 does not take pix_fmt rgb565be; choose one of: yuv420p, .*gray"),
        ({"pix_fmt": "nosuch"}, "does not take pix_fmt nosuch; choose one of: yuv420p"),
        ({"pix_fmt": "pal8"}, "does not take pix_fmt pal8"),
        ({"crf": 999}, "--crf 999 is out of range for libx264: give 0 to 51"),
        ({"crf": -5}, "--crf -5 is out of range for libx264: give 0 to 51"),
        ({"encoder": "libvpx-vp9", "crf": 64, "preset": None}, "--crf 64 is out of range for libvpx-vp9: give 0 to 63"),
        (
            {"encoder": "mpeg4", "crf": 18},
            r"encoder mpeg4 has no --crf; leave it out, or set its quality with --qscale 1 to 31",
        ),
        ({"encoder": "mpeg4", "qscale": 0}, "--qscale 0 is out of range for mpeg4: give 1 to 31"),
        ({"qscale": 3}, "encoder libx264 takes --crf, not --qscale; leave --qscale out"),
    ],
)
def test_encoder_settings_are_checked_before_any_frame(tmp_path, settings, message):
    with pytest.raises(OutputError, match=message):
        EncoderSink(tmp_path / "out.mkv", info=StreamInfo(64, 48, 10.0), encode=EncodeConfig(**settings))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif("libsvtav1" not in av.codecs_available, reason="this FFmpeg has no SVT-AV1")
def test_a_numeric_preset_is_checked_against_its_range():
    # SVT-AV1's preset is a number, with no named choices.
    assert check_encode(EncodeConfig(encoder="libsvtav1", preset="8"), 64, 48)["preset"] == "8"
    with pytest.raises(OutputError, match="encoder libsvtav1 takes a preset from -2 to 13, not 'fast'"):
        check_encode(EncodeConfig(encoder="libsvtav1", preset="fast"), 64, 48)


def test_a_picture_extension_is_refused_as_no_video(tmp_path):
    for encoder in ("libx264", "mpeg4"):  # the old advice for .png (--encoder mpeg4) was no way out
        with pytest.raises(OutputError) as error:
            EncoderSink(tmp_path / "out.png", info=StreamInfo(64, 48, 10.0), encode=EncodeConfig(encoder=encoder))
        assert str(error.value) == (
            "a .png file holds a picture, not a video; use .mp4 or .mkv ('streamart image' stylizes a picture)"
        )
    assert list(tmp_path.iterdir()) == []
