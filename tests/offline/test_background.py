"""Training a style in a child process while the parent goes on (streamart/offline/background.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from bombs import jpeg_bomb
from waiting import wait_until

from streamart.assets.folders import user_models_dir
from streamart.config import TrainingConfig
from streamart.offline.background import BackgroundTraining, TrainingStatus

pytestmark = pytest.mark.spawn


def quick(picture, content_dir, base, **changes) -> TrainingConfig:
    settings = dict(
        painting=picture,
        data=content_dir,
        init=base,
        variant="lite",
        batch_size=1,
        image_size=32,
        iterations=3,
        threads=1,
        temporal_weight=0.0,
    )
    return TrainingConfig(**{**settings, **changes})


def wait(training: BackgroundTraining, seconds: float = 120) -> list[TrainingStatus]:
    """Every status seen until the training finishes (polled, as the live stage does)."""
    seen: list[TrainingStatus] = []

    def finished() -> bool:
        if training.poll().finished:
            return True
        seen.append(training.status)
        return False

    wait_until(finished, seconds, "the end of the training")
    return [*seen, training.status]


def test_a_style_is_learnt_in_another_process_with_its_progress(style_path, content_dir, meta_base):
    training = BackgroundTraining(quick(style_path, content_dir, meta_base, style_name="Stripes"))
    try:
        statuses = wait(training)
    finally:
        training.close()
    final = statuses[-1]
    assert final.error is None and final.model == user_models_dir() / "stripes.onnx" and final.model.is_file()
    assert final.name == "stripes" and final.done == final.total == 3
    steps = [status.done for status in statuses if status.total]
    assert steps == sorted(steps)  # progress only moves forward


def test_a_failure_comes_back_as_one_line(content_dir, meta_base, tmp_path):
    flat = tmp_path / "flat.png"
    cv2.imwrite(str(flat), np.full((100, 100, 3), 90, np.uint8))
    training = BackgroundTraining(quick(flat, content_dir, meta_base))
    try:
        final = wait(training)[-1]
    finally:
        training.close()
    assert final.model is None and "flat" in final.error and "\n" not in final.error


def test_closing_stops_a_training_that_still_runs(style_path, content_dir, meta_base):
    training = BackgroundTraining(quick(style_path, content_dir, meta_base, iterations=10_000))
    training.close()
    assert not training._process.is_alive()
    assert training.poll().error in ("stopped", "the training process ended unexpectedly")
    assert training.poll().model is None


def test_a_painting_over_the_pixel_limit_is_refused_before_the_training_starts(content_dir, tmp_path):
    """What 'streamart webcam --new-style' hands over: the session's limit travels in the
    TrainingConfig to the other process, where the painting is measured before it is decoded."""
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_bomb(16000, 16000))
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), np.random.default_rng(0).integers(0, 256, (100, 100, 3), dtype=np.uint8))
    for picture, limit, size in ((bomb, None, "16000x16000"), (small, 9999, "100x100")):
        settings = {} if limit is None else {"max_pixels": limit}
        training = BackgroundTraining(TrainingConfig(painting=picture, data=content_dir, threads=1, **settings))
        try:
            final = wait(training)[-1]
        finally:
            training.close()
        assert final.model is None and final.error.startswith(f"the picture {picture} is {size} pixels")
