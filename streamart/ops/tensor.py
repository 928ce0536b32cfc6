"""torch tensors in the project-wide image convention: RGB float N x 3 x H x W with values
0..255 (what :mod:`streamart.nets` take), on any device. One resize and one warp for tensors,
the counterparts of :func:`streamart.ops.image.resize` and :func:`streamart.ops.flow.warp`.

Only tensor methods and ``torch`` imported inside the functions are used, so importing this
module does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import require

if TYPE_CHECKING:
    import torch


def to_tensor(image: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """RGB H x W x 3 (uint8, or float in 0..255) -> float32 1 x 3 x H x W on ``device``."""
    torch = require("torch", "torch")
    # Move first, convert after: a uint8 frame is a quarter of the bytes of its float copy.
    tensor = torch.from_numpy(np.ascontiguousarray(image)).to(device)
    return tensor.permute(2, 0, 1)[None].to(torch.float32).contiguous()


def to_image(tensor: torch.Tensor) -> np.ndarray:
    """Float 1 x 3 x H x W (0..255) -> RGB uint8 H x W x 3 on the host, rounded and clamped."""
    pixels = tensor.detach()[0].float().clamp(0, 255).round().byte().permute(1, 2, 0)
    return np.ascontiguousarray(pixels.cpu().numpy())


def resize(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear resize of N x C x H x W to ``height`` x ``width``, antialiased when shrinking."""
    import torch.nn.functional as F

    if tuple(x.shape[-2:]) == (height, width):
        return x
    shrinking = height < x.shape[-2] or width < x.shape[-1]
    return F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=shrinking)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """:func:`streamart.ops.flow.warp` on the device: ``result[y, x] = image[(x, y) + flow(x, y)]``,
    bilinear, borders replicated. ``image`` is 1 x C x H x W, ``flow`` 1 x 2 x h x w (x, y
    displacements in pixels of its own grid), resized and rescaled to the image's size."""
    import torch
    import torch.nn.functional as F

    height, width = image.shape[-2:]
    flow_height, flow_width = flow.shape[-2:]
    flow = resize(flow, height, width)
    rows = torch.arange(height, device=image.device, dtype=flow.dtype)
    columns = torch.arange(width, device=image.device, dtype=flow.dtype)
    x = columns + flow[0, 0] * (width / flow_width)
    y = rows[:, None] + flow[0, 1] * (height / flow_height)
    # grid_sample's coordinates run from -1 to 1 across pixel centres (align_corners=True).
    grid = torch.stack([2 * x / max(width - 1, 1) - 1, 2 * y / max(height - 1, 1) - 1], dim=-1)
    return F.grid_sample(image, grid[None], mode="bilinear", padding_mode="border", align_corners=True)


def grid_tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """H x W or H x W x C float array -> 1 x C x H x W float32 tensor on ``device``."""
    import torch

    array = values if values.ndim == 3 else values[..., None]
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(device).permute(2, 0, 1)[None]
