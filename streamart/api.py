"""The Python API: every user-facing operation, each opening its sources, stages and sinks and
handing them to the runner. The CLI and the web app call these and nothing below them.

Typical use::

    import streamart
    streamart.stylize_video("in.mp4", "out.mp4", style=streamart.StyleConfig(model="starry_night"))

    streamart.stylize_folder("clips/", "stylized/", cluster=streamart.ClusterConfig(workers=4))

    stylize = streamart.Stylizer(streamart.StyleConfig(model="the_scream"), temporal=0.5)
    for image in my_frames:  # RGB uint8 H x W x 3
        show(stylize(image))
"""

from __future__ import annotations

import dataclasses
import functools
import glob
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .assets import models
from .assets.models import DEFAULT_STYLE, StyleNameTooLong, list_models, resolve_model  # noqa: F401 - StyleNameTooLong is part of the API
from .config import (
    DEFAULT_TEMPORAL,
    MAX_PIXELS,
    RECORD_ENCODE,
    VIDEO_DREAM_PRESET,
    VIDEO_DREAM_SETTINGS,
    ClusterConfig,
    DreamVideoConfig,
    EncodeConfig,
    LiveConfig,
    StyleConfig,
    TrainingConfig,
)
from .core.controls import LiveControls
from .core.files import check_output_path, describe
from .core.frame import Frame, check_image
from .core.protocols import ClosingContext, Sink, Source, Stage
from .core.pipeline import Pipeline, run  # noqa: F401 - run is part of the API
from .core.runner import PipelineStats
from .core.signals import Terminated
from .errors import InputError, InputNotFoundError, OutputError, StreamartError
from .ops.flow import DEFAULT_FLOW_PRESET
from .ops.image import limit_short_side, load_image, resize, resize_long_side
from .sinks.encoder import EncoderSink
from .sinks.image import ImageSink
from .sinks.virtualcam import virtual_camera_backends  # noqa: F401 - part of the API
from .sources.file import FileSource
from .sources.image import ImageSource
from .sources.webcam import WebcamSource, list_cameras  # noqa: F401 - part of the API
from .stages.style import FinishStage, StyleStage
from .stages.temporal import TemporalBlendStage

if TYPE_CHECKING:
    from .art.dream import DreamConfig, ProgressCallback
    from .art.gatys import GatysConfig, GatysProgress
    from .offline.training import TrainingProgress

log = logging.getLogger(__name__)

#: Called from the caller's thread a few times a second while a pipeline runs.
Progress = Callable[[PipelineStats], None]


def build_style_stages(
    style: StyleConfig = StyleConfig(),
    *,
    temporal: float = DEFAULT_TEMPORAL,
    flow_preset: str = DEFAULT_FLOW_PRESET,
    controls: LiveControls | None = None,
) -> list[Stage]:
    """The stages that stylize video: the style network, then the temporal blend at the working
    size, then the frame back at its size with its colours and strength (:class:`FinishStage`).

    ``temporal`` 0 leaves out temporal consistency (each frame stylized on its own).
    ``flow_preset`` is the optical flow's speed against precision: "ultrafast", "fast" or
    "medium" (coarser motion lets more flicker through). With ``controls`` (a live session)
    the style, strength and temporal on/off follow them.
    """
    if temporal == 0:
        return [StyleStage(style, controls=controls)]
    return [
        StyleStage(style, controls=controls, finish=False),
        TemporalBlendStage(temporal, flow_preset=flow_preset, controls=controls),
        FinishStage(style, controls=controls),
    ]


def video_dream_config(device: str = "auto") -> DreamConfig:
    """The DeepDream settings for video and live input when none are given: the
    :data:`~streamart.config.VIDEO_DREAM_PRESET` with :data:`~streamart.config.VIDEO_DREAM_SETTINGS`."""
    from .art.dream import preset

    return preset(VIDEO_DREAM_PRESET, device=device, **VIDEO_DREAM_SETTINGS)


def build_dream_stages(dream: DreamVideoConfig = DreamVideoConfig()) -> list[Stage]:
    """The stages that DeepDream video: one :class:`~streamart.stages.dream.DreamStage`, which
    starts each frame from the previous dream warped along the motion (needs torch)."""
    from .stages.dream import DreamStage

    config = dream.dream if dream.dream is not None else video_dream_config()
    return [DreamStage(config, blend=dream.blend, size=dream.size, flow_preset=dream.flow_preset)]


