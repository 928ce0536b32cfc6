"""Finding style models: the shipped zoo, the default style, $STREAMART_MODELS, bad names."""

from __future__ import annotations

import numpy as np
import pytest
from model_factory import make_style_model

from streamart.assets.models import DEFAULT_STYLE, list_models, resolve_model
from streamart.config import StyleConfig
from streamart.core.frame import Frame
from streamart.errors import ModelError
from streamart.stages.style import StyleStage

SHIPPED = {"starry_night", "the_scream", "shipwreck", "matisse_woman_with_hat"}


def test_the_shipped_styles_are_found():
    entries = list_models()
    assert SHIPPED <= {entry.style for entry in entries}
    for entry in entries:
        if entry.style in SHIPPED:
            assert entry.variant == "lite"
            assert 100_000 < entry.size_bytes < 5_000_000  # small fp16 files, not pointers


def test_no_name_means_the_default_style():
    assert resolve_model(None).stem == f"{DEFAULT_STYLE}-lite"
    assert resolve_model("the_scream").stem == "the_scream-lite"


def test_the_default_model_really_stylizes():
    # A smooth grey-blue gradient: a real style model paints texture and colour into it.
    ys, xs = np.mgrid[0:96, 0:128]
    image = np.stack([60 + xs, 80 + ys, 140 + 0 * xs], axis=-1).astype(np.uint8)
    out = StyleStage(StyleConfig()).process(Frame(image=image, index=0)).image
    assert out.shape == image.shape
    assert np.abs(out.astype(int) - image.astype(int)).mean() > 15
    texture = np.abs(np.diff(out.astype(int), axis=1)).mean()
    assert texture > 3 * np.abs(np.diff(image.astype(int), axis=1)).mean()
    assert out.std() > 20  # not grey mush


def test_models_folder_from_the_environment_comes_first(tmp_path, monkeypatch):
    make_style_model(tmp_path / "starry_night-lite.onnx")
    monkeypatch.setenv("STREAMART_MODELS", str(tmp_path))
    assert resolve_model(None) == tmp_path / "starry_night-lite.onnx"


def test_unknown_style_names_the_known_ones():
    with pytest.raises(ModelError, match="unknown style 'van_gogh'.*starry_night"):
        resolve_model("van_gogh")
