"""VGG16Features with the real ImageNet weights, checked against the original ONNX graph."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from streamart.assets import weights
from streamart.nets.vgg import LAYER_NAMES, VGG16Features, load_vgg16

CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
ONNX_POOL5 = "functional_1/block5_pool_1/MaxPool2d:0"  # NCHW: after the graph's input transpose


@pytest.fixture(scope="module")
def vgg16() -> VGG16Features:
    return load_vgg16(upto="pool5")


@pytest.fixture(scope="module")
def image_rgb() -> np.ndarray:
    """A 240 x 240 RGB image in 0..255 (the ONNX graph's fixed size): smooth colour ramps and
    a disc, so every channel carries different structure, plus some noise."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:240, 0:240].astype(np.float32)
    disc = ((x - 150) ** 2 + (y - 90) ** 2 < 50**2) * 200.0
    image = np.stack([x * 255 / 239, y * 255 / 239, disc], axis=-1)
    image += rng.normal(0, 20, image.shape)
    return np.clip(image, 0, 255).astype(np.float32)


def test_real_weights_are_loaded(vgg16):
    # Spot values of the published ImageNet VGG16 (docs/WEIGHTS.md): block1_conv1 and block5_conv3.
    assert vgg16.features[0].bias[0].item() == pytest.approx(0.73429835, abs=1e-7)
    assert vgg16.features[28].bias[0].item() == pytest.approx(0.18837857, abs=1e-7)
    assert not any(p.requires_grad for p in vgg16.parameters())
    assert not vgg16.training


def test_pool5_matches_the_original_onnx_graph(vgg16, vgg16_onnx_bytes, image_rgb):
    # Run the original Keras graph (BGR, Caffe mean subtracted, NHWC) and read its block5_pool
    # tensor by declaring it an extra graph output; our module gets the same image as RGB 0..255.
    model = onnx.load_model_from_string(vgg16_onnx_bytes)
    model.graph.output.append(onnx.ValueInfoProto(name=ONNX_POOL5))
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    bgr = image_rgb[None, :, :, ::-1] - CAFFE_MEAN_BGR
    (expected,) = session.run([ONNX_POOL5], {"input": np.ascontiguousarray(bgr)})

    with torch.no_grad():
        rgb = torch.from_numpy(image_rgb).permute(2, 0, 1)[None]
        ours = vgg16(rgb, ["pool5"])["pool5"].numpy()

    assert ours.shape == expected.shape == (1, 512, 7, 7)
    assert expected.max() > 1.0  # the image excites the net: not an all-zero comparison
    relative = np.abs(ours - expected).max() / np.abs(expected).max()
    assert relative < 1e-4


def test_forward_returns_requested_layers_and_stops_at_the_deepest(vgg16, image_rgb):
    called = []
    hooks = [
        layer.register_forward_hook(lambda *_, name=name: called.append(name))
        for name, layer in zip(LAYER_NAMES, vgg16.features)
    ]
    try:
        with torch.no_grad():
            x = torch.from_numpy(image_rgb[:64, :64]).permute(2, 0, 1)[None]
            out = vgg16(x, ["relu2_2", "conv1_1"])
    finally:
        for hook in hooks:
            hook.remove()
    assert set(out) == {"relu2_2", "conv1_1"}
    assert out["conv1_1"].shape == (1, 64, 64, 64)
    assert out["relu2_2"].shape == (1, 128, 32, 32)
    assert called == list(LAYER_NAMES[: LAYER_NAMES.index("relu2_2") + 1])


def test_truncated_and_avg_pool_variants(vgg16, image_rgb):
    x = torch.from_numpy(image_rgb[:64, :64]).permute(2, 0, 1)[None]
    # The same weights, cut after relu3_3 and with average pooling (load_vgg16 builds it so).
    short = VGG16Features(upto="relu3_3", pooling="avg")
    missing, _ = short.load_state_dict(vgg16.state_dict(), strict=False)
    assert missing == []
    assert short.layer_names[-1] == "relu3_3"
    assert len(short.features) == LAYER_NAMES.index("relu3_3") + 1
    with torch.no_grad():
        full_max = vgg16(x, ["relu2_1"])["relu2_1"]
        short_avg = short(x, ["relu2_1", "relu1_2"])
        manual = torch.nn.functional.avg_pool2d(short_avg["relu1_2"], 2)
        manual = torch.relu(short.features[5](manual))
    torch.testing.assert_close(short_avg["relu2_1"], manual)
    assert not torch.allclose(short_avg["relu2_1"], full_max)  # avg pooling really used
    with pytest.raises(ValueError, match="relu4_1"):
        short(x, ["relu4_1"])


def test_torchvision_state_dict_maps_one_to_one(tmp_path, monkeypatch):
    # A state_dict in torchvision's format (keys features.N.*, plus a classifier that must be
    # ignored); its input convention is RGB / 255 normalised by the ImageNet mean and std.
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    generator = torch.Generator().manual_seed(0)
    reference = VGG16Features(upto="pool5")
    state = {
        f"features.{key}": torch.randn(value.shape, generator=generator) * 0.05
        for key, value in reference.features.state_dict().items()
    }
    state["classifier.0.weight"] = torch.zeros(4, 25088)
    path = tmp_path / "vgg16-397923af.pth"
    torch.save(state, path)

    model = load_vgg16(upto="relu1_1", source=path)
    assert model.features[0].weight.equal(state["features.0.weight"])
    x = torch.rand(1, 3, 16, 16, generator=generator) * 255
    mean = torch.tensor(weights.IMAGENET_MEAN_RGB).reshape(1, 3, 1, 1)
    std = torch.tensor(weights.IMAGENET_STD_RGB).reshape(1, 3, 1, 1)
    expected = torch.relu(
        torch.nn.functional.conv2d(
            (x / 255 - mean) / std, state["features.0.weight"], state["features.0.bias"], padding=1
        )
    )
    with torch.no_grad():
        torch.testing.assert_close(model(x, ["relu1_1"])["relu1_1"], expected, rtol=1e-5, atol=1e-5)
    assert "torchvision" in weights.cache_info("vgg16")["source"]
