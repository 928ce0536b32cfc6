"""Live: a camera through a look to a window, a virtual camera and a recording, with styles
learnt as it runs; and :class:`Stylizer`, one frame at a time in your own program."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..art.dream_settings import PRESETS
from ..assets.models import DEFAULT_STYLE, list_models
from ..config import RECORD_ENCODE, DreamVideoConfig, LiveConfig, StyleConfig, TrainingConfig
from ..core.controls import LiveControls
from ..core.frame import Frame, check_image
from ..core.pipeline import Pipeline
from ..core.protocols import ClosingContext, Stage
from ..core.runner import PipelineStats
from ..core.signals import Terminated
from ..sinks.encoder import EncoderSink
from ..sources.webcam import WebcamSource
from ..stages.dream_choice import presets_with_networks, torch_installed
from .video import Progress, build_dream_stages, build_look_stages, build_style_stages


def live_styles(styles: Sequence[str] = ()) -> list[str]:
    """The styles a live session cycles through: ``styles``, else every installed style with
    the default first."""
    if styles:
        return list(styles)
    return sorted({entry.style for entry in list_models()}, key=lambda name: (name != DEFAULT_STYLE, name))


def live_dreams() -> list[str]:
    """The dreams a live view can offer here: the presets with a dream network (no torch
    needed), and with torch every preset (those without a network by gradient ascent)."""
    return list(PRESETS) if torch_installed() else presets_with_networks()


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
    # A dream has no styles to switch between (a dream network runs as the style stage's own model).
    styles = live_styles(config.styles) if config.look.dream is None else []
    controls = LiveControls(styles, strength=config.look.style.strength, overlay=config.overlay)
    stats: PipelineStats | None = None

    def progress(current: PipelineStats) -> None:
        nonlocal stats
        stats = current
        if on_progress is not None:
            on_progress(current)

    camera = config.camera
    with Pipeline() as pipeline:
        source = pipeline.add_source(
            WebcamSource(
                camera.device, width=camera.width, height=camera.height, fps=camera.fps, reconnect=camera.reconnect
            )
        )
        _open_live_sinks(config, source, controls, pipeline, announce)
        look = dataclasses.replace(config.look, style=dataclasses.replace(config.look.style, model=controls.model))
        stages = build_look_stages(look, controls=controls)
        if look.dream is None and config.paintings:
            stages.insert(0, _learn_styles(config.paintings, controls, config.max_pixels))
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
    from ..offline.background import BackgroundTraining
    from ..stages.new_style import NewStyleStage

    trainings = [
        BackgroundTraining(TrainingConfig(painting=Path(p), threads=1, max_pixels=max_pixels)) for p in pictures
    ]
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
        from ..sinks.window import WindowSink

        pipeline.add_sink(
            WindowSink("streamart", controls=controls, screenshot_dir=config.screenshots, announce=announce)
        )
    if config.virtual_camera:
        from ..sinks.virtualcam import VirtualCameraSink

        camera = pipeline.add_sink(
            VirtualCameraSink(
                width=source.info.width,
                height=source.info.height,
                fps=source.info.fps or 30,
                backend=config.vcam_backend,
                device=config.vcam_device,
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

    With ``dream``, each frame is dreamt instead (:func:`build_dream_stages`: the preset's dream
    network at ``style``'s strength, or the ascent); ``controls`` then name no styles.
    """

    def __init__(
        self,
        style: StyleConfig = StyleConfig(),
        *,
        temporal: float = 0.0,
        controls: LiveControls | None = None,
        dream: DreamVideoConfig | None = None,
    ) -> None:
        if dream is not None:
            self.stages = build_dream_stages(dream, style=style, temporal=temporal, controls=controls)
        else:
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
