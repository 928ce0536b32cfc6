"""New styles learnt during a live session: a pass-through stage that watches trainings running
elsewhere (any :class:`StyleTraining`; the API gives it
:class:`~streamart.offline.background.BackgroundTraining`, a process each), shows their progress
through the live controls' notice, and switches to each new style when it is ready."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..core.controls import LiveControls
from ..core.frame import Frame
from ..core.protocols import ClosingContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingStatus:
    """Where a training stands: ``done`` of ``total`` steps; ``model`` once it is written;
    ``error`` (one line) if it failed."""

    name: str
    done: int = 0
    total: int = 0
    model: Path | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.model is not None or self.error is not None


class StyleTraining(Protocol):
    """A style being learnt elsewhere, looked at once a frame."""

    def poll(self) -> TrainingStatus:
        """The latest status, without waiting."""
        ...

    def close(self) -> None:
        """Stop the training if it still runs."""
        ...


class NewStyleStage(ClosingContext):
    """Looks at ``trainings`` once a frame (without waiting) and leaves the frame as it is."""

    name = "new-style"

    def __init__(self, trainings: Sequence[StyleTraining], controls: LiveControls) -> None:
        self.trainings = list(trainings)
        self.controls = controls
        self._announced: set[str] = set()

    def process(self, frame: Frame) -> Frame:
        notices = []
        for training in self.trainings:
            status = training.poll()
            if status.model is not None and status.name not in self._announced:
                self._announced.add(status.name)
                self.controls.add_style(status.name)  # switches to it
                log.warning("learnt the style %s (%s): switched to it", status.name, status.model)
            elif status.error is not None:
                notices.append(f"{status.name}: {status.error}")
                if status.name not in self._announced:
                    self._announced.add(status.name)
                    log.warning("could not learn the style %s: %s", status.name, status.error)
            elif status.model is None:
                share = f"{100 * status.done // status.total} %" if status.total else "starting"
                notices.append(f"learning {status.name}: {share}")
        self.controls.notice = "; ".join(notices) or None
        return frame

    def reset(self) -> None:
        """Nothing to forget: the trainings go on."""

    def close(self) -> None:
        for training in self.trainings:
            training.close()