def stylize_video(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    style: StyleConfig = StyleConfig(),
    temporal: float = DEFAULT_TEMPORAL,
    flow_preset: str = DEFAULT_FLOW_PRESET,
    dream: DreamVideoConfig | None = None,
    stages: Sequence[Stage] | Callable[[], Sequence[Stage]] | None = None,
    start: float | None = None,
    duration: float | None = None,
    strict: bool = False,
    plain_only: bool = False,
    encode: EncodeConfig = EncodeConfig(),
    cluster: ClusterConfig | None = None,
    on_progress: Progress | None = None,
    stop: threading.Event | None = None,
    max_pixels: int = MAX_PIXELS,
) -> PipelineStats:
    """Stylize a video file; the audio and the timestamps are kept, and the output appears only
    when the run succeeds.

    By default the fast style model ``style`` with temporal consistency (``temporal``,
    ``flow_preset``: see :func:`build_style_stages`). With ``dream``, DeepDream replaces the
    style (needs ``streamart[torch]``). With ``stages``, your own stages replace both: a list,
    or a callable that builds them, so that a bad input or output path is reported before a
    model is loaded. ``start`` and ``duration`` (seconds) process only that span of the input,
    video and audio, e.g. to preview a style on a few seconds of a long clip; the output starts
    at time 0. A damaged input is stylized as far as it decodes, with a warning, or, with
    ``strict``, fails (:class:`~streamart.errors.InputError`) and writes nothing. With
    ``plain_only`` (a file from someone else, such as an upload) ``input`` is read only as one
    self-contained local video file: a playlist, or any format that would open other files or
    URLs, is refused (:class:`~streamart.errors.InputError`) before it reads what it names.
    A video whose frames have more than ``max_pixels`` pixels is refused before one is decoded.

    With ``cluster`` the video is cut into chunks that Ray workers stylize side by side (needs
    ``streamart[ray]``; see :class:`~streamart.config.ClusterConfig`), with the same frames,
    timestamps and audio as a single run; ``stages`` must then be a callable (each worker
    builds its own), and ``start``, ``duration``, ``plain_only`` and ``stop`` are for single
    runs only. The statistics then add up the workers' (busy seconds summed over them, warm-up
    frames counted in the source's and the stages').
    """
    stages = _stage_factory(style, temporal, flow_preset, dream, stages, cluster)
    _refuse_same_file(input, output)
    if cluster is not None:
        if start is not None or duration is not None or stop is not None or plain_only:
            raise InputError(
                "--start, --duration, stop and plain_only work in one process; leave out --workers and --cluster"
            )
        from .distributed.workers import VideoJob, stylize_split

        jobs = [VideoJob(Path(input), Path(output))]
        progress = None if on_progress is None else (lambda _, stats: on_progress(stats))
        [(_, result)] = stylize_split(
            jobs, stages=stages, strict=strict, encode=encode, cluster=cluster, on_progress=progress,
            max_pixels=max_pixels,
        )
        if isinstance(result, StreamartError):
            raise result
        return result
    with Pipeline() as pipeline:
        source = pipeline.add_source(
            FileSource(
                input, start=start, duration=duration, strict=strict, plain_only=plain_only, max_pixels=max_pixels
            )
        )
        pipeline.add_sink(
            EncoderSink(
                output,
                info=source.info,
                audio_from=input,
                audio_start=source.offset,
                # All of the audio when all of the video went through; else it ends with the video.
                audio_tail=lambda: source.finished and duration is None,
                audio_plain_only=plain_only,
                encode=encode,
            )
        )
        pipeline.add_stages(stages)
        return pipeline.run(on_progress=on_progress, stop=stop)


def _stage_factory(
    style: StyleConfig,
    temporal: float,
    flow_preset: str,
    dream: DreamVideoConfig | None,
    stages: Sequence[Stage] | Callable[[], Sequence[Stage]] | None,
    cluster: ClusterConfig | None,
) -> Sequence[Stage] | Callable[[], Sequence[Stage]]:
    """What builds the stages :func:`stylize_video` was asked for: ``stages``, or a function
    that builds the style's or the dream's (its onnxruntime limited to a worker's cores)."""
    if stages is not None:
        if cluster is not None and not callable(stages):
            raise InputError("with workers, give stages as a function that builds them: each worker builds its own")
        return stages
    if dream is not None:
        return functools.partial(build_dream_stages, dream)
    if cluster is not None and style.threads is None:
        from .distributed.workers import worker_cpus

        style = dataclasses.replace(style, threads=worker_cpus(cluster))
    return functools.partial(build_style_stages, style, temporal=temporal, flow_preset=flow_preset)


