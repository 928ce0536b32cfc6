"""The layer names of the networks that dream, free of torch: a dream's settings are checked
against them when they are built, and a dream that runs as a dream network (an ONNX file, with
the ``cpu`` extra alone) must not need torch for that. The networks themselves are
:mod:`streamart.nets.vgg` and :mod:`streamart.nets.efficientnet`.
"""

from __future__ import annotations

#: VGG16's layer names in order, one per entry of torchvision's ``vgg16().features`` (index = position).
VGG16_LAYERS: tuple[str, ...] = tuple(
    name
    for block, convs in enumerate((2, 2, 3, 3, 3), start=1)
    for name in (
        *(f"{kind}{block}_{conv}" for conv in range(1, convs + 1) for kind in ("conv", "relu")),
        f"pool{block}",
    )
)

#: EfficientNet-B0's stages, as Lite0 has them: (kernel, stride of the first block, expand
#: ratio, out channels, repeats).
EFFICIENTNET_STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
)
EFFICIENTNET_BLOCKS = sum(stage[4] for stage in EFFICIENTNET_STAGES)
#: Names of the outputs EfficientNet-Lite0's ``features`` can return, in order of computation.
EFFICIENTNET_FEATURES: tuple[str, ...] = ("stem", *(f"block{i}" for i in range(EFFICIENTNET_BLOCKS)), "head")
