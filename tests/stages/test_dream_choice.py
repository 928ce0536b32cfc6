"""Which way a dream is made (streamart/stages/dream_choice.py): the network on the CPU, the
ascent on a GPU, and the explicit choice."""

from __future__ import annotations

import sys

import pytest
from model_factory import make_dream_model, make_style_model

from streamart.art.dream_settings import preset
from streamart.assets.models import DREAM_KIND, dream_model_for, list_models, model_kind
from streamart.config import VIDEO_DREAM_SETTINGS, DreamVideoConfig
from streamart.errors import DependencyError, InputError
from streamart.stages.dream_choice import ascent_has_cuda, choose_dream_network, network_presets


@pytest.fixture
def networks(tmp_path, monkeypatch):
    """A $STREAMART_MODELS folder with a dream network for creatures, one for a single layer, and
    a style model whose name and dream preset look like a network for blobs (but it is a style)."""
    folder = tmp_path / "models"
    folder.mkdir()
    make_dream_model(folder / "dream_creatures.onnx", "creatures")
    make_dream_model(folder / "my_swirly.onnx", "layer:efficientnet_lite0:block3")
    make_style_model(folder / "dream_blobs.onnx", metadata={"streamart.dream_preset": "blobs"})
    monkeypatch.setenv("STREAMART_MODELS", str(folder))
    return folder


def creatures(**overrides):
    """The creatures dream as video asks for it (the per-frame work does not change the network)."""
    return preset("creatures", **{**VIDEO_DREAM_SETTINGS, **overrides})


def test_auto_takes_the_network_on_the_cpu_and_the_ascent_on_a_gpu(networks):
    assert choose_dream_network(creatures(), "auto", cuda_available=False) == networks / "dream_creatures.onnx"
    assert choose_dream_network(creatures(), "auto", cuda_available=True) is None


def test_auto_takes_the_ascent_for_a_preset_without_a_network(networks):
    assert choose_dream_network(preset("dogs"), "auto", cuda_available=False) is None
    # A style model is never taken for a dream network, whatever its name and metadata say.
    assert choose_dream_network(preset("blobs"), "auto", cuda_available=False) is None
    assert dream_model_for("blobs") is None


def test_the_explicit_choice_wins(networks):
    assert choose_dream_network(creatures(), "ascent", cuda_available=False) is None
    assert choose_dream_network(creatures(), "net", cuda_available=True) == networks / "dream_creatures.onnx"


def test_net_without_a_network_is_one_line_listing_the_presets_that_have_one(networks):
    with pytest.raises(InputError) as error:
        choose_dream_network(preset("dogs"), "net", cuda_available=False)
    message = str(error.value)
    assert "\n" not in message
    assert "no dream network for the dream 'dogs'" in message
    assert "presets with one: creatures;" in message and "--dream-method ascent" in message


def test_an_objective_override_has_the_network_of_that_objective_only(networks):
    # Another layer, channels or a guide: not the preset's dream, so not its network.
    assert choose_dream_network(creatures(layers=("block8",)), "auto", cuda_available=False) is None
    assert choose_dream_network(creatures(channels=(3,)), "auto", cuda_available=False) is None
    with pytest.raises(InputError, match="a dream with a guide or channels"):
        choose_dream_network(creatures(channels=(3,)), "net", cuda_available=False)
    # A network trained for one layer (streamart train --dream --layer) serves that layer.
    assert choose_dream_network(creatures(layers=("block3",)), "net", cuda_available=False) == (
        networks / "my_swirly.onnx"
    )


def test_network_presets_name_the_objective():
    assert network_presets(creatures(steps=7)) == ("creatures", "layer:efficientnet_lite0:block10")
    assert network_presets(preset("espresso")) == ("espresso",)  # a class: no layer
    assert network_presets(preset("dogs", layers=("relu3_1",))) == ("layer:vgg16:relu3_1",)


def test_the_kinds_of_models(networks):
    assert model_kind(networks / "dream_creatures.onnx") == DREAM_KIND
    assert model_kind(networks / "dream_blobs.onnx") == "style"  # no kind: a style
    assert [entry.name for entry in list_models(DREAM_KIND)] == ["dream_creatures", "my_swirly"]
    assert "dream_creatures" not in {entry.name for entry in list_models()}


def test_without_torch_there_is_no_cuda_and_the_ascent_says_what_runs_without_it(networks, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed
    assert not ascent_has_cuda("auto")
    assert choose_dream_network(creatures(), "auto", cuda_available=False) == networks / "dream_creatures.onnx"
    with pytest.raises(DependencyError) as error:
        choose_dream_network(preset("dogs"), "auto", cuda_available=False)
    assert "needs torch: pip install 'streamart[torch]'" in str(error.value)
    assert str(error.value).endswith("those with a network: creatures")


def test_a_cpu_device_keeps_the_ascent_off_cuda():
    assert not ascent_has_cuda("cpu") and not ascent_has_cuda("openvino")


def test_the_method_is_checked():
    with pytest.raises(InputError, match="unknown dream method 'fast': choose one of auto, ascent, net"):
        DreamVideoConfig(method="fast")
