"""Neural style transfer by optimisation (Gatys, Ecker and Bethge, 2015) for still images.

The output image itself is the variable: starting from the content image (or noise), it is
changed step by step so that, seen through the pretrained VGG16,

- its activations on one mid layer match the content image's (content loss),
- the Gram matrices (channel-to-channel correlations, i.e. texture statistics with the layout
  thrown away) on several layers match the style images' (style loss), blended by weight,
- neighbouring pixels differ little (total variation loss, against high-frequency noise).

Coarse-to-fine: with ``scales`` the problem is first solved at small sizes and each result,
upsampled, starts the next size, ending at the content's own size. Large structures form
cheaply at the coarse sizes; the final size only has to refine them.

Pixel values are 0..255 throughout, the VGG's input convention.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import GatysConfig, check_non_negative
from ..core.frame import check_image
from ..errors import DeviceError, InputError, require
from ..ops import image as imageops
from .losses import gram_matrix, total_variation

torch = require("torch", "torch")

from ..nets.vgg import LAYER_INDEX, load_vgg16  # noqa: E402  (needs torch, checked above)
from ..ops.tensor import to_image, to_tensor  # noqa: E402
from ..runtimes.memory import shrink_to_fit  # noqa: E402
from ..runtimes.torch import free_memory, select_device  # noqa: E402

#: The smallest side, in pixels, at any scale: the deepest default style layer (relu5_1) sits
#: after four 2x poolings, so it would be under 2 x 2 activations below this.
MIN_SIDE = 32

# L-BFGS keeps this many past (step, gradient change) pairs, each the size of the image.
LBFGS_HISTORY = 50
# Peak memory of one optimisation step per image pixel: VGG16 activations up to relu5_1 and
# their gradients, in float32 (peak RSS on the CPU grew by about 2.5 kB per pixel from 256 to
# 512 px; rounded up).
OPTIMISATION_BYTES_PER_PIXEL = 3_000
# Memory of a forward pass without gradients per style pixel (only one layer lives at a time).
STYLE_BYTES_PER_PIXEL = 1_000
# VGG16 conv weights up to relu5_1 plus allocator slack.
FIXED_BYTES = 300 * 2**20


@dataclass(frozen=True)
class GatysProgress:
    """One optimisation step: the weighted losses at the image that step started from."""

    iteration: int  # 1-based, counted over all scales
    total_iterations: int
    scale_index: int  # 0-based; the last scale is the content's own size
    scale_count: int
    size: tuple[int, int]  # (height, width) being optimised
    content_loss: float
    style_loss: float
    tv_loss: float

    @property
    def total_loss(self) -> float:
        return self.content_loss + self.style_loss + self.tv_loss


ProgressCallback = Callable[[GatysProgress], None]


def transfer(
    content: np.ndarray,
    styles: Sequence[np.ndarray],
    *,
    style_weights: Sequence[float] | None = None,
    config: GatysConfig,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Paint ``content`` in the style of ``styles``; returns RGB uint8 of the content's size.

    ``content`` and each style are RGB uint8 H x W x 3. ``style_weights`` (one per style,
    non-negative, not all zero; default equal) blend the styles' Gram matrices, so weights
    1, 0 give exactly the first style alone. ``progress`` is called after every step.

    Raises :class:`InputError` for bad images, weights or sizes and :class:`DeviceError` when
    the device is missing or the image would not fit in its memory.
    """
    check_image(content, "content image")
    for layer in (config.content_layer, *config.style_layers):
        if layer not in LAYER_INDEX:
            raise InputError(f"unknown VGG16 layer {layer!r}; use names like relu3_1 or relu4_2")
    if len(styles) == 0:
        raise InputError("give at least one style image")
    for index, style in enumerate(styles, start=1):
        check_image(style, f"style image {index}")
    blend = _blend_weights(style_weights, len(styles))
    sizes = _scale_sizes(content.shape[:2], config.scales)
    style_sizes = [
        [_style_size(style, size, config.style_scale) for style in styles] for size in sizes
    ]
    device = select_device(config.device)
    _check_memory(sizes[-1], max(h * w for per_scale in style_sizes for h, w in per_scale), device)

    if config.preserve_color == "histogram":
        styles = [imageops.match_histograms(style, content) for style in styles]
    layers = (config.content_layer, *config.style_layers)
    vgg = _load_vgg(str(device), max(layers, key=LAYER_INDEX.__getitem__), config.pooling)
    layer_weights = _layer_weights(config)

    total_iterations = config.iterations * len(sizes)
    image = None
    try:
        for scale_index, (height, width) in enumerate(sizes):
            content_tensor = to_tensor(imageops.resize(content, height, width), device)
            if image is None:
                image = _initial_image(content_tensor, config)
            else:  # coarse-to-fine: the previous scale's result starts this one
                image = torch.nn.functional.interpolate(
                    image, size=(height, width), mode="bicubic", align_corners=False
                )
            with torch.no_grad():
                content_target = vgg(content_tensor, [config.content_layer])[config.content_layer]
                style_targets = _blended_grams(
                    vgg, styles, style_sizes[scale_index], blend, config.style_layers, device
                )

            image = image.detach().requires_grad_(True)  # optimised in place
            steps = _optimise(vgg, image, content_target, style_targets, layer_weights, config)
            for step, losses in enumerate(steps, start=1):
                if progress is not None:
                    progress(
                        GatysProgress(
                            scale_index * config.iterations + step, total_iterations,
                            scale_index, len(sizes), (height, width), *losses,
                        )
                    )  # fmt: skip
    except torch.cuda.OutOfMemoryError:
        raise DeviceError(
            f"a {content.shape[1]}x{content.shape[0]} image does not fit in the GPU's memory; "
            "use a smaller --size or --scales"
        ) from None

    result = to_image(image)
    if config.preserve_color == "luminance":
        result = imageops.keep_chroma(result, content)
    return result


