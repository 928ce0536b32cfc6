"""The job queue on its own: one job at a time in order, queue positions, cancelling, progress
and time left, errors as one line."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from streamart.errors import InputError
from streamart.web.jobs import Cancelled, Job, JobQueue, UnknownJob


def run_queue(scenario) -> None:
    """Run ``scenario(queue)`` (a coroutine function) while the queue serves, then close it."""

    async def main() -> None:
        queue = JobQueue()
        server = asyncio.create_task(queue.serve())
        try:
            await scenario(queue)
        finally:
            await queue.close(server)

    asyncio.run(main())


async def until(job: Job, *states: str) -> None:
    while job.state not in states:
        await asyncio.sleep(0.01)


def test_jobs_run_one_at_a_time_in_the_order_they_came(tmp_path):
    running, overlaps, order = [0], [], []
    gate = threading.Event()

    def make(name: str):
        def work(job: Job) -> Path:
            running[0] += 1
            overlaps.append(running[0])
            if name == "first":
                gate.wait(5)
            order.append(name)
            running[0] -= 1
            return tmp_path / name

        return Job("test", work, name)

    async def scenario(queue: JobQueue) -> None:
        jobs = [queue.submit(make(name)) for name in ("first", "second", "third")]
        await until(jobs[0], "running")
        assert [queue.status(job)["ahead"] for job in jobs] == [0, 1, 2]
        assert [job.state for job in jobs] == ["running", "queued", "queued"]
        gate.set()
        for job in jobs:
            await until(job, "done")
        assert [job.result for job in jobs] == [tmp_path / "first", tmp_path / "second", tmp_path / "third"]

    run_queue(scenario)
    assert order == ["first", "second", "third"] and max(overlaps) == 1


def test_a_queued_job_cancelled_never_runs_and_a_running_one_stops(tmp_path):
    ran = []

    def slow(job: Job) -> Path:
        for step in range(500):
            job.report(step, 500, "steps")
            job.check()
            time.sleep(0.01)
        return tmp_path / "never"

    async def scenario(queue: JobQueue) -> None:
        first = queue.submit(Job("slow", slow, "a"))
        second = queue.submit(Job("never", lambda job: ran.append(job) or tmp_path, "b"))
        await until(first, "running")
        queue.cancel(second)
        assert second.state == "cancelled" and queue.status(second)["ahead"] == 0
        queue.cancel(first)
        await until(first, "cancelled", "done", "failed")
        assert first.state == "cancelled" and first.result is None and first.error is None

    run_queue(scenario)
    assert ran == []


def test_progress_gives_a_fraction_and_the_time_left(tmp_path):
    job = Job("test", lambda job: tmp_path, "x")
    job.state, job.started = "running", time.monotonic() - 10
    job.report(1, 100, "frames")
    assert job.fraction == 0.01 and job.seconds_left is None  # too early to tell
    job.report(25, 100, "frames")
    assert job.fraction == 0.25 and job.seconds_left == pytest.approx(30, rel=0.05)
    job.report(5, None, "frames")
    assert job.fraction is None and job.seconds_left is None
    # Work whose steps differ in cost says its share done and time left itself.
    job.report(50, 100, "steps", fraction=0.2, seconds_left=75.0)
    assert job.fraction == 0.2 and job.seconds_left == 75.0


def test_a_streamart_error_is_one_line_with_the_names_the_user_knows(tmp_path):
    upload = tmp_path / "uploads" / "12ab" / "upload.mp4"

    def fail(job: Job) -> Path:
        raise InputError(f"input {upload} has no video stream;\n  give a video file")

    async def scenario(queue: JobQueue) -> None:
        job = queue.submit(Job("video", fail, "x.mp4", names={str(upload): "holiday.mp4"}))
        await until(job, "failed")
        assert job.error == "input holiday.mp4 has no video stream; give a video file"
        assert queue.status(job)["result"] is None

    run_queue(scenario)


def test_a_bug_is_one_line_too_and_its_traceback_goes_to_the_log(tmp_path, caplog):
    def bug(job: Job) -> Path:
        return {}["missing"]

    async def scenario(queue: JobQueue) -> None:
        job = queue.submit(Job("photo", bug, "x.png"))
        await until(job, "failed")
        assert job.error.startswith("unexpected error, a bug in streamart (KeyError: 'missing')")
        assert "Traceback" not in job.error

    run_queue(scenario)
    assert "Traceback" in caplog.text or any(record.exc_info for record in caplog.records)


def test_a_cancelled_exception_after_stop_is_a_cancel_not_a_failure(tmp_path):
    def work(job: Job) -> Path:
        job.stop.set()
        raise Cancelled

    async def scenario(queue: JobQueue) -> None:
        job = queue.submit(Job("photo", work, "x.png"))
        await until(job, "cancelled", "failed")
        assert job.state == "cancelled"

    run_queue(scenario)


def test_closing_the_queue_stops_the_running_job_and_cancels_the_rest(tmp_path):
    stopped = []

    def waits(job: Job) -> Path:
        stopped.append(job.stop.wait(10))
        return tmp_path

    async def main() -> None:
        queue = JobQueue()
        server = asyncio.create_task(queue.serve())
        running = queue.submit(Job("video", waits, "a"))
        waiting = queue.submit(Job("video", waits, "b"))
        await until(running, "running")
        started = time.monotonic()
        await queue.close(server)
        assert time.monotonic() - started < 5
        assert running.state == "cancelled" and waiting.state == "cancelled"

    asyncio.run(main())
    assert stopped == [True]


def test_finished_jobs_are_forgotten_after_a_while(tmp_path, monkeypatch):
    monkeypatch.setattr("streamart.web.jobs.KEEP_FINISHED", 2)

    async def scenario(queue: JobQueue) -> None:
        jobs = []
        for name in "abcd":
            jobs.append(queue.submit(Job("photo", lambda job: tmp_path, name)))
            await until(jobs[-1], "done")
        queue.submit(Job("photo", lambda job: tmp_path, "e"))
        with pytest.raises(UnknownJob, match="start it again"):
            queue.get(jobs[0].id)
        assert queue.get(jobs[-1].id) is jobs[-1]

    run_queue(scenario)


def test_jobs_leaving_the_history_are_handed_on_and_idle_ones_leave_too(tmp_path, monkeypatch):
    monkeypatch.setattr("streamart.web.jobs.KEEP_FINISHED", 1)
    forgotten = []

    async def main() -> None:
        queue = JobQueue(on_forget=forgotten.append)
        server = asyncio.create_task(queue.serve())
        try:
            first = queue.submit(Job("photo", lambda job: tmp_path, "a", uploads=("u1",)))
            await until(first, "done")
            second = queue.submit(Job("photo", lambda job: tmp_path, "b", uploads=("u2", "u3")))
            await until(second, "done")
            assert forgotten == [] and queue.uploads_in_use() == {"u1", "u2", "u3"}
            third = queue.submit(Job("photo", lambda job: tmp_path, "c", uploads=("u2",)))
            assert forgotten == [first] and queue.uploads_in_use() == {"u2", "u3"}
            await until(third, "done")
            queue.forget_idle(second.last_used)  # used before that: none
            assert forgotten == [first]
            queue.forget_idle(time.monotonic() + 1)
            assert forgotten == [first, second, third] and queue.uploads_in_use() == set()
        finally:
            await queue.close(server)

    asyncio.run(main())
