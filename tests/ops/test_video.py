"""Opening media files (plain ones only, when asked), and pixels between PyAV frames and RGB
arrays: round trips, and YUV frames tagged and computed as BT.709 in limited range."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from media_factory import make_clip, make_playlist, pattern_frame

from streamart.ops.video import BT709, from_rgb, open_input, to_rgb


def smooth_picture(width: int = 64, height: int = 48) -> np.ndarray:
    """Gradients without hard edges: chroma subsampling loses almost nothing of it."""
    ys = np.linspace(0, 1, height)[:, None]
    xs = np.linspace(0, 1, width)[None, :]
    image = np.stack([30 + 190 * xs + 0 * ys, 40 + 170 * ys + 0 * xs, 120 + 60 * np.sin(3 * (xs + ys))], -1)
    return image.round().astype(np.uint8)


def noise(width: int = 64, height: int = 48) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_rgb_formats_round_trip_exactly():
    image = noise(37, 21)  # odd size, every value: nothing is resampled or rounded
    for pix_fmt in ("rgb24", "bgr24"):
        frame = from_rgb(image, pix_fmt)
        assert (frame.width, frame.height) == (37, 21)
        np.testing.assert_array_equal(to_rgb(frame), image)


def test_yuv420p_round_trip_is_within_a_grey_level_and_unbiased():
    image = pattern_frame(3, 64, 48)  # gradients plus a hard-edged square
    frame = from_rgb(image, "yuv420p")
    assert frame.format.name == "yuv420p" and (frame.width, frame.height) == (64, 48)
    back = to_rgb(frame)
    assert back.shape == image.shape and back.dtype == np.uint8
    error = back.astype(int) - image
    assert np.abs(error).mean() < 1.0
    # Truncating instead of rounding (swscale's default) leaves the picture about one grey
    # level darker on average; rounding leaves no bias.
    assert abs(error.mean()) < 0.25
    smooth = smooth_picture()
    error = np.abs(to_rgb(from_rgb(smooth, "yuv420p")).astype(int) - smooth)
    assert error.mean() < 0.5
    assert error[1:-1, 1:-1].max() <= 2  # the border rows and columns interpolate chroma one-sided


def test_yuv444p_keeps_full_chroma_so_even_noise_survives():
    image = noise()
    error = np.abs(to_rgb(from_rgb(image, "yuv444p")).astype(int) - image)
    assert error.mean() < 0.6 and error.max() <= 3


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv444p", "nv12"])
def test_yuv_frames_are_tagged_bt709_limited_range(pix_fmt):
    frame = from_rgb(smooth_picture(), pix_fmt)
    assert frame.format.name == pix_fmt
    assert frame.colorspace == frame.color_primaries == frame.color_trc == BT709 == 1
    assert frame.color_range == 1  # MPEG (limited, 16-235)


def test_the_luma_follows_the_bt709_matrix_in_limited_range():
    # Y = 16 + 219 * (0.2126 R + 0.7152 G + 0.0722 B) / 255 (ITU-R BT.709); BT.601 would give
    # 145 for pure green, and full range 182.
    for rgb, luma in (
        ((0, 255, 0), 173),
        ((255, 0, 0), 63),
        ((0, 0, 255), 32),
        ((0, 0, 0), 16),
        ((255, 255, 255), 235),
    ):
        image = np.empty((16, 16, 3), np.uint8)
        image[:] = rgb
        y_plane = from_rgb(image, "yuv420p").to_ndarray()[:16]  # yuv420p: Y rows, then U and V
        assert abs(float(y_plane.mean()) - luma) <= 1, (rgb, y_plane.mean())


def test_the_tags_carried_through_an_encoder_decode_back_to_the_same_colours(tmp_path):
    path = tmp_path / "lossless.mkv"
    pictures = [pattern_frame(index, 64, 48) for index in range(3)]
    frames = [from_rgb(picture, "yuv420p") for picture in pictures]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"qp": "0", "preset": "ultrafast"}  # lossless: only the tags matter
        context = stream.codec_context
        # The stream takes its colour description from the frames (as the encoder sink does).
        context.colorspace, context.color_range = frames[0].colorspace, frames[0].color_range
        context.color_primaries, context.color_trc = frames[0].color_primaries, frames[0].color_trc
        for index, frame in enumerate(frames):
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with av.open(str(path)) as container:
        decoded = list(container.decode(video=0))
    assert len(decoded) == 3
    for picture, frame in zip(pictures, decoded):
        assert (frame.colorspace, frame.color_range) == (BT709, 1)
        error = to_rgb(frame).astype(int) - picture
        # Read with the wrong (BT.601) matrix the mean error would be about 5.5 levels.
        assert np.abs(error).mean() < 2.0 and abs(error.mean()) < 0.5


@pytest.mark.parametrize("name", ["clip.mkv", "clip.webm", "clip.ts", "clip.mp4", "clip.avi"])
def test_plain_files_open_as_plain_files(tmp_path, name):
    make_clip(tmp_path / name, codec="libvpx" if name.endswith(".webm") else "mpeg4", audio=False)
    with open_input(tmp_path / name, plain_only=True) as container:
        assert len(list(container.decode(video=0))) == 10


def test_a_playlist_opens_only_when_any_format_may(tmp_path):
    make_clip(tmp_path / "local.ts", codec="mpeg4", audio=False)
    make_playlist(tmp_path / "list.m3u8", str(tmp_path / "local.ts"))
    with open_input(tmp_path / "list.m3u8") as container:
        assert container.format.name == "hls"
    with pytest.raises(av.error.ArgumentError):
        open_input(tmp_path / "list.m3u8", plain_only=True)
