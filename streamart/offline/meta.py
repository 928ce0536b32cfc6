"""A base network that learns new styles quickly: a meta-learned starting point.

Training a style network from random weights takes thousands of steps. Started from a network
that has already learnt what all styles share (keep the content, paint in strokes, stay steady
over time), a few hundred steps are enough: minutes on a laptop CPU. This module trains that
starting point with Reptile (Nichol, Achiam and Schulman, 2018), the first-order form of the
meta-learning that MetaStyle (Zhang et al., 2019) uses for style transfer:

    repeat: pick a painting; from the base weights, take ``inner_steps`` of ordinary training
    on it (the same losses as :mod:`streamart.offline.training`); move the base a fraction of
    the way towards the weights those steps reached.

The base so lands where one short fine-tuning reaches any of the paintings, and, beyond them,
new ones. Every model fine-tuned from it records its id (``streamart.base``), which is also
what makes models blendable (:mod:`streamart.assets.blend`).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import TrainingConfig
from ..errors import InputError, require
from .training import BASE_FORMAT, Trainer, save_torch

torch = require("torch", "torch")
log = logging.getLogger(__name__)

#: Called after every outer step with (steps done, steps in all, the painting just used).
MetaProgress = Callable[[int, int, str], None]


@dataclass(frozen=True, kw_only=True)
class MetaConfig:
    """How the base is trained: ``paintings`` to learn from, ``steps`` outer steps of
    ``inner_steps`` training steps each, the outer step size falling linearly from
    ``outer_rate`` to a tenth of it; the inner steps use ``training`` (its painting, output,
    iterations and checkpoints are not used)."""

    paintings: tuple[Path, ...]
    out: Path
    training: TrainingConfig
    steps: int = 1000
    inner_steps: int = 4
    outer_rate: float = 0.5
    checkpoint_every: int = 50

    def __post_init__(self) -> None:
        if len(self.paintings) < 2:
            raise InputError("a base is learnt from at least two paintings")
        if self.steps < 1 or self.inner_steps < 1 or not 0 < self.outer_rate <= 1:
            raise InputError("steps and inner steps must be at least 1, the outer rate in (0, 1]")


def train_base(
    config: MetaConfig, *, progress: MetaProgress | None = None, stop: threading.Event | None = None
) -> Path:
    """Meta-learn a base network as configured and write it to ``config.out``; resumes from
    ``config.out`` with the suffix ``.partial.pt`` where an interrupted run left one."""
    training = dataclasses.replace(
        config.training, painting=config.paintings[0], iterations=config.inner_steps, init=None, from_scratch=True
    )
    trainer = Trainer(training)
    grams = {painting: trainer.style_grams_of(painting) for painting in config.paintings}
    model = trainer.model
    base = {name: value.detach().clone() for name, value in model.state_dict().items()}
    partial = config.out.with_suffix(".partial.pt")
    done = 0
    if partial.is_file():
        saved = torch.load(partial, map_location="cpu", weights_only=True)
        base, done = saved["model"], int(saved["steps"])
        trainer.generator.set_state(saved["rng"])
        log.warning("resuming the base from step %d of %d (%s)", done, config.steps, partial)
    while done < config.steps:
        index = int(torch.randint(len(config.paintings), (), generator=trainer.generator))
        painting = config.paintings[index]
        model.load_state_dict(base)
        trainer.style_grams = grams[painting]
        trainer.optimizer = torch.optim.Adam(model.parameters(), lr=training.learning_rate)
        for _ in range(config.inner_steps):
            trainer.step()
        rate = config.outer_rate * (1 - 0.9 * done / config.steps)
        with torch.no_grad():
            for name, value in model.state_dict().items():
                if value.is_floating_point():
                    base[name] += rate * (value - base[name])
        done += 1
        if progress is not None:
            progress(done, config.steps, painting.stem)
        if done % config.checkpoint_every == 0 or done == config.steps or (stop is not None and stop.is_set()):
            save_torch(partial, {"model": base, "steps": done, "rng": trainer.generator.get_state()})
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt
    path = save_torch(
        config.out,
        {
            "format": BASE_FORMAT,
            "variant": training.variant,
            "model": base,
            "paintings": [painting.name for painting in config.paintings],
            "steps": config.steps,
            "inner_steps": config.inner_steps,
        },
    )
    partial.unlink(missing_ok=True)
    return path


def paintings_in(folder: Path, exclude: Sequence[str] = ()) -> tuple[Path, ...]:
    """The pictures in ``folder`` (JPEG, PNG), sorted, without those named in ``exclude``."""
    return tuple(
        sorted(
            p for p in Path(folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png") and p.name not in exclude
        )
    )
