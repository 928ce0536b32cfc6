"""Ray workers above the single-process pipeline, and the head that hands them chunks.

Each chunk of a video is one Ray task (:func:`stylize_chunk`): it runs the ordinary pipeline
(:class:`~streamart.sources.file.FileSource` -> stages ->
:class:`~streamart.sinks.encoder.EncoderSink`) on the chunk and its warm-up, in a worker
process with its own cores (and a GPU where the cluster has them), and returns the encoded
chunk through Ray's object store. The head (:func:`stylize_split`) plans the chunks of every
file, submits them all, so that files spread over the workers too, and joins each file's
chunks in order as they come back (:class:`~streamart.distributed.stitching.ChunkJoiner`).

Ray retries a task whose worker died; an error of the work itself (a bad model, say) is not
retried. Leaving :func:`stylize_split` early (an error, Ctrl-C, the caller stopping) cancels
every task still queued or running and removes every partial output. Inputs are read by path,
so on a cluster they must be at the same path on every machine (shared storage).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2

from ..config import MAX_PIXELS, ClusterConfig, EncodeConfig
from ..core.files import describe, remove_dead_folders, working_folder
from ..core.frame import Frame
from ..core.pipeline import Pipeline
from ..core.protocols import ClosingContext, Sink, Stage
from ..core.runner import PipelineStats, StepStats
from ..errors import ClusterError, StreamartError, require
from ..sinks.encoder import EncoderSink
from ..sources.file import FileSource
from .chunking import Chunk, index_keyframes, plan_chunks
from .stitching import ChunkJoiner

#: Builds a worker's stages (each worker builds its own: stages hold models and state).
StageFactory = Callable[[], Sequence[Stage]]

# The scratch folders of the workers' chunks, in each machine's temporary directory.
CHUNK_FOLDER_PREFIX = "streamart-chunk"
# How often the head looks up from waiting for chunks: bounds how late Ctrl-C and progress are.
_POLL_SECONDS = 0.2
# How long joining a cluster may take to answer before it counts as unreachable.
_CONNECT_SECONDS = 5.0


def worker_cpus(cluster: ClusterConfig) -> int:
    """The cores each worker takes: on this machine its share of the cores this process may
    use, at least one; on a cluster one (so every core of it runs a worker)."""
    if cluster.workers is None:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // cluster.workers)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a worker sends back: the encoded chunk, how many frames it holds, and its run's
    statistics (the warm-up frames count in the source's and the stages')."""

    data: bytes
    frames: int
    stats: PipelineStats


class _AfterWarmup(ClosingContext):
    """A sink that passes the frames from file time ``start`` on to ``sink`` and drops the
    warm-up frames before it."""

    def __init__(self, sink: Sink, start: Fraction) -> None:
        self.sink = sink
        self.name = sink.name
        self.start = start
        self.written = 0

    def write(self, frame: Frame) -> None:
        if frame.pts is None or frame.time_base is None or frame.pts * frame.time_base >= self.start:
            self.sink.write(frame)
            self.written += 1

    def close(self) -> None:
        self.sink.close()

    def abort(self) -> None:
        self.sink.abort()


def stylize_chunk(
    input: Path,
    chunk: Chunk,
    video_start: Fraction,
    stages: StageFactory,
    encode: EncodeConfig,
    suffix: str,
    strict: bool = False,
    threads: int | None = None,
    max_pixels: int = MAX_PIXELS,
) -> ChunkResult:
    """Run the pipeline on one chunk of ``input`` in this process and return it encoded (in a
    file of type ``suffix``, the output's). ``video_start`` is the file time of the video's
    first frame (:attr:`KeyframeIndex.start <streamart.distributed.chunking.KeyframeIndex.start>`).
    Frames keep the file's timestamps, so that the chunks join into the single run's video.
    ``strict``: damage in the chunk is an error, as in a single run. ``threads``: the cores
    this worker has; decoder, encoder and OpenCV get that many threads instead of sizing their
    pools to the whole machine, which several workers share. ``max_pixels``: the frame size
    limit, as in a single run."""
    if threads is not None:
        cv2.setNumThreads(threads)  # the optical flow's; this process is the worker's alone

    # A worker killed mid-chunk (Ray retries its chunk elsewhere) leaves its folder behind: the
    # next chunk on this machine, or the head at the end of the run, removes it.
    with working_folder(CHUNK_FOLDER_PREFIX) as folder:
        path = folder / f"chunk{suffix}"
        with Pipeline() as pipeline:  # the chunk is complete once it is left
            source = pipeline.add_source(
                FileSource(
                    input,
                    start=None if chunk.warmup == video_start else float(chunk.warmup - video_start),
                    duration=None if chunk.end is None else float(chunk.end - chunk.warmup),
                    strict=strict,
                    keep_timestamps=True,
                    threads=threads,
                    max_pixels=max_pixels,
                )
            )
            sink = pipeline.add_sink(
                _AfterWarmup(
                    EncoderSink(path, info=source.info, encode=replace(encode, overwrite=True, threads=threads)),
                    chunk.start,
                )
            )
            pipeline.add_stages(stages)
            stats = pipeline.run()
        return ChunkResult(data=path.read_bytes(), frames=sink.written, stats=stats)


