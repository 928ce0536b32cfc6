"""The Python API: every user-facing operation, each opening its sources, stages and sinks and
handing them to the runner. The CLI and the web app call these and nothing below them.

Typical use::

    import streamart
    streamart.stylize_video("in.mp4", "out.mp4", style=streamart.StyleConfig(model="starry_night"))

    stylize = streamart.Stylizer(streamart.StyleConfig(model="the_scream"), temporal=0.5)
    for image in my_frames:  # RGB uint8 H x W x 3
        show(stylize(image))
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .assets.models import DEFAULT_STYLE, list_models, resolve_model, user_models_dir
from .assets.weights import cache_dir
from .config import (
    DEFAULT_TEMPORAL,
    RECORD_ENCODE,
    VIDEO_DREAM_PRESET,
    VIDEO_DREAM_SETTINGS,
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
from .core.runner import PipelineStats, run_pipeline
from .core.signals import Terminated
from .errors import InputError, OutputError
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


def run(
    source: Source,
    stages: Sequence[Stage],
    sinks: Sequence[Sink],
    *,
    on_progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> PipelineStats:
    """Run a pipeline, opening and closing every part (sinks learn whether the run failed)."""
    with ExitStack() as stack:
        # Sinks are entered last so that they exit first: an encoder finishes (or discards
        # its partial file) before the stages and the source are released.
        for part in (source, *stages, *sinks):
            stack.enter_context(part)
        return run_pipeline(source, stages, sinks, on_progress=on_progress, stop=stop)


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
    encode: EncodeConfig = EncodeConfig(),
    on_progress: Progress | None = None,
    stop: threading.Event | None = None,
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
    ``strict``, fails (:class:`~streamart.errors.InputError`) and writes nothing.
    """
    if stages is None:
        if dream is not None:
            stages = functools.partial(build_dream_stages, dream)
        else:
            stages = functools.partial(build_style_stages, style, temporal=temporal, flow_preset=flow_preset)
    _refuse_same_file(input, output)
    with ExitStack() as stack:
        source = stack.enter_context(FileSource(input, start=start, duration=duration, strict=strict))
        sink = stack.enter_context(
            EncoderSink(
                output,
                info=source.info,
                audio_from=input,
                audio_start=source.offset,
                # All of the audio when all of the video went through; else it ends with the video.
                audio_tail=lambda: source.finished and duration is None,
                encode=encode,
            )
        )
        stages = list(stages() if callable(stages) else stages)
        stack.pop_all()  # built: from here run() opens and closes every part, once
    return run(source, stages, [sink], on_progress=on_progress, stop=stop)


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
) -> None:
    """Run ``stages`` on one image file and write the result (PNG, JPEG, ...)."""
    _refuse_same_file(input, output)
    with ExitStack() as stack:
        source = stack.enter_context(ImageSource(input))
        sink = stack.enter_context(ImageSink(output, overwrite=overwrite))
        stages = list(stages() if callable(stages) else stages)
        stack.pop_all()  # built: from here run() opens and closes every part, once
    run(source, stages, [sink])


