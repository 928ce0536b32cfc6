"""DeepDream's settings: what to amplify and how hard (:class:`DreamConfig`), and the presets.

Free of torch, so that the configs, the CLI and the web app can import them without loading it;
the algorithm that uses them is :mod:`streamart.art.dream`. Building a config checks its layer
names against :mod:`streamart.nets.layouts`, also free of torch: a dream that runs as a dream
network needs no torch at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.frame import check_image
from ..errors import InputError
from ..nets.layouts import EFFICIENTNET_FEATURES, VGG16_LAYERS

#: Networks that can dream, with the layer used when a config names none.
DEFAULT_LAYERS: dict[str, tuple[str, ...]] = {
    "vgg16": ("relu4_3",),
    "efficientnet_lite0": ("block10",),
}

#: Smallest image side :func:`streamart.art.dream.dream` accepts.
MIN_IMAGE_SIDE = 16

# Bounds past which a setting is a typo, not a look (each is far beyond what any preset uses,
# and infinity or NaN never passes): a step moves pixels by at most the whole grey range...
MAX_STEP_SIZE = 255.0
# ... octaves shrink by at most 4x each, a gradient blur reaches at most 100 pixels, and an
# ascent takes at most 10,000 steps per octave.
MAX_OCTAVE_SCALE = 4.0
MAX_SMOOTHING = 100.0
MAX_STEPS = 10_000


@dataclass(frozen=True, kw_only=True)
class DreamConfig:
    """What to amplify and how hard. Build one directly or with :func:`preset`.

    The objective is, in order of precedence: the ``class_index`` logit of the ImageNet
    classifier (``network="efficientnet_lite0"`` only); else the similarity of ``layers``'
    features to those of ``guide``; else the mean square of ``layers``' activations, restricted
    to ``channels`` when given. An empty ``layers`` means the network's default layer.

    ``step_size`` is in grey levels (0..255): the mean absolute change of a pixel per step.
    ``jitter`` is the largest random roll in pixels; ``smoothing`` the standard deviation in
    pixels of the Gaussian blur applied to the gradient (0 turns it off). ``seed`` makes the
    jitter (the only randomness) repeatable; None draws a fresh one.
    ``guide`` is an RGB uint8 H x W x 3 image; it does not take part in comparisons.
    """

    network: str = "vgg16"
    layers: tuple[str, ...] = ()
    channels: tuple[int, ...] = ()
    class_index: int | None = None
    octaves: int = 4
    octave_scale: float = 1.4
    steps: int = 10
    step_size: float = 1.5
    jitter: int = 32
    smoothing: float = 0.5
    guide: np.ndarray | None = field(default=None, compare=False, repr=False)
    seed: int | None = None
    device: str = "auto"

    def __post_init__(self) -> None:
        # Accept lists from callers, store tuples so the config stays immutable.
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        if self.network not in DEFAULT_LAYERS:
            raise InputError(f"unknown dream network {self.network!r}: use one of {', '.join(DEFAULT_LAYERS)}")
        if self.octaves < 1:
            raise InputError(f"octaves must be 1 or more, got {self.octaves}")
        if not 1.0 < self.octave_scale <= MAX_OCTAVE_SCALE:
            raise InputError(f"octave scale must be above 1 and at most {MAX_OCTAVE_SCALE:g}, got {self.octave_scale}")
        if not 0 <= self.steps <= MAX_STEPS:
            raise InputError(f"steps must be 0 to {MAX_STEPS}, got {self.steps}")
        if not 0 < self.step_size <= MAX_STEP_SIZE:
            raise InputError(
                f"step size must be above 0 and at most {MAX_STEP_SIZE:g} grey levels, got {self.step_size}"
            )
        if self.jitter < 0:
            raise InputError(f"jitter must be 0 or more pixels, got {self.jitter}")
        if not 0 <= self.smoothing <= MAX_SMOOTHING:
            raise InputError(f"smoothing must be 0 to {MAX_SMOOTHING:g} pixels, got {self.smoothing}")
        if any(c < 0 for c in self.channels):
            raise InputError(f"channel indices must be 0 or more, got {list(self.channels)}")
        if self.class_index is not None:
            if self.network != "efficientnet_lite0":
                raise InputError("a class objective needs the ImageNet classifier: add --network efficientnet_lite0")
            if not 0 <= self.class_index < 1000:
                raise InputError(f"ImageNet class must be 0..999, got {self.class_index}")
            if self.layers or self.channels or self.guide is not None:
                raise InputError(
                    "a class objective cannot be combined with layers, channels or a guide: choose one objective"
                )
        if self.guide is not None:
            check_dreamable(self.guide, "guide image")
            if self.channels:
                raise InputError("a guide matches whole layers: drop the channels")
        known = network_layers(self.network)
        unknown = [name for name in self.layers if name not in known]
        if unknown:
            raise InputError(f"unknown {self.network} layer {unknown[0]!r}: use one of {', '.join(known)}")

    @property
    def objective_layers(self) -> tuple[str, ...]:
        """The layers the objective reads (none for a class objective)."""
        if self.class_index is not None:
            return ()
        return self.layers or DEFAULT_LAYERS[self.network]

    def replace(self, **changes: Any) -> DreamConfig:
        """A copy with the given fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


