"""New styles learnt during a live session: a pass-through stage that watches trainings running
in other processes (:class:`~streamart.offline.background.BackgroundTraining`), shows their
progress through the live controls' notice, and switches to each new style when it is ready."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ..core.controls import LiveControls
from ..core.frame import Frame
from ..core.protocols import ClosingContext
from ..offline.background import BackgroundTraining

log = logging.getLogger(__name__)


class NewStyleStage(ClosingContext):
    """Looks at ``trainings`` once a frame (without waiting) and leaves the frame as it is."""

    name = "new-style"

    def __init__(self, trainings: Sequence[BackgroundTraining], controls: LiveControls) -> None:
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
