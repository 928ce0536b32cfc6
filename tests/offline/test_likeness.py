"""The style ratio and content distance that the quality tool and the Gatys benchmark share."""

from __future__ import annotations

import numpy as np
import pytest

from streamart.nets.vgg import load_vgg16
from streamart.offline.likeness import LikenessMeasure


@pytest.fixture(scope="module")
def vgg():
    return load_vgg16(upto="relu4_3")


def stripes(seed: int) -> np.ndarray:
    """A 'painting': thick diagonal stripes in three saturated colours."""
    y, x = np.mgrid[0:96, 0:128]
    palette = np.random.default_rng(seed).integers(0, 256, (3, 3)).astype(np.uint8)
    return palette[((x + y) // 8) % 3]


def photo(seed: int) -> np.ndarray:
    """A 'photo': smooth gradients and mild noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:96, 0:128].astype(np.float32)
    image = np.stack([x * 2, y * 2.5, np.full_like(x, 120)], -1) + rng.normal(0, 4, (96, 128, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def test_a_painting_is_at_distance_zero_from_itself(vgg):
    painting = stripes(0)
    measure = LikenessMeasure(painting, vgg)
    assert measure.style_distance(painting) == 0
    assert measure.measure(painting, photo(1)).style_ratio == 0


def test_an_untouched_photo_has_ratio_one_and_keeps_all_of_itself(vgg):
    measure = LikenessMeasure(stripes(0), vgg)
    likeness = measure.measure(photo(1), photo(1))
    assert likeness.style_ratio == pytest.approx(1.0)
    assert likeness.content_distance == 0


def test_the_painting_scores_lower_against_itself_than_another_painting_or_a_photo(vgg):
    measure = LikenessMeasure(stripes(0), vgg)
    assert measure.style_distance(stripes(0)) < measure.style_distance(stripes(5))
    assert measure.style_distance(stripes(0)) < measure.style_distance(photo(1))


def test_content_distance_grows_as_the_photo_is_lost(vgg):
    measure = LikenessMeasure(stripes(0), vgg)
    original = photo(1)
    blurred = np.clip(original.astype(np.float32) * 0.7 + 40, 0, 255).astype(np.uint8)
    other = photo(2)[::-1].copy()
    assert 0 < measure.measure(blurred, original).content_distance < measure.measure(other, original).content_distance


def test_an_output_of_another_size_is_measured_at_the_photos(vgg):
    measure = LikenessMeasure(stripes(0), vgg)
    original = photo(1)
    bigger = np.repeat(np.repeat(original, 2, 0), 2, 1)
    other = photo(2)[::-1].copy()
    assert measure.measure(bigger, original).content_distance < 0.2 * measure.measure(other, original).content_distance


def test_several_outputs_of_one_photo_measure_as_each_does_alone(vgg):
    measure = LikenessMeasure(stripes(0), vgg)
    original, outputs = photo(1), [stripes(3), photo(2)]
    assert measure.measure_outputs(outputs, original) == [measure.measure(o, original) for o in outputs]


def test_measures_of_several_paintings_share_the_photos_features(vgg):
    cache: dict = {}
    original = photo(1)
    first = LikenessMeasure(stripes(0), vgg, photo_cache=cache).measure(stripes(3), original)
    assert len(cache) == 1
    second = LikenessMeasure(stripes(5), vgg, photo_cache=cache)
    assert second.measure(stripes(3), original) == LikenessMeasure(stripes(5), vgg).measure(stripes(3), original)
    assert len(cache) == 1 and first != second.measure(stripes(3), original)
