"""Image helpers: reading, resizing, colour transfer."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

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


def test_jpeg_round_trip_keeps_the_picture():
    y, x = np.mgrid[0:48, 0:64]
    image = np.stack([x * 4, y * 5, np.full_like(x, 128)], -1).astype(np.uint8)
    back = imageops.decode_jpeg(imageops.encode_jpeg(image))
    assert back.shape == image.shape and np.abs(back.astype(int) - image).mean() < 3


@pytest.mark.parametrize("data", [b"", b"not a jpeg"])
def test_a_frame_that_is_not_a_picture_is_an_input_error(data):
    with pytest.raises(InputError, match="not a picture"):
        imageops.decode_jpeg(data)
