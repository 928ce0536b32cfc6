"""The pipeline roles: ClosingContext's with-block, StreamInfo, StopPipeline, and that the
shipped sources, stages and sinks satisfy the runtime-checkable protocols."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import cv2
import numpy as np
import pytest

from streamart.config import StyleConfig
from streamart.core.protocols import (
    ClosingContext,
    Sink,
    Source,
    Stage,
    StopPipeline,
    StreamInfo,
)
from streamart.sinks.encoder import EncoderSink
from streamart.sinks.image import ImageSink
from streamart.sinks.virtualcam import VirtualCameraSink
from streamart.sinks.window import WindowSink
from streamart.sources.file import FileSource
from streamart.sources.image import ImageSource
from streamart.sources.synthetic import SyntheticSource
from streamart.sources.webcam import WebcamSource
from streamart.stages.style import StyleStage
from streamart.stages.temporal import TemporalBlendStage


class Recorder(ClosingContext):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def close(self) -> None:
        self.calls.append("close")


class PartialOutput(Recorder):
    def abort(self) -> None:
        self.calls.append("abort")


def test_with_returns_the_object_itself():
    part = Recorder()
    with part as entered:
        assert entered is part


def test_a_normal_exit_closes():
    part = PartialOutput()
    with part:
        pass
    assert part.calls == ["close"]


def test_an_exception_aborts_and_still_propagates():
    part = PartialOutput()
    with pytest.raises(KeyError):
        with part:
            raise KeyError("boom")
    assert part.calls == ["abort"]


def test_abort_defaults_to_close():
    part = Recorder()
    with pytest.raises(RuntimeError):
        with part:
            raise RuntimeError
    assert part.calls == ["close"]


def test_close_must_be_implemented():
    with pytest.raises(NotImplementedError):
        with ClosingContext():
            pass


def test_stop_pipeline_is_an_ordinary_exception_not_a_streamart_error():
    from streamart.errors import StreamartError

    assert issubclass(StopPipeline, Exception) and not issubclass(StopPipeline, StreamartError)
    part = PartialOutput()
    with pytest.raises(StopPipeline):
        with part:
            raise StopPipeline
    assert part.calls == ["abort"]  # for a with-block it is an exception like any other


def test_stream_info_is_frozen_and_optional_fields_default_to_unknown():
    info = StreamInfo(640, 480)
    assert (info.width, info.height) == (640, 480)
    assert info.fps is info.frame_count is info.time_base is info.duration is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.width = 10  # type: ignore[misc]  # frozen: the test makes sure that it fails
    full = StreamInfo(width=64, height=48, fps=25.0, frame_count=10, time_base=Fraction(1, 25), duration=0.4)
    assert full == StreamInfo(64, 48, 25.0, 10, Fraction(1, 25), 0.4)
    assert full != info


def test_a_class_missing_a_method_is_not_a_stage():
    class NoReset(ClosingContext):
        name = "no-reset"

        def process(self, frame):
            return frame

        def close(self) -> None:
            pass

    assert not isinstance(NoReset(), Stage)
    assert not isinstance(NoReset(), Sink)  # no write()


def test_the_shipped_sources_are_sources(clip, tmp_path):
    picture = tmp_path / "picture.png"
    cv2.imwrite(str(picture), np.zeros((8, 8, 3), np.uint8))
    for source in (
        FileSource(clip),
        ImageSource(picture),
        SyntheticSource(width=32, height=16, frames=1),
        WebcamSource(str(clip)),
    ):
        with source:
            assert isinstance(source, Source), type(source).__name__
            assert not isinstance(source, Sink)


def test_the_shipped_stages_are_stages(tiny_model):
    for stage in (StyleStage(StyleConfig(model=tiny_model)), TemporalBlendStage(0.5)):
        with stage:
            assert isinstance(stage, Stage), type(stage).__name__


def test_the_dream_stage_is_a_stage():
    # Building one loads a pretrained network; the protocol's members are all on the class.
    dream = pytest.importorskip("streamart.stages.dream")
    assert isinstance(object.__new__(dream.DreamStage), Stage)


def test_the_shipped_sinks_are_sinks(tmp_path):
    info = StreamInfo(width=32, height=16, fps=10.0)
    for sink in (EncoderSink(tmp_path / "out.mp4", info=info), ImageSink(tmp_path / "out.png")):
        with pytest.raises(RuntimeError):  # leave with an exception: nothing is written
            with sink:
                assert isinstance(sink, Sink), type(sink).__name__
                assert not isinstance(sink, Stage)
                raise RuntimeError
    assert list(tmp_path.iterdir()) == []
    # A window needs a display and a virtual camera a driver; the protocol's members are all
    # on these classes, so an instance that was never opened shows whether they conform.
    for cls in (WindowSink, VirtualCameraSink):
        assert isinstance(object.__new__(cls), Sink), cls.__name__
