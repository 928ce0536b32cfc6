"""Dream networks: a DeepDream preset distilled into the feed-forward CPU-first network.

The ascent (:mod:`streamart.art.dream`) is a few dozen gradient steps through a backbone per
picture: right for a GPU, a slideshow on a laptop CPU. A :class:`TransformerNet` that has
learnt to map a photo to the preset's dream of it makes one in a single pass, as fast as a
style.

- The *teacher* is the still-image ascent at the preset's settings (its octaves and steps),
  run on fixed crops of the training corpus: ``crops_per_photo`` crops of each photo, each
  drawn (scale, position, flip) and dreamt (jitter) from a seed of its own, derived from
  the photo's sha256 and the crop's number. :class:`TeacherCache` makes each dream once and
  keeps it under the cache folder, keyed on everything that changes it
  (:func:`teacher_key`), so that later runs, and a run resumed after Ctrl-C, reuse it.
- The *student* is fine-tuned from the shipped base network (or trained from scratch) to
  give the teacher's dream: the mean absolute difference in grey levels, plus the style
  trainer's temporal loss (:func:`~streamart.offline.training.temporal_loss`), so that a
  moved frame gives the moved dream. A pixel loss alone learns no motif (the average of
  every place a face could go is no face: docs/DREAM.md), so a third term rewards the
  output for exciting the preset's layer as much as the dream does, the ascent's own
  objective (``objective_weight``).
- The export is a small float16 ONNX like a style model's, told apart by its metadata
  (:func:`dream_metadata`): its kind, preset, backbone and the backbone's weights' licence.

:func:`objective_gain` measures faithfulness: how much of the ascent's rise in the preset's
objective the network's output achieves. :func:`estimate` says before a run how long it
will take.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..art.dream import Dreamer, preset
from ..art.dream_settings import LOOK_FIELDS, DreamConfig
from ..assets.folders import cache_dir
from ..assets.models import DREAM_KIND, DREAM_PRESET_KEY, KIND_KEY
from ..assets.weights import BACKBONES
from ..config import DreamTrainingConfig
from ..core.files import describe, write_bytes_atomically
from ..errors import InputError, OutputError, require
from ..ops import image as imageops
from ..ops.tensor import to_image, to_tensor
from ..runtimes.torch import select_device
from .corpus import ensure_corpus, readable_sha256
from .export import load_checkpoint
from .training import (
    RECIPE_KEY,
    ContentImages,
    NetworkTrainer,
    check_network_settings,
    random_crop,
    temporal_loss,
)

if TYPE_CHECKING:
    import torch
else:  # the same module, or a DependencyError that names the extra
    torch = require("torch", "torch")
log = logging.getLogger(__name__)
F = torch.nn.functional

#: Bumped whenever the ascent's code changes what it makes of a crop, so that caches of older
#: teachers are not reused (part of :func:`teacher_key`).
TEACHER_VERSION = 1

#: Called while the teacher dreams, with (crops dreamt, crops to dream).
TeacherProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class DreamLosses:
    """Weighted loss terms of one distillation step (floats, for display and logs)."""

    pixel: float
    objective: float
    temporal: float

    @property
    def total(self) -> float:
        return self.pixel + self.objective + self.temporal


#: Called after every training step with (steps done, steps in all, the losses).
DreamTrainingProgress = Callable[[int, int, DreamLosses], None]


def teacher_config(config: DreamTrainingConfig) -> DreamConfig:
    """The ascent the network learns: the preset, with ``config.layer`` as its objective and
    the teacher's octaves and steps where the config gives them. An unknown layer is an
    :class:`InputError` that lists the layers there are."""
    overrides: dict[str, object] = {"device": config.device}
    if config.layer is not None:
        overrides["layers"] = (config.layer,)
    if config.teacher_octaves is not None:
        overrides["octaves"] = config.teacher_octaves
    if config.teacher_steps is not None:
        overrides["steps"] = config.teacher_steps
    return preset(config.preset, **overrides)


def preset_label(config: DreamTrainingConfig, teacher: DreamConfig) -> str:
    """What the model's ``streamart.dream_preset`` says: the preset's name, or
    ``layer:NETWORK:LAYER`` for a dream of a layer of one's own."""
    if config.layer is None:
        return config.preset
    return f"layer:{teacher.network}:{config.layer}"


