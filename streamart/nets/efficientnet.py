"""EfficientNet-Lite0 ImageNet classifier (class-targeted DeepDream, a real classifier in tests).

Imports only torch and numpy. The architecture is EfficientNet-B0's stage table without
squeeze-excite, with ReLU6, BatchNorm eps 1e-3 and TensorFlow "SAME" padding, as in the
TensorFlow Lite models the weights were ported from. Submodule names follow the
``efficientnet_pytorch`` checkpoint format (``_conv_stem``, ``_blocks.N._depthwise_conv``, ...)
so its state_dict loads without renaming.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# B0 stages and the feature names, where the dream settings read them without torch.
from .layouts import EFFICIENTNET_FEATURES as FEATURE_NAMES
from .layouts import EFFICIENTNET_STAGES as STAGES

STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
NUM_CLASSES = 1000
BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # TensorFlow's decay 0.99
INPUT_MEAN = 127.0  # the TF Lite models read RGB as (x - 127) / 128
INPUT_SCALE = 128.0


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow's "SAME" padding: output size ceil(input / stride), the extra
    pixel of an odd total padding going to the bottom/right (unlike PyTorch's symmetric pad)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1) -> None:  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, groups=groups,
                         bias=False)  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, kernel, stride in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def _batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConvBlock(nn.Module):
    """Inverted residual block: 1x1 expand, depthwise kxk, 1x1 project (no squeeze-excite)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int,
                 expand_ratio: int) -> None:  # fmt: skip
        super().__init__()
        hidden = in_channels * expand_ratio
        if expand_ratio != 1:
            self._expand_conv = SameConv2d(in_channels, hidden, 1)
            self._bn0 = _batch_norm(hidden)
        self._depthwise_conv = SameConv2d(hidden, hidden, kernel, stride=stride, groups=hidden)
        self._bn1 = _batch_norm(hidden)
        self._project_conv = SameConv2d(hidden, out_channels, 1)
        self._bn2 = _batch_norm(out_channels)
        self.expands = expand_ratio != 1
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expands else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        # The TF models drop whole residual branches while training ("drop connect"); this
        # module is for inference, where that is the identity.
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: RGB float N x 3 x H x W in 0..255 -> 1000 ImageNet logits."""

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, stride=2)
        self._bn0 = _batch_norm(STEM_CHANNELS)
        blocks = []
        in_channels = STEM_CHANNELS
        for kernel, stride, expand_ratio, out_channels, repeats in STAGES:
            for repeat in range(repeats):
                blocks.append(
                    MBConvBlock(
                        in_channels, out_channels, kernel, stride if repeat == 0 else 1, expand_ratio
                    )  # fmt: skip
                )
                in_channels = out_channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(in_channels, HEAD_CHANNELS, 1)
        self._bn1 = _batch_norm(HEAD_CHANNELS)
        self._dropout = nn.Dropout(0.2)
        self._fc = nn.Linear(HEAD_CHANNELS, NUM_CLASSES)

    def features(self, x: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        """Outputs of the named stages (``"stem"``, ``"block0"`` .. ``"block15"``, ``"head"``)
        for RGB input in 0..255; computation stops at the deepest requested one."""
        if isinstance(layers, str):
            raise TypeError("layers must be a sequence of layer names, not a string")
        wanted = set(layers)
        unknown = wanted - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(
                f"unknown EfficientNet-Lite0 layers {sorted(unknown)}; choose from: {', '.join(FEATURE_NAMES)}"
            )
        outputs: dict[str, torch.Tensor] = {}
        for name, x in self._stages(x):
            if name in wanted:
                outputs[name] = x
                if len(outputs) == len(wanted):
                    break
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (N x 1000) for RGB input in 0..255."""
        head = self.features(x, ["head"])["head"]
        pooled = head.mean(dim=(2, 3))
        return self._fc(self._dropout(pooled))

    def _stages(self, x: torch.Tensor):
        """Yield (name, output) for each stage in order; a generator, so a caller that stops
        early computes nothing past the stage it needs."""
        x = F.relu6(self._bn0(self._conv_stem((x - INPUT_MEAN) / INPUT_SCALE)))
        yield "stem", x
        for index, block in enumerate(self._blocks):
            x = block(x)
            yield f"block{index}", x
        yield "head", F.relu6(self._bn1(self._conv_head(x)))


def load_efficientnet_lite0(
    *, device: str | torch.device = "cpu", source: str | os.PathLike | None = None
) -> EfficientNetLite0:
    """The pretrained EfficientNet-Lite0 in eval mode with frozen parameters.

    The weights come from ``streamart.weights.fetch("efficientnet_lite0", source=source)``
    (downloaded and cached on first use). Raises ``WeightsError`` when they cannot be fetched
    or verified.
    """
    from ..assets import (
        weights,  # imported here so this module itself depends on torch + numpy only
    )

    arrays = weights.load_arrays("efficientnet_lite0", source=source)
    model = EfficientNetLite0()
    state = {key: torch.from_numpy(np.asarray(value)) for key, value in arrays.items()}
    # The cache leaves out BatchNorm's num_batches_tracked counters (unused in eval mode).
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [key for key in missing if not key.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise weights.WeightsError(
            f"cached efficientnet_lite0 weights do not fit the network (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]}); run: streamart weights fetch efficientnet_lite0"
        )
    model.requires_grad_(False)
    return model.eval().to(device)
