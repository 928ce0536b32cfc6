"""torch behind the same few calls everywhere (DeepDream, Gatys, training): pick a device,
move RGB images to and from tensors in the project-wide convention (0..255, N x 3 x H x W),
and replay fixed-shape GPU work as a CUDA graph."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import DeviceError, require
from .memory import available_host_memory

if TYPE_CHECKING:
    import torch


def describe_load_error(exc: BaseException) -> str:
    """Why ``torch.load(..., weights_only=True)`` refused a file, in one line for a user.

    torch's own text runs over several lines and advises ``weights_only=False``, which would
    run whatever code the file holds: a user is told what the file holds instead.
    """
    text = str(exc)
    if "Weights only load failed" in text:
        found = re.search(r"GLOBAL ([\w.]+)", text)
        if found is not None:
            return f"it holds {found[1]}, which is not a tensor; streamart never runs code from a file"
        return "it is not a file of tensors that torch.save wrote"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else type(exc).__name__


def select_device(name: str = "auto") -> torch.device:
    """The torch device for ``name``: ``auto`` (CUDA when torch sees a GPU, else the CPU),
    ``cpu``, or ``cuda``/``cuda:N``; anything else, or CUDA without a GPU, is a DeviceError."""
    torch = require("torch", "torch")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise DeviceError(f"device {name!r} cannot run torch work here; use cpu or cuda (or auto)")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(
            f"device {name} was asked for but torch sees no CUDA GPU (a CPU-only torch build, or "
            "no GPU or driver); use cpu or auto"
        )
    return device


def bf16_is_native(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 convolutions natively: a CUDA GPU that supports it,
    or a CPU with AVX512-BF16 or AMX (elsewhere bf16 is emulated and slower than float32)."""
    if device.type == "cuda":
        return require("torch", "torch").cuda.is_bf16_supported()
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from Linux's /proc/cpuinfo (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def free_memory(device: torch.device) -> int | None:
    """Free memory in bytes on ``device`` (the GPU's, or the machine's available RAM for the
    CPU), or None when it cannot be told."""
    torch = require("torch", "torch")
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    return available_host_memory()


class CudaGraph:
    """``function`` captured once as a CUDA graph, then replayed on new inputs.

    A graph launches all of the function's kernels with one call, without Python or the
    launch queue in between: worth it when many small kernels run on the same shapes again
    and again, as dreaming does on every frame of a video. ``function`` takes and returns
    CUDA tensors; calls must pass tensors of the shapes and dtypes of ``example_inputs``, and
    everything that changes between calls must be such an input (random draws included:
    values computed on the host are frozen into the graph). ``function`` runs a few times
    while capturing, so it must have no side effects besides its result.
    """

    def __init__(self, function: Callable[..., torch.Tensor], *example_inputs: torch.Tensor) -> None:
        torch = require("torch", "torch")
        self._inputs = tuple(tensor.clone() for tensor in example_inputs)
        # Warm up on a side stream first, as capture requires: lazy initialisation (cuDNN
        # algorithm choice, library handles, autograd's buffers) must not happen inside the
        # graph. Capture on that same stream, whose per-stream handles the warm-up created.
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):
                function(*self._inputs)
        torch.cuda.current_stream().wait_stream(side)
        self._graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self._graph, stream=side):
            self._output = function(*self._inputs)

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Run the graph on ``inputs``; returns a new tensor (the next replay reuses the
        graph's own output buffer)."""
        for static, value in zip(self._inputs, inputs, strict=True):
            static.copy_(value)
        self._graph.replay()
        return self._output.clone()
