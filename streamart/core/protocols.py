"""The three roles in a pipeline: source -> stage(s) -> sink(s).

These are ``typing.Protocol`` classes: nothing has to inherit from them. All three are context
managers whose ``close()`` is idempotent; :class:`ClosingContext` gives a class that behaviour.
A stage or sink ends a run early, and normally, by raising :class:`StopPipeline`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable

from .frame import Frame

_Context = TypeVar("_Context", bound="ClosingContext")


class StopPipeline(Exception):
    """Raised by a stage or sink to end the run normally, not as an error (a preview window
    that was closed, say)."""


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What a source knows about its video before the first frame."""

    width: int
    height: int
    fps: float | None = None  # average or nominal rate; None when unknown
    frame_count: int | None = None  # None when unknown (live, or no index)
    time_base: Fraction | None = None
    duration: float | None = None  # seconds


class ClosingContext:
    """``with obj:`` gives ``obj`` and closes it on the way out, or, when an exception leaves the
    block, calls :meth:`abort`: the same as :meth:`close` unless a subclass (a sink with partial
    output) overrides it. Subclasses implement ``close()``."""

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Release everything after a failure; by default the same as :meth:`close`."""
        self.close()

    def __enter__(self: _Context) -> _Context:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@runtime_checkable
class Source(Protocol):
    """Yields frames. ``live`` sources are read through a latest-frame slot (frames may be
    dropped so latency never grows); file sources through bounded queues (never dropped)."""

    live: bool
    info: StreamInfo

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Source: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@runtime_checkable
class Stage(Protocol):
    """Turns one frame into one frame. ``reset()`` drops temporal state (scene cut, seek)."""

    name: str

    def process(self, frame: Frame) -> Frame: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Stage: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@runtime_checkable
class Sink(Protocol):
    """Consumes frames. Leaving the ``with`` block normally finishes the output; leaving it
    with an exception discards any partial output (an encoder removes its temporary file)."""

    name: str

    def write(self, frame: Frame) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None:
        """Discard any partial output and release everything: what leaving the ``with`` block
        with an exception does (:class:`ClosingContext` gives it)."""
        ...

    def __enter__(self) -> Sink: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
