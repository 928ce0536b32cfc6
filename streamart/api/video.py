"""One video file: the stages of a look (a style, or DeepDream), and a video through them,
in this process or split over Ray workers."""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import (
    DEFAULT_TEMPORAL,
    MAX_PIXELS,
    VIDEO_DREAM_PRESET,
    VIDEO_DREAM_SETTINGS,
    ClusterConfig,
    DreamVideoConfig,
    EncodeConfig,
    LookConfig,
    StyleConfig,
)
from ..core.controls import LiveControls
from ..core.deprecation import warn_renamed
from ..core.files import refuse_same_file
from ..core.pipeline import Pipeline, Stages
from ..core.protocols import Stage
from ..core.runner import PipelineStats
from ..errors import InputError, StreamartError
from ..ops.flow import DEFAULT_FLOW_PRESET
from ..sinks.encoder import EncoderSink
from ..sources.file import FileSource
from ..stages.style import FinishStage, StyleStage
from ..stages.temporal import TemporalBlendStage

if TYPE_CHECKING:
    from ..art.dream_settings import DreamConfig

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
    from ..art.dream_settings import preset

    return preset(VIDEO_DREAM_PRESET, device=device, **VIDEO_DREAM_SETTINGS)


def build_look_stages(look: LookConfig = LookConfig(), *, controls: LiveControls | None = None) -> list[Stage]:
    """The stages of a look: the dream's where it has one, else the style's (``controls``: see
    :func:`build_style_stages`)."""
    if look.dream is not None:
        return build_dream_stages(look.dream, style=look.style, temporal=look.temporal, controls=controls)
    return build_style_stages(look.style, temporal=look.temporal, flow_preset=look.flow_preset, controls=controls)


def build_dream_stages(
    dream: DreamVideoConfig = DreamVideoConfig(),
    *,
    style: StyleConfig = StyleConfig(),
    temporal: float = DEFAULT_TEMPORAL,
    controls: LiveControls | None = None,
) -> list[Stage]:
    """The stages that DeepDream video, made as ``dream.method`` chooses
    (:func:`~streamart.stages.dream_choice.choose_dream_network`).

    With the preset's dream network: the stages of a style (:func:`build_style_stages`) whose
    model is the network, at ``style``'s strength, colours and device and the dream's working
    size, steadied by blending the outputs along the flow at ``temporal`` (feeding the warped
    dream back into the network would compound it); no torch. With the ascent: one
    :class:`~streamart.stages.dream.DreamStage`, which starts each frame from the previous
    dream warped along the motion (needs torch).
    """
    from ..stages.dream_choice import ascent_has_cuda, choose_dream_network

    config = dream.dream if dream.dream is not None else video_dream_config()
    # Only "auto" asks whether there is a GPU: asking imports torch.
    cuda = dream.method == "auto" and ascent_has_cuda(config.device)
    network = choose_dream_network(config, dream.method, cuda_available=cuda)
    if network is not None:
        style = dataclasses.replace(style, model=network, size=dream.size)
        return build_style_stages(style, temporal=temporal, flow_preset=dream.flow_preset, controls=controls)
    from ..stages.dream import DreamStage

    return [DreamStage(config, blend=dream.blend, size=dream.size, flow_preset=dream.flow_preset)]


def stylize_video(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    look: LookConfig | None = None,
    style: StyleConfig = StyleConfig(),
    temporal: float = DEFAULT_TEMPORAL,
    flow_preset: str = DEFAULT_FLOW_PRESET,
    dream: DreamVideoConfig | None = None,
    stages: Stages | None = None,
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
    style (by gradient ascent, which needs ``streamart[torch]``, or by the preset's dream
    network: see :func:`build_dream_stages`). ``look`` gives these four at once
    (:class:`~streamart.config.LookConfig`), instead of one by one. With ``stages``, your own
    stages replace the look: a list, or a callable that builds them, so that a bad input or
    output path is reported before a model is loaded. ``start`` and ``duration`` (seconds)
    process only that span of the input, video and audio, e.g. to preview a style on a few
    seconds of a long clip; the output starts at time 0. A damaged input is stylized as far as it decodes, with a warning, or, with
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
    look = whole_look(look, style=style, temporal=temporal, flow_preset=flow_preset, dream=dream)
    stages = stage_factory(look, stages, cluster)
    refuse_same_file(input, output)
    if cluster is not None:
        if start is not None or duration is not None or stop is not None or plain_only:
            raise InputError(
                "--start, --duration, stop and plain_only work in one process; leave out --workers and --cluster"
            )
        from ..distributed.workers import VideoJob, stylize_split

        assert callable(stages)  # stage_factory refuses a list of stages with workers
        jobs = [VideoJob(Path(input), Path(output))]
        progress = None if on_progress is None else (lambda _, stats: on_progress(stats))
        [(_, result)] = stylize_split(
            jobs,
            stages=stages,
            strict=strict,
            encode=encode,
            cluster=cluster,
            on_progress=progress,
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


def whole_look(
    look: LookConfig | None, *, style: StyleConfig, temporal: float, flow_preset: str, dream: DreamVideoConfig | None
) -> LookConfig:
    """``look``, or the look given one part at a time; both at once are refused."""
    parts = LookConfig(style=style, temporal=temporal, flow_preset=flow_preset, dream=dream)
    if look is None:
        return parts
    if parts != LookConfig():
        raise InputError("give the look whole (look=) or in parts (style=, temporal=, flow_preset=, dream=), not both")
    return look


def stage_factory(look: LookConfig, stages: Stages | None, cluster: ClusterConfig | None) -> Stages:
    """What builds the stages :func:`stylize_video` was asked for: ``stages``, or a function
    that builds the look's (a style's onnxruntime limited to a worker's cores)."""
    if stages is not None:
        if cluster is not None and not callable(stages):
            raise InputError("with workers, give stages as a function that builds them: each worker builds its own")
        return stages
    if cluster is not None and look.style.threads is None:  # a dream network runs as a style
        from ..distributed.workers import worker_cpus

        look = dataclasses.replace(look, style=dataclasses.replace(look.style, threads=worker_cpus(cluster)))
    return functools.partial(build_look_stages, look)


def process_video(input: str | os.PathLike, output: str | os.PathLike, stages: Stages, **options: Any) -> PipelineStats:
    """Deprecated: :func:`stylize_video` with ``stages=``."""
    warn_renamed("process_video(input, output, stages)", "stylize_video(input, output, stages=stages)")
    return stylize_video(input, output, stages=stages, **options)