@contextmanager
def ray_runtime(cluster: ClusterConfig) -> Iterator[ModuleType]:
    """Ray, connected: a local runtime started for ``cluster.workers`` (and stopped on the way
    out), or the cluster at ``cluster.address``. A runtime this process already started
    (``ray.init``) is used as it is. Raises :class:`DependencyError` without Ray and
    :class:`ClusterError` when the cluster cannot be reached."""
    ray = require("ray", "ray")
    if ray.is_initialized():
        yield ray
        return
    quiet: dict[str, Any] = {"logging_level": logging.ERROR, "include_dashboard": False}
    if cluster.workers is not None:
        ray.init("local", num_cpus=cluster.workers * worker_cpus(cluster), **quiet)
    else:
        address = cluster.address
        assert address is not None  # ClusterConfig holds either workers or an address
        _check_reachable(address)
        try:
            ray.init(address=address, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ClusterError(f"cannot join the Ray cluster at {address}: {reason}") from None
    try:
        yield ray
    finally:
        ray.shutdown()
        # The workers are gone now, those stopped in the middle of a chunk too: their folders go.
        remove_dead_folders(CHUNK_FOLDER_PREFIX)


def _check_reachable(address: str) -> None:
    """Fail at once, naming the address, where Ray would retry connecting for minutes."""
    if address == "auto":
        address = os.environ.get("RAY_ADDRESS", "")
        if not address or address == "auto":
            return  # Ray finds the cluster this machine belongs to, or says there is none
    host, _, port = address.split("://")[-1].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=_CONNECT_SECONDS):
            pass
    except (OSError, ValueError) as exc:
        reason = describe(exc) if isinstance(exc, OSError) else str(exc)
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({reason}); check the address, or start "
            "one with 'ray start --head'"
        ) from None


@dataclass(frozen=True, slots=True)
class VideoJob:
    """One video to stylize: ``input`` into ``output``."""

    input: Path
    output: Path


@dataclass
class _File:
    """The head's record of one job in flight."""

    job: VideoJob
    joiner: ChunkJoiner
    chunks: list[Chunk]
    video_start: Fraction
    started: float
    results: dict[int, ChunkResult] = field(default_factory=dict)
    stats: list[PipelineStats] = field(default_factory=list)
    joined: int = 0  # chunks joined so far, in order
    frames: int = 0  # frames of the chunks back so far


