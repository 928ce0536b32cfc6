"""VGG16 convolutional base (ImageNet) for perceptual losses, Gatys and DeepDream.

Imports only torch and numpy. Layers are indexed like torchvision's ``vgg16().features``, so a
torchvision state_dict maps 1:1 onto ``VGG16Features.features``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

# The layer names, where the dream settings read them without torch.
from .layouts import VGG16_LAYERS as LAYER_NAMES

LAYER_INDEX = {name: index for index, name in enumerate(LAYER_NAMES)}
POOLINGS = ("max", "avg")


class VGG16Features(nn.Module):
    """The 13 conv layers of VGG16 with their ReLUs and pools, truncated after ``upto``.

    Input: RGB float tensor N x 3 x H x W with values in 0..255. The module normalises it
    itself with ``input_mean`` / ``input_std`` (buffers, RGB, 0..255 units), which depend on
    the weights: the Caffe mean and std 1 for the Keras weights, 255 x the ImageNet mean/std for
    torchvision's.
    """

    # The buffers that register_buffer adds (declared for the type checker).
    input_mean: torch.Tensor
    input_std: torch.Tensor

    def __init__(self, *, upto: str = "pool5", pooling: str = "max") -> None:
        super().__init__()
        if upto not in LAYER_INDEX:
            raise ValueError(f"unknown VGG16 layer {upto!r}; choose one of: {', '.join(LAYER_NAMES)}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
        layers: list[nn.Module] = []
        in_channels = 3
        for name in LAYER_NAMES[: LAYER_INDEX[upto] + 1]:
            if name.startswith("conv"):
                out_channels = 64 * 2 ** min(int(name[4]) - 1, 3)
                layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
                in_channels = out_channels
            elif name.startswith("relu"):
                layers.append(nn.ReLU(inplace=False))
            elif pooling == "max":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(nn.AvgPool2d(kernel_size=2, stride=2))
        self.features = nn.Sequential(*layers)
        self.register_buffer("input_mean", torch.zeros(1, 3, 1, 1))
        self.register_buffer("input_std", torch.ones(1, 3, 1, 1))

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Names of the layers this (possibly truncated) module computes, in order."""
        return LAYER_NAMES[: len(self.features)]

    def forward(self, x: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        """Activations of the named ``layers`` (e.g. ``"relu3_3"``, ``"pool5"``) for RGB
        input in 0..255; computation stops at the deepest requested layer."""
        if isinstance(layers, str):
            raise TypeError("layers must be a sequence of layer names, not a string")
        wanted = set(layers)
        unknown = wanted - set(self.layer_names)
        if unknown:
            raise ValueError(
                f"unknown or truncated-away VGG16 layers {sorted(unknown)}; "
                f"this module has: {', '.join(self.layer_names)}"
            )
        if not wanted:
            return {}
        deepest = max(LAYER_INDEX[name] for name in wanted)
        outputs: dict[str, torch.Tensor] = {}
        x = (x - self.input_mean) / self.input_std
        for name, layer in zip(self.layer_names[: deepest + 1], self.features):
            x = layer(x)
            if name in wanted:
                outputs[name] = x
        return outputs


def load_vgg16(
    *,
    device: str | torch.device = "cpu",
    upto: str = "relu5_3",
    pooling: str = "max",
    source: str | os.PathLike | None = None,
) -> VGG16Features:
    """The pretrained VGG16 conv base in eval mode with frozen parameters.

    The weights come from ``streamart.weights.fetch("vgg16", source=source)`` (downloaded and
    cached on first use). Raises ``WeightsError`` when they cannot be fetched or verified.
    """
    from ..assets import (
        weights,  # imported here so this module itself depends on torch + numpy only
    )

    arrays = weights.load_arrays("vgg16", source=source)
    model = VGG16Features(upto=upto, pooling=pooling)
    state = {
        key: torch.from_numpy(np.asarray(value))
        for key, value in arrays.items()
        if key.startswith("features.") and int(key.split(".")[1]) < len(model.features)
    }
    state["input_mean"] = torch.from_numpy(arrays["input_mean"]).reshape(1, 3, 1, 1)
    state["input_std"] = torch.from_numpy(arrays["input_std"]).reshape(1, 3, 1, 1)
    model.load_state_dict(state, strict=True)
    model.requires_grad_(False)
    return model.eval().to(device)
