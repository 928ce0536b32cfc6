"""Neural style transfer by optimisation (Gatys, Ecker and Bethge, 2015) for still images.

The output image itself is the variable: starting from the content image (or noise), it is
changed step by step so that, seen through the pretrained VGG16,

- its activations on one mid layer match the content image's (content loss),
- the Gram matrices (channel-to-channel correlations, i.e. texture statistics with the layout
  thrown away) on several layers match the style images' (style loss), blended by weight,
- neighbouring pixels differ little (total variation loss, against high-frequency noise).

Coarse-to-fine: the problem is first solved at small sizes (by default a quarter and a half of
the content's size) and each result, upsampled, starts the next size, ending at the content's
own size. Large structures form cheaply at the coarse sizes, where a step costs a quarter or a
sixteenth of one at the full size, so they run more steps; the full size only refines. A scale
ends early once its loss flattens.

Speed: VGG16 runs channels-last, in bfloat16 autocast where the hardware computes it natively
(CUDA GPUs, CPUs with AVX512-BF16 or AMX), and the style images' Gram matrices are cached
between calls in the same process.

Pixel values are 0..255 throughout, the VGG's input convention.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..config import GATYS_STROKE_LAYER_WEIGHT, GatysConfig, check_non_negative
from ..core.deprecation import renamed_keywords
from ..core.frame import check_image
from ..errors import DeviceError, InputError, require
from ..ops import image as imageops
from .losses import gram_matrix, total_variation

if TYPE_CHECKING:
    import torch
else:  # the same module, or a DependencyError that names the extra
    torch = require("torch", "torch")

from ..nets.vgg import LAYER_INDEX, load_vgg16
from ..ops.tensor import to_image, to_tensor
from ..runtimes.memory import shrink_to_fit
from ..runtimes.torch import bf16_is_native, free_memory, select_device

#: The smallest side, in pixels, at any scale: relu5_1, the deepest layer one may ask for, sits
#: after four 2x poolings, so it would be under 2 x 2 activations below this.
MIN_SIDE = 32
#: The automatic coarse scales (``GatysConfig.scales`` None) halve the content's size this many
#: times, keeping those whose shorter side is at least :data:`MIN_COARSE_SIDE`.
COARSE_HALVINGS = 2
MIN_COARSE_SIDE = 64
#: The smallest style picture accepted, on its shorter side: below it the painting's strokes
#: are a few pixels and its Gram matrices describe JPEG blocks more than the painting.
MIN_STYLE_SIDE = 64
#: A style picture whose channels all vary by less than this (grey levels, standard deviation)
#: is one flat colour: no texture to transfer (a pencil sketch on white is far above it).
MIN_STYLE_STD = 1.0
#: The early stop looks at the loss this many steps back.
STOP_WINDOW = 10

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
    """One optimisation step: the weighted losses at the image that step started from, and how
    far the whole transfer has come."""

    iteration: int  # 1-based, counted over all scales
    total_iterations: int  # the most there can be: a scale whose loss flattens ends early
    scale_index: int  # 0-based; the last scale is the content's own size
    scale_count: int
    size: tuple[int, int]  # (height, width) being optimised
    content_loss: float
    style_loss: float
    tv_loss: float
    #: Share of the work done (0..1): steps weighted by their pixels, as a step's time is.
    fraction: float
    #: Seconds left at the pace so far (an upper bound when a scale ends early).
    seconds_left: float

    @property
    def total_loss(self) -> float:
        return self.content_loss + self.style_loss + self.tv_loss


#: What :func:`transfer` calls after every step.
GatysProgressCallback = Callable[[GatysProgress], None]


class GramCache:
    """The style pictures' Gram matrices, kept between transfers of the same painting.

    Keys hold everything that changes a Gram matrix (the picture's pixels, the size it is
    measured at, the layers, the pooling, the precision, the device); beyond ``capacity``
    entries the least recently used one goes.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, dict[str, torch.Tensor]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, compute: Callable[[], dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        """The entry for ``key``, made by ``compute()`` on a miss."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = compute()
        self._entries[key] = value
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return value


#: One painting at three scales for the four default layers is about 4 MB in float32.
STYLE_GRAMS = GramCache(capacity=24)


@renamed_keywords(styles="paintings", style_weights="painting_weights")  # the names before 0.3
def transfer(
    content: np.ndarray,
    paintings: Sequence[np.ndarray],
    *,
    painting_weights: Sequence[float] | None = None,
    config: GatysConfig,
    progress: GatysProgressCallback | None = None,
    on_interrupt: Callable[[np.ndarray], None] | None = None,
) -> np.ndarray:
    """Paint ``content`` in the style of ``paintings``; returns RGB uint8 of the content's size.

    ``content`` and each painting are RGB uint8 H x W x 3. ``painting_weights`` (one per
    painting, non-negative, not all zero; default equal) blend the paintings' Gram matrices, so
    weights 1, 0 give exactly the first painting's style alone. ``progress`` is called after every step.
    On Ctrl-C (``KeyboardInterrupt``, also from ``progress``) after at least one step,
    ``on_interrupt`` receives the best picture so far, at the content's size, before the
    interrupt goes on.

    Raises :class:`InputError` for bad images, weights or sizes and :class:`DeviceError` when
    the device is missing or the image would not fit in its memory.
    """
    check_image(content, "content image")
    for layer in (config.content_layer, *config.style_layers):
        if layer not in LAYER_INDEX:
            raise InputError(f"unknown VGG16 layer {layer!r}; use names like relu3_1 or relu4_2")
    if len(paintings) == 0:
        raise InputError("give at least one style image")
    for index, painting in enumerate(paintings, start=1):
        _check_style(painting, index)
    blend = _blend_weights(painting_weights, len(paintings))
    sizes = scale_sizes(content.shape[:2], config.scales)
    iterations = scale_iterations(config.iterations, len(sizes))
    painting_sizes = [[_style_size(painting, size, config.style_scale) for painting in paintings] for size in sizes]
    device = select_device(config.device)
    _check_memory(sizes[-1], max(h * w for per_scale in painting_sizes for h, w in per_scale), device)

    if config.preserve_color == "histogram":
        paintings = [imageops.match_histograms(painting, content) for painting in paintings]
    layers = (config.content_layer, *config.style_layers)
    vgg = _load_vgg(str(device), max(layers, key=LAYER_INDEX.__getitem__), config.pooling)
    bf16 = bf16_is_native(device) if config.precision == "auto" else config.precision == "bf16"
    pace = _Pace(iterations, sizes)

    def finish(image: torch.Tensor) -> np.ndarray:
        result = to_image(_upsample(image, content.shape[:2]))
        return imageops.keep_chroma(result, content) if config.preserve_color == "luminance" else result

    optimisation: _Optimisation | None = None
    try:
        for scale_index, (height, width) in enumerate(sizes):
            content_picture = imageops.resize(content, height, width)
            content_tensor = to_tensor(content_picture, device)
            if optimisation is None:
                image = _initial_image(content_picture, paintings, blend, config, device)
            else:  # coarse-to-fine: the previous scale's result starts this one
                image = _upsample(optimisation.image, (height, width))
            with torch.no_grad(), _autocast(device, bf16):
                content_target = vgg(_channels_last(content_tensor), [config.content_layer])
            style_targets = _blended_grams(vgg, paintings, painting_sizes[scale_index], blend, config, device, bf16)
            optimisation = _Optimisation(
                vgg, image, content_target[config.content_layer].float(), style_targets, config, bf16
            )
            for step in range(1, iterations[scale_index] + 1):
                losses = optimisation.step()
                stop = step < iterations[scale_index] and flattened(optimisation.losses, config.stop_tolerance)
                pace.advance(scale_index, skipped=iterations[scale_index] - step if stop else 0)
                if progress is not None:
                    progress(
                        GatysProgress(
                            pace.steps_done, pace.steps_done + pace.steps_left, scale_index, len(sizes),
                            (height, width), *losses, fraction=pace.fraction, seconds_left=pace.seconds_left,
                        )
                    )  # fmt: skip
                if stop:
                    break
    except torch.cuda.OutOfMemoryError:
        raise DeviceError(
            f"a {content.shape[1]}x{content.shape[0]} image does not fit in the GPU's memory; "
            "use a smaller --size or --scales"
        ) from None
    except KeyboardInterrupt:
        if on_interrupt is not None and optimisation is not None and optimisation.best is not None:
            on_interrupt(finish(optimisation.best))
        raise
    assert optimisation is not None  # there is always the full size to work at
    return finish(optimisation.image)


def flattened(losses: Sequence[float], tolerance: float) -> bool:
    """Whether the loss has flattened: over the last :data:`STOP_WINDOW` steps it fell by no
    more than ``tolerance`` of its value (0 never stops)."""
    if tolerance <= 0 or len(losses) <= STOP_WINDOW:
        return False
    before, now = losses[-1 - STOP_WINDOW], losses[-1]
    return before - now <= tolerance * before


def scale_iterations(iterations: int, scale_count: int) -> list[int]:
    """Steps at each scale, coarsest first: ``iterations`` at the full size and twice as many at
    each coarser one. A halving of the size makes a step four times cheaper, so every scale
    costs at most half of the next finer one and the whole schedule less than twice
    ``iterations`` full-size steps."""
    return [iterations * 2 ** (scale_count - 1 - index) for index in range(scale_count)]


def scale_sizes(content_size: tuple[int, int], scales: Sequence[int] | None) -> list[tuple[int, int]]:
    """(height, width) of every scale: each of ``scales`` (longer side), then the content's.
    ``None`` halves the content's size :data:`COARSE_HALVINGS` times, keeping the coarse sizes
    whose shorter side is at least :data:`MIN_COARSE_SIDE`."""
    height, width = content_size
    long_side = max(height, width)
    if scales is None:
        scales = [
            round(long_side / 2**halving)
            for halving in range(COARSE_HALVINGS, 0, -1)
            if min(height, width) // 2**halving >= MIN_COARSE_SIDE
        ]
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


class _Pace:
    """Steps done and left, the work they stand for (a step's time grows with its pixels) and
    the time taken so far, for the progress reports."""

    def __init__(self, iterations: Sequence[int], sizes: Sequence[tuple[int, int]]) -> None:
        self._pixels = [height * width for height, width in sizes]
        self._left = list(iterations)
        self._work_done = 0
        self.steps_done = 0
        self._started = time.perf_counter()

    def advance(self, scale_index: int, *, skipped: int = 0) -> None:
        """One step done at ``scale_index``, and ``skipped`` steps there that will not run."""
        self._left[scale_index] -= 1 + skipped
        self._work_done += self._pixels[scale_index]
        self.steps_done += 1

    @property
    def steps_left(self) -> int:
        return sum(self._left)

    @property
    def _work_left(self) -> int:
        return sum(steps * pixels for steps, pixels in zip(self._left, self._pixels))

    @property
    def fraction(self) -> float:
        return self._work_done / (self._work_done + self._work_left)

    @property
    def seconds_left(self) -> float:
        return (time.perf_counter() - self._started) * self._work_left / self._work_done


class _Optimisation:
    """The optimiser working on one scale's picture; :meth:`step` runs one step."""

    def __init__(self, vgg, image, content_target, style_targets, config: GatysConfig, bf16: bool) -> None:
        self.image = image.detach().requires_grad_(True)  # optimised in place
        self._optimizer: torch.optim.Optimizer
        if config.optimizer == "lbfgs":
            # One iteration per step() call (the history persists between calls), so progress
            # can be reported per iteration. No line search: a unit step works in pixel units.
            self._optimizer = torch.optim.LBFGS([self.image], lr=1.0, max_iter=1, history_size=LBFGS_HISTORY)
        else:
            self._optimizer = torch.optim.Adam([self.image], lr=config.learning_rate)
        self._vgg = vgg
        self._content_target = content_target
        self._style_targets = style_targets
        self._layer_weights = _layer_weights(config)
        self._config = config
        self._bf16 = bf16
        #: The total loss before each step.
        self.losses: list[float] = []
        #: The picture with the lowest loss so far (None before the first step).
        self.best: torch.Tensor | None = None

    def step(self) -> tuple[float, float, float]:
        """One optimiser step; returns the weighted (content, style, tv) losses of the picture
        it started from."""
        parts: tuple[float, float, float] = (0.0, 0.0, 0.0)
        config = self._config

        def closure():
            nonlocal parts
            self._optimizer.zero_grad()
            with _autocast(self.image.device, self._bf16):
                features = self._vgg(_channels_last(self.image), self._layers)
            content_loss = config.content_weight * _relative_error(
                features[config.content_layer].float(), self._content_target
            )
            style_loss = config.style_weight * sum(
                weight * _relative_error(gram_matrix(features[layer]), self._style_targets[layer])
                for layer, weight in zip(config.style_layers, self._layer_weights)
            )
            # on a 0..1 value scale, as the weights were tuned
            tv_loss = config.tv_weight * total_variation(self.image) / 255**2
            total = content_loss + style_loss + tv_loss
            # The gradient of the sum over pixels rather than of the mean: per-pixel gradients
            # of the mean are ~1e-5, under the absolute thresholds inside torch's L-BFGS (it
            # drops curvature pairs with s.y <= 1e-10), where it would barely move from noise.
            objective = total * self.image.numel()
            objective.backward()
            parts = (content_loss.item(), style_loss.item(), tv_loss.item())
            if not self.losses or sum(parts) < min(self.losses):
                self.best = self.image.detach().clone()
            self.losses.append(sum(parts))
            return objective

        if not self.losses and isinstance(self._optimizer, torch.optim.LBFGS):
            # torch's L-BFGS makes its first step g / |g|_1: a 1e-4 grey level move, below what
            # bfloat16 resolves, so the first curvature pair would be rounding noise (and the
            # next step blow up). This one moves a pixel by one grey level on average.
            self._optimizer.param_groups[0]["lr"] = self.image.numel()
            self._optimizer.step(closure)
            self._optimizer.param_groups[0]["lr"] = 1.0
        else:
            self._optimizer.step(closure)
        return parts

    @property
    def _layers(self) -> list[str]:
        return list(dict.fromkeys((self._config.content_layer, *self._config.style_layers)))


def _relative_error(value, target):
    """Squared error relative to the target's squared size.

    VGG layers differ by orders of magnitude in activation size (relu3_1's Gram matrices
    are about 10,000 times relu1_1's), so plain squared errors would let one layer decide the
    whole style; relative errors give every layer a say and make the weights independent of
    how contrasty the images are.
    """
    return (value - target).pow(2).sum() / target.pow(2).sum()


def _blended_grams(vgg, paintings, sizes, blend, config: GatysConfig, device, bf16: bool):
    """Per style layer, the weighted sum of the paintings' Gram matrices (weights sum to 1)."""
    targets: dict[str, torch.Tensor] = {}
    for painting, size, weight in zip(paintings, sizes, blend):
        key = (
            hashlib.blake2b(painting.tobytes(), digest_size=16).hexdigest(), painting.shape, size,
            config.style_layers, config.pooling, bf16, str(device),
        )  # fmt: skip
        grams = STYLE_GRAMS.get(key, lambda: _style_grams(vgg, painting, size, config.style_layers, device, bf16))
        for layer in config.style_layers:
            targets[layer] = targets.get(layer, 0) + weight * grams[layer]
    return targets


@torch.no_grad()
def _style_grams(vgg, style, size, layers, device, bf16: bool) -> dict[str, torch.Tensor]:
    image = to_tensor(imageops.resize(style, *size), device)
    with _autocast(device, bf16):
        features = vgg(_channels_last(image), layers)
    return {layer: gram_matrix(features[layer]) for layer in layers}


def _autocast(device: torch.device, bf16: bool):
    """bfloat16 autocast of the convolutions when ``bf16`` (Gram matrices and losses stay in
    float32: :func:`gram_matrix` converts)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)


def _channels_last(image: torch.Tensor) -> torch.Tensor:
    # The VGG's weights are channels-last too (see _load_vgg): oneDNN and cuDNN then skip
    # reordering every activation.
    return image.contiguous(memory_format=torch.channels_last)


def _upsample(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(image.shape[-2:]) == tuple(size):
        return image.detach()
    return torch.nn.functional.interpolate(image.detach(), size=size, mode="bicubic", align_corners=False)


def _initial_image(content: np.ndarray, paintings: Sequence[np.ndarray], blend: Sequence[float], config, device):
    """The first scale's starting picture, at ``content``'s size (see ``GatysConfig.init``)."""
    if config.init == "noise":
        # Drawn on the CPU so that one seed gives the same start on every device.
        generator = torch.Generator().manual_seed(config.seed)
        noise = torch.rand((1, 3, *content.shape[:2]), generator=generator) * 255
        return noise.to(device)
    if config.init == "palette" and config.preserve_color == "none":  # else the content keeps its colours
        content = imageops.match_histogram_blend(content, paintings, blend)
    return to_tensor(content, device)


def _check_style(style: np.ndarray, index: int) -> None:
    """Refuse a style picture that has no painting to measure: too small, or one flat colour."""
    check_image(style, f"style image {index}")
    height, width = style.shape[:2]
    if min(height, width) < MIN_STYLE_SIDE:
        raise InputError(
            f"style picture {index} is only {width}x{height} px; give one at least {MIN_STYLE_SIDE} px on each side"
        )
    if style.reshape(-1, 3).std(axis=0).max() < MIN_STYLE_STD:
        raise InputError(
            f"style picture {index} is one flat colour, with no strokes or texture to transfer; "
            "give a painting or a drawing"
        )


def _blend_weights(painting_weights: Sequence[float] | None, count: int) -> list[float]:
    """The paintings' weights normalised to sum to 1 (equal when not given)."""
    if painting_weights is None:
        return [1.0 / count] * count
    weights = [float(weight) for weight in painting_weights]
    if len(weights) != count:
        raise InputError(f"{len(weights)} style weights given for {count} style images; give one per style")
    check_non_negative("style weights", weights)
    total = sum(weights)
    if total == 0:
        raise InputError("style weights are all zero; give at least one a positive weight")
    return [weight / total for weight in weights]


def _layer_weights(config: GatysConfig) -> list[float]:
    """Per-style-layer weights normalised to sum to 1, so style_weight means the same for any
    number of layers."""
    weights = config.style_layer_weights or [
        GATYS_STROKE_LAYER_WEIGHT if layer.startswith(("relu2_", "relu3_")) else 1.0 for layer in config.style_layers
    ]
    total = sum(weights)
    return [weight / total for weight in weights]


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
    free = free_memory(device)
    factor = shrink_to_fit(free, needed, FIXED_BYTES)
    if factor is None or free is None:  # it fits, or the free memory is unknown
        return
    raise DeviceError(
        f"style transfer at {width}x{height} needs about {needed / 2**30:.1f} GiB but the "
        f"{device.type.upper()} has {free / 2**30:.1f} GiB free; use --size "
        f"{int(max(height, width) * factor * 0.9)} or smaller (and a smaller --style-scale)"
    )


@functools.lru_cache(maxsize=2)
def _load_vgg(device: str, upto: str, pooling: str):
    """The frozen VGG16 in channels-last, kept between calls: loading it costs about a second."""
    vgg = load_vgg16(device=device, upto=upto, pooling=pooling)
    return vgg.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's overloads of Module.to omit memory_format, which it takes (and documents)
