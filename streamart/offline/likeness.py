"""How close a stylized picture is to its painting, and how much of its photo it keeps.

The one measure the quality tool (tools/quality.py), the Gatys benchmark (tools/bench_gatys.py)
and their tests share, so that a figure of one is comparable with a figure of the other:

- **style ratio**: the Gram distance of the output to the painting, over that of the photo to
  the painting. For each of VGG16's relu1_2, relu2_2, relu3_3 and relu4_3 the Gram matrix is
  divided by C x H x W, the squared differences of the two Grams are summed, and so are the
  layers. 0 means the painting's texture statistics; 1 means no closer than the photo was;
  above 1 means farther.
- **content distance**: the relative squared feature error of the output against the photo,
  ``|F(output) - F(photo)|^2 / |F(photo)|^2``, at relu3_3 and relu4_3, averaged.

Both work at :data:`MEASURE_LONG_SIDE` pixels on the long side for every image, with VGG16 fed
0..255 RGB minus the ImageNet mean (no division by the std, as Caffe-era style transfer did).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..art.losses import gram_matrix
from ..nets.vgg import VGG16Features, load_vgg16
from ..ops import image as imageops

MEASURE_LONG_SIDE = 384
STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
CONTENT_LAYERS = ("relu3_3", "relu4_3")
#: ImageNet's mean RGB in 0..255 units.
IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
#: Issue 21's bar: each of a model's means (over held-out photos) at most this times the
#: reference's (the peer's).
PEER_BAR = 1.1
#: Below this style ratio for both the painting is a haze that any output matches.
HAZE_RATIO = 0.05


@dataclass(frozen=True)
class Likeness:
    """One output measured against its photo and painting."""

    style_ratio: float
    content_distance: float


class LikenessMeasure:
    """Measures outputs against one painting; the painting's Grams are computed once.

    ``vgg`` is a pretrained :class:`VGG16Features` (loaded with :func:`load_vgg16` when left
    out). Images are RGB uint8 H x W x 3 of any size: each is resized to
    :data:`MEASURE_LONG_SIDE` on its long side first.
    """

    def __init__(
        self, painting: np.ndarray, vgg: VGG16Features | None = None, *, photo_cache: dict | None = None
    ) -> None:
        self.vgg = vgg if vgg is not None else load_vgg16(upto="relu4_3")
        self._painting = self._grams(self._features(painting))
        # Measuring the same photos against many paintings: their features once, kept here.
        self._photo_cache = photo_cache

    def style_distance(self, image: np.ndarray) -> float:
        """The summed Gram distance of ``image`` to the painting."""
        return _gram_distance(self._grams(self._features(image)), self._painting)

    def style_ratio(self, output: np.ndarray, photo: np.ndarray) -> float:
        """``output``'s Gram distance to the painting over ``photo``'s."""
        return self.measure(output, photo).style_ratio

    def measure(self, output: np.ndarray, photo: np.ndarray) -> Likeness:
        """The style ratio and the content distance of ``output`` made from ``photo``."""
        return self.measure_outputs([output], photo)[0]

    def measure_outputs(self, outputs: Sequence[np.ndarray], photo: np.ndarray) -> list[Likeness]:
        """:meth:`measure` of several outputs of one photo (say, of two tools), the photo's
        features computed once (or taken from ``photo_cache``, a dict that measures of other
        paintings share)."""
        photo_features = self._photo_features(photo)
        photo_distance = _gram_distance(self._grams(photo_features), self._painting)
        # An output is compared pixel for pixel, so it is measured at the photo's size.
        height, width = photo_features[STYLE_LAYERS[0]].shape[-2:]
        likenesses = []
        for output in outputs:
            output_features = self._features(imageops.resize(output, height, width))
            output_distance = _gram_distance(self._grams(output_features), self._painting)
            likenesses.append(Likeness(
                style_ratio=output_distance / max(photo_distance, 1e-30),
                content_distance=content_distance(output_features, photo_features),
            ))  # fmt: skip
        return likenesses

    def _photo_features(self, photo: np.ndarray) -> dict[str, torch.Tensor]:
        if self._photo_cache is None:
            return self._features(photo)
        key = (photo.shape, hashlib.sha256(np.ascontiguousarray(photo).data).digest())
        if key not in self._photo_cache:
            self._photo_cache[key] = self._features(photo)
        return self._photo_cache[key]

    @torch.no_grad()
    def _features(self, image: np.ndarray) -> dict[str, torch.Tensor]:
        if max(image.shape[:2]) != MEASURE_LONG_SIDE:
            image = imageops.resize_long_side(image, MEASURE_LONG_SIDE)
        tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()
        tensor = tensor - torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)
        wanted = set(STYLE_LAYERS) | set(CONTENT_LAYERS)
        features: dict[str, torch.Tensor] = {}
        x = tensor
        # Straight through the conv layers: the module's own input normalisation would also
        # divide by the std, which this measure does not.
        for name, layer in zip(self.vgg.layer_names, self.vgg.features):
            x = layer(x)
            if name in wanted:
                features[name] = x
                if len(features) == len(wanted):
                    break
        return features

    @staticmethod
    def _grams(features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {name: gram_matrix(features[name])[0] for name in STYLE_LAYERS}


def _gram_distance(grams: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> float:
    return float(sum((grams[name] - target[name]).pow(2).sum().item() for name in STYLE_LAYERS))


def content_distance(output: dict[str, torch.Tensor], photo: dict[str, torch.Tensor]) -> float:
    """Mean over :data:`CONTENT_LAYERS` of the relative squared feature error."""
    errors = [
        ((output[name] - photo[name]).pow(2).sum() / photo[name].pow(2).sum().clamp_min(1e-30)).item()
        for name in CONTENT_LAYERS
    ]
    return float(np.mean(errors))


def meets_bar(ours: dict[str, float], reference: dict[str, float]) -> tuple[bool, bool]:
    """Whether the mean ``style_ratio`` and the mean ``content_distance`` of ``ours`` each meet
    issue 21's bar against ``reference``'s (the peer's, in tools/quality.py)."""
    haze = ours["style_ratio"] < HAZE_RATIO and reference["style_ratio"] < HAZE_RATIO
    style = haze or ours["style_ratio"] <= PEER_BAR * reference["style_ratio"]
    return style, ours["content_distance"] <= PEER_BAR * reference["content_distance"]
