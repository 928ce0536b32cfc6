"""One run of a pipeline from parts that are already open: the seam that the API, the live
path and the Ray workers share.

A source and its sinks are opened first (a missing camera or an output that may not be written
is reported before a model loads), then the stages are built, then the run goes. Whatever
fails on the way, every part opened so far is released, and the sinks learn of the failure
(an encoder discards its partial file)::

    with Pipeline() as pipeline:
        source = pipeline.add_source(FileSource("in.mp4"))
        pipeline.add_sink(EncoderSink("out.mp4", info=source.info))
        pipeline.add_stages(build_my_stages)
        stats = pipeline.run()
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from types import TracebackType
from typing import TypeVar

from .protocols import Sink, Source, Stage
from .runner import PipelineStats, run_pipeline

#: Stages, or what builds them (called once the source and the sinks are open).
Stages = Sequence[Stage] | Callable[[], Sequence[Stage]]

_Source = TypeVar("_Source", bound=Source)
_Sink = TypeVar("_Sink", bound=Sink)


class Pipeline:
    """The parts of one run, each released on the way out of ``with``: the sinks first, so that
    an encoder finishes (or discards its partial file) before the stages and the source go."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        # Exited in reverse: the sinks' stack before the source's and the stages'.
        self._rest = self._stack.enter_context(ExitStack())
        self._sinks_stack = self._stack.enter_context(ExitStack())
        self.source: Source | None = None
        self.stages: list[Stage] = []
        self.sinks: list[Sink] = []

    def add_source(self, source: _Source) -> _Source:
        """Take ``source`` (already open: its constructor opened it) into the run."""
        self.source = self._rest.enter_context(source)
        return source

    def add_sink(self, sink: _Sink) -> _Sink:
        """Take ``sink`` (already open) into the run; the frames go to every sink added."""
        self.sinks.append(self._sinks_stack.enter_context(sink))
        return sink

    def add_stages(self, stages: Stages) -> list[Stage]:
        """Build ``stages`` (when given what builds them) and take them into the run, in order."""
        built = list(stages() if callable(stages) else stages)
        for stage in built:
            self.stages.append(self._rest.enter_context(stage))
        return built

    def run(
        self,
        *,
        on_progress: Callable[[PipelineStats], None] | None = None,
        stop: threading.Event | None = None,
    ) -> PipelineStats:
        """Run the frames through (see :func:`~streamart.core.runner.run_pipeline`)."""
        if self.source is None:
            raise ValueError("a pipeline needs a source")
        return run_pipeline(self.source, self.stages, self.sinks, on_progress=on_progress, stop=stop)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.__exit__(exc_type, exc, tb)  # no part may swallow the run's error


def run(
    source: Source,
    stages: Stages,
    sinks: Sequence[Sink],
    *,
    on_progress: Callable[[PipelineStats], None] | None = None,
    stop: threading.Event | None = None,
) -> PipelineStats:
    """Run a pipeline, opening and closing every part (sinks learn whether the run failed)."""
    with Pipeline() as pipeline:
        pipeline.add_source(source)
        for sink in sinks:
            pipeline.add_sink(sink)
        pipeline.add_stages(stages)
        return pipeline.run(on_progress=on_progress, stop=stop)