def stylize_split(
    jobs: Sequence[VideoJob],
    *,
    stages: StageFactory,
    encode: EncodeConfig,
    cluster: ClusterConfig,
    strict: bool = False,
    on_progress: Callable[[int, PipelineStats], None] | None = None,
    max_pixels: int = MAX_PIXELS,
) -> Iterator[tuple[int, PipelineStats | StreamartError]]:
    """Stylize every job's video in chunks on Ray workers; yield ``(job number, statistics)``
    as each output is complete, or ``(job number, error)`` as a job fails (the others go on).

    ``stages`` builds the stages in each worker; ``strict`` makes damage in the input an error,
    as in a single run, and ``max_pixels`` limits the frame size as in one. Every output is checked before any work
    starts and written complete or not at all. ``on_progress(job number, statistics)`` is
    called as the job's chunks come back (the statistics add up its chunks so far: the
    frames written, and each step's frames and busy seconds summed over the workers).
    Stopping early (the caller closes the iterator, Ctrl-C, an error) cancels every task and
    removes the partial outputs.
    """
    with ray_runtime(cluster) as ray:
        resources = ray.cluster_resources()
        workers = cluster.workers or max(1, int(resources.get("CPU", 1)))
        cpus = min(worker_cpus(cluster), max(1, int(resources.get("CPU", 1))))
        gpus = resources.get("GPU", 0)
        task = ray.remote(stylize_chunk).options(
            num_cpus=cpus, num_gpus=min(1.0, gpus / workers) if gpus else 0, max_retries=cluster.retries
        )
        files: list[_File | None] = []
        pending: dict[Any, tuple[int, Chunk]] = {}

        def fail(number: int, error: StreamartError) -> StreamartError:
            record = files[number]
            files[number] = None
            refs = [ref for ref, (owner, _) in pending.items() if owner == number]
            _cancel(ray, refs)
            for ref in refs:
                del pending[ref]
            if record is not None:
                record.joiner.abort()
            return error

        try:
            for number, job in enumerate(jobs):
                try:
                    index = index_keyframes(job.input, max_pixels=max_pixels)
                    joiner = ChunkJoiner(job.output, audio_from=job.input, overwrite=encode.overwrite)
                except StreamartError as error:
                    files.append(None)
                    yield number, error
                    continue
                chunks = plan_chunks(
                    index, seconds=cluster.chunk_seconds, warmup_frames=cluster.warmup_frames, at_least=workers
                )
                files.append(_File(job, joiner, chunks, index.start, time.perf_counter()))
                for chunk in chunks:
                    ref = task.remote(
                        job.input, chunk, index.start, stages, encode, job.output.suffix, strict, cpus, max_pixels
                    )
                    pending[ref] = (number, chunk)
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=_POLL_SECONDS)
                for ref in ready:
                    if ref not in pending:
                        continue  # its file failed meanwhile
                    number, chunk = pending.pop(ref)
                    record = files[number]
                    assert record is not None
                    try:
                        result = ray.get(ref)
                    except Exception as exc:  # noqa: BLE001 - sorted by _chunk_error
                        yield number, fail(number, _chunk_error(exc, ray, record, chunk, cluster.retries))
                        continue
                    try:
                        done = _collect(record, chunk, result)
                    except StreamartError as error:
                        yield number, fail(number, error)
                        continue
                    stats = _merged(record)
                    if on_progress is not None:
                        on_progress(number, stats)
                    if done:
                        files[number] = None
                        yield number, stats
        finally:
            _cancel(ray, list(pending))
            for record in files:
                if record is not None:
                    record.joiner.abort()
            remove_dead_folders(CHUNK_FOLDER_PREFIX)  # of workers on this machine killed during the run


def _cancel(ray: ModuleType, refs: list[Any]) -> None:
    """Cancel the tasks of ``refs`` that have not finished: one queued is dropped, one running
    is interrupted in its worker (its pipeline stops and removes its partial chunk). Finished
    ones are left alone, and no worker is killed: Ray 2.60 aborts the caller when a task it
    force-cancels completes at the same moment."""
    if refs:
        _, unfinished = ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in unfinished:
            ray.cancel(ref)


def _collect(record: _File, chunk: Chunk, result: ChunkResult) -> bool:
    """Keep a chunk that came back and join those now in order; True when the file is done."""
    record.results[chunk.number] = result
    record.stats.append(result.stats)
    record.frames += result.frames
    while record.joined in record.results:
        record.joiner.append(record.results.pop(record.joined).data, start=record.chunks[record.joined].start)
        record.joined += 1
    if record.joined < len(record.chunks):
        return False
    record.joiner.close()
    return True


def _merged(record: _File) -> PipelineStats:
    """The statistics of a file's chunks so far as one run's."""
    runs = record.stats

    def summed(name: str, steps: list[StepStats]) -> StepStats:
        return StepStats(name, sum(s.frames for s in steps), sum(s.busy_seconds for s in steps))

    return PipelineStats(
        source=summed("source", [run.source for run in runs]),
        stages=[summed(steps[0].name, list(steps)) for steps in zip(*(run.stages for run in runs))],
        sinks=[
            replace(summed(steps[0].name, list(steps)), frames=record.frames)
            for steps in zip(*(run.sinks for run in runs))
        ],
        wall_seconds=time.perf_counter() - record.started,
        frame_count=sum(chunk.frames for chunk in record.chunks),
    )


def _chunk_error(exc: Exception, ray: ModuleType, record: _File, chunk: Chunk, retries: int) -> StreamartError:
    """The one-line error for a chunk that failed for good; a bug keeps its traceback."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, StreamartError):
        return cause  # the work's own error (a bad model, say): the single run's message
    if isinstance(exc, ray.exceptions.RayTaskError):
        raise exc
    where = f"chunk {chunk.number + 1} of {len(record.chunks)} of {record.job.input} (from {float(chunk.start):.3f} s)"
    tries = f"{retries + 1} times" if retries else "once"
    return ClusterError(f"{where} failed for good: its worker died {tries} ({type(exc).__name__}); see Ray's logs")
