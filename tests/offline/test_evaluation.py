"""The flicker metric (warping error of Lai et al. 2018), fidelity PSNR and the error plot."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from streamart.core.frame import Frame
from streamart.errors import InputError
from streamart.offline.evaluation import (
    flicker_report,
    plot_errors,
    psnr,
    warping_error,
)


def world(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), (0, 0), 2.0)


def integer_pan(frames: int, seed: int = 0, step: int = 3) -> list[np.ndarray]:
    """A 80x60 window moving ``step`` whole pixels right per frame: exact translations."""
    scene = world(60, 80 + step * frames, seed)
    return [np.ascontiguousarray(scene[:, step * t : step * t + 80]) for t in range(frames)]


def steady_style(image: np.ndarray) -> np.ndarray:
    """A per-pixel colour transform: its output moves exactly with the input."""
    return (255 - image)[..., ::-1].copy()


def test_a_perfectly_warped_sequence_scores_about_zero_and_flicker_scores_clearly_more():
    clip = integer_pan(8)
    steady = [steady_style(image) for image in clip]
    rng = np.random.default_rng(7)
    flickering = [np.clip(s + rng.normal(0, 8, s.shape), 0, 255).astype(np.uint8) for s in steady]
    assert warping_error(clip, steady) < 2e-5
    # Independent noise of sigma 8 in both frames of a pair: E[(a - b)^2] = 2 * 8^2 levels^2.
    assert warping_error(clip, flickering) == pytest.approx(2 * (8 / 255) ** 2, rel=0.1)


def test_error_is_the_mean_squared_rgb_difference_in_0_to_1():
    clip = integer_pan(6)
    offset = 20  # every other frame brighter: each pair differs by exactly 20 levels everywhere
    alternating = [np.clip(steady_style(image), 0, 235) + np.uint8(offset * (t % 2)) for t, image in enumerate(clip)]
    report = flicker_report(clip, alternating)
    assert len(report.output_errors) == 5 and report.frames == 6
    assert report.output_errors == pytest.approx([(offset / 255) ** 2] * 5, rel=0.05)


def test_fidelity_psnr_against_the_per_frame_stylization():
    clip = integer_pan(4)
    stylized = [np.clip(steady_style(image), 10, 245) for image in clip]  # room for +-10
    brighter = [s + np.uint8(10) for s in stylized]
    report = flicker_report(clip, brighter, stylized)
    assert report.fidelity_psnr == pytest.approx(20 * math.log10(255 / 10), abs=1e-9)
    assert flicker_report(clip, stylized, stylized).fidelity_psnr == math.inf
    assert report.error_ratio == pytest.approx(1.0, abs=0.05)  # a constant offset adds no flicker
    assert psnr(brighter[0], stylized[0]) == pytest.approx(20 * math.log10(255 / 10))


def test_frames_and_arrays_are_both_accepted():
    clip = integer_pan(3)
    as_frames = [Frame(image, t) for t, image in enumerate(clip)]
    assert flicker_report(as_frames, clip).output_errors == flicker_report(clip, clip).output_errors


def test_scene_cut_pairs_are_not_scored():
    first, second = integer_pan(3, seed=1), [255 - image // 3 for image in integer_pan(3, seed=2)]
    clip = first + second
    report = flicker_report(clip, [steady_style(image) for image in clip])
    assert report.cuts == (3,)
    assert math.isnan(report.output_errors[2])
    assert not math.isnan(report.output_error) and report.output_error < 2e-5


def test_different_lengths_are_refused():
    clip = integer_pan(4)
    with pytest.raises(InputError, match="differ in length"):
        flicker_report(clip, clip[:3])
    with pytest.raises(InputError, match="differ in length"):
        flicker_report(clip, clip, clip + clip[:1])


def test_different_sizes_are_refused():
    clip = integer_pan(3)
    with pytest.raises(InputError, match="80x60, 40x30"):
        flicker_report(clip, [cv2.resize(image, (40, 30)) for image in clip])


def test_videos_too_small_for_optical_flow_are_refused():
    tiny = [np.full((8, 10, 3), t, np.uint8) for t in range(3)]
    with pytest.raises(InputError, match="too small for optical flow"):
        flicker_report(tiny, tiny)


def test_plot_draws_both_series_with_a_legend():
    output = (0.001, 0.0012, math.nan, 0.0011)
    per_frame = (0.004, 0.005, math.nan, 0.0045)
    image = plot_errors({"output": output, "per-frame": per_frame}, width=600, height=300)
    assert image.shape == (300, 600, 3) and image.dtype == np.uint8
    red = np.all(image == (214, 39, 40), axis=2)
    blue = np.all(image == (31, 119, 180), axis=2)
    assert red.sum() > 50 and blue.sum() > 50
    # The per-frame line (larger errors) is drawn above the output line, except in the legend.
    plot_area = (slice(80, None), slice(None, 300))
    assert np.argwhere(blue[plot_area])[:, 0].mean() < np.argwhere(red[plot_area])[:, 0].mean()