def stylize_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    style: StyleConfig = StyleConfig(),
    overwrite: bool = False,
) -> None:
    """Stylize one image file with a fast style model."""
    process_image(input, output, lambda: [StyleStage(style)], overwrite=overwrite)


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
) -> None:
    """Gatys optimisation-based style transfer of one image (needs ``streamart[torch]``).

    ``size`` scales the content so its shorter side is that many pixels (never enlarges);
    the result is made at that size. The output path is checked before the work starts.
    """
    from .art import gatys  # imports torch: only when this is used

    _refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:
        content = load_image(input)
        content = resize(content, *limit_short_side(*content.shape[:2], size))
        images = [load_image(path) for path in styles]
        result = gatys.transfer(
            content, images, style_weights=style_weights, config=config or gatys.GatysConfig(), progress=progress
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
) -> None:
    """DeepDream one picture (needs ``streamart[torch]``). ``long_side`` first resizes it so
    its longer side is that many pixels. The output path is checked before the work starts."""
    from .art.dream import Dreamer

    _refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:  # the output is claimed before minutes of work
        image = load_image(input)
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
    ``streamart[torch]``).

    Without ``config.out`` the model goes into the user's model folder
    (:func:`~streamart.assets.models.user_models_dir`) as ``NAME.onnx``, NAME being
    ``config.style_name`` or the picture's file name, where ``--style NAME`` and ``streamart
    models`` find it; a name a shipped style has is refused, an existing model of the user's
    is replaced only with ``overwrite``. Checkpoints then go to the cache, so that an
    interrupted run can be resumed. See :func:`streamart.offline.training.train`.
    """
    from .offline.training import train

    if config.out is None:
        name = style_name(config.style_name or Path(config.style).stem)
        shipped = {entry.style for entry in list_models() if entry.shipped}
        if name in shipped:
            raise OutputError(f"'{name}' is the name of a shipped style; choose another with --name")
        folder = user_models_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the model folder {folder} ({describe(exc)})") from None
        config = dataclasses.replace(config, out=folder / f"{name}.onnx", style_name=name,
                                     checkpoint_dir=config.checkpoint_dir or cache_dir() / "training" / name)
    check_output_path(config.out, overwrite=overwrite)
    return train(config, progress=progress, stop=stop)


def style_name(text: str) -> str:
    """A style name from free text (a file name, say): lower case, words joined by ``_``."""
    name = "_".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
    if not name:
        raise InputError(f"{text!r} gives no style name: choose one with --name")
    return name


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
    with ExitStack() as stack:
        source = stack.enter_context(
            WebcamSource(camera.device, width=camera.width, height=camera.height, fps=camera.fps,
                         reconnect=camera.reconnect)
        )
        sinks = _open_live_sinks(config, source, controls, stack, announce)
        if config.dream is not None:
            stages = build_dream_stages(config.dream)
        else:
            style = dataclasses.replace(config.style, model=controls.style_name)
            stages = build_style_stages(style, temporal=config.temporal, flow_preset=config.flow_preset,
                                        controls=controls)
            if config.new_styles:
                stages.insert(0, _learn_styles(config.new_styles, controls))
        for stage in stages:
            stack.enter_context(stage)
        if announce is not None:
            how = "press q in the window or Ctrl-C" if config.window else "press Ctrl-C"
            announce(f"streaming {source.description} ({source.info.width}x{source.info.height}); {how} to stop")
        interrupted: KeyboardInterrupt | None = None
        try:
            run_pipeline(source, stages, sinks, on_progress=progress, stop=stop)
        except KeyboardInterrupt as exc:
            interrupted = exc  # how a live session ends: the outputs finish normally below
    if config.record and announce is not None:
        announce(f"recording saved: {config.record}")
    if isinstance(interrupted, Terminated):
        raise interrupted
    return stats


def _learn_styles(pictures: Sequence[Path], controls: LiveControls) -> Stage:
    """A stage that learns a style from each picture in a process of its own, one thread each,
    and switches to it when it is ready."""
    from .offline.background import BackgroundTraining
    from .stages.new_style import NewStyleStage

    return NewStyleStage([BackgroundTraining(TrainingConfig(style=Path(p), threads=1)) for p in pictures], controls)


def _open_live_sinks(
    config: LiveConfig,
    source: WebcamSource,
    controls: LiveControls,
    stack: ExitStack,
    announce: Callable[[str], None] | None,
) -> list[Sink]:
    """The outputs a live session asked for, each entered in ``stack`` as soon as it exists."""
    sinks: list[Sink] = []
    if config.window:
        from .sinks.window import WindowSink

        sinks.append(stack.enter_context(WindowSink("streamart", controls=controls, screenshot_dir=config.screenshots)))
    if config.virtual_camera:
        from .sinks.virtualcam import VirtualCameraSink

        camera = stack.enter_context(
            VirtualCameraSink(
                width=source.info.width, height=source.info.height, fps=source.info.fps or 30,
                backend=config.vcam_backend, device=config.vcam_device,
            )
        )
        if announce is not None:
            announce(f"virtual camera: {camera.device} ({camera.backend})")
        sinks.append(camera)
    if config.record:
        encode = dataclasses.replace(RECORD_ENCODE, overwrite=config.overwrite)
        sinks.append(stack.enter_context(EncoderSink(config.record, info=source.info, encode=encode)))
    return sinks


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
