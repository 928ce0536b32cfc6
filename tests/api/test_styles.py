"""The styles API: what a style model carries, training (streamart/api/styles.py)."""

from __future__ import annotations

import pytest
from model_factory import make_style_model

import streamart
from streamart.config import TrainingConfig


def test_style_metadata_is_read_from_the_model(tmp_path):
    model = make_style_model(tmp_path / "painted.onnx", metadata={"streamart.thumbnail": "abc"})
    metadata = streamart.api.style_metadata(model)
    assert metadata["streamart.thumbnail"] == "abc" and metadata["streamart.stride"] == "4"
    assert streamart.api.style_metadata(None)["streamart.style"]  # the default style's


def test_train_style_takes_progress_as_on_progress_for_one_release(tmp_path, content_dir, style_path):
    config = TrainingConfig(
        painting=style_path,
        data=content_dir,
        out=tmp_path / "new.onnx",
        from_scratch=True,
        variant="lite",
        batch_size=1,
        image_size=32,
        iterations=2,
        threads=1,
        temporal_weight=0.0,
    )
    steps = []
    with pytest.warns(DeprecationWarning, match=r"^train_style\(progress=\) is deprecated; use on_progress=$"):
        model = streamart.api.train_style(config, progress=lambda done, total, losses: steps.append((done, total)))
    assert model == tmp_path / "new.onnx" and model.is_file() and steps == [(1, 2), (2, 2)]
