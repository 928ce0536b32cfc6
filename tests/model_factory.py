"""Tiny ONNX style models built by the tests (no torch needed), following the model convention:
RGB float N x 3 x H x W in 0..255 in and out, dynamic height and width."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _save(graph: onnx.GraphProto, path: Path, metadata: dict[str, str] | None = None) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def make_style_model(
    path: str | Path,
    *,
    stride: int = 4,
    height: int | str = "H",
    width: int | str = "W",
    channels: int = 3,
    seed: int = 0,
    base: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A 'style' that is a fixed random 3x3 colour mix plus a 3x3 blur, clamped to 0..255.

    It changes every frame the same deterministic way, so tests can compute the expected
    output. It refuses (with an onnxruntime error) sizes that are not multiples of ``stride``
    only through the stage's padding, which the tests check by comparing shapes. ``metadata``
    adds entries to the model's metadata.
    """
    mix = colour_mix(seed)
    blur = np.full((3, 1, 3, 3), 1.0 / 9.0, dtype=np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "mix"], ["mixed"], kernel_shape=[1, 1]),
        helper.make_node("Conv", ["mixed", "blur"], ["blurred"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=3),
        helper.make_node("Clip", ["blurred", "low", "high"], ["output"]),
    ]
    initializers = [
        numpy_helper.from_array(mix.reshape(3, 3, 1, 1), "mix"),
        numpy_helper.from_array(blur, "blur"),
        numpy_helper.from_array(np.array(0.0, np.float32), "low"),
        numpy_helper.from_array(np.array(255.0, np.float32), "high"),
    ]
    if channels != 3:  # a model of the wrong shape, for error tests
        nodes = [helper.make_node("Identity", ["input"], ["output"])]
        initializers = []
    graph = helper.make_graph(
        nodes,
        "tiny_style",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", channels, height, width])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", channels, height, width])],
        initializers,
    )
    entries = {"streamart.stride": str(stride), **({"streamart.base": base} if base else {}), **(metadata or {})}
    return _save(graph, Path(path), entries)


def make_dream_model(path: str | Path, preset: str = "creatures", *, seed: int = 1, **options) -> Path:
    """A tiny 'dream network' for ``preset`` (or "layer:NETWORK:LAYER"): :func:`make_style_model`'s
    network with a dream network's metadata, as streamart.offline's dream export writes it."""
    network, layers = ("efficientnet_lite0", "block10") if ":" not in preset else preset.split(":")[1:]
    metadata = {
        "streamart.kind": "dream",
        "streamart.dream_preset": preset,
        "streamart.dream_network": network,
        "streamart.dream_layers": layers,
        "streamart.backbone_licence": "Apache-2.0",
    }
    return make_style_model(path, seed=seed, metadata=metadata, **options)


def colour_mix(seed: int) -> np.ndarray:
    """The tiny style's 3x3 colour mix for ``seed``: rows sum to 1, mostly each channel itself."""
    rng = np.random.default_rng(seed)
    mix = (np.eye(3) * 0.5 + rng.uniform(0.0, 0.5, (3, 3))).astype(np.float32)
    return mix / mix.sum(axis=1, keepdims=True)


def reference_style(image: np.ndarray, seed: int = 0) -> np.ndarray:
    """What :func:`make_style_model` computes, in numpy (float32 RGB H x W x 3), for checks."""
    import cv2

    mix = colour_mix(seed)
    mixed = image.astype(np.float32) @ mix.T
    blurred = cv2.blur(mixed, (3, 3), borderType=cv2.BORDER_CONSTANT)
    return np.clip(blurred, 0, 255)


def make_two_input_model(path: str | Path) -> Path:
    """A valid ONNX model that is not a style model: it adds two images (two inputs)."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["image", "other"], ["output"])],
        "two_inputs",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 3, "H", "W"]) for name in ("image", "other")],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3, "H", "W"])],
    )
    return _save(graph, Path(path))


def make_nan_model(path: str | Path) -> Path:
    """A broken style model: it follows the convention, but its output is NaN (the square
    root of minus the input) wherever the input is not black."""
    graph = helper.make_graph(
        [helper.make_node("Neg", ["input"], ["negative"]), helper.make_node("Sqrt", ["negative"], ["output"])],
        "nan_style",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3, "H", "W"])],
    )
    return _save(graph, Path(path), {"streamart.stride": "4"})


class _MakesAFolder:
    """Unpickling it creates a folder: a harmless stand-in for code in a malicious file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def make_checkpoint_holding_code(path: Path, marker: Path) -> Path:
    """A .pt file whose unpickling would run code (create the folder ``marker``)."""
    import torch

    torch.save({"format": "x", "model": _MakesAFolder(marker)}, path)
    return path


def make_escaping_model(path: Path, **options) -> Path:
    """A style model whose weights are external data at ``../secret.bin``: outside the model's
    folder, which a model may not reach (the data is there, so only that rule refuses it)."""
    from onnx.external_data_helper import convert_model_to_external_data

    path = Path(path)
    model = onnx.load(str(make_style_model(path, **options)))
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="secret.bin", size_threshold=0)
    onnx.save(model, str(path))
    (path.parent / "secret.bin").replace(path.parent.parent / "secret.bin")
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../secret.bin"
    onnx.save(model, str(path))
    return path
