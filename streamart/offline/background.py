"""A style trained in another process while a live session goes on.

``streamart webcam --new-style picture.jpg`` must keep its frame rate while a new style is
learnt, so the training runs in a child process of its own (one thread, at a lower priority),
not in a thread of the live one: the GIL and the cores stay with the live pipeline. The child
reports its progress through a pipe; :meth:`BackgroundTraining.poll` reads it without waiting,
so a stage can look once a frame.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from ..config import TrainingConfig
from ..stages.new_style import TrainingStatus

#: How much lower than the live session the training runs (Unix nice levels).
NICENESS = 10


class BackgroundTraining:
    """Train ``config`` (through :func:`streamart.offline.training.train_style`) in a child
    process: a :class:`~streamart.stages.new_style.StyleTraining`."""

    def __init__(self, config: TrainingConfig) -> None:
        self.config = config
        self.status = TrainingStatus(name=config.style_name or Path(config.painting).stem)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads
        self._pipe, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_train, args=(config, child_end), daemon=True, name=f"streamart-train-{self.status.name}"
        )
        self._process.start()
        child_end.close()

    def poll(self) -> TrainingStatus:
        """The latest status, without waiting."""
        if self._pipe.closed:
            return self.status
        while not self.status.finished and self._pipe.poll():
            try:
                self.status = self._pipe.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                self.status = TrainingStatus(self.status.name, error="the training process ended unexpectedly")
        if not self.status.finished and not self._process.is_alive() and not self._pipe.poll():
            self.status = TrainingStatus(self.status.name, error="the training process ended unexpectedly")
        return self.status

    def close(self) -> None:
        """Stop the training if it still runs (nothing is written then)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        if not self.poll().finished:
            self.status = TrainingStatus(self.status.name, error="stopped")
        self._pipe.close()


def _train(config: TrainingConfig, pipe) -> None:
    """The child process: train, reporting each step; a StreamartError becomes its one line."""
    from ..assets.models import style_name
    from ..core.signals import stop_on_signals
    from ..errors import StreamartError
    from .training import train_style  # imports torch: in the child only

    if hasattr(os, "nice"):
        os.nice(NICENESS)
    name = style_name(config.style_name or Path(config.painting).stem)
    try:
        with stop_on_signals():
            model = train_style(
                config,
                progress=lambda done, total, losses: pipe.send(TrainingStatus(name, done, total)),
            )
        pipe.send(TrainingStatus(name, config.iterations, config.iterations, model=model))
    except StreamartError as exc:
        pipe.send(TrainingStatus(name, error=str(exc)))
    except KeyboardInterrupt:
        pipe.send(TrainingStatus(name, error="stopped"))
    finally:
        pipe.close()
