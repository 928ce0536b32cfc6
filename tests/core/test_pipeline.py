"""The seam every run goes through: open parts in, built stages, released in the right order."""

from __future__ import annotations

import numpy as np
import pytest

from streamart.core.frame import Frame
from streamart.core.pipeline import Pipeline, run
from streamart.core.protocols import ClosingContext, StreamInfo


class Part(ClosingContext):
    """A source, stage or sink that writes down in ``events`` how it was released."""

    def __init__(self, name: str, events: list[str], frames: int = 3) -> None:
        self.name = name
        self.events = events
        self.live = False
        self.info = StreamInfo(width=4, height=2, frame_count=frames)
        self.frames = frames
        self.written: list[int] = []

    def __iter__(self):
        for index in range(self.frames):
            yield Frame(image=np.full((2, 4, 3), index, np.uint8), index=index)

    def process(self, frame: Frame) -> Frame:
        return frame.replace(image=frame.image + 1)

    def reset(self) -> None:
        pass

    def write(self, frame: Frame) -> None:
        self.written.append(int(frame.image[0, 0, 0]))

    def close(self) -> None:
        self.events.append(f"close {self.name}")

    def abort(self) -> None:
        self.events.append(f"abort {self.name}")


def test_a_run_releases_the_sinks_first_then_the_stages_then_the_source():
    events: list[str] = []
    sink = Part("sink", events)
    stats = run(Part("source", events), lambda: [Part("stage", events)], [sink])
    assert sink.written == [1, 2, 3] and stats.frames_out == 3
    assert events == ["close sink", "close stage", "close source"]


def test_stages_that_fail_to_build_abort_the_open_sinks_and_release_the_source():
    events: list[str] = []

    def broken():
        raise RuntimeError("no model")

    with pytest.raises(RuntimeError, match="no model"), Pipeline() as pipeline:
        pipeline.add_source(Part("source", events))
        pipeline.add_sink(Part("sink", events))
        pipeline.add_stages(broken)
    assert events == ["abort sink", "abort source"]


def test_a_failing_run_aborts_every_part_sinks_first():
    events: list[str] = []

    class Failing(Part):
        def process(self, frame: Frame) -> Frame:
            raise ValueError("bad frame")

    with pytest.raises(ValueError, match="bad frame"):
        run(Part("source", events), [Failing("stage", events)], [Part("sink", events)])
    assert events == ["abort sink", "abort stage", "abort source"]


def test_a_pipeline_without_a_source_says_so():
    with Pipeline() as pipeline, pytest.raises(ValueError, match="needs a source"):
        pipeline.run()
