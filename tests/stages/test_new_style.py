"""A live session learns a style and switches to it (streamart/stages/new_style.py)."""

from __future__ import annotations

import numpy as np
import pytest
from waiting import wait_until

from streamart.config import TrainingConfig
from streamart.core.controls import LiveControls
from streamart.core.frame import Frame
from streamart.offline.background import BackgroundTraining
from streamart.stages.new_style import NewStyleStage


@pytest.mark.spawn
def test_frames_pass_through_while_the_style_is_learnt_then_it_is_chosen(style_path, content_dir, meta_base):
    controls = LiveControls(["starry_night"])
    training = BackgroundTraining(TrainingConfig(style=style_path, data=content_dir, init=meta_base, variant="lite",
                                                 batch_size=1, image_size=32, iterations=2, threads=1,
                                                 temporal_weight=0.0, style_name="stripes"))
    frame = Frame(np.zeros((8, 8, 3), np.uint8), 0)
    notices = []

    def chosen() -> bool:
        assert stage.process(frame) is frame  # the picture goes on untouched meanwhile
        notices.append(controls.notice)
        return controls.style_name == "stripes"

    with NewStyleStage([training], controls) as stage:
        wait_until(chosen, 120, "the new style's arrival")
    assert any(notice and notice.startswith("learning stripes:") for notice in notices)
    assert controls.style_names == ("starry_night", "stripes") and controls.notice is None