def _optimise(vgg, image, content_target, style_targets, layer_weights, config):
    """Run ``config.iterations`` optimiser steps on the leaf tensor ``image`` in place, yielding
    each step's weighted (content, style, tv) losses."""
    if config.optimizer == "lbfgs":
        # One iteration per step() call (the history persists between calls), so progress
        # can be reported per iteration. No line search: a unit step works in pixel units.
        optimizer = torch.optim.LBFGS([image], lr=1.0, max_iter=1, history_size=LBFGS_HISTORY)
    else:
        optimizer = torch.optim.Adam([image], lr=config.learning_rate)
    layers = list(dict.fromkeys((config.content_layer, *config.style_layers)))
    losses: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def closure():
        nonlocal losses
        optimizer.zero_grad()
        features = vgg(image, layers)
        content_loss = config.content_weight * _relative_error(
            features[config.content_layer], content_target
        )
        style_loss = config.style_weight * sum(
            weight * _relative_error(gram_matrix(features[layer]), style_targets[layer])
            for layer, weight in zip(config.style_layers, layer_weights)
        )
        # on a 0..1 value scale, as the weights were tuned
        tv_loss = config.tv_weight * total_variation(image) / 255**2
        total = content_loss + style_loss + tv_loss
        # The gradient of the sum over pixels rather than of the mean: per-pixel gradients of
        # the mean are ~1e-5, under the absolute thresholds inside torch's L-BFGS (it drops
        # curvature pairs with s.y <= 1e-10), where it would barely move from noise.
        objective = total * image.numel()
        objective.backward()
        losses = (content_loss.item(), style_loss.item(), tv_loss.item())
        return objective

    for _ in range(config.iterations):
        optimizer.step(closure)
        yield losses


def _relative_error(value, target):
    """Squared error relative to the target's squared size.

    VGG layers differ by orders of magnitude in activation size (relu3_1's Gram matrices
    are about 10,000 times relu1_1's), so plain squared errors would let one layer decide the
    whole style; relative errors give every layer a say and make the weights independent of
    how contrasty the images are.
    """
    return (value - target).pow(2).sum() / target.pow(2).sum()


