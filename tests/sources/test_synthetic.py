"""The synthetic test pattern: as many frames as asked, at the asked size, timed at 1/fps, moving."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np

from streamart.core.protocols import Source
from streamart.sources.synthetic import SyntheticSource


def test_frame_count_size_and_info():
    with SyntheticSource(width=96, height=54, frames=7, fps=25) as source:
        frames = list(source)
    assert len(frames) == 7
    for frame in frames:
        assert frame.image.shape == (54, 96, 3) and frame.image.dtype == np.uint8
        assert frame.image.flags.c_contiguous
    info = source.info
    assert (info.width, info.height, info.fps, info.frame_count) == (96, 54, 25.0, 7)
    assert info.duration == 7 / 25 and info.time_base == Fraction(1, 25)
    assert not source.live and isinstance(source, Source)
    assert SyntheticSource(width=8, height=8, live=True).live


def test_timestamps_count_frames_at_one_over_fps():
    frames = list(SyntheticSource(width=32, height=32, frames=5, fps=30))
    assert [frame.index for frame in frames] == [0, 1, 2, 3, 4]
    assert [frame.pts for frame in frames] == [0, 1, 2, 3, 4]
    assert [frame.time for frame in frames] == [index / 30 for index in range(5)]


def test_zero_frames_yields_nothing():
    assert list(SyntheticSource(width=16, height=16, frames=0)) == []


def test_the_picture_has_texture_and_colour():
    image = next(iter(SyntheticSource(width=160, height=90, frames=1))).image
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    assert grey.std() > 20  # not flat
    assert np.abs(cv2.Laplacian(grey, cv2.CV_64F)).max() > 50  # hard edges
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 100  # many colours


def test_every_frame_moves_and_optical_flow_sees_the_pan():
    frames = [frame.image for frame in SyntheticSource(width=160, height=90, frames=4)]
    for before, after in zip(frames, frames[1:]):
        assert np.abs(after.astype(int) - before).mean() > 1
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    for before, after in zip(frames, frames[1:]):
        grey = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in (before, after)]
        motion = flow.calc(grey[0], grey[1], None)
        # Most of the picture is the background, which pans sideways, not up or down.
        assert abs(np.median(motion[..., 0])) > 2 and abs(np.median(motion[..., 1])) < 0.5


def test_the_same_settings_give_the_same_frames():
    first = [frame.image for frame in SyntheticSource(width=40, height=30, frames=3)]
    second = [frame.image for frame in SyntheticSource(width=40, height=30, frames=3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
