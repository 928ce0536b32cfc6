"""How networks run: onnxruntime (every platform's providers), OpenVINO (bfloat16 on CPUs) and
torch (DeepDream, Gatys, training), behind one small interface for image models:
``run(array) -> array``, ``input_shape``, ``input_type``, ``metadata``, ``device``.

:func:`open_model` picks the runtime for a ``--device`` name.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import DependencyError, ModelError

log = logging.getLogger(__name__)

#: The input shape of the probe that checks a model compiles on OpenVINO before it is used.
_PROBE_SHAPE = (1, 3, 64, 64)


class ImageModel(Protocol):
    """A network with one image input and one image output, on some runtime."""

    path: Path
    device: str
    input_shape: list
    input_type: str
    metadata: dict[str, str]

    def run(self, batch: np.ndarray) -> np.ndarray: ...


def open_model(path: str | os.PathLike, *, device: str = "auto", threads: int | None = None) -> ImageModel:
    """The model at ``path`` on the runtime for ``device``: ``openvino`` (OpenVINO on the CPU),
    ``auto`` (a GPU provider of onnxruntime where there is one, else OpenVINO where it is
    installed, else onnxruntime's CPU provider), or an onnxruntime device name (``cpu``,
    ``cuda``, ``tensorrt``, ...). A model OpenVINO cannot compile runs on onnxruntime's CPU
    provider instead, with a one-line warning. ``threads`` caps the runtime's threads on the CPU
    (None: one per core)."""
    from . import openvino
    from .onnx import OnnxModel, resolve_device

    if device == "openvino" and not openvino.available():
        raise DependencyError(
            "--device openvino needs the openvino package: pip install openvino (it comes with 'streamart[cpu]')"
        )
    if device == "openvino" or (device == "auto" and resolve_device("auto") == "cpu" and openvino.available()):
        try:
            model = openvino.OpenVinoModel(path, threads=threads)
            model.run(np.zeros(_PROBE_SHAPE, np.float16 if model.input_type == "tensor(float16)" else np.float32))
            return model
        except (ModelError, RuntimeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fallback = OnnxModel(path, device="cpu", threads=threads)  # a file that is no model at all fails here, plainly
        log.warning("OpenVINO cannot run %s (%s); using onnxruntime's CPU provider", Path(path).name, reason)
        return fallback
    return OnnxModel(path, device=device, threads=threads)


def is_gpu(device: str) -> bool:
    """Whether ``device`` (``auto`` resolved) runs networks on a GPU: what the model variant
    follows (GPUs get the biggest network)."""
    from .onnx import resolve_device

    return device not in ("openvino", "cpu") and resolve_device(device) != "cpu"