#: What a folder of videos holds that counts as video (the extension decides).
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts",
     ".3gp", ".ogv"}
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
    the chunks of long ones, are spread over Ray workers. The styling options and ``strict``
    are :func:`stylize_video`'s, as is ``max_pixels``; ``stages`` must be a callable that
    builds them.
    """
    if stages is not None and not callable(stages):
        raise InputError("for a folder, give stages as a function that builds them: each video gets its own")
    sources = find_videos(inputs)
    folder = _output_folder(output_dir, sources)
    stages = _stage_factory(style, temporal, flow_preset, dream, stages, cluster)
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
            counts = [count for _, count in frames.values()]
            on_progress(BatchProgress(
                frames_done=sum(done for done, _ in frames.values()),
                frame_count=None if None in counts else sum(counts),  # type: ignore[arg-type]
                files_ended=len(outcomes), files=len(sources),
                current=todo[running[0]][0] if running else None,
            ))

    todo = []
    for source in sources:
        output = folder / source.name
        if output.exists() and not encode.overwrite:
            ended(FileOutcome(source, output, "skipped"))
        else:
            todo.append((source, output))
    for number, result in _stylize_each(todo, stages, strict, encode, cluster, progress, max_pixels):
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
        raise OutputError(f"cannot create the output folder {folder} ({describe(exc)}); create it or choose another") from None
    if any(source.parent.resolve() == folder.resolve() for source in sources):
        raise OutputError(f"output folder {folder} holds the inputs; give another folder (the inputs are never modified)")
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
        from .distributed.workers import VideoJob, stylize_split

        jobs = [VideoJob(source, output) for source, output in todo]
        yield from stylize_split(
            jobs, stages=stages, strict=strict, encode=encode, cluster=cluster, on_progress=on_progress,
            max_pixels=max_pixels,
        )
        return
    for number, (source, output) in enumerate(todo):
        try:
            yield number, stylize_video(
                source, output, stages=stages, strict=strict, encode=encode,
                on_progress=functools.partial(on_progress, number), max_pixels=max_pixels,
            )
        except StreamartError as error:
            yield number, error


def process_video(
    input: str | os.PathLike, output: str | os.PathLike, stages: Sequence[Stage] | Callable[[], Sequence[Stage]],
    **options: Any,
) -> PipelineStats:
    """:func:`stylize_video` with your own ``stages`` (and its other keyword options)."""
    return stylize_video(input, output, stages=stages, **options)


def process_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    stages: Sequence[Stage] | Callable[[], Sequence[Stage]],
    *,
    overwrite: bool = False,
    max_pixels: int = MAX_PIXELS,
) -> None:
    """Run ``stages`` on one image file and write the result (PNG, JPEG, ...). A picture with
    more than ``max_pixels`` pixels is refused before it is decoded."""
    _refuse_same_file(input, output)
    with Pipeline() as pipeline:
        pipeline.add_source(ImageSource(input, max_pixels=max_pixels))
        pipeline.add_sink(ImageSink(output, overwrite=overwrite))
        pipeline.add_stages(stages)
        pipeline.run()


def stylize_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    style: StyleConfig = StyleConfig(),
    overwrite: bool = False,
    max_pixels: int = MAX_PIXELS,
) -> None:
    """Stylize one image file with a fast style model (``max_pixels``: see :func:`process_image`)."""
    process_image(input, output, lambda: [StyleStage(style)], overwrite=overwrite, max_pixels=max_pixels)


def gatys_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    styles: Sequence[str | os.PathLike],
    *,
    config: GatysConfig | None = None,
    style_weights: Sequence[float] | None = None,
    size: int | None = None,
    overwrite: bool = False,
    progress: Callable[[GatysProgress], None] | None = None,
    max_pixels: int = MAX_PIXELS,
    keep_partial: bool = False,
) -> None:
    """Gatys optimisation-based style transfer of one image (needs ``streamart[torch]``).

    ``size`` scales the content so its shorter side is that many pixels (never enlarges);
    the result is made at that size. The output path is checked before the work starts. A
    picture (the content or a style) with more than ``max_pixels`` pixels is refused before it
    is decoded.
    Interrupted (``KeyboardInterrupt``: Ctrl-C, or raised by ``progress``), it writes nothing,
    or with ``keep_partial`` the best picture so far, and the interrupt goes on.
    """
    from .art import gatys  # imports torch: only when this is used

    _refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:
        content = load_image(input, max_pixels=max_pixels)
        content = resize(content, *limit_short_side(*content.shape[:2], size))
        images = [load_image(path, max_pixels=max_pixels) for path in styles]

        def keep(partial: np.ndarray) -> None:
            sink.write(Frame(image=partial, index=0))
            sink.close()  # committed: the interrupt that follows must not discard it
            log.warning("interrupted: the best picture so far is in %s", sink.path)

        result = gatys.transfer(
            content, images, style_weights=style_weights, config=config or gatys.GatysConfig(),
            progress=progress, on_interrupt=keep if keep_partial else None,
        )
        sink.write(Frame(image=result, index=0))


def dream_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    config: DreamConfig,
    long_side: int | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    max_pixels: int = MAX_PIXELS,
) -> None:
    """DeepDream one picture (needs ``streamart[torch]``). ``long_side`` first resizes it so
    its longer side is that many pixels. The output path is checked before the work starts,
    and a picture with more than ``max_pixels`` pixels is refused before it is decoded."""
    from .art.dream import Dreamer

    _refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:  # the output is claimed before minutes of work
        image = load_image(input, max_pixels=max_pixels)
        if long_side is not None:
            image = resize_long_side(image, long_side)
        sink.write(Frame(image=Dreamer(config).dream(image, progress=progress), index=0))


def style_metadata(model: str | os.PathLike | None) -> dict[str, str]:
    """The metadata a style model carries (``streamart.style``, ``streamart.variant``, ...;
    the model convention in streamart/assets/zoo/README.md lists the keys): for a style name,
    a path or None (the default style). Loads the model on the CPU to read them."""
    from .runtimes.onnx import OnnxModel

    return OnnxModel(resolve_model(model), device="cpu", threads=1).metadata


def train_style(
    config: TrainingConfig,
    *,
    overwrite: bool = False,
    progress: TrainingProgress | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Train a style from any picture (``config.style``) and return the model file (needs
    ``streamart[torch]``): :func:`streamart.offline.training.train_style`, where the model goes
    and which names are refused included."""
    from .offline.training import train_style  # imports torch: only when this is used

    return train_style(config, overwrite=overwrite, progress=progress, stop=stop)


