"""The styles API: what a style model carries (streamart/api/styles.py)."""

from __future__ import annotations

from model_factory import make_style_model

import streamart


def test_style_metadata_is_read_from_the_model(tmp_path):
    model = make_style_model(tmp_path / "painted.onnx", metadata={"streamart.thumbnail": "abc"})
    metadata = streamart.api.style_metadata(model)
    assert metadata["streamart.thumbnail"] == "abc" and metadata["streamart.stride"] == "4"
    assert streamart.api.style_metadata(None)["streamart.style"]  # the default style's
