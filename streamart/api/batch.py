"""Every video of a folder (or a glob), one after another or over Ray workers, into an output
folder: what became of each, and where the whole stands."""

from __future__ import annotations

import functools
import glob
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import (
    DEFAULT_TEMPORAL,
    MAX_PIXELS,
    ClusterConfig,
    DreamVideoConfig,
    EncodeConfig,
    LookConfig,
    StyleConfig,
)
from ..core.files import describe
from ..core.protocols import Stage
from ..core.runner import PipelineStats
from ..errors import InputError, InputNotFoundError, OutputError, StreamartError
from ..ops.flow import DEFAULT_FLOW_PRESET
from .video import stage_factory, stylize_video, whole_look


#: What a folder of videos holds that counts as video (the extension decides).
VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".mkv",
        ".webm",
        ".avi",
        ".wmv",
        ".flv",
        ".mpg",
        ".mpeg",
        ".ts",
        ".mts",
        ".m2ts",
        ".3gp",
        ".ogv",
    }
)


def is_batch(input: str | os.PathLike) -> bool:
    """Whether ``input`` names several videos: a folder, or a glob pattern (``clips/*.mp4``)
    that is not itself the name of a file."""
    path = Path(input)
    return path.is_dir() or (glob.has_magic(os.fspath(input)) and not path.exists())


def find_videos(inputs: str | os.PathLike) -> list[Path]:
    """The videos of a folder (the files with a video extension, not those of its subfolders)
    or the files a glob pattern matches, sorted by name."""
    path = Path(inputs)
    if path.is_dir():
        found = [entry for entry in path.iterdir() if entry.is_file() and entry.suffix.lower() in VIDEO_EXTENSIONS]
    elif glob.has_magic(os.fspath(inputs)):
        found = [Path(name) for name in glob.glob(os.fspath(inputs)) if Path(name).is_file()]
    else:
        raise InputNotFoundError(f"input {inputs} is neither a folder nor a pattern such as 'clips/*.mp4'")
    if not found:
        raise InputError(f"no video files in {inputs}; give a folder of videos or a pattern that matches some")
    return sorted(found)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What became of one video of a batch: ``done`` (``stats`` says how it went),
    ``skipped`` (its output existed) or ``failed`` (``error`` says why)."""

    input: Path
    output: Path
    status: Literal["done", "skipped", "failed"]
    error: StreamartError | None = None
    stats: PipelineStats | None = None


@dataclass(frozen=True, slots=True)
class BatchReport:
    """The outcome of every video of a batch that was started, in the order they ended;
    ``files`` counts them all (a batch stopped at its first failure started fewer)."""

    files: int
    outcomes: tuple[FileOutcome, ...]

    def count(self, status: str) -> int:
        """How many videos ended ``done``, ``skipped`` or ``failed``."""
        return sum(outcome.status == status for outcome in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        """The videos that failed, in the order they did."""
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    def summary(self) -> str:
        """One line: how many were done, skipped, failed (and not started)."""
        line = ", ".join(f"{self.count(status)} {status}" for status in ("done", "skipped", "failed"))
        left = self.files - len(self.outcomes)
        return f"{line}, {left} not started" if left else line


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a batch stands: frames written of those expected in the videos started so far
    (None while one of them has no frame count), videos ended of all, and the video being
    worked on (the earliest started, when several are)."""

    frames_done: int
    frame_count: int | None
    files_ended: int
    files: int
    current: Path | None


