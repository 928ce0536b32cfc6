"""The runner: ordering, back-pressure, latest-frame slots, error propagation, stopping."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, StreamInfo
from streamart.core.runner import StopPipeline, run_pipeline


class CountingSource(ClosingContext):
    """A file-like source of numbered frames that records how far it has read."""

    name = "counting"

    def __init__(self, count: int, *, live: bool = False) -> None:
        self.count = count
        self.live = live
        self.info = StreamInfo(width=8, height=4, frame_count=count)
        self.produced = 0

    def __iter__(self):
        for i in range(self.count):
            self.produced += 1
            yield Frame(image=np.full((4, 8, 3), i % 256, np.uint8), index=i, pts=i)

    def close(self) -> None:
        pass


class AddStage(ClosingContext):
    name = "add"

    def __init__(self, amount: int = 1, *, fail_at: int | None = None, stop_at: int | None = None) -> None:
        self.amount, self.fail_at, self.stop_at = amount, fail_at, stop_at

    def process(self, frame: Frame) -> Frame:
        if frame.index == self.fail_at:
            raise RuntimeError(f"stage failed at frame {frame.index}")
        if frame.index == self.stop_at:
            raise StopPipeline
        return frame.with_image(frame.image + np.uint8(self.amount))

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


class ListSink(ClosingContext):
    name = "list"

    def __init__(self, *, source: CountingSource | None = None) -> None:
        self.frames: list[Frame] = []
        self.in_flight: list[int] = []  # frames read by the source but not yet written here
        self.source = source

    def write(self, frame: Frame) -> None:
        self.frames.append(frame)
        if self.source is not None:
            self.in_flight.append(self.source.produced - len(self.frames))

    def close(self) -> None:
        pass


def streamart_threads() -> list[str]:
    """Threads a pipeline run started that are still alive (the preview window's long-lived
    GUI thread, streamart-gui, is not the runner's)."""
    prefixes = ("streamart-source", "streamart-stage-", "streamart-sink-", "streamart-fan-out")
    return [t.name for t in threading.enumerate() if t.name.startswith(prefixes)]


def test_every_frame_arrives_in_order_through_all_stages():
    source = CountingSource(50)
    sink = ListSink()
    stats = run_pipeline(source, [AddStage(1), AddStage(2)], [sink])
    assert [f.index for f in sink.frames] == list(range(50))
    assert all(int(f.image[0, 0, 0]) == (f.index + 3) % 256 for f in sink.frames)
    assert [s.frames for s in stats.stages] == [50, 50]
    assert stats.frames_out == 50 and stats.dropped == 0
    assert streamart_threads() == []


def test_file_source_is_held_back_by_a_slow_consumer():
    # Bounded queues: the source can only run a fixed number of frames ahead of the sink,
    # however long the video, so memory stays flat.
    source = CountingSource(300)
    sink = ListSink(source=source)
    run_pipeline(source, [AddStage(), AddStage()], [sink])
    assert len(sink.frames) == 300
    assert max(sink.in_flight) <= 20


def test_every_sink_gets_every_frame():
    sinks = [ListSink(), ListSink(), ListSink()]
    stats = run_pipeline(CountingSource(40), [AddStage()], sinks)
    for sink in sinks:
        assert [f.index for f in sink.frames] == list(range(40))
    assert [s.frames for s in stats.sinks] == [40, 40, 40]


def test_first_error_is_raised_in_the_caller_and_all_threads_stop():
    sink = ListSink()
    with pytest.raises(RuntimeError, match="stage failed at frame 7") as caught:
        run_pipeline(CountingSource(1000), [AddStage(), AddStage(fail_at=7)], [sink])
    # The original traceback is kept: it reaches into the stage's own code.
    frames = [entry.name for entry in caught.traceback]
    assert "process" in frames
    assert len(sink.frames) <= 7
    assert streamart_threads() == []


def test_stop_pipeline_ends_the_run_normally():
    sink = ListSink()
    stats = run_pipeline(CountingSource(1000), [AddStage(stop_at=5)], [sink])
    assert [f.index for f in sink.frames] == list(range(5))
    assert stats.frames_out == 5
    assert streamart_threads() == []


def test_stop_event_from_another_thread_ends_the_run():
    stop = threading.Event()

    class StoppingSink(ListSink):
        def write(self, frame: Frame) -> None:
            super().write(frame)
            if frame.index == 3:
                stop.set()

    sink = StoppingSink()
    run_pipeline(CountingSource(10_000), [AddStage()], [sink], stop=stop)
    assert 4 <= len(sink.frames) < 10_000
    assert streamart_threads() == []


def test_live_source_keeps_only_the_latest_frame_and_counts_drops():
    # The stage is blocked until the source has produced all but its last frame, so every
    # frame but the newest waiting one must have been replaced in the latest-frame slot.
    gate = threading.Event()
    started = threading.Event()

    class BlockedStage(AddStage):
        def process(self, frame: Frame) -> Frame:
            started.set()
            if frame.index == 0:
                gate.wait()
            return super().process(frame)

    class GatedSource(CountingSource):
        def __iter__(self):
            for i in range(self.count):
                if i == 1:
                    started.wait()  # frame 0 is inside the stage
                if i == self.count - 1:
                    gate.set()
                self.produced += 1
                yield Frame(image=np.zeros((4, 8, 3), np.uint8), index=i, pts=i)

    source = GatedSource(30, live=True)
    sink = ListSink()
    stats = run_pipeline(source, [BlockedStage()], [sink])
    received = [f.index for f in sink.frames]
    assert received[0] == 0 and received[-1] == 29
    assert stats.dropped == 30 - len(received)
    assert stats.dropped >= 20
    assert stats.latency_percentile(95) is not None  # live frames carry a capture time


def test_a_pipeline_needs_a_sink():
    with pytest.raises(ValueError, match="at least one sink"):
        run_pipeline(CountingSource(1), [], [])


def test_summary_names_every_step():
    stats = run_pipeline(CountingSource(5), [AddStage()], [ListSink()])
    text = stats.summary()
    for name in ("source", "add", "list", "end to end"):
        assert name in text
