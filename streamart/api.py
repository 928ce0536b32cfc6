"""The Python API: open sources, stages and sinks, and hand them to the runner.

Typical use::

    import streamart
    streamart.stylize_video("in.mp4", "out.mp4", style=streamart.StyleConfig(model="starry_night"))

    stylize = streamart.Stylizer(streamart.StyleConfig(model="the_scream"), temporal=0.5)
    for image in my_frames:  # RGB uint8 H x W x 3
        show(stylize(image))
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .config import EncodeConfig, StyleConfig
from .core.controls import LiveControls
from .errors import OutputError
from .core.frame import Frame, check_image
from .core.protocols import ClosingContext, Sink, Source, Stage
from .core.runner import PipelineStats, run_pipeline
from .sinks.encoder import EncoderSink
from .sinks.image import ImageSink
from .sources.file import FileSource
from .sources.image import ImageSource
from .stages.style import StyleStage
from .stages.temporal import DEFAULT_FLOW_PRESET, temporal_stages

if TYPE_CHECKING:
    from .art.gatys import GatysConfig, GatysProgress

# Default strength of temporal consistency for video: enough to remove flicker, low enough
# that moving detail stays sharp (docs/BENCHMARKS.md has the measurements behind it).
DEFAULT_TEMPORAL = 0.5

Progress = Callable[[PipelineStats], None]


def build_style_stages(
    style: StyleConfig = StyleConfig(),
    *,
    temporal: float = DEFAULT_TEMPORAL,
    flow_preset: str = DEFAULT_FLOW_PRESET,
    controls: LiveControls | None = None,
) -> list[Stage]:
    """The stages that stylize video: optical flow, the style network, the temporal blend.

    ``temporal`` 0 leaves out temporal consistency (each frame stylized on its own).
    ``flow_preset`` is the optical flow's speed against precision: "ultrafast", "fast" or
    "medium" (coarser motion lets more flicker through). With ``controls`` (a live session)
    the style, strength and temporal on/off follow them.
    """
    return temporal_stages(
        [StyleStage(style, controls=controls)], strength=temporal, preset=flow_preset, controls=controls
    )


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


def process_video(
    input: str | os.PathLike,
    output: str | os.PathLike,
    stages: Sequence[Stage] | Callable[[], Sequence[Stage]],
    *,
    start: float | None = None,
    duration: float | None = None,
    encode: EncodeConfig = EncodeConfig(),
    on_progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> PipelineStats:
    """Decode ``input``, run ``stages`` on every frame, encode to ``output`` with the audio kept.

    ``start`` and ``duration`` (seconds) process only that span of the input, video and audio;
    the output starts at time 0. ``stages`` may be a callable that builds them, so that a bad
    input or output path is reported before a model is loaded. The output appears only when
    the run succeeds.
    """
    _refuse_same_file(input, output)
    with ExitStack() as stack:
        source = stack.enter_context(FileSource(input, start=start, duration=duration))
        sink = stack.enter_context(
            EncoderSink(
                output,
                info=source.info,
                audio_from=input,
                audio_start=source.offset,
                # All of the audio when all of the video went through; else it ends with the video.
                audio_tail=lambda: source.finished and duration is None,
                encoder=encode.encoder,
                crf=encode.crf,
                preset=encode.preset,
                pix_fmt=encode.pix_fmt,
                overwrite=encode.overwrite,
            )
        )
        stages = list(stages() if callable(stages) else stages)
        stack.pop_all()  # built: from here run() opens and closes every part, once
    return run(source, stages, [sink], on_progress=on_progress, stop=stop)


def stylize_video(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    style: StyleConfig = StyleConfig(),
    temporal: float = DEFAULT_TEMPORAL,
    flow_preset: str = DEFAULT_FLOW_PRESET,
    start: float | None = None,
    duration: float | None = None,
    encode: EncodeConfig = EncodeConfig(),
    on_progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> PipelineStats:
    """Stylize a video file with a fast style model; audio and timestamps are kept.

    ``start`` and ``duration`` (seconds) stylize only that span, e.g. to preview a style on a
    few seconds of a long clip. ``flow_preset``: see :func:`build_style_stages`.
    """
    return process_video(
        input,
        output,
        lambda: build_style_stages(style, temporal=temporal, flow_preset=flow_preset),
        start=start,
        duration=duration,
        encode=encode,
        on_progress=on_progress,
        stop=stop,
    )


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
    from .ops.image import load_image, resize
    from .ops.image import working_size

    _refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:
        content = load_image(input)
        content = resize(content, *working_size(*content.shape[:2], size))
        images = [load_image(path) for path in styles]
        result = gatys.transfer(
            content, images, style_weights=style_weights, config=config or gatys.GatysConfig(), progress=progress
        )
        sink.write(Frame(image=result, index=0))


class Stylizer(ClosingContext):
    """Stylize a sequence of RGB uint8 images in your own program, one call per frame.

    With ``temporal`` > 0, consecutive calls are treated as video frames and kept stable with
    optical flow; call :meth:`reset` at a scene change. Runs in the caller's thread.
    """

    def __init__(self, style: StyleConfig = StyleConfig(), *, temporal: float = 0.0) -> None:
        self.stages = build_style_stages(style, temporal=temporal)
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