def teacher_settings(teacher: DreamConfig) -> dict[str, object]:
    """What a dream network's recipe records of its teacher (JSON types), all that
    :func:`teacher_from_recipe` needs to make the same ascent again."""
    settings = {name: getattr(teacher, name) for name in LOOK_FIELDS}
    return settings | {"layers": list(teacher.objective_layers), "channels": list(teacher.channels)}


def teacher_key(teacher: DreamConfig, size: int) -> str:
    """The cache key of the teacher's dreams: every setting of the ascent
    (:func:`teacher_settings`; not the seed, which each crop draws from its photo), the crop
    size, the device type (CUDA dreams in bfloat16) and :data:`TEACHER_VERSION`. The photo is
    in each file's name."""
    settings = teacher_settings(teacher) | {
        "crop_size": size,
        "device_type": select_device(teacher.device).type,
        "teacher_version": TEACHER_VERSION,
    }
    if teacher.guide is not None:  # compared by content, not identity
        settings["guide"] = hashlib.sha256(np.ascontiguousarray(teacher.guide).tobytes()).hexdigest()
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def teacher_from_recipe(recipe: str, **overrides: Any) -> DreamConfig:
    """The ascent a dream network learnt, from its ``streamart.recipe`` metadata (JSON), with
    ``overrides`` (a ``seed``, a ``device``)."""
    return DreamConfig(**json.loads(recipe)["teacher"], **overrides)


def crop_seed(photo_sha256: str, index: int) -> int:
    """The seed of crop ``index`` of a photo: its position and flip, and the ascent's jitter."""
    return int.from_bytes(hashlib.sha256(f"{photo_sha256}:{index}".encode()).digest()[:7], "big")