def stylize_folder(
    inputs: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    look: LookConfig | None = None,
    style: StyleConfig = StyleConfig(),
    temporal: float = DEFAULT_TEMPORAL,
    flow_preset: str = DEFAULT_FLOW_PRESET,
    dream: DreamVideoConfig | None = None,
    stages: Callable[[], Sequence[Stage]] | None = None,
    strict: bool = False,
    encode: EncodeConfig = EncodeConfig(),
    cluster: ClusterConfig | None = None,
    fail_fast: bool = False,
    on_progress: Callable[[BatchProgress], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    max_pixels: int = MAX_PIXELS,
) -> BatchReport:
    """Stylize every video of a folder, or every file a glob pattern matches, into
    ``output_dir`` (created if missing) under the same names, as :func:`stylize_video` would
    one by one.

    An output that exists is skipped unless ``encode.overwrite``, so a second run resumes
    where the first stopped. A video that fails is reported (``on_file`` hears of every video
    as it ends) and the others go on, unless ``fail_fast``. With ``cluster`` the videos, and
    the chunks of long ones, are spread over Ray workers. The look (``look``, or its parts) and ``strict``
    are :func:`stylize_video`'s, as is ``max_pixels``; ``stages`` must be a callable that
    builds them.
    """
    if stages is not None and not callable(stages):
        raise InputError("for a folder, give stages as a function that builds them: each video gets its own")
    sources = find_videos(inputs)
    folder = _output_folder(output_dir, sources)
    look = whole_look(look, style=style, temporal=temporal, flow_preset=flow_preset, dream=dream)
    factory = stage_factory(look, stages, cluster)
    assert callable(factory)  # a list of stages was refused above
    outcomes: list[FileOutcome] = []
    frames: dict[int, tuple[int, int | None]] = {}  # per video started: frames done, expected

    def ended(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)

    def progress(number: int, stats: PipelineStats) -> None:
        frames[number] = (stats.frames_out, stats.frame_count)
        if on_progress is not None:
            ended_inputs = {outcome.input for outcome in outcomes}
            running = [n for n in sorted(frames) if todo[n][0] not in ended_inputs]
            counts = [count for _, count in frames.values() if count is not None]
            on_progress(
                BatchProgress(
                    frames_done=sum(done for done, _ in frames.values()),
                    frame_count=sum(counts) if len(counts) == len(frames) else None,  # None: a count unknown
                    files_ended=len(outcomes),
                    files=len(sources),
                    current=todo[running[0]][0] if running else None,
                )
            )

    todo = []
    for source in sources:
        output = folder / source.name
        if output.exists() and not encode.overwrite:
            ended(FileOutcome(source, output, "skipped"))
        else:
            todo.append((source, output))
    for number, result in _stylize_each(todo, factory, strict, encode, cluster, progress, max_pixels):
        source, output = todo[number]
        if isinstance(result, StreamartError):
            ended(FileOutcome(source, output, "failed", error=result))
            if fail_fast:
                break
        else:
            ended(FileOutcome(source, output, "done", stats=result))
    return BatchReport(files=len(sources), outcomes=tuple(outcomes))


def _output_folder(output_dir: str | os.PathLike, sources: Sequence[Path]) -> Path:
    """``output_dir``, created if missing, after checking that no output would be an input or
    be written twice."""
    folder = Path(output_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output {folder} is a file; give a folder for the stylized videos")
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {folder} ({describe(exc)}); create it or choose another"
        ) from None
    if any(source.parent.resolve() == folder.resolve() for source in sources):
        raise OutputError(
            f"output folder {folder} holds the inputs; give another folder (the inputs are never modified)"
        )
    names: dict[str, Path] = {}
    for source in sources:
        if source.name in names:
            raise InputError(f"{names[source.name]} and {source} would both be written to {folder / source.name}")
        names[source.name] = source
    return folder


def _stylize_each(
    todo: Sequence[tuple[Path, Path]],
    stages: Callable[[], Sequence[Stage]],
    strict: bool,
    encode: EncodeConfig,
    cluster: ClusterConfig | None,
    on_progress: Callable[[int, PipelineStats], None],
    max_pixels: int,
) -> Iterator[tuple[int, PipelineStats | StreamartError]]:
    """(number, statistics or error) for each video as it ends: one after another in this
    process, or all at once on Ray workers."""
    if cluster is not None:
        from ..distributed.workers import VideoJob, stylize_split

        jobs = [VideoJob(source, output) for source, output in todo]
        yield from stylize_split(
            jobs,
            stages=stages,
            strict=strict,
            encode=encode,
            cluster=cluster,
            on_progress=on_progress,
            max_pixels=max_pixels,
        )
        return
    for number, (source, output) in enumerate(todo):
        try:
            yield (
                number,
                stylize_video(
                    source,
                    output,
                    stages=stages,
                    strict=strict,
                    encode=encode,
                    on_progress=functools.partial(on_progress, number),
                    max_pixels=max_pixels,
                ),
            )
        except StreamartError as error:
            yield number, error
