"""DeepDream's settings and presets (streamart/art/dream_settings.py): checked as they are built."""

from __future__ import annotations

import subprocess
import sys

import pytest

from streamart.art.dream_settings import PRESETS, DreamConfig, preset
from streamart.errors import InputError


def test_the_settings_and_the_configs_import_without_torch():
    imported = "import sys, streamart.art.dream_settings, streamart.config; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", imported], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("name", PRESETS)
def test_presets_are_valid(name):
    config = preset(name, steps=3)
    assert config.steps == 3
    assert config.objective_layers or config.class_index is not None


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(layers=("relu9_9",)), "unknown vgg16 layer 'relu9_9'"),
        (dict(network="resnet"), "unknown dream network"),
        (dict(class_index=967), "--network efficientnet_lite0"),
        (dict(network="efficientnet_lite0", class_index=1000), "0..999"),
        (dict(network="efficientnet_lite0", class_index=1, layers=("block3",)), "choose one objective"),
        (dict(octaves=0), "octaves"),
        (dict(octave_scale=1.0), "octave scale"),
        (dict(steps=-1), "steps"),
        (dict(step_size=float("inf")), "step size must be above 0 and at most 255 grey levels, got inf"),
        (dict(step_size=float("nan")), "step size"),
        (dict(octave_scale=float("inf")), "octave scale must be above 1 and at most 4"),
        (dict(smoothing=float("inf")), "smoothing must be 0 to 100 pixels"),
        (dict(steps=10**9), "steps must be 0 to 10000"),
    ],
)
def test_bad_settings_name_the_problem(settings, message):
    with pytest.raises(InputError, match=message.replace(".", r"\.").replace("(", r"\(")):
        DreamConfig(**settings)


def test_unknown_preset():
    with pytest.raises(InputError, match="unknown dream preset 'cats'.*dogs"):
        preset("cats")