def new_style_name(text: str) -> str:
    """The name a new style of the user's gets from ``text``, as :func:`train_style` gives it
    (:func:`streamart.assets.models.new_style_name`: a shipped style's name is refused)."""
    return models.new_style_name(text)


def live_styles(styles: Sequence[str] = ()) -> list[str]:
    """The styles a live session cycles through: ``styles``, else every installed style with
    the default first."""
    if styles:
        return list(styles)
    return sorted({entry.style for entry in list_models()}, key=lambda name: (name != DEFAULT_STYLE, name))


def live(
    config: LiveConfig,
    *,
    on_progress: Progress | None = None,
    stop: threading.Event | None = None,
    announce: Callable[[str], None] | None = None,
) -> PipelineStats | None:
    """Run a live session until the camera ends, the window is closed, ``stop`` is set, Ctrl-C
    is pressed or a termination signal arrives (see :mod:`streamart.core.signals`); the outputs
    (a recording too) are finished normally in every case. After a signal the
    :class:`~streamart.core.signals.Terminated` is raised again once they are, so that the exit
    code can say what stopped the session.

    The camera and the outputs are opened before any model loads, so a missing camera is
    reported at once. ``announce`` receives a few lines for the person watching (what is
    streaming, where the virtual camera is). Returns the run's statistics (None if it
    stopped before the first frame).
    """
    controls = LiveControls(live_styles(config.styles), strength=config.style.strength, overlay=config.overlay)
    stats: PipelineStats | None = None

    def progress(current: PipelineStats) -> None:
        nonlocal stats
        stats = current
        if on_progress is not None:
            on_progress(current)

    camera = config.camera
    with Pipeline() as pipeline:
        source = pipeline.add_source(
            WebcamSource(camera.device, width=camera.width, height=camera.height, fps=camera.fps,
                         reconnect=camera.reconnect)
        )
        _open_live_sinks(config, source, controls, pipeline, announce)
        if config.dream is not None:
            stages = build_dream_stages(config.dream)
        else:
            style = dataclasses.replace(config.style, model=controls.style_name)
            stages = build_style_stages(style, temporal=config.temporal, flow_preset=config.flow_preset,
                                        controls=controls)
            if config.new_styles:
                stages.insert(0, _learn_styles(config.new_styles, controls, config.max_pixels))
        pipeline.add_stages(stages)
        if announce is not None:
            how = "press q in the window or Ctrl-C" if config.window else "press Ctrl-C"
            announce(f"streaming {source.description} ({source.info.width}x{source.info.height}); {how} to stop")
        interrupted: KeyboardInterrupt | None = None
        try:
            pipeline.run(on_progress=progress, stop=stop)
        except KeyboardInterrupt as exc:
            interrupted = exc  # how a live session ends: the outputs finish normally below
    if announce is not None:
        if source.ended:
            announce(f"the {source.description} ended")  # a file played as a camera: why it stopped
        if config.record:
            announce(f"recording saved: {config.record}")
    if isinstance(interrupted, Terminated):
        raise interrupted
    return stats


