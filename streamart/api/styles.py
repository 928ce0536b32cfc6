"""The styles there are, what a style model carries, new styles trained from any picture, and
dream networks distilled from a DeepDream preset."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..assets import models
from ..assets.folders import cache_dir, user_models_dir
from ..assets.models import resolve_model
from ..config import DreamTrainingConfig, TrainingConfig
from ..core.deprecation import renamed_keywords
from ..core.files import check_output_path, describe
from ..errors import OutputError

if TYPE_CHECKING:
    from ..offline.dream_distill import DreamTrainingProgress, TeacherProgress, TimeEstimate
    from ..offline.training import TrainingProgress


def style_metadata(model: str | os.PathLike | None) -> dict[str, str]:
    """The metadata a style model carries (``streamart.style``, ``streamart.variant``, ...;
    the model convention in streamart/assets/zoo/README.md lists the keys): for a style name,
    a path or None (the default style). Loads the model on the CPU to read them."""
    from ..runtimes.onnx import OnnxModel

    return OnnxModel(resolve_model(model), device="cpu", threads=1).metadata


@renamed_keywords(progress="on_progress")
def train_style(
    config: TrainingConfig,
    *,
    overwrite: bool = False,
    on_progress: TrainingProgress | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Train a style from any picture (``config.painting``) and return the model file (needs
    ``streamart[torch]``): :func:`streamart.offline.training.train_style`, where the model goes
    and which names are refused included; ``on_progress(steps done, steps in all, losses)`` is
    called after every step."""
    from ..offline.training import train_style  # imports torch: only when this is used

    return train_style(config, overwrite=overwrite, progress=on_progress, stop=stop)


def new_style_name(text: str) -> str:
    """The name a new style of the user's gets from ``text``, as :func:`train_style` gives it
    (:func:`streamart.assets.models.new_style_name`: a shipped style's name is refused)."""
    return models.new_style_name(text)


def train_dream(
    config: DreamTrainingConfig,
    *,
    overwrite: bool = False,
    on_estimate: Callable[[TimeEstimate], None] | None = None,
    on_teacher_progress: TeacherProgress | None = None,
    on_progress: DreamTrainingProgress | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Distil a DeepDream preset (``config.preset``, or ``config.layer``) into a network that
    dreams in one pass, and return the model file (needs ``streamart[torch]``; hours on a
    CPU: :func:`streamart.offline.dream_distill.train_dream`).

    Without ``config.out`` the model goes into the user's model folder as
    ``dream_NAME.onnx`` (NAME: the preset's or the layer's), its checkpoints into the cache; an
    existing file is replaced only with ``overwrite``. ``on_estimate`` gets the measured time
    estimate before the long work starts; ``on_teacher_progress(crops done, crops in all)`` is
    called while the teacher dreams, ``on_progress(steps done, steps in all, losses)`` after
    every training step."""
    from ..offline.dream_distill import train_dream  # imports torch: only when this is used

    if config.out is None:
        folder = user_models_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the model folder {folder} ({describe(exc)})") from None
        name = f"dream_{config.name}"
        config = replace(
            config,
            out=folder / f"{name}.onnx",
            checkpoint_dir=config.checkpoint_dir or cache_dir() / "training" / name,
        )
    assert config.out is not None  # given, or set above
    check_output_path(config.out, overwrite=overwrite)
    return train_dream(
        config, progress=on_progress, teacher_progress=on_teacher_progress, on_estimate=on_estimate, stop=stop
    )
