"""Export a trained style network to ONNX, in float32 or float16.

The models follow the convention in streamart/assets/zoo/README.md: one input ``input`` and one output
``output``, RGB float32 N x 3 x H x W with values 0..255, dynamic N, H and W (multiples of 4),
clamped to 0..255 inside the model, and ``streamart.*`` metadata properties.

The TorchScript-based exporter (``torch.onnx.export(..., dynamo=False)``) is used: it needs only
the ``onnx`` package, while the newer torch.export-based one also needs ``onnxscript``.

Float16 models are converted here, not by an outside tool: weights and activations become
float16, but the graph keeps float32 input and output (callers need not care) and every
InstanceNormalization runs in float32 between two Casts, because onnxruntime's float16
InstanceNormalization is inaccurate (its variance over a large image loses precision).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..core.files import OutputFile, write_failure
from ..errors import ModelError, OutputError, require
from ..nets.transformer import STRIDE, TransformerNet
from ..runtimes.torch import describe_load_error

torch = require("torch", "torch")

#: Checkpoint format tag, checked on load so that other .pt files give a clear error.
CHECKPOINT_FORMAT = "streamart-transformer-1"
OPSET = 17

# Inputs that must stay float32 in a float16 graph, by op type and input position: Resize's
# roi and scales are float32 by the ONNX spec; InstanceNormalization runs in float32 here.
_FLOAT32_INPUTS = {"Resize": (1, 2), "InstanceNormalization": (1, 2)}


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a training checkpoint (tensors and plain values only: ``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(
            f"checkpoint not found: {path} (give the .pt file 'streamart train' wrote in its --checkpoint-dir)"
        )
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises assorted types for a file that is not a checkpoint
        raise ModelError(f"{path} is not a readable checkpoint: {describe_load_error(exc)}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ModelError(f"{path} is not a streamart style-network checkpoint (expected format {CHECKPOINT_FORMAT!r})")
    return checkpoint


def model_from_checkpoint(checkpoint: Mapping) -> TransformerNet:
    """The trained :class:`TransformerNet` of a checkpoint, in eval mode."""
    model = TransformerNet(checkpoint["variant"])
    model.load_state_dict(checkpoint["model"])
    return model.eval()


def export_onnx(
    model: TransformerNet, path: str | os.PathLike, *, fp16: bool = False, metadata: Mapping[str, str] | None = None
) -> Path:
    """Write ``model`` as ONNX to ``path`` (atomically: a temporary name, then a rename).

    ``metadata`` becomes the model's metadata_props; ``streamart.variant``,
    ``streamart.stride`` and ``streamart.precision`` are added.
    """
    onnx = require("onnx", "onnx")
    output = OutputFile(path, overwrite=True)
    temporary = output.temporary
    exported = model.for_export()  # an eval-mode copy with export-friendly layers
    # Larger than twice a CPU variant's margin, which reflection padding needs.
    example = torch.rand(1, 3, 16 * STRIDE, 16 * STRIDE) * 255
    try:
        with warnings.catch_warnings():
            # The legacy exporter warns that it is legacy, and that instance norm uses input
            # statistics (which is what instance norm is meant to do).
            warnings.simplefilter("ignore")
            torch.onnx.export(
                exported,
                (example,),
                str(temporary),
                dynamo=False,
                opset_version=OPSET,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={name: {0: "N", 2: "H", 3: "W"} for name in ("input", "output")},
            )
        proto = onnx.load(str(temporary))
        if fp16:
            proto = convert_to_fp16(proto)
        properties = {
            **(metadata or {}),
            "streamart.variant": model.variant,
            "streamart.stride": str(STRIDE),
            "streamart.precision": "fp16" if fp16 else "fp32",
        }
        onnx.helper.set_model_props(proto, {key: str(value) for key, value in properties.items()})
        onnx.checker.check_model(proto, full_check=True)
        onnx.save(proto, str(temporary))
        return output.commit()
    except OSError as exc:  # a full disk, while exporting or saving
        raise OutputError(write_failure(output.path, exc)) from None
    finally:
        output.discard()  # after a failure; after a commit there is nothing left to remove


def export_checkpoint(checkpoint_path: str | os.PathLike, out: str | os.PathLike, *, fp16: bool = False) -> Path:
    """Export a training checkpoint to ONNX, with the metadata recorded at training time."""
    checkpoint = load_checkpoint(checkpoint_path)
    return export_onnx(model_from_checkpoint(checkpoint), out, fp16=fp16, metadata=checkpoint.get("metadata", {}))


def convert_to_fp16(model):
    """Return a float16 copy of an exported float32 style-network graph (an onnx.ModelProto).

    Float initializers and Constant tensors become float16, except those feeding an input listed
    in ``_FLOAT32_INPUTS``; Casts go after the graph input, before the graph output and around
    every InstanceNormalization, so it computes in float32.
    """
    onnx = require("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())  # leave the caller's alone
    graph = model.graph
    keep_float32 = {
        node.input[index]
        for node in graph.node
        for index in _FLOAT32_INPUTS.get(node.op_type, ())
        if index < len(node.input)
    }
    # The exporter shares equal parameters through Identity nodes: keep their sources too.
    keep_float32 |= {
        node.input[0] for node in graph.node if node.op_type == "Identity" and node.output[0] in keep_float32
    }

    def half(tensor):
        return numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float16), tensor.name)

    for initializer in graph.initializer:
        if initializer.data_type == TensorProto.FLOAT and initializer.name not in keep_float32:
            initializer.CopyFrom(half(initializer))
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] not in keep_float32:
            for attribute in node.attribute:
                if attribute.name == "value" and attribute.t.data_type == TensorProto.FLOAT:
                    attribute.t.CopyFrom(half(attribute.t))
        if node.op_type == "Cast" and node.attribute[0].i == TensorProto.FLOAT:
            raise ModelError(
                "unexpected Cast to float32 in the exported graph: the float16 conversion does not handle it"
            )

    nodes = []
    graph_input, graph_output = graph.input[0].name, graph.output[0].name
    nodes.append(helper.make_node("Cast", [graph_input], [f"{graph_input}_fp16"], to=TensorProto.FLOAT16))
    for node in graph.node:
        node.input[:] = [f"{graph_input}_fp16" if name == graph_input else name for name in node.input]
        if node.op_type == "InstanceNormalization":
            # Run it in float32: cast its data input up and its output back down.
            source, result = node.input[0], node.output[0]
            nodes.append(helper.make_node("Cast", [source], [f"{source}_fp32"], to=TensorProto.FLOAT))
            node.input[0] = f"{source}_fp32"
            node.output[0] = f"{result}_fp32"
            nodes.append(node)
            nodes.append(helper.make_node("Cast", [f"{result}_fp32"], [result], to=TensorProto.FLOAT16))
            continue
        if graph_output in node.output:
            node.output[:] = [f"{graph_output}_fp16" if name == graph_output else name for name in node.output]
        nodes.append(node)
    nodes.append(helper.make_node("Cast", [f"{graph_output}_fp16"], [graph_output], to=TensorProto.FLOAT))
    del graph.node[:]
    graph.node.extend(nodes)
    # Shapes recorded for float32 intermediates would now be wrong; let runtimes re-infer.
    del graph.value_info[:]
    return model