#: The fields of :class:`DreamConfig` that make a dream what it is: its objective and the
#: ascent's settings (not the jitter's seed, a guide picture or the device).
LOOK_FIELDS = (
    "network",
    "layers",
    "channels",
    "class_index",
    "octaves",
    "octave_scale",
    "steps",
    "step_size",
    "jitter",
    "smoothing",
)


def network_layers(network: str) -> tuple[str, ...]:
    """The layer names ``network`` offers as dream objectives, in network order."""
    return VGG16_LAYERS if network == "vgg16" else EFFICIENTNET_FEATURES


def check_dreamable(image: Any, what: str = "image") -> None:
    """Raise :class:`InputError` unless ``image`` is an RGB uint8 image with at least
    :data:`MIN_IMAGE_SIDE` pixels on each side."""
    check_image(image, what)
    if min(image.shape[:2]) < MIN_IMAGE_SIDE:
        raise InputError(
            f"{what} is {image.shape[1]}x{image.shape[0]}: dreaming needs at least {MIN_IMAGE_SIDE} pixels on each side"
        )


# The ascent of an ImageNet class's presets: a classifier's gradients are noisier than VGG's,
# hence the stronger smoothing.
_CLASS_ASCENT: dict[str, Any] = dict(
    network="efficientnet_lite0", octaves=3, octave_scale=1.5, steps=15, step_size=2.5, smoothing=1.5
)

# Presets: good starting points, each checked by eye on photographs (docs/dream_*.png).
_PRESETS: dict[str, dict[str, Any]] = {
    # Dog faces, eyes and fur: VGG16's deepest conv4 features.
    "dogs": dict(network="vgg16", layers=("relu4_3",), steps=8, step_size=1.0),
    # Fine lattices and brush-like strokes that follow the picture's own edges.
    "patterns": dict(network="vgg16", layers=("relu3_3",), steps=6, step_size=1.0),
    # Concentric eyes and round shapes everywhere.
    "eyes": dict(network="vgg16", layers=("relu4_1",), steps=8, step_size=1.0),
    # EfficientNet-Lite0 layers: a fiftieth of VGG16's arithmetic per pixel and a tenth of its
    # time on the CPU, so these dream live on a laptop (docs/BENCHMARKS.md). Furry faces,
    # snouts and eyes:
    "creatures": dict(network="efficientnet_lite0", layers=("block10",), steps=10, step_size=1.5, smoothing=1.0),
    # Glossy, bulging blobs and spotted skins.
    "blobs": dict(network="efficientnet_lite0", layers=("block8",), steps=10, step_size=1.5, smoothing=1.0),
    # Flowing stripes that follow the picture's contours.
    "swirls": dict(network="efficientnet_lite0", layers=("block5",), steps=10, step_size=1.5, smoothing=1.0),
    # ImageNet classes of the classifier: what it takes for "espresso" (967) and "tiger cat" (282).
    "espresso": dict(_CLASS_ASCENT, class_index=967),
    "tiger-cat": dict(_CLASS_ASCENT, class_index=282),
}

#: Preset names, for CLI choices and help.
PRESETS: tuple[str, ...] = tuple(_PRESETS)


def preset(name: str, **overrides: Any) -> DreamConfig:
    """The named preset's :class:`DreamConfig`, with ``overrides`` applied on top.

    An override that names a new objective (``network``, ``layers`` or ``class_index``)
    replaces the preset's objective instead of clashing with it; without a ``network``, the
    network is the classifier for a class, else the one that has every layer named.
    """
    try:
        settings = dict(_PRESETS[name])
    except KeyError:
        raise InputError(f"unknown dream preset {name!r}: use one of {', '.join(PRESETS)}") from None
    if any(overrides.get(key) for key in ("network", "layers")) or overrides.get("class_index") is not None:
        for key in ("network", "layers", "class_index"):
            settings.pop(key, None)
        if not overrides.get("network"):
            settings["network"] = _network_for(overrides.get("layers") or (), overrides.get("class_index"))
    return DreamConfig(**{**settings, **overrides})


def _network_for(layers: Sequence[str], class_index: int | None) -> str:
    """The network a new objective needs: the classifier for a class, else the network that
    has every layer named."""
    if class_index is not None:
        return "efficientnet_lite0"
    for network in DEFAULT_LAYERS:
        if set(layers) <= set(network_layers(network)):
            return network
    offers = "; ".join(f"{network} has {', '.join(network_layers(network))}" for network in DEFAULT_LAYERS)
    raise InputError(f"no network has all of the layers {', '.join(layers)}: {offers}")