def _blended_grams(vgg, styles, sizes, blend, layers, device):
    """Per layer, the weighted sum of the styles' Gram matrices (weights sum to 1)."""
    targets = {}
    for style, (height, width), weight in zip(styles, sizes, blend):
        features = vgg(to_tensor(imageops.resize(style, height, width), device), layers)
        for layer in layers:
            targets[layer] = targets.get(layer, 0) + weight * gram_matrix(features[layer])
    return targets


def _initial_image(content_tensor, config):
    if config.init == "content":
        return content_tensor.clone()
    # Drawn on the CPU so that one seed gives the same start on every device.
    generator = torch.Generator().manual_seed(config.seed)
    noise = torch.rand(content_tensor.shape, generator=generator) * 255
    return noise.to(content_tensor.device)


def _blend_weights(style_weights: Sequence[float] | None, count: int) -> list[float]:
    """The styles' weights normalised to sum to 1 (equal when not given)."""
    if style_weights is None:
        return [1.0 / count] * count
    weights = [float(weight) for weight in style_weights]
    if len(weights) != count:
        raise InputError(
            f"{len(weights)} style weights given for {count} style images; give one per style"
        )
    check_non_negative("style weights", weights)
    total = sum(weights)
    if total == 0:
        raise InputError("style weights are all zero; give at least one a positive weight")
    return [weight / total for weight in weights]


def _layer_weights(config: GatysConfig) -> list[float]:
    """Per-style-layer weights normalised to sum to 1, so style_weight means the same for any
    number of layers."""
    weights = config.style_layer_weights or (1.0,) * len(config.style_layers)
    total = sum(weights)
    return [weight / total for weight in weights]


def _scale_sizes(content_size: tuple[int, int], scales: Sequence[int]) -> list[tuple[int, int]]:
    """(height, width) of every pass: each of ``scales`` (longer side), then the content's."""
    height, width = content_size
    long_side = max(height, width)
    for scale in scales:
        if scale >= long_side:
            raise InputError(
                f"scale {scale} is not smaller than the image's longer side ({long_side} px); "
                "scales are the coarse passes before the full size: use smaller --scales"
            )
    sizes = [imageops.fit_long_side(height, width, scale) for scale in scales]
    sizes.append((height, width))
    for h, w in sizes:
        if min(h, w) < MIN_SIDE:
            raise InputError(
                f"{w}x{h} is too small for style transfer: every side must be at least "
                f"{MIN_SIDE} px (use a larger image, --size or --scales)"
            )
    return sizes


def _style_size(style: np.ndarray, size: tuple[int, int], style_scale: float) -> tuple[int, int]:
    """The size the style image is resized to for an image being optimised at ``size``."""
    long_side = max(1, round(style_scale * max(size)))
    height, width = imageops.fit_long_side(style.shape[0], style.shape[1], long_side)
    if min(height, width) < MIN_SIDE:
        raise InputError(
            f"style image scaled to {width}x{height} is too small: every side must be at least "
            f"{MIN_SIDE} px (raise --style-scale or the image size)"
        )
    return height, width


def _check_memory(size: tuple[int, int], style_pixels: int, device) -> None:
    """Refuse, before allocating anything, a transfer that would not fit in free memory."""
    height, width = size
    lbfgs_bytes = 2 * LBFGS_HISTORY * 3 * 4  # per pixel, float32 RGB
    per_pixel = OPTIMISATION_BYTES_PER_PIXEL + lbfgs_bytes
    needed = per_pixel * height * width + STYLE_BYTES_PER_PIXEL * style_pixels + FIXED_BYTES
    # The largest longer side that would fit ignores the style's share.
    factor = shrink_to_fit(free_memory(device), needed, FIXED_BYTES)
    if factor is None:
        return
    raise DeviceError(
        f"style transfer at {width}x{height} needs about {needed / 2**30:.1f} GiB but the "
        f"{device.type.upper()} has {free_memory(device) / 2**30:.1f} GiB free; use --size "
        f"{int(max(height, width) * factor * 0.9)} or smaller (and a smaller --style-scale)"
    )


@functools.lru_cache(maxsize=2)
def _load_vgg(device: str, upto: str, pooling: str):
    """The frozen VGG16, kept between calls: loading it costs about a second."""
    return load_vgg16(device=device, upto=upto, pooling=pooling)

