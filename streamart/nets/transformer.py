"""The feed-forward style network of Johnson et al. (2016) in a full and a lite variant, and a
CPU-first variant that does almost all its work at 1/4 resolution.

Imports only torch. Johnson layout (full, lite): reflection padding everywhere (no dark
borders), instance normalisation with affine parameters, residual blocks at 1/4 resolution, and
nearest-neighbour upsampling followed by a convolution instead of a transposed convolution,
which avoids checkerboard artefacts.

CPU-first layout (``cpu``; :class:`CpuSpec`): no full-resolution feature maps at all. An 8x8
stride-4 convolution takes the RGB input straight to 1/4 resolution (an overlapping patch
embedding), depthwise-separable residual blocks work there, and two :class:`UpConv` stages go
back up. Inside, padding is the Conv's own zero padding (no Pad node per layer; one reflection
margin on the input keeps its artefacts off the picture) and instance norm runs only at 1/4 and
1/2 resolution, where its memory traffic is small. Other CPU layouts were measured and dropped
(wider blocks, plain 3x3 blocks, an anti-aliased stem: docs/BENCHMARKS.md).

Tensor convention (shared with the shipped ONNX models in streamart/assets/zoo/): RGB float N x 3 x H x W with values
0..255 in and out; H and W multiples of :data:`STRIDE` give an output of exactly the input size.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

import torch
from torch import nn

#: Total downsampling factor; H and W must be multiples of it for the output to match exactly.
STRIDE = 4


@dataclass(frozen=True)
class VariantSpec:
    """Widths and depth of one Johnson-layout network variant."""

    channels: tuple[int, int, int]  # full-, half- and quarter-resolution widths
    residual_blocks: int


@dataclass(frozen=True)
class CpuSpec:
    """Widths and depth of one CPU-first variant (see the module docstring)."""

    stem: int  # width of the 8x8 stride-4 input convolution (1/4 resolution)
    width: int  # width of the residual blocks (1/4 resolution)
    half: int  # width at 1/2 resolution, between the two UpConv stages
    residual_blocks: int
    # Reflection padding of the input (in pixels, a multiple of STRIDE), cropped off the
    # output: the zero padding of the inner convolutions then makes its border artefacts
    # outside the picture. One Pad node on the 3-channel input, not one per layer.
    margin: int = 0


VARIANTS: dict[str, VariantSpec | CpuSpec] = {
    # Johnson et al.'s original sizes.
    "full": VariantSpec(channels=(32, 64, 128), residual_blocks=5),
    # Half the widths (a quarter of the multiply-adds per conv) and fewer residual blocks:
    # about 4.6x fewer FLOPs per pixel than "full", for real time on a CPU.
    "lite": VariantSpec(channels=(16, 32, 64), residual_blocks=3),
    # CPU-first: everything at 1/4 resolution except one conv at 1/2 and none at full.
    # The margin must cover how far the inner zero padding reaches: about 12 positions at 1/4
    # resolution (the stem, 11 3x3 convolutions there, the first UpConv), so 48 px. With 8 px
    # a band at the picture's edge flickered 3-5x more than lite; with 24 px (the zoo's
    # training margin) a flat grey frame came out 45-50 levels darker in its top 3 and bottom
    # 8 rows (the README's sample clip: rows 75 against 110 inside); 48 px leaves 0-2.
    "cpu": CpuSpec(stem=32, width=64, half=16, residual_blocks=5, margin=48),
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
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
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


class UpConv(nn.Module):
    """2x nearest-neighbour upsampling followed by a 3x3 convolution (zero padding), computed
    exactly as a sub-pixel convolution: one 3x3 convolution at the low resolution with four
    output channels per output channel (one per pixel of each 2x2 block), then
    ``pixel_shuffle`` (ONNX DepthToSpace).

    The parameter is the high-resolution 3x3 kernel, so the function stays nearest upsampling +
    convolution, free of checkerboard artefacts by construction, but neither the upsampled
    input nor a Resize node is ever made: each output pixel of a 2x2 block sees a 2x2 window of
    the low-resolution input, and the kernel taps that land on the same low-resolution pixel are
    summed (:attr:`_taps`; an ONNX export folds this into a constant).
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        conv = nn.Conv2d(in_channels, out_channels, 3)  # for PyTorch's default initialisation
        assert conv.bias is not None  # a Conv2d has a bias unless made with bias=False
        self.weight = nn.Parameter(conv.weight.detach().clone())
        self.bias = nn.Parameter(conv.bias.detach().clone())
        # taps[phase, low-res tap, high-res tap]: for output row parity ``phase``, the
        # high-res tap dy (offset dy - 1) reads low-res row offset floor((phase + dy - 1) / 2).
        taps = torch.zeros(2, 3, 3)
        for phase in range(2):
            for dy in range(3):
                taps[phase, (phase + dy - 1) // 2 + 1, dy] = 1.0
        self.register_buffer("_taps", taps, persistent=False)

    def subpixel_weight(self) -> torch.Tensor:
        """The equivalent low-resolution kernel, (4 * out) x in x 3 x 3, in pixel_shuffle's
        channel order (out channel, row parity, column parity)."""
        # w[o, i, a, b, u, v] = sum_{y, x} taps[a, u, y] * taps[b, v, x] * weight[o, i, y, x]
        w = torch.einsum("auy,bvx,oiyx->oabiuv", self._taps, self._taps, self.weight)
        return w.reshape(4 * self.out_channels, self.in_channels, 3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.bias.repeat_interleave(4)
        y = nn.functional.conv2d(x, self.subpixel_weight().to(x.dtype), bias.to(x.dtype), padding=1)
        return nn.functional.pixel_shuffle(y, 2)

    def fused(self) -> nn.Sequential:
        """The same function as a plain Conv2d + PixelShuffle with the low-resolution kernel
        computed once (what an ONNX export should contain: Conv + DepthToSpace)."""
        conv = nn.Conv2d(
            self.in_channels, 4 * self.out_channels, 3, padding=1, device=self.weight.device, dtype=self.weight.dtype
        )
        assert conv.bias is not None  # a Conv2d has a bias unless made with bias=False
        with torch.no_grad():
            conv.weight.copy_(self.subpixel_weight())
            conv.bias.copy_(self.bias.repeat_interleave(4))
        return nn.Sequential(conv, nn.PixelShuffle(2))


class SeparableResidualBlock(nn.Module):
    """Two (depthwise 3x3 + pointwise 1x1 + instance norm) layers, ReLU between, identity
    shortcut: about 2 * (9 + C) multiply-adds per position and channel instead of 2 * 9 * C."""

    def __init__(self, channels: int):
        super().__init__()

        def separable(c: int) -> list[nn.Module]:
            return [
                nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False),
                nn.Conv2d(c, c, 1, bias=False),
                nn.InstanceNorm2d(c, affine=True),
            ]

        self.body = nn.Sequential(*separable(channels), nn.ReLU(inplace=True), *separable(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _cpu_layers(spec: CpuSpec) -> tuple[nn.Sequential, nn.Sequential, nn.Sequential]:
    """Encoder, residual blocks and decoder of a CPU-first variant."""
    encoder = nn.Sequential(
        # 8x8 windows every 4 pixels (half overlapping): the 1/4-resolution features see
        # 8 px at once, about what the lite net's full-resolution 9x9 convolution sees.
        nn.Conv2d(3, spec.stem, 8, stride=4, padding=2),
        nn.InstanceNorm2d(spec.stem, affine=True),
        nn.ReLU(inplace=True),
        nn.Conv2d(spec.stem, spec.width, 3, padding=1, bias=False),
        nn.InstanceNorm2d(spec.width, affine=True),
        nn.ReLU(inplace=True),
    )
    residuals = nn.Sequential(*(SeparableResidualBlock(spec.width) for _ in range(spec.residual_blocks)))
    decoder = nn.Sequential(
        UpConv(spec.width, spec.half),
        nn.InstanceNorm2d(spec.half, affine=True),
        nn.ReLU(inplace=True),
        UpConv(spec.half, 3),
    )
    return encoder, residuals, decoder


class TransformerNet(nn.Module):
    """Image transformation network: RGB 0..255 in, stylized RGB 0..255 out, same size.

    ``variant`` is ``"full"`` (Johnson et al.), ``"lite"`` or the CPU-first ``"cpu"`` (see
    :data:`VARIANTS`). Per output pixel, ``full`` costs about 154k multiply-adds, ``lite`` about
    33k and ``cpu`` about 10.5k at 640x360, its margin included (:func:`multiply_adds_per_pixel`).

    The output passes through a scaled tanh, so it always lies within 0..255 (Johnson et al.
    bound their output with a tanh too).
    """

    def __init__(self, variant: str = "full"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
        self.variant = variant
        spec = VARIANTS[variant]
        self.margin = 0
        if isinstance(spec, CpuSpec):
            self.encoder, self.residuals, self.decoder = _cpu_layers(spec)
            self.margin = spec.margin
            return
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

    def for_export(self) -> TransformerNet:
        """A copy for inference and export, computing the same function: each :class:`UpConv`
        becomes a plain Conv2d + PixelShuffle (no weight arithmetic left in the graph)."""
        copy = deepcopy(self).eval()
        for module in list(copy.modules()):
            for name, child in module.named_children():
                if isinstance(child, UpConv):
                    setattr(module, name, child.fused())
        return copy

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Work on zero-centred -1..1 values inside, whatever the 0..255 convention outside.
        x = x / 127.5 - 1.0
        margin = self.margin
        if margin:
            x = nn.functional.pad(x, (margin, margin, margin, margin), mode="reflect")
        y = self.decoder(self.residuals(self.encoder(x)))
        if margin:
            y = y[..., margin:-margin, margin:-margin]
        # tanh bounds the output smoothly: a hard clamp would stop the gradient of pixels
        # outside 0..255, and unbounded values blow up the VGG losses early in training.
        return (torch.tanh(y) + 1.0) * 127.5


def multiply_adds_per_pixel(model: nn.Module, size: int | tuple[int, int] = (360, 640)) -> float:
    """Multiply-adds of all convolutions (and any matrix products), per input pixel, counted
    by ``torch.utils.flop_counter`` on an input of ``size`` (side, or height and width; by
    default a 640x360 frame, since a CPU variant's input margin costs relatively more on small
    inputs). The counter counts 2 FLOPs per multiply-add; normalisation, activations, padding
    and pixel shuffles are not counted."""
    from torch.utils.flop_counter import FlopCounterMode

    height, width = (size, size) if isinstance(size, int) else size
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.zeros(1, 3, height, width))
    return counter.get_total_flops() / 2 / (height * width)
