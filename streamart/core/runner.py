"""The pipeline runner: the module in streamart that starts a run's threads and owns its queues
(the one other thread is the preview window's, :mod:`streamart.core.gui_thread`).

Layout of a run::

    [source thread] -> channel -> [stage thread] -> channel -> ... -> [sink thread] x N

Every arrow is a :class:`_Channel`. Between a file source and its first stage, and everywhere
after that, channels are bounded queues, in frames and in bytes: no frame is ever dropped and
memory stays flat for any length and size of video, because a full queue makes its producer
wait. Between a live source and
its first stage the channel is a latest-frame slot (:class:`~streamart.core.latest.LatestSlot`):
a new frame replaces one that nobody has taken yet (counted as dropped), so latency never
builds up behind a slow stage.

In a live run every other channel holds a single frame, so no backlog can build up anywhere.

Each stage runs in its own thread, so stages overlap like an assembly line (decode of frame
n+2, flow of n+1 and inference of n at once). The first exception in any thread stops every
thread and is re-raised in the caller with its original traceback. A stage or sink ends a run
normally by raising :class:`StopPipeline` (a preview window that was closed, say).
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .allocator import give_large_frames_own_pages
from .frame import LARGE_FRAME_PIXELS, Frame
from .latest import LatestSlot
from .protocols import Sink, Source, Stage, StopPipeline

log = logging.getLogger(__name__)

# How often blocked threads look at the stop flag: bounds how long Ctrl-C or an error in
# another thread takes to stop a run.
_POLL_SECONDS = 0.05
# Frames buffered between two threads of a file pipeline: enough to absorb jitter between
# stages, few enough that memory stays flat whatever the length...
_QUEUE_FRAMES = 4
# ... and at most this many bytes of them, so that it stays flat whatever the frame size too:
# four 720p frames fit, two 1080p ones, a 4K frame (25 MB, 50 MB with its original) is
# buffered alone. (64 MB cost a 4K run 100 MB more and gained no speed: docs/BENCHMARKS.md.)
_QUEUE_BYTES = 32 * 2**20
# Grace period for threads to finish after a stop before the runner gives up on them.
_JOIN_SECONDS = 5.0
# Latency percentiles are taken over this many recent frames, so a long live session keeps
# bounded memory.
_LATENCY_WINDOW = 2000


class _End(enum.Enum):
    """The end-of-stream marker passed down the channels: an enum member, so that after
    ``item is _END`` type checkers know the item is a frame."""

    END = "end"


_END = _End.END
#: What a channel carries.
_Item = Frame | _End


class _Stopped(Exception):
    """Internal: a channel operation was interrupted because the run is stopping."""


@dataclass
class StepStats:
    """Counters for one step (the source, a stage or a sink) of a run."""

    name: str
    frames: int = 0
    busy_seconds: float = 0.0  # time spent in the step's own work, not waiting on queues

    @property
    def fps(self) -> float:
        """Frames per second of busy time: the rate this step alone could sustain."""
        return self.frames / self.busy_seconds if self.busy_seconds > 0 else 0.0

    @property
    def ms_per_frame(self) -> float:
        return 1000.0 * self.busy_seconds / self.frames if self.frames else 0.0


@dataclass
class PipelineStats:
    """What a run did: per-step counters, throughput, drops and latency."""

    source: StepStats
    stages: list[StepStats]
    sinks: list[StepStats]
    wall_seconds: float = 0.0
    dropped: int = 0  # frames a live source produced that no stage took in time
    frame_count: int | None = None  # expected total, when the source knows it
    _latencies: deque[float] = field(default_factory=lambda: deque(maxlen=_LATENCY_WINDOW))

    @property
    def frames_out(self) -> int:
        """Frames every sink has written (the slowest sink's count)."""
        return min((s.frames for s in self.sinks), default=0)

    @property
    def fps(self) -> float:
        """End-to-end frames per second of wall time."""
        return self.frames_out / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def record_latency(self, seconds: float) -> None:
        """Count one frame's capture-to-sink latency (the last few thousand are kept)."""
        self._latencies.append(seconds)

    def latency_percentile(self, percent: float) -> float | None:
        """Capture-to-sink latency in seconds over recent frames, or None without live frames."""
        if not self._latencies:
            return None
        ordered = sorted(self._latencies)
        rank = min(len(ordered) - 1, max(0, round(percent / 100.0 * (len(ordered) - 1))))
        return ordered[rank]

    def summary(self) -> str:
        """A multi-line human-readable table, as printed by ``--stats``."""
        lines = [f"{'step':<16}{'frames':>8}{'ms/frame':>10}{'fps':>9}"]
        for step in [self.source, *self.stages, *self.sinks]:
            lines.append(f"{step.name:<16}{step.frames:>8}{step.ms_per_frame:>10.1f}{step.fps:>9.1f}")
        lines.append(
            f"end to end: {self.frames_out} frames in {self.wall_seconds:.2f} s = {self.fps:.1f} fps"
            f", dropped {self.dropped}"
        )
        p50, p95 = self.latency_percentile(50), self.latency_percentile(95)
        if p50 is not None and p95 is not None:
            lines.append(f"latency capture->sink: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        return "\n".join(lines)


class _Channel:
    """A hand-over point between two threads: a bounded queue or a latest-frame slot."""

    def __init__(self, stop: threading.Event, *, live: bool, latest_only: bool = False) -> None:
        self._stop = stop
        self._slot: LatestSlot[_Item] | None = LatestSlot() if latest_only else None
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=1 if live else _QUEUE_FRAMES)
        # Set while a consumer waits in get() on an empty channel: a live stage takes its next
        # frame only then, so the frame it takes is the newest and does not wait downstream.
        self.consumer_waiting = threading.Event()

    @property
    def dropped(self) -> int:
        """Frames a newer one replaced before they were taken (latest-frame slots only)."""
        return 0 if self._slot is None else self._slot.dropped

    def wait_for_consumer(self) -> None:
        """Return once the consumer waits for a frame (or raise when the run stops)."""
        while not self._stop.is_set():
            if self.consumer_waiting.wait(_POLL_SECONDS):
                return
        raise _Stopped

    def put(self, item: _Item) -> None:
        if self._slot is not None:
            self._put_latest(self._slot, item)
            return
        if self._queue.maxsize > 1 and isinstance(item, Frame):
            # A few frames, but only as many as fit in the byte budget (it only ever shrinks).
            self._queue.maxsize = max(1, min(self._queue.maxsize, _QUEUE_BYTES // _frame_bytes(item)))
        # A put that times out retries while the run is open, so a stop never leaves a
        # producer blocked on a full queue.
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _put_latest(self, slot: LatestSlot[_Item], item: _Item) -> None:
        if item is not _END:
            slot.put(item)
            return
        # The end marker waits for the last frame to be taken instead of replacing it (the
        # source's thread is the only one that puts, so the slot stays empty once it is).
        while not self._stop.is_set():
            if slot.wait_empty(_POLL_SECONDS):
                slot.put(item)
                return
        raise _Stopped

    def _take(self, timeout: float) -> _Item | None:
        """The next item, or None when none came within ``timeout`` seconds (no item is None)."""
        if self._slot is not None:
            return self._slot.take(timeout)
        try:
            return self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
        except queue.Empty:
            return None

    def get(self) -> _Item:
        item = self._take(0.0)
        if item is not None:
            return item
        self.consumer_waiting.set()
        try:
            while not self._stop.is_set():
                item = self._take(_POLL_SECONDS)
                if item is not None:
                    return item
            raise _Stopped
        finally:
            self.consumer_waiting.clear()


def _frame_bytes(frame: Frame) -> int:
    """The memory a frame in a queue keeps alive: its image and, when a stage replaced it, the
    source's original."""
    original = 0 if frame.original is None or frame.original is frame.image else frame.original.nbytes
    return max(1, frame.image.nbytes + original)


class _Run:
    """The threads and shared state of one pipeline run."""

    def __init__(self, source: Source, stages: Sequence[Stage], sinks: Sequence[Sink], stop: threading.Event) -> None:
        self.source = source
        self.stages = list(stages)
        self.sinks = list(sinks)
        self.stop = stop
        self.error: BaseException | None = None
        self._error_lock = threading.Lock()
        self.live = bool(getattr(source, "live", False))
        self.stats = PipelineStats(
            source=StepStats("source"),
            stages=[StepStats(getattr(s, "name", type(s).__name__)) for s in self.stages],
            sinks=[StepStats(getattr(s, "name", type(s).__name__)) for s in self.sinks],
            frame_count=getattr(getattr(source, "info", None), "frame_count", None),
        )
        self._latency_lock = threading.Lock()
        # channels[0] feeds the first stage (or the sinks when there is no stage).
        # Live runs: a latest-frame slot after the source, and one-frame queues after that, so
        # that at most one frame waits before each step and latency stays bounded. Frames are
        # dropped only at the slot, so stages with memory (flow, temporal blend, dream) still
        # see every frame that entered the pipeline, in order.
        self.channels = [_Channel(stop, live=self.live, latest_only=self.live)]
        self.channels += [_Channel(stop, live=self.live) for _ in self.stages]
        self.sink_channels = [_Channel(stop, live=self.live) for _ in self.sinks]
        self.threads = [self._thread("streamart-source", self._read)]
        self.threads += [
            self._thread(f"streamart-stage-{i}-{step.name}", self._process, i)
            for i, step in enumerate(self.stats.stages)
        ]
        if len(self.sinks) > 1:
            self.threads.append(self._thread("streamart-fan-out", self._fan_out))
        self.threads += [
            self._thread(f"streamart-sink-{i}-{step.name}", self._write, i) for i, step in enumerate(self.stats.sinks)
        ]

    def _thread(self, name: str, body: Callable[..., None], *args: object) -> threading.Thread:
        # Daemon threads: a step stuck in a blocking call cannot keep the process alive after
        # the caller has given up on it (the runner warns about such threads).
        return threading.Thread(target=self._guard, args=(body, *args), name=name, daemon=True)

    # -- thread bodies -------------------------------------------------------------------

    def _guard(self, body: Callable[..., None], *args: object) -> None:
        try:
            body(*args)
        except _Stopped:
            pass
        except StopPipeline:
            self.stop.set()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, not swallowed
            with self._error_lock:
                if self.error is None:
                    self.error = exc
            self.stop.set()

    def _read(self) -> None:
        out = self.channels[0]
        step = self.stats.source
        frames = iter(self.source)
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                frame = next(frames)
            except StopIteration:
                break
            step.busy_seconds += time.perf_counter() - started
            step.frames += 1
            if self.live and frame.capture_time is None:
                frame = frame.replace(capture_time=time.monotonic())
            out.put(frame)
        out.put(_END)

    def _process(self, i: int) -> None:
        stage, step = self.stages[i], self.stats.stages[i]
        inbox, outbox = self.channels[i], self.channels[i + 1]
        while True:
            if self.live:
                # Take a frame only when the next step can start on it at once: a frame taken
                # earlier would age in the channel while that step is busy.
                outbox.wait_for_consumer()
            item = inbox.get()
            if item is _END:
                outbox.put(_END)
                return
            started = time.perf_counter()
            result = stage.process(item)
            step.busy_seconds += time.perf_counter() - started
            step.frames += 1
            outbox.put(result)

    def _fan_out(self) -> None:
        inbox = self.channels[-1]
        while True:
            item = inbox.get()
            for channel in self.sink_channels:
                channel.put(item)
            if item is _END:
                return

    def _write(self, i: int) -> None:
        sink, step = self.sinks[i], self.stats.sinks[i]
        inbox = self.sink_channels[i] if len(self.sinks) > 1 else self.channels[-1]
        while True:
            frame = inbox.get()
            if frame is _END:
                return
            started = time.perf_counter()
            sink.write(frame)
            step.busy_seconds += time.perf_counter() - started
            step.frames += 1
            if frame.capture_time is not None:
                with self._latency_lock:
                    self.stats.record_latency(time.monotonic() - frame.capture_time)

    # -- driving the run from the caller's thread ------------------------------------------

    def execute(self, on_progress: Callable[[PipelineStats], None] | None) -> PipelineStats:
        started = time.perf_counter()
        for thread in self.threads:
            thread.start()
        try:
            # Join in short slices so that Ctrl-C reaches the caller's thread at once.
            while alive := [t for t in self.threads if t.is_alive()]:
                alive[0].join(_POLL_SECONDS)
                self._update(started, on_progress)
        except BaseException:
            self.stop.set()
            raise
        finally:
            self._join_all()
            self._update(started, on_progress)
        if self.error is not None:
            raise self.error
        return self.stats

    def _update(self, started: float, on_progress: Callable[[PipelineStats], None] | None) -> None:
        self.stats.wall_seconds = time.perf_counter() - started
        self.stats.dropped = self.channels[0].dropped
        if on_progress is not None:
            on_progress(self.stats)

    def _join_all(self) -> None:
        deadline = time.monotonic() + _JOIN_SECONDS
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in self.threads if t.is_alive()]
        if stuck:
            log.warning("threads still busy after stopping: %s", ", ".join(stuck))


def run_pipeline(
    source: Source,
    stages: Sequence[Stage],
    sinks: Sequence[Sink],
    *,
    on_progress: Callable[[PipelineStats], None] | None = None,
    stop: threading.Event | None = None,
) -> PipelineStats:
    """Run frames from ``source`` through ``stages`` into every sink; return the statistics.

    Blocks until the source is exhausted, a step raises :class:`StopPipeline`, ``stop`` is set
    by another thread, or an error happens (re-raised here with its original traceback, after
    every thread has stopped). ``on_progress`` is called from the caller's thread a few times a
    second. Opening and closing the source, stages and sinks is the caller's job, so that a
    sink can tell from its ``__exit__`` whether the run failed.
    """
    if not sinks:
        raise ValueError("a pipeline needs at least one sink")
    if source.info.width * source.info.height > LARGE_FRAME_PIXELS:
        give_large_frames_own_pages()
    run = _Run(source, stages, sinks, stop or threading.Event())
    return run.execute(on_progress)
