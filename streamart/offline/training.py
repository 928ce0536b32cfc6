"""Train a feed-forward style network (Johnson et al. 2016) on one painting.

The loss is perceptual, measured by the pretrained VGG16 (:mod:`streamart.nets.vgg`):

- content: the output's activations on one layer (``content_layer``, relu2_2 by default)
  should match the content photo's;
- style: the output's Gram matrices (channel correlations) on relu1_2, relu2_2, relu3_3 and
  relu4_3 should match the painting's;
- total variation: neighbouring output pixels should differ little (against noise);
- temporal (optional, ``temporal_weight > 0``): stylizing a slightly moved photo should give the
  moved stylization. Random small affine warps (rotation, scale, shift) stand in for camera
  motion, so the network learns to stylize the same content the same way, which makes video
  flicker less even without optical flow.

Content images are random crops of random scales of the photos in a folder, flipped at random;
a ``torch.Generator`` seeded from ``seed`` drives all randomness so that a run (and a resumed
run) repeats. Adam; bfloat16 autocast for the network and the VGG where the device computes
bfloat16 natively (the losses are computed in float32); checkpoints every ``checkpoint_every`` iterations; sample images every
``sample_every``; an ONNX export at the end.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..art.losses import gram_matrix, total_variation
from ..assets.blend import BASE_KEY
from ..assets.models import THUMBNAIL_KEY, new_user_model, shipped_base
from ..config import MAX_PIXELS, TRAINING_STYLE_LAYERS, DreamTrainingConfig, TrainingConfig
from .corpus import ensure_corpus
from ..core.files import check_output_path, describe, write_bytes_atomically
from ..core.frame import Frame
from ..errors import InputError, InputNotFoundError, OutputError, require
from ..nets.transformer import STRIDE, VARIANTS, TransformerNet
from ..ops import image as imageops
from ..ops.tensor import to_image, to_tensor
from ..runtimes.torch import bf16_is_native, describe_load_error, select_device
from ..sinks.image import ImageSink
from .export import CHECKPOINT_FORMAT, export_onnx, load_checkpoint

if TYPE_CHECKING:
    import torch
else:  # the same module, or a DependencyError that names the extra
    torch = require("torch", "torch")
log = logging.getLogger(__name__)
F = torch.nn.functional

#: The model metadata key of the training recipe (:meth:`Trainer.recipe`, as JSON).
RECIPE_KEY = "streamart.recipe"
STYLE_LAYERS = TRAINING_STYLE_LAYERS
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")

# Random content crops: the photo is first scaled so that its short side is this many times
# the crop size (a random factor in the range), so crops show whole objects and details.
CROP_SCALE_RANGE = (1.0, 2.5)
# Synthetic motion for the temporal loss: at most this rotation (degrees), relative zoom and
# shift (fraction of the side), about what a hand-held camera moves between two frames.
WARP_MAX_ROTATION = 2.0
WARP_MAX_ZOOM = 0.04
WARP_MAX_SHIFT = 0.03
# ... and sensor noise on the moved photo, of a standard deviation up to this (in grey levels
# of 255), so that the network also learns to give a noisier copy of a frame the same picture:
# dim scenes and cheap webcams flickered most without it (docs/QUALITY.md).
WARP_MAX_NOISE = 8.0


@dataclass(frozen=True)
class Losses:
    """Weighted loss terms of one iteration (floats, for display and logs)."""

    content: float
    style: float
    tv: float
    temporal: float

    @property
    def total(self) -> float:
        return self.content + self.style + self.tv + self.temporal


#: Called after every training iteration with (iterations done, iterations in all, the losses).
TrainingProgress = Callable[[int, int, Losses], None]


def random_affine(batch: int, generator: torch.Generator) -> torch.Tensor:
    """Random small affine warps as N x 2 x 3 matrices in ``affine_grid``'s convention."""

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(batch, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(WARP_MAX_ROTATION))
    zoom = 1 + uniform(WARP_MAX_ZOOM)
    shift_x, shift_y = uniform(2 * WARP_MAX_SHIFT), uniform(2 * WARP_MAX_SHIFT)  # grid is -1..1
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    return torch.stack([torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1)


def warp_affine(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample ``images`` through the affine maps ``theta`` (bilinear, zeros outside)."""
    grid = F.affine_grid(theta.to(images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def temporal_loss(
    model: torch.nn.Module,
    content: torch.Tensor,
    output: torch.Tensor,
    generator: torch.Generator,
    max_noise: float = WARP_MAX_NOISE,
) -> torch.Tensor:
    """Mean squared difference between stylize(warp(x) + noise) and warp(stylize(x)), where
    valid; the noise is Gaussian, of a random standard deviation up to ``max_noise``.

    Pixels the warp brings in from outside the image (and a 2-pixel margin next to them,
    where bilinear sampling mixed in the zeros) are left out.
    """
    batch = content.shape[0]
    theta = random_affine(batch, generator).to(content.device)
    sigma = torch.rand(batch, 1, 1, 1, generator=generator) * max_noise
    noise = (sigma * torch.randn(content.shape, generator=generator)).to(content.device)
    moved_output = model((warp_affine(content, theta) + noise).clamp(0, 255))
    valid = warp_affine(torch.ones_like(content[:, :1]), theta)
    valid = (-F.max_pool2d(-valid, kernel_size=5, stride=1, padding=2) > 0.999).float()
    difference = (moved_output - warp_affine(output, theta)).float().pow(2) * valid
    return difference.sum() / (valid.sum() * content.shape[1]).clamp(min=1)


def random_crop(image: np.ndarray, size: int, generator: torch.Generator) -> np.ndarray:
    """A random crop of ``image`` (RGB uint8), size x size: the photo scaled to a random
    multiple of the crop on its short side (:data:`CROP_SCALE_RANGE`), a random position, and
    a flip half of the time; ``generator`` draws all of it."""
    low, high = CROP_SCALE_RANGE
    short = size * (low + (high - low) * torch.rand((), generator=generator).item())
    scale = short / min(image.shape[:2])
    height = max(size, round(image.shape[0] * scale))
    width = max(size, round(image.shape[1] * scale))
    image = imageops.resize(image, height, width)
    top = int(torch.randint(height - size + 1, (), generator=generator))
    left = int(torch.randint(width - size + 1, (), generator=generator))
    image = image[top : top + size, left : left + size]
    if torch.rand((), generator=generator).item() < 0.5:
        image = image[:, ::-1]
    return image


class ContentImages:
    """Random training crops from a folder of photos (read on demand, so any size works)."""

    def __init__(self, folder: Path, size: int, generator: torch.Generator):
        if not folder.is_dir():
            raise InputNotFoundError(
                f"content folder not found: {folder} (give a folder of photos, "
                "or leave --data out to use the fetched corpus)"
            )
        self.paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise InputError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
        self.size = size
        self.generator = generator

    def crop(self) -> np.ndarray:
        """One random crop (RGB uint8, size x size): random photo, scale, position, flip."""
        index = int(torch.randint(len(self.paths), (), generator=self.generator))
        return random_crop(imageops.load_image(self.paths[index]), self.size, self.generator)

    def batch(self, count: int) -> torch.Tensor:
        """N x 3 x size x size float tensor, 0..255."""
        crops = np.stack([self.crop() for _ in range(count)])
        return torch.from_numpy(crops).permute(0, 3, 1, 2).float()


def save_torch(path: Path, content: dict) -> Path:
    """``torch.save`` complete or absent: written under a temporary name, renamed over ``path``.
    A write that fails (a full disk) is an :class:`OutputError` naming the folder."""
    # Serialised in memory first (a checkpoint is megabytes): torch's own writer reports a full
    # disk as a RuntimeError with no reason, a plain write as the OSError it is.
    buffer = io.BytesIO()
    torch.save(content, buffer)
    return write_bytes_atomically(path, buffer.getbuffer())


def save_png(path: Path, image: np.ndarray) -> None:
    """Write an RGB uint8 image as PNG (through :class:`ImageSink`: complete or absent)."""
    with ImageSink(path, overwrite=True) as sink:
        sink.write(Frame(image=image, index=0))


def check_network_settings(config: TrainingConfig | DreamTrainingConfig) -> None:
    """Refuse an unknown network variant or a crop size the network cannot take."""
    if config.variant not in VARIANTS:
        raise InputError(f"unknown variant {config.variant!r}: use one of {', '.join(VARIANTS)}")
    if config.image_size % STRIDE:
        raise InputError(f"--image-size must be a multiple of {STRIDE}, got {config.image_size}")


class NetworkTrainer:
    """What every training run of a :class:`TransformerNet` shares: the device and threads,
    the seeded generator, the network (from a base network or random weights), Adam,
    checkpoints and resuming, bfloat16 autocast, and :meth:`run`'s loop.

    A subclass computes its losses in :meth:`step`, draws :meth:`sample` images and says what
    the exported model carries in :meth:`metadata`; it calls :meth:`_resume` at the end of its
    own set-up, when ``config.resume`` is set.
    """

    def __init__(self, config: TrainingConfig | DreamTrainingConfig, *, progress: Callable | None = None):
        self.config = config
        self.progress = progress
        self.device = select_device(config.device)
        self.amp = config.amp and bf16_is_native(self.device)  # bfloat16 autocast
        if self.device.type == "cpu":
            # All cores this process may use (the affinity mask respects cgroup/taskset limits).
            torch.set_num_threads(config.threads or len(os.sched_getaffinity(0)))
        self.generator = torch.Generator().manual_seed(config.seed)
        torch.manual_seed(config.seed)  # the network's initial weights
        self.model = TransformerNet(config.variant).to(self.device).train()
        self.base_id: str | None = None
        init = None if config.from_scratch else config.init or shipped_base(config.variant)
        if init is None and not config.from_scratch:
            raise InputError(
                f"no base network is shipped for the {config.variant} network: give one with "
                "--init, or train from random weights with --from-scratch (and many more --iterations)"
            )
        if init is not None:
            base = load_base(init, config.variant)
            self.model.load_state_dict(base["model"])
            self.base_id = base["id"]
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.iteration = 0

    def _autocast(self):
        # Only where bf16 is native: emulated (a CPU without AVX512-BF16 or AMX) a step took
        # 80-120 s instead of 7-13 s in float32 (docs/QUALITY.md).
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp)

    def step(self) -> object:
        """One optimisation step on a fresh random batch; returns its losses (what
        :attr:`progress` gets)."""
        raise NotImplementedError

    def sample(self) -> np.ndarray:
        """The fixed sample crops and what the network makes of them, as one RGB uint8 image."""
        raise NotImplementedError

    def metadata(self) -> dict[str, str]:
        """The exported model's metadata (and the checkpoint's)."""
        raise NotImplementedError

    def save_checkpoint(self, path: Path) -> Path:
        """Write model, optimizer, iteration, random state and config (atomically)."""
        checkpoint = {
            "format": CHECKPOINT_FORMAT,
            "variant": self.config.variant,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "iteration": self.iteration,
            "rng": self.generator.get_state(),
            "config": {
                key: str(value) if isinstance(value, Path) else value for key, value in asdict(self.config).items()
            },
            "metadata": self.metadata(),
        }
        return save_torch(path, checkpoint)

    def _resume(self, path: Path) -> None:
        checkpoint = load_checkpoint(path)
        if checkpoint["variant"] != self.config.variant:
            raise InputError(
                f"{path} holds a {checkpoint['variant']} network, but --variant is "
                f"{self.config.variant}: resume with --variant "
                f"{checkpoint['variant']}"
            )
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.iteration = int(checkpoint["iteration"])
        self.generator.set_state(checkpoint["rng"])

    def run(self, stop: threading.Event | None = None) -> Path:
        """Train up to ``config.iterations``, checkpointing and sampling; export; return it.

        Ctrl-C, a termination signal or ``stop`` end the run early without a model: a
        checkpoint is saved first. After Ctrl-C or a signal a warning says how to resume from
        it; a caller that sets ``stop`` says itself what comes next.
        """
        config = self.config
        folder = config.checkpoints
        out = config.out
        if out is None:
            raise InputError("a training run needs the path of the model to write")
        try:
            (folder / "samples").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create checkpoint folder {folder}: {describe(exc)}") from None
        if not out.parent.is_dir():
            raise OutputError(f"cannot write {out}: folder {out.parent} does not exist")
        try:
            for losses in self._steps():
                if self.progress is not None:
                    self.progress(self.iteration, config.iterations, losses)
                if self.iteration % config.sample_every == 0 or self.iteration == config.iterations:
                    save_png(folder / "samples" / f"{self.iteration:06d}.png", self.sample())
                if self.iteration % config.checkpoint_every == 0:
                    self.save_checkpoint(folder / "last.pt")
                if stop is not None and stop.is_set():
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            self.save_checkpoint(folder / "last.pt")
            if stop is not None and stop.is_set():
                # The caller asked (the web page's Cancel): it says what it offers, not a command.
                log.info(
                    "training stopped as asked at iteration %d of %d; checkpoint %s",
                    self.iteration,
                    config.iterations,
                    folder / "last.pt",
                )
            else:
                log.warning(
                    "training stopped at iteration %d of %d, no model written; to go on, run the "
                    "same command with --resume %s",
                    self.iteration,
                    config.iterations,
                    folder / "last.pt",
                )
            raise
        self.save_checkpoint(folder / "last.pt")
        return export_onnx(self.model, out, fp16=config.fp16, metadata=self.metadata())

    def _steps(self) -> Iterator[object]:
        while self.iteration < self.config.iterations:
            yield self.step()

    def _descend(self, terms: tuple[torch.Tensor, ...]) -> None:
        """One optimisation step down the sum of the loss ``terms``."""
        self.optimizer.zero_grad(set_to_none=True)
        torch.stack(terms).sum().backward()
        self.optimizer.step()
        self.iteration += 1


class Trainer(NetworkTrainer):
    """One style training run; :meth:`run` trains, checkpoints and exports.

    Split out of :func:`train` so tests and tools can step it and read the losses.
    """

    config: TrainingConfig

    def __init__(self, config: TrainingConfig, *, progress: TrainingProgress | None = None):
        from ..nets.vgg import load_vgg16

        check_network_settings(config)
        # The painting first: a picture that cannot teach a style is refused before the networks load.
        painting = load_style_picture(config.painting, max_pixels=config.max_pixels)
        super().__init__(config, progress=progress)
        self.vgg = load_vgg16(device=self.device, upto=STYLE_LAYERS[-1])
        self.content = ContentImages(config.data or ensure_corpus(), config.image_size, self.generator)
        self.style_size = config.style_size or 2 * config.image_size
        self.style_grams = self.style_grams_of(painting)
        # Carried in the model's metadata, for galleries (streamart ui) to show the painting.
        self.thumbnail = imageops.resize_long_side(painting, min(THUMBNAIL_SIDE, max(painting.shape[:2])))
        # Fixed sample crops, taken before training so they do not shift the random stream.
        self.samples = self.content.batch(2)
        if config.resume:
            self._resume(config.resume)

    def style_grams_of(self, picture: Path | np.ndarray) -> dict[str, torch.Tensor]:
        """What the style loss matches: the Gram matrices of ``picture`` (a file, or the
        picture itself as RGB; scaled to the style size) on the style layers."""
        if not isinstance(picture, np.ndarray):
            picture = load_style_picture(picture, max_pixels=self.config.max_pixels)
        style = imageops.resize_long_side(picture, self.style_size)
        with torch.no_grad():
            features = self.vgg(to_tensor(style, self.device), STYLE_LAYERS)
        return {name: gram_matrix(f) for name, f in features.items()}

    def _weighted_losses(self, content: torch.Tensor) -> tuple[torch.Tensor, ...]:
        config = self.config
        with self._autocast():
            output = self.model(content)
            with torch.no_grad():
                content_features = self.vgg(content, [config.content_layer])[config.content_layer]
            features = self.vgg(output, STYLE_LAYERS)
            content_loss = F.mse_loss(features[config.content_layer].float(), content_features.float())
            style_loss = torch.stack(
                [
                    weight
                    * F.mse_loss(gram_matrix(features[name]), self.style_grams[name].expand(len(content), -1, -1))
                    for name, weight in zip(STYLE_LAYERS, config.style_layer_weights)
                ]
            ).sum()
            tv_loss = total_variation(output.float())
            temporal = (
                temporal_loss(self.model, content, output, self.generator)
                if config.temporal_weight > 0
                else torch.zeros((), device=self.device)
            )
        return (
            config.content_weight * content_loss,
            config.style_weight * style_loss,
            config.tv_weight * tv_loss,
            config.temporal_weight * temporal,
        )

    def evaluate(self, content: torch.Tensor) -> Losses:
        """The weighted losses of the current network on ``content`` (N x 3 x H x W, 0..255),
        without training; the temporal term draws a random warp."""
        with torch.no_grad():
            return Losses(*(term.item() for term in self._weighted_losses(content.to(self.device))))

    def step(self, content: torch.Tensor | None = None) -> Losses:
        """One optimisation step on ``content`` (N x 3 x H x W, 0..255), by default a fresh
        random batch; returns its weighted losses."""
        if content is None:
            content = self.content.batch(self.config.batch_size)
        terms = self._weighted_losses(content.to(self.device))
        self._descend(terms)
        return Losses(*(term.item() for term in terms))

    def sample(self) -> np.ndarray:
        """The fixed sample crops above their stylizations, as one RGB uint8 image."""
        self.model.eval()
        with torch.no_grad(), self._autocast():
            styled = self.model(self.samples.to(self.device)).float()
        self.model.train()
        rows = [
            np.concatenate([to_image(self.samples[i : i + 1]), to_image(styled[i : i + 1])], 1)
            for i in range(len(self.samples))
        ]
        return np.concatenate(rows, 0)

    def recipe(self) -> dict[str, object]:
        """Everything in the loss and the schedule that shapes the look: enough to train the
        same model again (the model's metadata carries it as JSON, under :data:`RECIPE_KEY`)."""
        config = self.config
        return {
            "content_layer": config.content_layer, "style_layers": list(STYLE_LAYERS),
            "content_weight": config.content_weight, "style_weight": config.style_weight,
            "style_layer_weights": list(config.style_layer_weights),
            "tv_weight": config.tv_weight, "temporal_weight": config.temporal_weight,
            "image_size": config.image_size, "style_size": self.style_size,
            "batch_size": config.batch_size, "learning_rate": config.learning_rate,
            "iterations": config.iterations, "seed": config.seed,
            "init": f"base {self.base_id}" if self.base_id else "random weights",
        }  # fmt: skip

    def metadata(self) -> dict[str, str]:
        config = self.config
        return {
            "streamart.style": config.style_name or config.painting.stem,
            "streamart.painting_file": config.painting.name,
            "streamart.train_size": str(config.image_size),
            "streamart.style_size": str(self.style_size),
            "streamart.iterations": str(self.iteration),
            "streamart.temporal_weight": str(config.temporal_weight),
            RECIPE_KEY: json.dumps(self.recipe(), sort_keys=True),
            THUMBNAIL_KEY: base64.b64encode(imageops.encode_jpeg(self.thumbnail, quality=80)).decode(),
            **({BASE_KEY: self.base_id} if self.base_id else {}),
            **({"licence": config.licence} if config.licence else {}),
        }


def train(
    config: TrainingConfig, *, progress: TrainingProgress | None = None, stop: threading.Event | None = None
) -> Path:
    """Train a style network as configured and export it to ``config.out`` (ONNX);
    ``progress`` is called after every iteration; ``stop`` ends the run early (see
    :meth:`Trainer.run`)."""
    return Trainer(config, progress=progress).run(stop)


def train_style(
    config: TrainingConfig,
    *,
    overwrite: bool = False,
    progress: TrainingProgress | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Train a style from any picture (``config.painting``) and return the model file.

    Without ``config.out`` the model goes into the user's model folder
    (:func:`~streamart.assets.folders.user_models_dir`) as ``NAME.onnx``, NAME being
    ``config.style_name`` or the picture's file name, where ``--style NAME`` and ``streamart
    models`` find it; a name a shipped style has is refused, an existing model of the user's
    is replaced only with ``overwrite``. Checkpoints then go to the cache, so that an
    interrupted run can be resumed (:func:`~streamart.assets.models.new_user_model`). See
    :func:`train`.
    """
    out = config.out
    if out is None:
        model = new_user_model(config.style_name or Path(config.painting).stem)
        out = model.path
        config = replace(
            config, out=out, style_name=model.name, checkpoint_dir=config.checkpoint_dir or model.checkpoints
        )
    check_output_path(out, overwrite=overwrite)
    return train(config, progress=progress, stop=stop)


#: Format tag of a base network file (:mod:`streamart.offline.meta` writes them).
BASE_FORMAT = "streamart-base-1"


def load_base(path: Path, variant: str) -> dict:
    """A base network file: its ``model`` weights and its ``id`` (the start of the file's
    sha256, recorded in every model fine-tuned from it). :class:`InputError` when it is not
    one, or is one of another variant."""
    path = Path(path)
    try:
        data = path.read_bytes()
        base = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises assorted types for a file that is not a checkpoint
        raise InputError(f"{path} is not a readable base network ({describe_load_error(exc)})") from None
    if not isinstance(base, dict) or base.get("format") != BASE_FORMAT:
        raise InputError(f"{path} is not a streamart base network (format {BASE_FORMAT!r})")
    if base["variant"] != variant:
        raise InputError(
            f"{path} is a base for the {base['variant']} network, not {variant}: train with --variant {base['variant']}"
        )
    return {**base, "id": hashlib.sha256(data).hexdigest()[:16]}


#: The smallest style picture worth learning from, on its shorter side...
MIN_STYLE_SIDE = 64
#: ... one that is larger than this on its longer side is scaled down as soon as it is read
#: (training uses it at a few hundred pixels)...
MAX_STYLE_SIDE = 2048
#: ... and one whose grey levels vary less than this (a standard deviation) is flat: no
#: texture, no strokes, nothing to learn.
MIN_STYLE_CONTRAST = 4.0
#: Longer side of the painting's thumbnail in a model's metadata (about 10 kB as JPEG).
THUMBNAIL_SIDE = 192


def load_style_picture(path: Path, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The style picture as RGB, or a one-line :class:`InputError` saying why it cannot teach a
    style: not a picture, too small, more than ``max_pixels`` pixels, or flat (one grey, say). A
    large picture is scaled down, with a note."""
    image = imageops.load_image(path, max_pixels=max_pixels)
    height, width = image.shape[:2]
    if min(height, width) < MIN_STYLE_SIDE:
        raise InputError(
            f"the style picture {path} is {width}x{height}: too small to learn a style from; give a "
            f"picture of at least {MIN_STYLE_SIDE} pixels on each side"
        )
    if max(height, width) > MAX_STYLE_SIDE:
        log.warning(
            "the style picture %s is %dx%d: scaled down to %d pixels on its longer side",
            path,
            width,
            height,
            MAX_STYLE_SIDE,
        )
        image = imageops.resize_long_side(image, MAX_STYLE_SIDE)
    if float(image.std()) < MIN_STYLE_CONTRAST:
        raise InputError(
            f"the style picture {path} is flat (almost one colour): there is no texture to learn; "
            "give a painting, a drawing or a photo with visible strokes or patterns"
        )
    return image
