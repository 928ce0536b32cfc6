"""The backbones' layer names without torch (streamart/nets/layouts.py): what the networks have."""

from __future__ import annotations

import subprocess
import sys

from streamart.nets.efficientnet import EfficientNetLite0
from streamart.nets.layouts import EFFICIENTNET_BLOCKS, EFFICIENTNET_FEATURES, VGG16_LAYERS
from streamart.nets.vgg import VGG16Features


def test_the_names_import_without_torch():
    imported = "import sys, streamart.nets.layouts; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", imported], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_names_are_the_networks_layers():
    vgg = VGG16Features()  # random weights: only its layers count here
    assert len(vgg.features) == len(VGG16_LAYERS) == 31
    assert VGG16_LAYERS[22] == "relu4_3" and VGG16_LAYERS[-1] == "pool5"  # torchvision's indices
    assert len(EfficientNetLite0()._blocks) == EFFICIENTNET_BLOCKS == 16
    assert EFFICIENTNET_FEATURES == ("stem", *(f"block{i}" for i in range(16)), "head")
