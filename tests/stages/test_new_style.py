"""A live session learns a style and switches to it (streamart/stages/new_style.py)."""

from __future__ import annotations

import numpy as np
import pytest
from waiting import wait_until

from streamart.config import TrainingConfig
from streamart.core.controls import LiveControls
from streamart.core.frame import Frame
from streamart.offline.background import BackgroundTraining
from streamart.stages.new_style import NewStyleStage, TrainingStatus


@pytest.mark.spawn
def test_frames_pass_through_while_the_style_is_learnt_then_it_is_chosen(style_path, content_dir, meta_base):
    controls = LiveControls(["starry_night"])
    training = BackgroundTraining(
        TrainingConfig(
            painting=style_path,
            data=content_dir,
            init=meta_base,
            variant="lite",
            batch_size=1,
            image_size=32,
            iterations=2,
            threads=1,
            temporal_weight=0.0,
            style_name="stripes",
        )
    )
    frame = Frame(np.zeros((8, 8, 3), np.uint8), 0)
    notices = []

    def chosen() -> bool:
        assert stage.process(frame) is frame  # the picture goes on untouched meanwhile
        notices.append(controls.notice)
        return controls.model == "stripes"

    with NewStyleStage([training], controls) as stage:
        wait_until(chosen, 120, "the new style's arrival")
    assert any(notice and notice.startswith("learning stripes:") for notice in notices)
    assert controls.models == ("starry_night", "stripes") and controls.notice is None


class Scripted:
    """A :class:`StyleTraining` that reports the statuses it was given, one a poll."""

    def __init__(self, *statuses: TrainingStatus) -> None:
        self.statuses = list(statuses)
        self.closed = False

    def poll(self) -> TrainingStatus:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def close(self) -> None:
        self.closed = True


def test_the_stage_needs_only_something_it_can_poll_and_says_what_each_training_does(tmp_path):
    learnt = Scripted(
        TrainingStatus("a"), TrainingStatus("a", 1, 4), TrainingStatus("a", 4, 4, model=tmp_path / "a.onnx")
    )
    failed = Scripted(TrainingStatus("b", 2, 4), TrainingStatus("b", error="no memory"))
    controls = LiveControls(["starry_night"])
    frame = Frame(np.zeros((4, 4, 3), np.uint8), 0)
    with NewStyleStage([learnt, failed], controls) as stage:
        stage.process(frame)
        assert controls.notice == "learning a: starting; learning b: 50 %"
        stage.process(frame)
        assert controls.notice == "learning a: 25 %; b: no memory"
        stage.process(frame)
        assert controls.model == "a" and controls.notice == "b: no memory"
    assert learnt.closed and failed.closed