def _learn_styles(pictures: Sequence[Path], controls: LiveControls, max_pixels: int) -> Stage:
    """A stage that learns a style from each picture (of at most ``max_pixels`` pixels) in a
    process of its own, one thread each, and switches to it when it is ready."""
    from .offline.background import BackgroundTraining
    from .stages.new_style import NewStyleStage

    trainings = [BackgroundTraining(TrainingConfig(style=Path(p), threads=1, max_pixels=max_pixels)) for p in pictures]
    return NewStyleStage(trainings, controls)


def _open_live_sinks(
    config: LiveConfig,
    source: WebcamSource,
    controls: LiveControls,
    pipeline: Pipeline,
    announce: Callable[[str], None] | None,
) -> None:
    """Add the outputs a live session asked for to ``pipeline``, each as soon as it exists."""
    if config.window:
        from .sinks.window import WindowSink

        pipeline.add_sink(
            WindowSink("streamart", controls=controls, screenshot_dir=config.screenshots, announce=announce)
        )
    if config.virtual_camera:
        from .sinks.virtualcam import VirtualCameraSink

        camera = pipeline.add_sink(
            VirtualCameraSink(
                width=source.info.width, height=source.info.height, fps=source.info.fps or 30,
                backend=config.vcam_backend, device=config.vcam_device,
            )
        )
        if announce is not None:
            announce(f"virtual camera: {camera.device} ({camera.backend})")
    if config.record:
        encode = dataclasses.replace(RECORD_ENCODE, overwrite=config.overwrite)
        pipeline.add_sink(EncoderSink(config.record, info=source.info, encode=encode))


class Stylizer(ClosingContext):
    """Stylize a sequence of RGB uint8 images in your own program, one call per frame.

    With ``temporal`` > 0, consecutive calls are treated as video frames and kept stable with
    optical flow; call :meth:`reset` at a scene change. Runs in the caller's thread.

    With ``controls`` (a :class:`~streamart.core.controls.LiveControls`, e.g. a live view in a
    web page), the style, strength and temporal on/off follow them from the next call on, as
    in :func:`live`; the temporal blend can only be turned on if ``temporal`` > 0.
    """

    def __init__(
        self, style: StyleConfig = StyleConfig(), *, temporal: float = 0.0, controls: LiveControls | None = None
    ) -> None:
        self.stages = build_style_stages(style, temporal=temporal, controls=controls)
        self._index = 0

    def __call__(self, image: np.ndarray) -> np.ndarray:
        check_image(image)
        frame = Frame(image=np.ascontiguousarray(image), index=self._index)
        self._index += 1
        for stage in self.stages:
            frame = stage.process(frame)
        return frame.image

    def reset(self) -> None:
        """Forget the previous frames (a new shot or a new video)."""
        for stage in self.stages:
            stage.reset()

    def close(self) -> None:
        for stage in self.stages:
            stage.close()


def _refuse_same_file(input: str | os.PathLike, output: str | os.PathLike) -> None:
    if Path(output).resolve() == Path(input).resolve():
        raise OutputError(f"output {output} is the input file; write to another path (the input is never modified)")
