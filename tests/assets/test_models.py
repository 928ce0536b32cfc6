"""Finding style models: the shipped zoo, the default style, $STREAMART_MODELS, bad names."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from model_factory import make_style_model

from streamart.assets.models import DEFAULT_STYLE, list_models, resolve_model
from streamart.config import StyleConfig
from streamart.core.frame import Frame
from streamart.errors import ModelError
from streamart.stages.style import StyleStage

#: A few of the shipped styles (streamart/assets/zoo/README.md lists them all).
SHIPPED = {"starry_night", "the_scream", "shipwreck", "matisse_woman_with_hat", "great_wave_hokusai"}


def test_the_shipped_zoo_is_found_and_small_enough_for_a_wheel():
    zoo = [entry for entry in list_models() if entry.shipped]
    assert SHIPPED <= {entry.style for entry in zoo} and len(zoo) >= 20
    assert {entry.variant for entry in zoo} == {"cpu"}  # the CPU default network
    assert all(100_000 < entry.size_bytes < 1_000_000 for entry in zoo)  # small fp16 files, not pointers
    assert sum(entry.size_bytes for entry in zoo) <= 25_000_000


def test_no_name_means_the_default_style():
    assert resolve_model(None).stem == f"{DEFAULT_STYLE}-cpu"
    assert resolve_model("the_scream").stem == "the_scream-cpu"


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


@pytest.mark.parametrize("height, width", [(48, 64), (97, 131), (180, 320)])
def test_every_shipped_model_runs_at_any_size_and_says_what_made_it(height, width):
    # What a user's picture meets: each shipped style, at a small, an odd and a wide size.
    from streamart.runtimes.onnx import OnnxModel

    rng = np.random.default_rng(height)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    for entry in (entry for entry in list_models() if entry.shipped):
        model = OnnxModel(entry.path, device="cpu", threads=1)
        props = model.metadata
        assert props["streamart.painting_file"].endswith((".jpg", ".png")) and props["streamart.thumbnail"]
        # The recipe as the models shipped before issue 21 record it (newer ones carry
        # streamart.recipe as well): crop and painting sizes, steps, temporal weight.
        for key in ("streamart.train_size", "streamart.style_size", "streamart.iterations", "streamart.temporal_weight"):
            assert float(props[key]) > 0, (entry.style, key)
        out = StyleStage(StyleConfig(model=entry.path, size=None, threads=1)).process(Frame(image=image, index=0)).image
        assert out.shape == image.shape and out.dtype == np.uint8, entry.style
        assert np.abs(out.astype(int) - image.astype(int)).mean() > 5, entry.style


def test_models_folder_from_the_environment_comes_first(tmp_path, monkeypatch):
    make_style_model(tmp_path / "starry_night-cpu.onnx")
    monkeypatch.setenv("STREAMART_MODELS", str(tmp_path))
    assert resolve_model(None) == tmp_path / "starry_night-cpu.onnx"


def test_unknown_style_names_the_known_ones():
    with pytest.raises(ModelError, match="unknown style 'van_gogh'.*starry_night"):
        resolve_model("van_gogh")


def test_new_styles_go_to_the_first_models_folder_else_the_user_data_folder(tmp_path, monkeypatch):
    from streamart.assets.models import search_folders, shipped_dir, user_models_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert user_models_dir() == tmp_path / "data" / "streamart" / "models"
    assert search_folders() == [user_models_dir(), shipped_dir()]
    monkeypatch.setenv("STREAMART_MODELS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    assert user_models_dir() == tmp_path / "a"
    assert search_folders() == [tmp_path / "a", tmp_path / "b", shipped_dir()]


def test_a_users_model_is_found_by_name_and_is_not_shipped(tmp_path, monkeypatch):
    from model_factory import make_style_model
    from streamart.assets.models import list_models, user_models_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    user_models_dir().mkdir(parents=True)
    make_style_model(user_models_dir() / "my_painting.onnx")
    assert resolve_model("my_painting") == user_models_dir() / "my_painting.onnx"
    shipped = {entry.name: entry.shipped for entry in list_models()}
    assert shipped["my_painting"] is False and shipped[f"{DEFAULT_STYLE}-cpu"] is True
