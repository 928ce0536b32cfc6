"""Image helpers: reading, resizing, colour transfer."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest
from bombs import jpeg_bomb, memory_growth, png_bomb

from streamart.config import MAX_PIXELS
from streamart.errors import InputError, InputNotFoundError
from streamart.ops import image as imageops


def random_image(height: int = 40, width: int = 60, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_load_image_reads_rgb_in_the_right_order(tmp_path):
    image = random_image()
    image[0, 0] = (255, 0, 0)  # pure red in RGB
    path = tmp_path / "picture.png"
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    loaded = imageops.load_image(path)
    assert np.array_equal(loaded, image)
    assert tuple(loaded[0, 0]) == (255, 0, 0)


def test_load_image_expands_greyscale(tmp_path):
    grey = random_image()[..., 0]
    path = tmp_path / "grey.png"
    assert cv2.imwrite(str(path), grey)
    loaded = imageops.load_image(path)
    assert loaded.shape == (40, 60, 3)
    assert np.array_equal(loaded[..., 1], grey)


def test_load_image_missing_path(tmp_path):
    with pytest.raises(InputNotFoundError, match="not found: .*missing.jpg"):
        imageops.load_image(tmp_path / "missing.jpg")
    with pytest.raises(FileNotFoundError):  # the builtin still catches it
        imageops.load_image(tmp_path / "missing.jpg")


@pytest.mark.parametrize("contents", [b"", b"this is not an image"])
def test_load_image_not_an_image(tmp_path, contents):
    path = tmp_path / "style.jpg"
    path.write_bytes(contents)
    with pytest.raises(InputError, match="not an image"):
        imageops.load_image(path)


def encoded(extension: str, image: np.ndarray, *params: int) -> bytes:
    ok, data = cv2.imencode(extension, image, list(params))
    assert ok
    return data.tobytes()


def jpeg2000_codestream(image: np.ndarray) -> bytes:
    """A bare JPEG 2000 codestream (OpenCV writes only the .jp2 box format): the one inside
    a .jp2 file."""
    data = encoded(".jp2", image)
    return data[data.index(b"\xff\x4f\xff\x51") :]


COLOUR = np.random.default_rng(0).integers(0, 256, (70, 97, 3), dtype=np.uint8)
WAYS = {
    "png": lambda: encoded(".png", COLOUR),
    "jpeg": lambda: encoded(".jpg", COLOUR),
    "progressive jpeg": lambda: encoded(".jpg", COLOUR, cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
    "lossy webp": lambda: encoded(".webp", COLOUR, cv2.IMWRITE_WEBP_QUALITY, 80),
    "lossless webp": lambda: encoded(".webp", COLOUR, cv2.IMWRITE_WEBP_QUALITY, 101),
    "extended webp": lambda: encoded(".webp", np.dstack([COLOUR, COLOUR[..., :1]]), cv2.IMWRITE_WEBP_QUALITY, 80),
    "avif": lambda: encoded(".avif", COLOUR),
    "bmp": lambda: encoded(".bmp", COLOUR),
    "gif": lambda: encoded(".gif", COLOUR),
    "tiff": lambda: encoded(".tif", COLOUR),
    "jp2": lambda: encoded(".jp2", COLOUR),
    "j2k": lambda: jpeg2000_codestream(COLOUR),
    "ppm": lambda: encoded(".ppm", COLOUR),
    "pgm": lambda: encoded(".pgm", COLOUR[..., 0]),
    "pbm": lambda: encoded(".pbm", COLOUR[..., 0]),
    "pam": lambda: encoded(".pam", COLOUR),
    "pfm": lambda: encoded(".pfm", COLOUR.astype(np.float32) / 255),
    "sun raster": lambda: encoded(".ras", COLOUR),
    "radiance hdr": lambda: encoded(".hdr", COLOUR.astype(np.float32) / 255),
}


@pytest.mark.parametrize("way", WAYS)
def test_picture_size_reads_the_header_of_every_format_opencv_writes(way):
    data = WAYS[way]()
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape == (70, 97, 3)
    assert imageops.picture_size(data) == (97, 70)
    assert imageops.picture_size(np.frombuffer(data, np.uint8)) == (97, 70)


def test_picture_size_finds_the_jpeg_frame_header_past_junk_and_fill_bytes():
    data = encoded(".jpg", COLOUR)
    frame = data.index(b"\xff\xc0")
    assert imageops.picture_size(data[:frame] + b"junk\xff\xff" + data[frame:]) == (97, 70)


def test_picture_size_gives_up_on_a_file_of_endless_boxes():
    data = encoded(".avif", COLOUR)
    assert imageops.picture_size(data[:32] + b"\x00\x00\x00\x08free" * 100_000 + data[32:]) is None


def test_picture_size_of_a_gif_counts_a_frame_larger_than_its_canvas():
    data = bytearray(encoded(".gif", COLOUR))
    frame = data.index(b"\x2c\x00\x00\x00\x00")  # the frame's descriptor at (0, 0)
    data[frame + 5 : frame + 9] = (40000).to_bytes(2, "little") + (30000).to_bytes(2, "little")
    assert imageops.picture_size(bytes(data)) == (40000, 30000)


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00", b"GIF89a", b"hello, world"])
def test_picture_size_is_none_for_what_is_not_a_whole_header(data):
    assert imageops.picture_size(data) is None


def bigtiff(image: np.ndarray) -> bytes:
    """A greyscale BigTIFF (64-bit offsets: what libtiff writes above 4 GB), uncompressed."""
    height, width = image.shape
    entries = [
        (256, 3, width),
        (257, 3, height),
        (258, 3, 8),
        (259, 3, 1),
        (262, 3, 1),
        (273, 16, 0),
        (277, 3, 1),
        (278, 3, height),
        (279, 16, width * height),
    ]
    pixels_at = 16 + 8 + 20 * len(entries) + 8
    ifd = struct.pack("<Q", len(entries)) + b"".join(
        struct.pack("<HHQQ", tag, kind, 1, pixels_at if tag == 273 else value) for tag, kind, value in entries
    )
    return b"II+\x00" + struct.pack("<HHQ", 8, 0, 16) + ifd + bytes(8) + image.tobytes()


def test_load_image_refuses_a_format_whose_size_it_cannot_read(tmp_path):
    path = tmp_path / "picture.tif"
    path.write_bytes(bigtiff(COLOUR[..., 0]))
    assert cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_GRAYSCALE).tolist() == COLOUR[..., 0].tolist()
    with pytest.raises(InputError, match="not an image streamart can read .use PNG, JPEG"):
        imageops.load_image(path)


def test_load_image_refuses_a_picture_over_the_limit_before_decoding_it(tmp_path):
    path = tmp_path / "big.png"
    assert cv2.imwrite(str(path), COLOUR)
    assert imageops.load_image(path, max_pixels=97 * 70).shape == (70, 97, 3)
    with pytest.raises(InputError) as error:
        imageops.load_image(path, max_pixels=97 * 70 - 1)
    assert str(error.value) == (
        f"the picture {path} is 97x70 pixels (0.00679 megapixels), more than the limit of 0.00679 megapixels that keeps "
        "decoding it within memory; use a smaller one, or raise the limit with --max-pixels 6790"
    )


def test_the_default_limit_allows_8k_video_frames_and_refuses_a_16000_pixel_square():
    imageops.check_pixels(7680, 4320, max_pixels=MAX_PIXELS, what="an 8K frame")
    with pytest.raises(InputError, match="16000x16000 pixels .256 megapixels., more than the limit of 150 megapixels"):
        imageops.check_pixels(16000, 16000, max_pixels=MAX_PIXELS, what="the picture")


def test_decode_jpeg_refuses_a_frame_over_its_limit_with_the_fix_given():
    data = encoded(".jpg", COLOUR)
    assert imageops.decode_jpeg(data, max_pixels=97 * 70).shape == (70, 97, 3)
    with pytest.raises(InputError, match="the frame is 97x70 pixels .* send smaller frames$"):
        imageops.decode_jpeg(data, max_pixels=1000, fix="send smaller frames")


def test_opencvs_own_limit_is_a_one_line_error(tmp_path):
    """With the limit raised past OpenCV's own (2^30 pixels), OpenCV refuses the 70000x70000
    picture itself; that is an InputError in one line, not a cv2.error."""
    path = png_bomb(tmp_path / "huge.png", 70000, 70000)
    with pytest.raises(InputError) as error:
        imageops.load_image(path, max_pixels=10**10)
    assert str(error.value) == (
        f"OpenCV cannot decode {path} (it is larger than OpenCV's own limit, OPENCV_IO_MAX_IMAGE_PIXELS); "
        "use a smaller picture"
    )


#: Reading a bomb may raise memory this much at most (the limit the issue sets).
BOMB_MEMORY = 200 * 2**20


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_a_bomb_is_refused_without_taking_memory(tmp_path, kind):
    """Before the probe, reading either took 1.5 GB (a 16000x16000 RGB image, twice)."""
    path = tmp_path / f"bomb.{kind}"
    if kind == "png":
        png_bomb(path, 16000, 16000)
    else:
        path.write_bytes(jpeg_bomb(16000, 16000))
    growth, outcome, _ = memory_growth(
        f"result = imageops.load_image({str(path)!r})", setup="from streamart.ops import image as imageops"
    )
    assert outcome.startswith("TooManyPixelsError: the picture") and "16000x16000 pixels" in outcome
    assert growth < BOMB_MEMORY


def test_load_image_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        imageops.load_image(tmp_path)


def test_fit_long_side_keeps_the_aspect_ratio():
    assert imageops.fit_long_side(300, 450, 100) == (67, 100)
    assert imageops.fit_long_side(450, 300, 100) == (100, 67)
    with pytest.raises(InputError, match="at least 1"):
        imageops.fit_long_side(300, 450, 0)


def test_fit_short_side_keeps_the_aspect_ratio_and_may_enlarge():
    assert imageops.fit_short_side(300, 450, 100) == (100, 150)
    assert imageops.fit_short_side(45, 30, 224) == (336, 224)
    with pytest.raises(InputError, match="at least 1"):
        imageops.fit_short_side(300, 450, 0)


def test_resize_long_side_shrinks_and_enlarges():
    image = random_image(40, 60)
    assert imageops.resize_long_side(image, 30).shape == (20, 30, 3)
    assert imageops.resize_long_side(image, 120).shape == (80, 120, 3)
    assert imageops.resize(image, 40, 60) is image  # same size: untouched


def test_keep_chroma_takes_luminance_from_one_and_colour_from_the_other():
    # Mid-grey texture and muted colours, so recombining them stays inside the RGB gamut.
    styled = (60 + random_image(seed=1) // 2).astype(np.uint8)
    content = (90 + random_image(seed=2) // 4).astype(np.uint8)
    result = imageops.keep_chroma(styled, content)

    def ycc(image):
        return cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb).astype(int)

    # Off by a few levels at most: RGB is rounded and clipped to uint8 on the way back.
    assert np.abs(ycc(result)[..., 0] - ycc(styled)[..., 0]).mean() < 3
    assert np.abs(ycc(result)[..., 1:] - ycc(content)[..., 1:]).mean() < 3
    with pytest.raises(InputError, match="sizes differ"):
        imageops.keep_chroma(styled, content[:10])


def test_match_histograms_takes_the_reference_distribution_and_keeps_the_order():
    rng = np.random.default_rng(3)
    image = rng.normal(80, 20, (50, 50, 3)).clip(0, 255).astype(np.uint8)
    reference = rng.normal([200, 120, 40], [10, 40, 5], (30, 70, 3)).clip(0, 255).astype(np.uint8)
    matched = imageops.match_histograms(image, reference)
    for channel in range(3):
        assert abs(matched[..., channel].mean() - reference[..., channel].mean()) < 3
        assert abs(matched[..., channel].std() - reference[..., channel].std()) < 3
        # A monotone remapping: brighter input pixels never come out darker.
        order = np.argsort(image[..., channel].ravel(), kind="stable")
        assert np.all(np.diff(matched[..., channel].ravel()[order].astype(int)) >= 0)


def test_a_histogram_blend_counts_each_reference_by_its_weight():
    rng = np.random.default_rng(4)
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2).repeat(4, axis=0)
    dark = rng.normal(40, 10, (10, 10, 3)).clip(0, 255).astype(np.uint8)
    bright = rng.normal(200, 10, (30, 40, 3)).clip(0, 255).astype(np.uint8)
    blended = imageops.match_histogram_blend(ramp, [dark, bright], [0.25, 0.75])
    # The darkest quarter of the ramp takes the dark picture's levels, the rest the bright
    # one's, whatever the pictures' sizes; the order of the levels is kept.
    assert (blended[0, :, 0] < 120).mean() == pytest.approx(0.25, abs=3 / 256)
    assert np.all(np.diff(blended[0, :, 0].astype(int)) >= 0)
    assert np.array_equal(
        imageops.match_histogram_blend(ramp, [dark, bright], [1.0, 0.0]), imageops.match_histograms(ramp, dark)
    )


def test_jpeg_round_trip_keeps_the_picture():
    y, x = np.mgrid[0:48, 0:64]
    image = np.stack([x * 4, y * 5, np.full_like(x, 128)], -1).astype(np.uint8)
    back = imageops.decode_jpeg(imageops.encode_jpeg(image))
    assert back.shape == image.shape and np.abs(back.astype(int) - image).mean() < 3


@pytest.mark.parametrize("data", [b"", b"not a jpeg"])
def test_a_frame_that_is_not_a_picture_is_an_input_error(data):
    with pytest.raises(InputError, match="not a picture"):
        imageops.decode_jpeg(data)
