"""Image losses shared by training style networks and by Gatys optimisation.

Both work on torch tensors (only tensor methods are used, so this module imports no torch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Channel correlations N x C x C of N x C x H x W features, normalised by C x H x W
    (computed in float32): which channels fire together, wherever they fire."""
    n, c, h, w = features.shape
    flat = features.float().reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of horizontally and vertically neighbouring pixels."""
    return (images[..., 1:, :] - images[..., :-1, :]).pow(2).mean() + (images[..., :, 1:] - images[..., :, :-1]).pow(
        2
    ).mean()