class TeacherCache:
    """The teacher's dreams of ``crops_per_photo`` fixed crops of each of ``photos``,
    ``size`` pixels square, in the folder ``KEY`` (:func:`teacher_key`) of ``root`` (default:
    ``dream-teacher`` in the cache folder): one ``.npy`` file per crop, holding the crop and
    its dream (2 x size x size x 3, uint8). Each file is written complete or not at all, so an
    interrupted :meth:`fill` keeps every dream it finished.
    """

    def __init__(
        self,
        teacher: DreamConfig,
        photos: Sequence[Path],
        size: int,
        crops_per_photo: int,
        root: Path | None = None,
    ) -> None:
        self.teacher = teacher
        self.size = size
        self.folder = (root or cache_dir() / "dream-teacher") / teacher_key(teacher, size)
        self.entries = [
            (photo, sha256, index)
            for photo in photos
            for sha256 in (readable_sha256(photo),)
            for index in range(crops_per_photo)
        ]

    def path(self, photo_sha256: str, index: int) -> Path:
        """The file of one crop's dream."""
        return self.folder / f"{photo_sha256}-{index}.npy"

    def missing(self) -> list[tuple[Path, str, int]]:
        """The crops not dreamt yet: (photo, its sha256, crop number)."""
        return [entry for entry in self.entries if not self.path(*entry[1:]).is_file()]

    def fill(
        self,
        progress: TeacherProgress | None = None,
        *,
        limit: int | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Dream the crops not dreamt yet (at most ``limit`` of them; until ``stop`` is set);
        returns how many it dreamt."""
        missing = self.missing()[:limit]
        if not missing:
            return 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the teacher cache {self.folder} ({describe(exc)})") from None
        for done, (photo, sha256, index) in enumerate(missing, 1):
            if stop is not None and stop.is_set():
                return done - 1
            crop, dream = self.dream_crop(photo, sha256, index)
            self._save(self.path(sha256, index), np.stack([crop, dream]))
            if progress is not None:
                progress(done, len(missing))
        return len(missing)

    def dream_crop(self, photo: Path, photo_sha256: str, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Crop ``index`` of ``photo`` and the teacher's dream of it (both RGB uint8)."""
        seed = crop_seed(photo_sha256, index)
        crop = random_crop(imageops.load_image(photo), self.size, torch.Generator().manual_seed(seed))
        return crop, Dreamer(self.teacher.replace(seed=seed)).dream(np.ascontiguousarray(crop))

    def _save(self, path: Path, pair: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, pair)
        write_bytes_atomically(path, buffer.getbuffer())

    def pairs(self) -> np.ndarray:
        """Every crop and its dream, N x 2 x size x size x 3 uint8; an :class:`InputError`
        when the cache is not full."""
        if self.missing():
            raise InputError(f"the teacher cache {self.folder} is not full: fill it first")
        return np.stack([np.load(self.path(sha256, index)) for _, sha256, index in self.entries])


@dataclass(frozen=True)
class TimeEstimate:
    """How long a distillation will take, measured on this machine before it starts."""

    teacher_crops: int  # crops the teacher has yet to dream
    seconds_per_crop: float
    steps: int  # training steps left
    seconds_per_step: float

    @property
    def seconds(self) -> float:
        return self.teacher_crops * self.seconds_per_crop + self.steps * self.seconds_per_step

    def __str__(self) -> str:
        teacher = (
            f"the teacher's dreams of {self.teacher_crops} crops ({self.seconds_per_crop:.1f} s each)"
            if self.teacher_crops
            else "the teacher's dreams are cached"
        )
        hours = self.seconds / 3600
        minutes = round(self.seconds / 60)
        total = f"{hours:.1f} hours" if hours >= 1 else f"{minutes} minutes" if minutes > 1 else "a minute or less"
        return f"about {total}: {teacher}, then {self.steps} training steps ({self.seconds_per_step:.1f} s each)"


def dream_metadata(
    config: DreamTrainingConfig, teacher: DreamConfig, recipe: dict[str, object], iterations: int
) -> dict[str, str]:
    """The metadata that makes a model a dream network (the model convention's dream keys):
    its kind, preset, backbone, the backbone's layers and its weights' licence, the recipe
    and the steps it was trained."""
    return {
        KIND_KEY: DREAM_KIND,
        DREAM_PRESET_KEY: preset_label(config, teacher),
        "streamart.dream_network": teacher.network,
        "streamart.dream_layers": ",".join(teacher.objective_layers),
        "streamart.backbone_licence": BACKBONES[teacher.network].licence,
        "streamart.train_size": str(config.image_size),
        "streamart.iterations": str(iterations),
        "streamart.temporal_weight": str(config.temporal_weight),
        RECIPE_KEY: json.dumps(recipe, sort_keys=True),
    }


class DreamTrainer(NetworkTrainer):
    """One distillation run: :meth:`estimate`, then :meth:`run` (which fills the teacher
    cache first), as :func:`train_dream` does. Tests and tools can step it and read the losses.
    """

    config: DreamTrainingConfig

    def __init__(self, config: DreamTrainingConfig, *, progress: DreamTrainingProgress | None = None):
        check_network_settings(config)
        # The teacher first: an unknown layer is refused before anything loads.
        self.teacher = teacher_config(config)
        self.preset_label = preset_label(config, self.teacher)
        if config.objective_weight > 0 and not self.teacher.objective_layers:
            raise InputError(
                f"the {config.preset} dream raises a class score, which has no scale to compare with the dream's; "
                "leave --objective-weight at 0"
            )
        super().__init__(config, progress=progress)
        # The teacher's network, for the objective term (loaded once per network and device).
        self.backbone = Dreamer(self.teacher) if config.objective_weight > 0 else None
        photos = ContentImages(config.data or ensure_corpus(), config.image_size, self.generator).paths
        self.cache = TeacherCache(self.teacher, photos, config.image_size, config.crops_per_photo, config.teacher_cache)
        self._pairs: np.ndarray | None = None
        if config.resume:
            self._resume(config.resume)

    def _resume(self, path: Path) -> None:
        label = load_checkpoint(path).get("metadata", {}).get(DREAM_PRESET_KEY)
        if label != self.preset_label:
            held = f"the {label} dream" if label else "a style"
            raise InputError(
                f"{path} holds a checkpoint of {held}, not of the {self.preset_label} dream: "
                "resume with the --dream and --layer it was trained with"
            )
        super()._resume(path)

    def pairs(self) -> np.ndarray:
        """The teacher's crops and dreams (the cache, filled first where it is not full)."""
        if self._pairs is None:
            self.cache.fill()
            self._pairs = self.cache.pairs()
        return self._pairs

    def batch(self, indices: Sequence[int] | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The crops and the teacher's dreams of them, as N x 3 x S x S float tensors 0..255."""
        chosen = torch.from_numpy(self.pairs()[np.asarray(indices)]).permute(1, 0, 4, 2, 3).float()
        return chosen[0], chosen[1]

    def _objective_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """How far the ascent's own objective (:meth:`Dreamer.objective`) of ``output`` falls
        short of that of the dream ``target``, as a fraction of the dream's: 0 once the output
        excites the layer as much as the dream does (no reward past it, so the network is
        not pushed beyond the teacher's strength into noise)."""
        assert self.backbone is not None  # made where the objective term is weighed
        with torch.no_grad():
            wanted = self.backbone.objective(target).clamp(min=1e-8)
        return F.relu(1 - self.backbone.objective(output) / wanted)

    def _weighted_losses(
        self, model: torch.nn.Module, content: torch.Tensor, target: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        config = self.config
        none = torch.zeros((), device=self.device)
        with self._autocast():
            output = model(content)
            pixel = F.l1_loss(output.float(), target)
            objective = self._objective_loss(output, target) if config.objective_weight > 0 else none
            temporal = temporal_loss(model, content, output, generator) if config.temporal_weight > 0 else none
        return config.pixel_weight * pixel, config.objective_weight * objective, config.temporal_weight * temporal

    def evaluate(self, content: torch.Tensor, target: torch.Tensor) -> DreamLosses:
        """The weighted losses of the current network on ``content`` against the dreams
        ``target`` (N x 3 x H x W, 0..255), without training; the temporal term draws a warp."""
        with torch.no_grad():
            terms = self._weighted_losses(self.model, content.to(self.device), target.to(self.device), self.generator)
        return DreamLosses(*(term.item() for term in terms))

    def step(self, batch: tuple[torch.Tensor, torch.Tensor] | None = None) -> DreamLosses:
        """One optimisation step on ``batch`` (crops, dreams), by default random pairs of the
        teacher cache; returns its weighted losses."""
        if batch is None:
            batch = self.batch(torch.randint(len(self.pairs()), (self.config.batch_size,), generator=self.generator))
        content, target = (part.to(self.device) for part in batch)
        terms = self._weighted_losses(self.model, content, target, self.generator)
        self._descend(terms)
        return DreamLosses(*(term.item() for term in terms))

    def sample(self) -> np.ndarray:
        """Two fixed crops, each beside the teacher's dream of it and the network's."""
        content, target = self.batch([0, len(self.pairs()) - 1])
        self.model.eval()
        with torch.no_grad(), self._autocast():
            dreamt = self.model(content.to(self.device)).float()
        self.model.train()
        rows = [
            np.concatenate([to_image(part[i : i + 1]) for part in (content, target, dreamt)], 1)
            for i in range(len(content))
        ]
        return np.concatenate(rows, 0)

    def recipe(self) -> dict[str, object]:
        """Everything that shapes the network: enough to train it again (the model's metadata
        carries it as JSON, under :data:`RECIPE_KEY`)."""
        config = self.config
        return {
            "teacher": teacher_settings(self.teacher), "teacher_version": TEACHER_VERSION,
            "preset": self.preset_label, "crops_per_photo": config.crops_per_photo,
            "photos": len(self.cache.entries) // config.crops_per_photo,
            "image_size": config.image_size, "pixel_loss": "l1", "pixel_weight": config.pixel_weight,
            "objective_weight": config.objective_weight,
            "temporal_weight": config.temporal_weight, "batch_size": config.batch_size,
            "learning_rate": config.learning_rate, "iterations": config.iterations, "seed": config.seed,
            "init": f"base {self.base_id}" if self.base_id else "random weights",
        }  # fmt: skip

    def metadata(self) -> dict[str, str]:
        return dream_metadata(self.config, self.teacher, self.recipe(), self.iteration)

    def estimate(self) -> TimeEstimate:
        """Measure, then extrapolate, how long this run will take: the teacher dreams two of
        the crops it has yet to dream (kept in the cache: no work is wasted), and a copy of the
        network takes three steps on random crops of the training size. The first ascent and
        the first step, which also set up the kernels for their sizes, are not counted; the
        estimate is of what is left after the measurement."""
        self.cache.fill(limit=1)
        started = time.perf_counter()
        measured = self.cache.fill(limit=1)
        seconds_per_crop = time.perf_counter() - started
        model = copy.deepcopy(self.model)
        optimizer = torch.optim.Adam(model.parameters(), lr=self.config.learning_rate)
        generator = torch.Generator().manual_seed(0)  # the run's own random stream stays untouched
        shape = (self.config.batch_size, 3, self.config.image_size, self.config.image_size)
        content = (torch.rand(shape, generator=generator) * 255).to(self.device)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            terms = self._weighted_losses(model, content, content, generator)
            optimizer.zero_grad(set_to_none=True)
            torch.stack(terms).sum().backward()
            optimizer.step()
            times.append(time.perf_counter() - started)
        return TimeEstimate(
            teacher_crops=len(self.cache.missing()),
            seconds_per_crop=seconds_per_crop if measured else 0.0,
            steps=self.config.iterations - self.iteration,
            seconds_per_step=sum(times[1:]) / 2,
        )


def train_dream(
    config: DreamTrainingConfig,
    *,
    progress: DreamTrainingProgress | None = None,
    teacher_progress: TeacherProgress | None = None,
    on_estimate: Callable[[TimeEstimate], None] | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Distil ``config.preset`` into a network and export it to ``config.out`` (ONNX).

    First :meth:`DreamTrainer.estimate` measures how long the run will take and hands the
    estimate to ``on_estimate``; then the teacher dreams what the cache lacks
    (``teacher_progress``), and the network trains (``progress`` after every step). ``stop``
    ends the run early: the teacher's finished dreams stay cached, and training keeps a
    checkpoint (see :meth:`~streamart.offline.training.NetworkTrainer.run`).
    """
    trainer = DreamTrainer(config, progress=progress)
    estimate = trainer.estimate()
    if on_estimate is not None:
        on_estimate(estimate)
    trainer.cache.fill(teacher_progress, stop=stop)
    if stop is not None and stop.is_set():
        raise KeyboardInterrupt
    return trainer.run(stop)


def objective_gain(
    teacher: DreamConfig, photo: np.ndarray, network_output: np.ndarray, teacher_output: np.ndarray
) -> float:
    """How much of the ascent's rise in the preset's objective a network's output achieves:
    (obj(network output) - obj(photo)) / (obj(teacher output) - obj(photo)), where obj is the
    objective :meth:`Dreamer.objective <streamart.art.dream.Dreamer.objective>` raises (for a
    layer preset, the mean squared activation of its layer). 1 matches the ascent, 0 is no
    more than the photo's own; the three images are RGB uint8 of one size."""
    if not photo.shape == network_output.shape == teacher_output.shape:
        raise InputError(
            f"the photo, the network's output and the ascent's are {photo.shape}, {network_output.shape} "
            f"and {teacher_output.shape}: give three pictures of one size"
        )
    dreamer = Dreamer(teacher)
    with torch.no_grad():
        photo_value, network_value, teacher_value = (
            dreamer.objective(to_tensor(image, dreamer.device)).item()
            for image in (photo, network_output, teacher_output)
        )
    if teacher_value <= photo_value:
        raise InputError("the ascent's output does not raise the objective above the photo's: nothing to compare with")
    return (network_value - photo_value) / (teacher_value - photo_value)
