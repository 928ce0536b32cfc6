"""OpenVINO behind the interface of :class:`~streamart.runtimes.onnx.OnnxModel`: an ONNX file in,
``run(array) -> array``.

Why a second runtime: on a CPU, onnxruntime's provider computes in float32 only, while OpenVINO
computes convolutions in bfloat16 where the CPU has it (AVX512-BF16, AMX) and fuses the
padding and layout changes around them; on the 2-core development machine it ran the style
networks about twice as fast (docs/BENCHMARKS.md has the measurements and the choice between
the ``openvino`` package, used here, and onnxruntime's OpenVINO execution provider).

A network is compiled once per input shape and kept: kernels compiled for a static shape are
faster than dynamic ones, and a video has one shape.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, require

log = logging.getLogger(__name__)

#: How many input shapes keep a compiled network (a few: live resizing, stills of many sizes).
MAX_COMPILED_SHAPES = 4


def _openvino():
    return require("openvino", "openvino")


def available() -> bool:
    """Whether the ``openvino`` package can be imported here."""
    try:
        _openvino()
    except ImportError:
        return False
    return True


def cpu_has_bf16() -> bool:
    """Whether OpenVINO can compute in bfloat16 on this CPU (AVX512-BF16 or AMX)."""
    return "BF16" in _openvino().Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


class OpenVinoModel:
    """An OpenVINO network for a model with one image input and one image output, on the CPU.

    ``precision`` is ``"bf16"``, ``"f32"`` or ``"auto"`` (bfloat16 where the CPU has it).
    ``latency`` asks OpenVINO for the lowest latency of one frame (live) rather than the most
    frames per second. Raises :class:`ModelError` when the file is not a model OpenVINO can
    read; a model it reads but cannot compile fails at the first :meth:`run`.
    """

    device = "openvino"

    def __init__(self, path: str | os.PathLike[str], *, precision: str = "auto", threads: int | None = None) -> None:
        ov = _openvino()
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}")
        # First: OpenVINO tries a file that is not ONNX on each of its frontends, and the
        # TensorFlow one prints its parse errors straight to stderr.
        self.metadata = onnx_metadata(self.path)
        self._core = ov.Core()
        try:
            self._model = self._core.read_model(os.fspath(self.path))
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises its own untyped errors for bad files
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{self.path} is not a model OpenVINO can read: {first_line}") from None
        if len(self._model.inputs) != 1 or not self._model.outputs:
            raise ModelError(
                f"{self.path} has {len(self._model.inputs)} inputs; a style model has exactly one "
                "(RGB float N x 3 x H x W)"
            )
        entry = self._model.inputs[0]
        self.input_shape = [
            dimension.get_length() if dimension.is_static else "?" for dimension in entry.get_partial_shape()
        ]
        self.input_type = "tensor(float16)" if entry.get_element_type() == ov.Type.f16 else "tensor(float)"
        if precision == "auto":
            precision = "bf16" if cpu_has_bf16() else "f32"
        self.precision = precision
        self._config = {
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": precision,
            **({"INFERENCE_NUM_THREADS": threads} if threads else {}),
        }
        # openvino's InferRequest per input shape (Any: openvino is imported when a model opens)
        self._compiled: dict[tuple[int, ...], Any] = {}

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run the network on one input array and return its first output (float32)."""
        request = self._compiled.get(batch.shape)
        if request is None:
            request = self._compile(batch.shape)
        try:
            return np.array(request.infer({0: batch})[0], copy=True)
        except RuntimeError as exc:
            if "alloc" in str(exc).lower():
                raise MemoryError(str(exc).strip().splitlines()[0]) from None
            raise

    def _compile(self, shape: tuple[int, ...]):
        if len(self._compiled) >= MAX_COMPILED_SHAPES:
            self._compiled.clear()
        model = self._model.clone()
        model.reshape({0: list(shape)})
        with _signal_stack_kept():
            compiled = self._core.compile_model(model, "CPU", self._config)
        request = self._compiled[shape] = compiled.create_infer_request()
        return request


class _SignalStack(ctypes.Structure):
    _fields_ = [("ss_sp", ctypes.c_void_p), ("ss_flags", ctypes.c_int), ("ss_size", ctypes.c_size_t)]


@contextlib.contextmanager
def _signal_stack_kept() -> Iterator[None]:
    """Give the calling thread back its alternate signal stack after the block.

    OpenVINO 2026.4's CPU plugin leaves the thread that compiles a network with an alternate
    signal stack of its own, which it does not keep valid: the next signal handled on that
    thread (Ctrl-C, SIGTERM) then crashes the process with a segmentation fault. Python runs
    its signal handlers on the alternate stack, so this matters on the main thread.
    """
    libc = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None
    previous = _SignalStack()
    if libc is not None:
        libc.sigaltstack(None, ctypes.byref(previous))
    try:
        yield
    finally:
        if libc is not None:
            libc.sigaltstack(ctypes.byref(previous), None)


def onnx_metadata(path: Path) -> dict[str, str]:
    """The ``metadata_props`` of an ONNX file (OpenVINO does not keep them); a
    :class:`ModelError` when the file is not an ONNX model."""
    onnx = require("onnx", "cpu")
    try:
        model = onnx.load(os.fspath(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError, and whatever else a file that is no model gives
        raise ModelError(f"{path} is not an ONNX model ({type(exc).__name__})") from None
    if not model.graph.node:
        raise ModelError(f"{path} is not an ONNX model (it has no graph)")
    return {prop.key: prop.value for prop in model.metadata_props}
