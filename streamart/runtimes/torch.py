"""torch behind the same few calls everywhere (DeepDream, Gatys, training): pick a device and
move RGB images to and from tensors in the project-wide convention (0..255, N x 3 x H x W)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DeviceError, require

if TYPE_CHECKING:
    import torch


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


def to_tensor(image: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """RGB H x W x 3 (uint8, or float in 0..255) -> float32 1 x 3 x H x W on ``device``."""
    torch = require("torch", "torch")
    tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]
    return tensor.to(device=device, dtype=torch.float32).contiguous()


def to_image(tensor: torch.Tensor) -> np.ndarray:
    """Float 1 x 3 x H x W (0..255) -> RGB uint8 H x W x 3 on the host, rounded and clamped."""
    pixels = tensor.detach()[0].float().clamp(0, 255).round().byte().permute(1, 2, 0)
    return np.ascontiguousarray(pixels.cpu().numpy())
