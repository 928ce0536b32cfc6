"""DeepDream: gradient ascent on an image to amplify what a pretrained network sees in it.

The image is nudged, step by step, in the direction that increases an objective: the
activations of chosen layers (or channels of them), an ImageNet class logit, or the similarity
to a guide image's features. Classic tricks keep the result structured rather than noisy:

- *octaves*: start on a small copy of the image and carry the added detail up to larger ones,
  so that structures appear at several scales;
- *jitter*: roll the image by a random offset before each step, which averages out the
  network's stride-aligned artefacts;
- *normalised and smoothed gradients*: every step moves pixels by about ``step_size`` grey
  levels on average, whatever the gradient's magnitude, and a Gaussian blur of the gradient
  suppresses the highest (noise-like) frequencies.

Pixel values stay in 0..255 throughout. Tensors are RGB float ``N x 3 x H x W`` in 0..255,
the convention of :mod:`streamart.nets`.

The settings and presets are :mod:`streamart.art.dream_settings`, which needs no torch.
Typical use::

    config = preset("dogs", steps=8)
    out = dream(image, config=config)

or, to run many images through one loaded network, ``Dreamer(config).dream(image)``.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DeviceError, InputError, require
from ..ops.image import fit_short_side
from ..ops.tensor import resize, to_image, to_tensor
from ..runtimes.memory import shrink_to_fit
from ..runtimes.torch import CudaGraph, free_memory, select_device
from .dream_settings import (
    DreamConfig,
    check_dreamable,
    network_layers,
)
from .dream_settings import preset as preset  # re-exported: user code imports the presets with the algorithm

if TYPE_CHECKING:
    import torch
    from torch import nn

log = logging.getLogger(__name__)

#: Octaves whose shorter side would fall below this many pixels are skipped: the deep layers
#: of a network see almost nothing of such a small image.
MIN_OCTAVE_SIDE = 32

#: CUDA graphs a Dreamer keeps (one per input size, octave and step count; each holds its own
#: GPU memory). A video stage needs one.
MAX_CUDA_GRAPHS = 4

#: Peak memory of an ascent step per pixel of the image: activations and their gradients in
#: float32. Peak RSS on the CPU grew by about 1.6 kB per pixel from 256 to 768 px, for VGG16 to
#: relu4_3 and for Lite0 to block10 alike; rounded up.
DREAM_BYTES_PER_PIXEL = 2_000
#: The networks' weights plus allocator slack.
DREAM_FIXED_BYTES = 300 * 2**20

#: Called after every ascent step with (steps done, steps in total).
DreamProgressCallback = Callable[[int, int], None]


def dream(image: np.ndarray, *, config: DreamConfig, progress: DreamProgressCallback | None = None) -> np.ndarray:
    """Dream on an RGB uint8 H x W x 3 image; returns a new image of the same size."""
    return Dreamer(config).dream(image, progress=progress)


class Dreamer:
    """A loaded network and objective, ready to dream on many images.

    Construction loads the network (cached per network, depth and device, so a second Dreamer
    is cheap) and computes the guide's features once. The jitter generator lives as long as
    the Dreamer: one seeded Dreamer gives the same results run after run.

    An ascent never waits for the GPU: the jitter offsets of all its steps are drawn up front
    and sent along as one small tensor, so the host queues every step without reading a value
    back. With ``cuda_graph`` (CUDA only) the whole ascent for an input size is captured as a
    :class:`~streamart.runtimes.torch.CudaGraph` on first use and replayed afterwards, which
    pays off when one size repeats, as in video; runs that report progress are not captured.
    If capture fails (an operation this torch build cannot capture), the Dreamer logs a
    warning and carries on without graphs.
    """

    # Declared here, where ``torch`` is the module: in __init__ it is the one require() returns.
    _guide_features: dict[str, torch.Tensor] | None

    def __init__(self, config: DreamConfig, *, cuda_graph: bool = False) -> None:
        torch = require("torch", "torch")
        self.config = config
        self.device = select_device(config.device)
        if self.device.type == "cuda":
            # Let cuDNN time its algorithms once per shape: dreaming repeats a few shapes.
            torch.backends.cudnn.benchmark = True
        self.network = _load_network(config.network, _deepest(config), str(self.device))
        self._rng = np.random.default_rng(config.seed)
        self._graphs: dict[tuple[Any, ...], CudaGraph] | None = (
            {} if cuda_graph and self.device.type == "cuda" else None
        )
        # On the device once: indexing with a Python list would upload it at every step,
        # a copy that waits for the GPU and that a CUDA graph cannot hold.
        self._channels = torch.tensor(config.channels, dtype=torch.int64, device=self.device)
        self._guide_features = None
        if config.guide is not None:
            with torch.no_grad(), self._autocast():
                guide = to_tensor(config.guide, self.device)
                # The guide is seen at ImageNet scale: its features then describe objects,
                # not the pixels of a large photograph.
                height, width = guide.shape[-2:]
                guide = resize(guide, *fit_short_side(height, width, 224))
                self._guide_features = {name: _flatten(act).float() for name, act in self.activations(guide).items()}

    def dream(self, image: np.ndarray, progress: DreamProgressCallback | None = None) -> np.ndarray:
        """Dream on an RGB uint8 H x W x 3 image with the config's octaves and steps."""
        check_dreamable(image)
        self.check_memory(*image.shape[:2])
        result = self.run(to_tensor(image, self.device), progress=progress)
        return to_image(result)

    def check_memory(self, height: int, width: int) -> None:
        """Raise :class:`DeviceError`, before anything is allocated, when dreaming on a
        ``height`` x ``width`` image would not fit in the device's free memory."""
        needed = DREAM_BYTES_PER_PIXEL * height * width + DREAM_FIXED_BYTES
        available = free_memory(self.device)
        factor = shrink_to_fit(available, needed, DREAM_FIXED_BYTES)
        if factor is None:
            return
        assert available is not None  # a factor means the free memory is known
        factor *= 0.9
        raise DeviceError(
            f"dreaming at {width}x{height} needs about {needed / 2**30:.1f} GiB but the "
            f"{self.device.type.upper()} has {available / 2**30:.1f} GiB free; "
            f"dream at {int(width * factor)}x{int(height * factor)} or less (--size)"
        )

    def run(
        self,
        image: torch.Tensor,
        *,
        octaves: int | None = None,
        steps: int | None = None,
        progress: DreamProgressCallback | None = None,
    ) -> torch.Tensor:
        """Dream on a 1 x 3 x H x W float tensor (0..255, on :attr:`device`).

        ``octaves`` and ``steps`` override the config's (the video stage uses few). Returns a
        new tensor of the same size; ``image`` is left unchanged.
        """
        torch = require("torch", "torch")
        config = self.config
        octaves = config.octaves if octaves is None else octaves
        steps = config.steps if steps is None else steps
        height, width = image.shape[-2:]
        sizes = octave_sizes((height, width), octaves, config.octave_scale)
        drawn = self._rng.integers(-config.jitter, config.jitter + 1, (len(sizes) * steps, 2))
        shifts = torch.from_numpy(drawn)
        if self.device.type == "cuda":
            # From pinned memory the upload is queued like a kernel, without a wait.
            shifts = shifts.pin_memory()
        shifts = shifts.to(self.device, non_blocking=True)
        if self._graphs is None or progress is not None:
            return self._ascend(image, shifts, sizes, steps, progress)
        key = (tuple(image.shape), octaves, steps)
        graph = self._graphs.get(key)
        if graph is None:
            if len(self._graphs) >= MAX_CUDA_GRAPHS:
                self._graphs.clear()  # sizes changed for good; free the old graphs' memory
            try:
                graph = self._graphs[key] = CudaGraph(
                    functools.partial(self._ascend, sizes=sizes, steps=steps), image, shifts
                )
            except RuntimeError as exc:
                # An operation this torch build cannot capture: slower, but still dreaming.
                log.warning("CUDA graph capture failed, dreaming without graphs: %s", exc)
                self._graphs = None
                return self._ascend(image, shifts, sizes, steps)
        return graph(image, shifts)

    def _ascend(
        self,
        image: torch.Tensor,
        shifts: torch.Tensor,
        sizes: list[tuple[int, int]],
        steps: int,
        progress: DreamProgressCallback | None = None,
    ) -> torch.Tensor:
        """``steps`` ascent steps per octave of ``sizes``; ``shifts`` holds each step's jitter."""
        total, done = len(sizes) * steps, 0
        detail = None
        for size in sizes:
            base = resize(image, *size)
            x = base if detail is None else (base + resize(detail, *size)).clamp(0, 255)
            for _ in range(steps):
                x = self.step(x, shifts[done])
                done += 1
                if progress is not None:
                    progress(done, total)
            detail = x - base
        return x

    def step(self, x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
        """One gradient-ascent step on ``x`` (1 x 3 x H x W, 0..255), seen rolled by ``shift``
        (int64 rows and columns, on :attr:`device`); returns the new image."""
        torch = require("torch", "torch")
        config = self.config
        x = x.detach().requires_grad_(True)
        rolled = roll(x, shift).contiguous(memory_format=torch.channels_last)
        with self._autocast():
            objective = self.objective(rolled)
        # The gradient is taken through the roll, so it comes back unrolled.
        (gradient,) = torch.autograd.grad(objective, x)
        if config.smoothing > 0:
            gradient = gaussian_blur(gradient, config.smoothing)
        gradient = gradient / (gradient.abs().mean() + 1e-8)
        return (x + config.step_size * gradient).clamp(0, 255).detach()

    def objective(self, x: torch.Tensor) -> torch.Tensor:
        """The scalar that dreaming increases, for an image batch ``x`` (0..255)."""
        config = self.config
        if config.class_index is not None:
            return self.network(x)[:, config.class_index].float().sum()
        total = x.new_zeros(())
        for name, act in self.activations(x).items():
            act = act.float()
            if self._guide_features is not None:
                total = total + _guide_similarity(_flatten(act), self._guide_features[name])
                continue
            if config.channels:
                if max(config.channels) >= act.shape[1]:
                    raise InputError(
                        f"layer {name} has {act.shape[1]} channels: channel {max(config.channels)} does not exist"
                    )
                act = act.index_select(1, self._channels)
            total = total + act.square().mean()
        return total

    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The activations of the objective's layers for an image batch ``x`` (0..255), by
        layer name."""
        layers = list(self.config.objective_layers)
        if self.config.network == "vgg16":
            return self.network(x, layers=layers)
        return self.network.features(x, layers)

    def _autocast(self):
        """bf16 autocast on CUDA (tensor cores; not yet measured on a GPU); a no-op on the CPU,
        where float32 with channels_last measured faster than bf16 autocast
        (tools/bench_dream.py). The cast-weight cache is off because CUDA graph capture does
        not allow it; it would only save casts within one step anyway."""
        torch = require("torch", "torch")
        return torch.autocast(
            self.device.type,
            dtype=torch.bfloat16,
            enabled=self.device.type == "cuda",
            cache_enabled=False,
        )


def octave_sizes(size: tuple[int, int], octaves: int, scale: float) -> list[tuple[int, int]]:
    """(H, W) of each octave, smallest first, ending with ``size`` itself.

    Octaves whose shorter side would fall below :data:`MIN_OCTAVE_SIDE` are dropped (the
    full size is always kept).
    """
    height, width = size
    sizes = []
    for i in reversed(range(octaves)):
        factor = scale**i
        octave = (max(1, round(height / factor)), max(1, round(width / factor)))
        if i == 0 or min(octave) >= MIN_OCTAVE_SIDE:
            sizes.append(octave)
    return sizes


def roll(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """``torch.roll(x, shift, dims=(2, 3))`` for a shift held in a tensor (rows, columns), so
    that the offset can change between replays of a CUDA graph."""
    import torch

    height, width = x.shape[-2:]
    rows = (torch.arange(height, device=x.device) - shift[0]) % height
    columns = (torch.arange(width, device=x.device) - shift[1]) % width
    return x.index_select(2, rows).index_select(3, columns)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of each channel of N x C x H x W, edges replicated."""
    import torch
    import torch.nn.functional as F

    radius = max(1, math.ceil(2 * sigma))
    offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = x.shape[1]
    # Replicate padding works at any size (reflection needs the pad smaller than the image).
    x = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def _guide_similarity(features: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
    """Mean over positions of the dot product with the most similar guide feature.

    ``features`` is C x N (this image), ``guide`` C x M. Its gradient at each position is the
    best-matching guide feature, so ascent pulls every region towards what the guide shows.
    """
    similarity = features.T @ guide  # N x M
    return similarity.max(dim=1).values.mean()


def _flatten(act: torch.Tensor) -> torch.Tensor:
    """1 x C x H x W -> C x (H*W)."""
    return act[0].flatten(1)


def _deepest(config: DreamConfig) -> str | None:
    """The deepest VGG16 layer the objective needs (the network is cut there); None for
    networks that are always loaded whole."""
    if config.network != "vgg16":
        return None
    return max(config.objective_layers, key=network_layers("vgg16").index)


@functools.lru_cache(maxsize=4)
def _load_network(network: str, upto: str | None, device: str) -> Any:
    """Load a frozen network once per (network, depth, device); dreaming never trains it."""
    torch = require("torch", "torch")
    model: nn.Module
    if network == "vgg16":
        from ..nets.vgg import load_vgg16

        assert upto is not None  # _deepest names a layer for vgg16
        model = load_vgg16(device=device, upto=upto, pooling="max")
    else:
        from ..nets.efficientnet import load_efficientnet_lite0

        model = load_efficientnet_lite0(device=device)
    # NHWC: tensor cores read it natively, and on the CPU oneDNN's convolutions need 1.5x
    # (VGG16) to 2x (Lite0's depthwise convolutions) less time than with NCHW.
    return model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's overloads of Module.to omit memory_format, which it takes (and documents)
