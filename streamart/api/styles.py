"""The styles there are, what a style model carries, and new styles trained from any picture."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..assets import models
from ..assets.models import resolve_model
from ..config import TrainingConfig
from ..core.deprecation import renamed_keywords

if TYPE_CHECKING:
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
