"""The live API: Stylizer, one frame at a time in your own program (streamart/api/live.py)."""

from __future__ import annotations

import numpy as np
import pytest
from model_factory import make_style_model, reference_style

from streamart import StyleConfig, Stylizer
from streamart.core.controls import LiveControls


def test_stylizer_stylizes_a_sequence_of_frames(tiny_model):
    image = np.random.default_rng(0).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    with Stylizer(StyleConfig(model=tiny_model, device="cpu"), temporal=0.0) as stylize:
        out = stylize(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.abs(out[1:-1, 1:-1].astype(float) - reference_style(image)[1:-1, 1:-1]).max() <= 1


def test_stylizer_with_temporal_consistency_keeps_a_still_scene_steady(tiny_model):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    with Stylizer(StyleConfig(model=tiny_model), temporal=1.0) as stylize:
        outputs = [
            stylize(np.clip(base.astype(int) + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8))
            for _ in range(6)
        ]
        stylize.reset()
    plain = Stylizer(StyleConfig(model=tiny_model), temporal=0.0)
    noisy = [
        plain(np.clip(base.astype(int) + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8)) for _ in range(6)
    ]
    change = lambda frames: np.mean([np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(frames, frames[1:])])  # noqa: E731
    assert change(outputs) < change(noisy)


def test_stylizer_rejects_images_of_the_wrong_type(tiny_model):
    stylize = Stylizer(StyleConfig(model=tiny_model))
    with pytest.raises(ValueError, match="must be a uint8 numpy array"):
        stylize(np.zeros((10, 10), np.float32))


def test_stylizer_follows_live_controls_from_the_next_call(tmp_path):
    first, second = (str(make_style_model(tmp_path / f"style{seed}.onnx", seed=seed)) for seed in (0, 1))
    image = np.random.default_rng(5).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    controls = LiveControls((first, second))
    with Stylizer(StyleConfig(model=first, size=None), temporal=0.5, controls=controls) as stylize:
        assert np.abs(stylize(image)[1:-1, 1:-1].astype(float) - reference_style(image, 0)[1:-1, 1:-1]).max() <= 1
        controls.temporal_enabled = False  # else the previous output is blended in
        controls.model_index = 1
        assert np.abs(stylize(image)[1:-1, 1:-1].astype(float) - reference_style(image, 1)[1:-1, 1:-1]).max() <= 1
        controls.strength = 0.0
        assert np.array_equal(stylize(image), image)
