"""The job queue: jobs run one at a time, in the order they came; the others wait and say how
many are ahead. A job is a blocking function (an API call) run in the framework's thread pool;
it reports progress through its :class:`Job` and stops when asked (its ``stop`` event, which
the API's ``stop`` arguments and progress callbacks look at).

A job that fails keeps one line for the page: a :class:`StreamartError`'s message (with the
workspace's paths replaced by the names the user knows), or, for a bug, the exception's type
and message with the traceback in the server's log. Never a traceback in the page.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from starlette.concurrency import run_in_threadpool

from ..errors import StreamartError
from . import IDLE_SECONDS

log = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "failed", "cancelled"]

#: Finished jobs kept for the page to fetch their state and result (the oldest go first).
KEEP_FINISHED = 200


class Cancelled(Exception):
    """Raised by :meth:`Job.check` inside a job that was asked to stop."""


class UnknownJob(StreamartError, LookupError):
    """A job id the server does not know (HTTP 404)."""


@dataclass(eq=False)
class Job:
    """One piece of work and what the page sees of it. ``work(job)`` returns the result file."""

    kind: str
    work: Callable[[Job], Path]
    download_name: str
    #: Workspace paths and the names the user knows them by, for error messages.
    names: dict[str, str] = field(default_factory=dict)
    #: The ids of the uploads it reads.
    uploads: tuple[str, ...] = ()
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    state: State = "queued"
    done: int = 0
    total: int | None = None
    unit: str = ""
    error: str | None = None
    result: Path | None = None
    audio: bool | None = None  # whether a video result has sound; None for a picture or a model
    started: float | None = None
    finished: float | None = None
    #: When the job finished or its result was last fetched (time.monotonic()).
    last_used: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    #: The work's own share done and time left, where its steps differ in cost (else None).
    work_fraction: float | None = None
    work_seconds_left: float | None = None

    def report(
        self,
        done: int,
        total: int | None,
        unit: str = "",
        *,
        fraction: float | None = None,
        seconds_left: float | None = None,
    ) -> None:
        """Progress, from the job's thread: ``done`` of ``total`` (None: unknown) ``unit``s;
        ``fraction`` and ``seconds_left`` when the work knows them better than a count does."""
        self.done, self.total, self.unit = done, total, unit
        self.work_fraction, self.work_seconds_left = fraction, seconds_left

    def check(self) -> None:
        """Raise :class:`Cancelled` when the job was asked to stop (for work that has no
        ``stop`` event of its own to look at, from its progress callback)."""
        if self.stop.is_set():
            raise Cancelled

    @property
    def fraction(self) -> float | None:
        if self.state == "done":
            return 1.0
        if self.work_fraction is not None:
            return self.work_fraction
        return min(1.0, self.done / self.total) if self.total else None

    @property
    def seconds_left(self) -> float | None:
        """Time left at the pace so far; None until there is a pace to go by."""
        if self.state == "running" and self.work_seconds_left is not None:
            return self.work_seconds_left
        fraction = self.fraction
        if self.state != "running" or self.started is None or not fraction or fraction < 0.02:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed * (1.0 - fraction) / fraction

    def describe_error(self, exc: BaseException) -> str:
        """One line for the page."""
        if isinstance(exc, StreamartError):
            text = str(exc)
        else:
            text = (
                f"unexpected error, a bug in streamart ({type(exc).__name__}: {exc}); the server's log has the details"
            )
        for path, name in self.names.items():
            text = text.replace(path, name)
        return " ".join(text.split()) or type(exc).__name__


class JobQueue:
    """Jobs run one at a time by :meth:`serve` (a task of the app's event loop). A finished job
    leaves the history when :data:`KEEP_FINISHED` newer ones have finished, or when
    :meth:`forget_idle` finds it unused; ``on_forget`` is then called with it (to remove its
    files)."""

    def __init__(self, on_forget: Callable[[Job], None] | None = None) -> None:
        self._on_forget = on_forget
        self._jobs: dict[str, Job] = {}
        self._waiting: deque[Job] = deque()
        self._wake = asyncio.Event()
        self.current: Job | None = None
        self._closing = False

    def submit(self, job: Job) -> Job:
        self._jobs[job.id] = job
        self._waiting.append(job)
        self._wake.set()
        finished = [j for j in self._jobs.values() if j.state in ("done", "failed", "cancelled")]
        for old in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            self._forget(old)
        return job

    def forget_idle(self, before: float) -> None:
        """Let go of the finished jobs last used before time ``before`` (time.monotonic())."""
        for job in list(self._jobs.values()):
            if job.last_used is not None and job.last_used < before:
                self._forget(job)

    def _forget(self, job: Job) -> None:
        del self._jobs[job.id]
        if self._on_forget is not None:
            self._on_forget(job)

    def uploads_in_use(self) -> set[str]:
        """The ids of the uploads that the jobs in the history read."""
        return {upload for job in self._jobs.values() for upload in job.uploads}

    def get(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise UnknownJob(
                f"this job is no longer on the server (unused for {IDLE_SECONDS // 60} minutes, or the app was "
                "restarted); start it again"
            ) from None

    def ahead(self, job: Job) -> int:
        """How many jobs run before this one (0 when it runs or has finished)."""
        if job.state != "queued":
            return 0
        before = 0
        for waiting in self._waiting:
            if waiting is job:
                break
            before += 1
        return before + (self.current is not None)

    def status(self, job: Job) -> dict[str, object]:
        """What the page shows of a job."""
        return {
            "id": job.id,
            "kind": job.kind,
            "state": job.state,
            "ahead": self.ahead(job),
            "done": job.done,
            "total": job.total,
            "unit": job.unit,
            "fraction": job.fraction,
            "seconds_left": job.seconds_left,
            "elapsed": (job.finished or time.monotonic()) - job.started if job.started else None,
            "error": job.error,
            "result": f"/api/jobs/{job.id}/result" if job.state == "done" else None,
            "download_name": job.download_name,
            "audio": job.audio,
        }

    def cancel(self, job: Job) -> None:
        job.stop.set()
        if job.state == "queued":
            self._waiting.remove(job)
            job.state = "cancelled"
            job.finished = job.last_used = time.monotonic()

    async def serve(self) -> None:
        """Run the jobs as they come, until :meth:`close`."""
        while not self._closing:
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._waiting.popleft()
            self.current = job
            try:
                await self._run(job)
            finally:
                self.current = None

    async def _run(self, job: Job) -> None:
        job.state, job.started = "running", time.monotonic()
        try:
            job.result = await run_in_threadpool(job.work, job)
            job.check()  # a pipeline asked to stop returns normally
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
        except Exception as exc:
            if job.stop.is_set():
                job.state = "cancelled"
            else:
                if not isinstance(exc, StreamartError):
                    log.error("job %s (%s) failed", job.id, job.kind, exc_info=exc)
                job.error, job.state = job.describe_error(exc), "failed"
        finally:
            job.finished = job.last_used = time.monotonic()

    async def close(self, server: asyncio.Task[None]) -> None:
        """Stop every job (the running one within a moment) and the serving task."""
        self._closing = True
        for job in list(self._waiting):
            self.cancel(job)
        if self.current is not None:
            self.current.stop.set()
        self._wake.set()
        await server
