"""Optical flow, warping and occlusion helpers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streamart.ops.flow import (
    DIS_PRESETS,
    DisFlow,
    Motion,
    MotionEstimator,
    grey,
    histogram_change,
    leaves_frame,
    occlusion_mask,
    reduced_size,
    resize_flow,
    warp,
)


def texture(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Blurred RGB noise: textured enough for optical flow everywhere."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 2.0)


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``image`` moved by (dx, dy) pixels (content moves right/down for positive values)."""
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REFLECT)


def interior(array: np.ndarray, margin: int = 12) -> np.ndarray:
    return array[margin:-margin, margin:-margin]


@pytest.mark.parametrize("preset", sorted(DIS_PRESETS))
def test_dis_recovers_a_subpixel_translation(preset):
    previous = grey(texture(120, 160))
    current = grey(shifted(texture(120, 160), 2.5, -1.5))
    backward = DisFlow(preset)(current, previous)
    # Content moved by (+2.5, -1.5): each current pixel is found at (-2.5, +1.5) in the previous.
    median = np.median(interior(backward).reshape(-1, 2), axis=0)
    assert median == pytest.approx([-2.5, 1.5], abs=0.2)


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="ultrafast, fast, medium"):
        DisFlow("turbo")


def test_warp_with_a_constant_flow_moves_the_image():
    image = texture(40, 60)
    flow = np.zeros((40, 60, 2), np.float32)
    flow[..., 0] = 3  # take each pixel from 3 columns to the right
    flow[..., 1] = -2  # and 2 rows up
    warped = warp(image, flow)
    np.testing.assert_array_equal(warped[2:, :-3], image[:-2, 3:])


def test_warp_scales_a_low_resolution_flow_to_the_image():
    image = texture(60, 80)
    small_flow = np.zeros((15, 20, 2), np.float32)
    small_flow[..., 0] = 1  # one small-grid pixel = 4 image pixels
    np.testing.assert_array_equal(warp(image, small_flow)[:, :-4], image[:, 4:])


def test_resize_flow_scales_grid_and_vectors():
    flow = np.dstack([np.full((30, 40), 1.0, np.float32), np.full((30, 40), -2.0, np.float32)])
    resized = resize_flow(flow, 90, 80)
    assert resized.shape == (90, 80, 2)
    assert np.allclose(resized[..., 0], 2.0) and np.allclose(resized[..., 1], -6.0)
    assert resize_flow(flow, 30, 40) is flow


def test_reduced_size_only_scales_down():
    assert reduced_size(1280, 720, 320) == (320, 180)
    assert reduced_size(200, 100, 320) == (200, 100)


def test_leaves_frame_marks_pixels_whose_flow_points_outside():
    flow = np.zeros((10, 20, 2), np.float32)
    flow[..., 0] = 5
    outside = leaves_frame(flow)
    assert outside[:, 15:].all() and not outside[:, :15].any()


def constant_flow(height: int, width: int, dx: float, dy: float) -> np.ndarray:
    return np.dstack([np.full((height, width), dx, np.float32), np.full((height, width), dy, np.float32)])


def test_consistent_translation_is_occluded_only_where_it_leaves_the_frame():
    backward = constant_flow(40, 50, -4, 0)  # current pixel x comes from x - 4 in the previous
    forward = constant_flow(40, 50, 4, 0)
    occluded = occlusion_mask(backward, forward)
    assert occluded[:, :4].all()  # newly entered on the left: nothing to take from the previous
    assert not occluded[:, 4:].any()


def test_inconsistent_flows_are_occluded():
    backward = constant_flow(40, 50, -4, 0)
    forward = constant_flow(40, 50, -4, 0)  # does not come back: |w + w_rev|^2 = 64 > 0.82
    assert occlusion_mask(backward, forward)[:, 8:].all()


def test_motion_boundary_is_occluded():
    backward = np.zeros((40, 50, 2), np.float32)
    backward[:, 25:, 0] = -3  # the right half moves, the left half stands still
    forward = np.zeros_like(backward)
    forward[:, 22:, 0] = 3
    occluded = occlusion_mask(backward, forward)
    assert occluded[:, 24].all()  # the boundary column
    assert not occluded[:, 5:20].any() and not occluded[:, 30:45].any()


def test_histogram_change_separates_motion_from_a_cut():
    scene = grey(texture(120, 160))
    other = grey(255 - texture(120, 160, seed=5) // 3)
    assert histogram_change(scene, scene) == 0.0
    assert histogram_change(scene, grey(shifted(texture(120, 160), 4, 2))) < 0.1
    assert histogram_change(scene, other) > 0.5


def test_motion_estimator_measures_the_motion_to_the_previous_frame():
    scene = texture(140, 200)
    frames = [np.ascontiguousarray(shifted(scene, -4 * t, 0)[10:130, 10:170]) for t in range(3)]
    estimator = MotionEstimator(width=80)  # half resolution: the flow is in half-size pixels
    assert estimator.estimate(frames[0]) is None  # nothing before the first frame
    motion = estimator.estimate(frames[1])
    assert isinstance(motion, Motion)
    assert motion.flow.shape == (60, 80, 2) and motion.confidence.shape == (60, 80)
    # The content moves left by 4 px: each pixel comes from 4 px (2 half-size px) further right.
    assert np.median(interior(motion.flow, 6).reshape(-1, 2), axis=0) == pytest.approx([2.0, 0.0], abs=0.25)
    assert 0.0 <= motion.confidence.min() and motion.confidence.max() <= 1.0
    assert motion.confidence[:, -2:].max() == 0.0  # entered the window: nothing to warp from
    assert interior(motion.confidence, 6).mean() > 0.8
    estimator.reset()
    assert estimator.estimate(frames[2]) is None  # reset: starts afresh


def test_motion_estimator_sees_cuts_size_changes_and_tiny_frames():
    estimator = MotionEstimator()
    scene = texture(120, 160)
    estimator.estimate(scene)
    assert estimator.estimate(255 - scene // 3) is None  # another shot
    assert estimator.estimate(np.ascontiguousarray(scene[:60, :80])) is None  # another size
    tiny = texture(8, 8)
    estimator.estimate(tiny)
    assert estimator.estimate(tiny) is None  # too small for optical flow


def test_motion_estimator_refuses_a_tiny_flow_width():
    with pytest.raises(ValueError, match="at least 16"):
        MotionEstimator(width=8)
