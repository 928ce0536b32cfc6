"""A live session learns a style and switches to it (streamart/stages/new_style.py)."""

from __future__ import annotations

import time

import numpy as np

from streamart.config import TrainingConfig
from streamart.core.controls import LiveControls
from streamart.core.frame import Frame
from streamart.offline.background import BackgroundTraining
from streamart.stages.new_style import NewStyleStage


def test_frames_pass_through_while_the_style_is_learnt_then_it_is_chosen(style_path, content_dir, tmp_path):
    from streamart.offline.meta import MetaConfig, train_base

    settings = dict(data=content_dir, variant="lite", batch_size=1, image_size=32, threads=1, temporal_weight=0.0)
    base = train_base(MetaConfig(paintings=(style_path, style_path), out=tmp_path / "lite.pt",
                                 training=TrainingConfig(style=style_path, **settings), steps=1, inner_steps=1))
    controls = LiveControls(["starry_night"])
    training = BackgroundTraining(TrainingConfig(style=style_path, init=base, iterations=2, style_name="stripes",
                                                 **settings))
    frame = Frame(np.zeros((8, 8, 3), np.uint8), 0)
    notices = []
    with NewStyleStage([training], controls) as stage:
        deadline = time.monotonic() + 120
        while controls.style_name != "stripes":
            assert time.monotonic() < deadline, "the style never arrived"
            assert stage.process(frame) is frame  # the picture goes on untouched meanwhile
            notices.append(controls.notice)
            time.sleep(0.05)
    assert any(notice and notice.startswith("learning stripes:") for notice in notices)
    assert controls.style_names == ("starry_night", "stripes") and controls.notice is None
