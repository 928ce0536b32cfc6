"""EfficientNet-Lite0 with the real ImageNet weights: it must recognise real photos."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data as skimage_data  # real photos; scikit-image is in the test extra
import torch
import torch.nn.functional as F

from streamart.nets.efficientnet import (
    FEATURE_NAMES,
    EfficientNetLite0,
    SameConv2d,
    load_efficientnet_lite0,
)

ESPRESSO = 967
DOMESTIC_CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.fixture(scope="module")
def net() -> EfficientNetLite0:
    return load_efficientnet_lite0()


def imagenet_crop(image: np.ndarray) -> torch.Tensor:
    """The usual ImageNet evaluation view: shorter side to 256, centre crop 224 (RGB 0..255)."""
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    scale = 256 / min(x.shape[-2:])
    size = [round(side * scale) for side in x.shape[-2:]]
    x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    top, left = (size[0] - 224) // 2, (size[1] - 224) // 2
    return x[..., top : top + 224, left : left + 224]


def test_classifies_real_photos(net):
    photos = torch.cat([imagenet_crop(skimage_data.coffee()), imagenet_crop(skimage_data.chelsea())])
    with torch.no_grad():
        probabilities = net(photos).softmax(dim=1)
    assert probabilities.shape == (2, 1000)
    coffee, cat = probabilities.argmax(dim=1).tolist()
    assert coffee == ESPRESSO
    assert probabilities[0, ESPRESSO] > 0.5
    assert cat in DOMESTIC_CATS


def test_features_match_forward_and_stop_early(net):
    x = imagenet_crop(skimage_data.coffee())
    with torch.no_grad():
        out = net.features(x, ["stem", "block15", "head"])
        logits = net(x)
    assert set(out) == {"stem", "block15", "head"}
    assert out["stem"].shape == (1, 32, 112, 112)
    assert out["block15"].shape == (1, 320, 7, 7)
    assert out["head"].shape == (1, 1280, 7, 7)
    torch.testing.assert_close(net._fc(out["head"].mean(dim=(2, 3))), logits)

    called = []
    hook = net._blocks[4].register_forward_hook(lambda *_: called.append("block4"))
    try:
        with torch.no_grad():
            early = net.features(x, ["block3"])
    finally:
        hook.remove()
    assert list(early) == ["block3"] and early["block3"].shape == (1, 40, 28, 28)
    assert called == []
    with pytest.raises(ValueError, match="block16"):
        net.features(x, ["block16"])
    assert FEATURE_NAMES[1] == "block0" and FEATURE_NAMES[-1] == "head"


@pytest.mark.parametrize("size", [9, 10])
def test_same_padding_is_tensorflows(size):
    # TF "SAME": output ceil(size / stride); an odd total padding puts the extra pixel at the
    # bottom/right, which PyTorch's symmetric padding cannot express.
    conv = SameConv2d(2, 3, 3, stride=2)
    x = torch.randn(1, 2, size, size, generator=torch.Generator().manual_seed(size))
    total = max((-(-size // 2) - 1) * 2 + 3 - size, 0)
    padded = F.pad(x, [total // 2, total - total // 2] * 2)
    expected = F.conv2d(padded, conv.weight, stride=2)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), expected)
    assert conv(x).shape[-1] == -(-size // 2)
