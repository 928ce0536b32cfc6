"""The feed-forward style network of Johnson et al. (2016), in a full and a lite variant.

Imports only torch. Layout: reflection padding everywhere (no dark borders), instance
normalisation with affine parameters, residual blocks at 1/4 resolution, and nearest-neighbour
upsampling followed by a convolution instead of a transposed convolution, which avoids
checkerboard artefacts.

Tensor convention (shared with the shipped ONNX models in streamart/assets/zoo/): RGB float N x 3 x H x W with values
0..255 in and out; H and W multiples of :data:`STRIDE` give an output of exactly the input size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

#: Total downsampling factor; H and W must be multiples of it for the output to match exactly.
STRIDE = 4


@dataclass(frozen=True)
class VariantSpec:
    """Widths and depth of one network variant."""

    channels: tuple[int, int, int]  # full-, half- and quarter-resolution widths
    residual_blocks: int


VARIANTS: dict[str, VariantSpec] = {
    # Johnson et al.'s original sizes.
    "full": VariantSpec(channels=(32, 64, 128), residual_blocks=5),
    # Half the widths (a quarter of the multiply-adds per conv) and fewer residual blocks:
    # about 4.6x fewer FLOPs per pixel than "full", for real time on a CPU.
    "lite": VariantSpec(channels=(16, 32, 64), residual_blocks=3),
}


class ConvLayer(nn.Sequential):
    """Reflection padding + convolution, so the border is not padded with zeros."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__(
            nn.ReflectionPad2d(kernel_size // 2),
            nn.Conv2d(in_channels, out_channels, kernel_size, stride),
        )


class ConvNormReLU(nn.Sequential):
    """ConvLayer + instance norm + ReLU, optionally preceded by a 2x nearest upsample."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
        upsample: bool = False,
    ):
        layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest")] if upsample else []
        layers += [
            ConvLayer(in_channels, out_channels, kernel_size, stride),
            nn.InstanceNorm2d(out_channels, affine=True),
            nn.ReLU(inplace=True),
        ]
        super().__init__(*layers)


class ResidualBlock(nn.Module):
    """Two 3x3 conv + instance norm layers with an identity shortcut."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            ConvLayer(channels, channels, 3),
            nn.InstanceNorm2d(channels, affine=True),
            nn.ReLU(inplace=True),
            ConvLayer(channels, channels, 3),
            nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class TransformerNet(nn.Module):
    """Image transformation network: RGB 0..255 in, stylized RGB 0..255 out, same size.

    ``variant`` is ``"full"`` (Johnson et al.) or ``"lite"`` (see :data:`VARIANTS`). Per output
    pixel, ``full`` costs about 154k multiply-adds and ``lite`` about 33k
    (:func:`multiply_adds_per_pixel`).

    The output passes through a scaled tanh, so it always lies within 0..255 (Johnson et al.
    bound their output with a tanh too).
    """

    def __init__(self, variant: str = "full"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
        self.variant = variant
        spec = VARIANTS[variant]
        c1, c2, c3 = spec.channels
        self.encoder = nn.Sequential(
            ConvNormReLU(3, c1, 9),
            ConvNormReLU(c1, c2, 3, stride=2),
            ConvNormReLU(c2, c3, 3, stride=2),
        )
        self.residuals = nn.Sequential(*(ResidualBlock(c3) for _ in range(spec.residual_blocks)))
        self.decoder = nn.Sequential(
            ConvNormReLU(c3, c2, 3, upsample=True),
            ConvNormReLU(c2, c1, 3, upsample=True),
            ConvLayer(c1, 3, 9),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Work on zero-centred -1..1 values inside, whatever the 0..255 convention outside.
        y = self.decoder(self.residuals(self.encoder(x / 127.5 - 1.0)))
        # tanh bounds the output smoothly: a hard clamp would stop the gradient of pixels
        # outside 0..255, and unbounded values blow up the VGG losses early in training.
        return (torch.tanh(y) + 1.0) * 127.5


def multiply_adds_per_pixel(model: nn.Module, size: int = 64) -> float:
    """Multiply-adds of all convolutions, per input pixel, counted on a size x size input."""
    total = 0

    def count(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        total += output.numel() * module.in_channels // module.groups * kh * kw

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, size, size))
    finally:
        for hook in hooks:
            hook.remove()
    return total / (size * size)
