"""ONNX export: onnxruntime must compute what torch computes, in float32 and float16."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from streamart.errors import ModelError, OutputError
from streamart.nets.transformer import TransformerNet
from streamart.offline.export import export_onnx, load_checkpoint


@pytest.fixture(scope="module")
def model() -> TransformerNet:
    """A lite network with every parameter moved off its initial value, as after training
    (untrained instance-norm weights are all equal, which would hide mix-ups)."""
    torch.manual_seed(3)
    net = TransformerNet("lite")
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return net.eval()


@pytest.fixture(scope="module")
def image() -> torch.Tensor:
    # Not the export's example size, and not square: the exported H and W must be dynamic.
    y, x = torch.meshgrid(torch.linspace(0, 1, 44), torch.linspace(0, 1, 68), indexing="ij")
    smooth = torch.stack([x, y, (x * y).sqrt()]) * 255
    noise = torch.rand(2, 3, 44, 68, generator=torch.Generator().manual_seed(0)) * 40
    return (smooth + noise).clamp(0, 255)


def run_onnx(path, image: torch.Tensor) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": image.numpy()})[0]


def test_float32_export_matches_torch(tmp_path, model, image):
    path = export_onnx(model, tmp_path / "style.onnx", metadata={"streamart.style": "test"})
    with torch.no_grad():
        expected = model(image).numpy()
    actual = run_onnx(path, image)
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() < 0.05  # of 255
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert props["streamart.style"] == "test"
    assert props["streamart.variant"] == "lite"
    assert props["streamart.stride"] == "4"
    assert props["streamart.precision"] == "fp32"
    assert not list(tmp_path.glob(".*tmp"))  # the temporary name is gone


def test_float16_export_matches_torch_loosely_and_keeps_float32_io(tmp_path, model, image):
    path32 = export_onnx(model, tmp_path / "style32.onnx")
    path16 = export_onnx(model, tmp_path / "style16.onnx", fp16=True)
    with torch.no_grad():
        expected = model(image).numpy()
    actual = run_onnx(path16, image)
    assert actual.dtype == np.float32
    error = np.abs(actual - expected)
    assert error.mean() < 0.5 and error.max() < 8
    assert path16.stat().st_size < 0.6 * path32.stat().st_size

    graph = onnx.load(str(path16)).graph
    float_type = onnx.TensorProto.FLOAT
    assert graph.input[0].type.tensor_type.elem_type == float_type
    assert graph.output[0].type.tensor_type.elem_type == float_type
    producers = {out: node for node in graph.node for out in node.output}
    norms = [node for node in graph.node if node.op_type == "InstanceNormalization"]
    assert norms
    for node in norms:  # every instance norm reads a Cast to float32
        cast = producers[node.input[0]]
        assert cast.op_type == "Cast" and cast.attribute[0].i == float_type
    conv_weights = {node.input[1] for node in graph.node if node.op_type == "Conv"}
    assert {i.data_type for i in graph.initializer if i.name in conv_weights} == {onnx.TensorProto.FLOAT16}


def test_export_into_a_missing_folder_is_a_clear_error(tmp_path, model):
    with pytest.raises(OutputError, match="does not exist"):
        export_onnx(model, tmp_path / "missing" / "style.onnx")


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ModelError, match="not a streamart"):
        load_checkpoint(path)
    with pytest.raises(ModelError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_cpu_variant_exports_to_plain_convolutions_without_pad_or_resize(tmp_path, image):
    torch.manual_seed(5)
    net = TransformerNet("cpu")
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    net.eval()
    path = export_onnx(net, tmp_path / "cpu.onnx", fp16=True)
    graph = onnx.load(str(path)).graph
    ops = {node.op_type for node in graph.node}
    assert {"Conv", "DepthToSpace", "InstanceNormalization"} <= ops
    assert not ops & {"Resize", "Einsum", "Tile", "ConvTranspose"}
    pads = [node for node in graph.node if node.op_type == "Pad"]
    first_conv = next(i for i, node in enumerate(graph.node) if node.op_type == "Conv")
    assert len(pads) == 1 and list(graph.node).index(pads[0]) < first_conv  # the input margin
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert props["streamart.variant"] == "cpu" and props["streamart.stride"] == "4"
    image = torch.nn.functional.interpolate(image, size=(88, 136))  # larger than the 48 px margin
    with torch.no_grad():
        expected = net(image).numpy()
    error = np.abs(run_onnx(path, image) - expected)
    assert error.mean() < 0.5 and error.max() < 8
