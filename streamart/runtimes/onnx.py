"""onnxruntime behind the small interface every stage uses: ``run(array) -> array``.

The execution provider is chosen from what the installed onnxruntime build has. On GPU
providers the input is bound with IO binding, so onnxruntime copies it to the device once and
allocates nothing per frame.
"""

from __future__ import annotations

import functools
import logging
import os
from importlib import metadata
from pathlib import Path

import numpy as np

from ..errors import DeviceError, ModelError, require

log = logging.getLogger(__name__)

# --device names -> onnxruntime providers, in the order "auto" tries them. TensorRT is not
# tried automatically: it builds an engine for every new input shape, which takes minutes.
DEVICE_PROVIDERS = {
    "cuda": "CUDAExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
_AUTO_ORDER = ("cuda", "rocm", "directml", "coreml", "cpu")
_GPU_DEVICES = {"cuda": "cuda", "rocm": "cuda", "tensorrt": "cuda"}


@functools.cache
def _onnxruntime():
    """The onnxruntime module; checked once per process, since scanning the installed
    packages for a conflicting build takes tens of milliseconds."""
    ort = require("onnxruntime", "cpu")
    installed = {d.metadata["Name"].lower() for d in metadata.distributions() if d.metadata["Name"]}
    if {"onnxruntime", "onnxruntime-gpu"} <= installed:
        log.warning(
            "both onnxruntime and onnxruntime-gpu are installed and break each other; keep one: "
            "pip uninstall -y onnxruntime onnxruntime-gpu && pip install onnxruntime-gpu"
        )
    return ort


def available_devices() -> list[str]:
    """The ``--device`` names the installed onnxruntime build can run on."""
    providers = set(_onnxruntime().get_available_providers())
    return [name for name, provider in DEVICE_PROVIDERS.items() if provider in providers]


def resolve_device(device: str) -> str:
    """The ``--device`` name that ``device`` runs on with this build: ``auto`` becomes the
    fastest one available; an unknown or unavailable device is a :class:`DeviceError`."""
    available = available_devices()
    if device == "auto":
        return next((d for d in _AUTO_ORDER if d in available), "cpu")
    if device not in DEVICE_PROVIDERS:
        raise DeviceError(f"unknown device '{device}'; choose auto, openvino or one of: {', '.join(DEVICE_PROVIDERS)}")
    if device not in available:
        hint = (
            "; on NVIDIA: pip uninstall -y onnxruntime && pip install 'streamart[gpu]'"
            if device in ("cuda", "tensorrt")
            else ""
        )
        raise DeviceError(
            f"device '{device}' is not available in this onnxruntime build (available: {', '.join(available)}){hint}"
        )
    return device


def _providers_for(device: str) -> tuple[str, list[str]]:
    """The device actually used and its onnxruntime provider list (with fallbacks)."""
    chosen = resolve_device(device)
    providers = [DEVICE_PROVIDERS[chosen]]
    if chosen == "tensorrt":  # let TensorRT hand unsupported nodes to CUDA
        providers.append(DEVICE_PROVIDERS["cuda"])
    if chosen != "cpu":
        providers.append(DEVICE_PROVIDERS["cpu"])
    return chosen, providers


class OnnxModel:
    """An onnxruntime session for a model with one image input and one image output."""

    def __init__(self, path: str | os.PathLike[str], *, device: str = "auto", threads: int | None = None) -> None:
        ort = _onnxruntime()
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # onnxruntime's worker threads spin between operators by default, which keeps the
        # cores busy while decode, flow, blend and encode threads wait for them. Sleeping
        # instead made the 720p file pipeline 5 % faster and cut live latency from 42 / 64 ms
        # to 30 / 42 ms (p50 / p95) on the 2-core machine (docs/BENCHMARKS.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # onnxruntime's own warnings are not for our users
        self.device, self.providers = _providers_for(device)
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=self.providers)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors for bad files
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{self.path} is not a usable ONNX model: {first_line}") from None
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or len(outputs) < 1:
            raise ModelError(
                f"{self.path} has {len(inputs)} inputs; a style model has exactly one (RGB float N x 3 x H x W)"
            )
        self.input_name, self.output_name = inputs[0].name, outputs[0].name
        self.input_shape = list(inputs[0].shape)
        self.input_type = inputs[0].type
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        self._gpu = _GPU_DEVICES.get(self.device)

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run the model on one input array and return its first output. Running out of
        memory raises ``MemoryError`` (onnxruntime raises its own untyped error)."""
        try:
            if self._gpu is None:
                return self.session.run([self.output_name], {self.input_name: batch})[0]
            binding = self.session.io_binding()
            binding.bind_cpu_input(self.input_name, batch)
            binding.bind_output(self.output_name, self._gpu)
            self.session.run_with_iobinding(binding)
            return binding.copy_outputs_to_cpu()[0]
        except Exception as exc:
            if "alloc" in str(exc).lower():
                raise MemoryError(str(exc).strip().splitlines()[0]) from None
            raise
