"""What each kind of job does: one API call on an upload, into a file of the workspace, with its
progress reported to the :class:`~streamart.web.jobs.Job` and its stop request honoured.

The settings are turned into the API's configs here, before the job is queued, so that a bad
setting is refused at once instead of after the jobs ahead of it. ``max_pixels`` is the app's
limit on a picture's or a video frame's size (uploads were checked against it already; the API
would otherwise apply its own default).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import api
from ..config import MAX_PIXELS, GatysConfig, LookConfig, StyleConfig, TrainingConfig
from ..errors import OutputError
from . import media
from .gallery import Style
from .jobs import Cancelled, Job
from .uploads import Upload

#: Gatys in the page: smaller than the CLI's --size 512 (a quarter of the time) and the CLI's
#: steps; the person can ask for more.
GATYS_SIZE = 256
GATYS_ITERATIONS = GatysConfig.iterations
#: DeepDream in the page: the picture's longer side (the CLI's default is the picture's own).
DREAM_LONG_SIDE = 512


def _names(*uploads: Upload) -> dict[str, str]:
    return {str(upload.path): upload.name for upload in uploads}


def photo(upload: Upload, style: Style, config: StyleConfig, results: Path, *, max_pixels: int = MAX_PIXELS) -> Job:
    """A photo through a fast style model (``config``'s model is ``style``'s file)."""

    def work(job: Job) -> Path:
        output = results / f"{job.id}.png"
        api.stylize_image(upload.path, output, style=config, max_pixels=max_pixels)  # a second or so: no steps to count
        return output

    return Job("photo", work, f"{upload.stem}-{style.style}.png", _names(upload), uploads=(upload.id,))


def gatys(
    upload: Upload,
    painting: Upload,
    *,
    iterations: int,
    size: int | None,
    preserve_color: bool,
    results: Path,
    max_pixels: int = MAX_PIXELS,
) -> Job:
    """Gatys et al.'s optimisation: ``upload`` painted like ``painting`` (needs torch)."""
    config = GatysConfig(iterations=iterations, preserve_color="luminance" if preserve_color else "none")

    def work(job: Job) -> Path:
        output = results / f"{job.id}.png"

        def progress(step) -> None:
            height, width = step.size
            unit = f"steps (scale {step.scale_index + 1} of {step.scale_count}: {width}x{height})"
            job.report(
                step.iteration, step.total_iterations, unit, fraction=step.fraction, seconds_left=step.seconds_left
            )
            job.check()

        api.gatys_image(
            upload.path, output, [painting.path], config=config, size=size, on_progress=progress, max_pixels=max_pixels
        )
        return output

    return Job("gatys", work, f"{upload.stem}-gatys.png", _names(upload, painting), uploads=(upload.id, painting.id))


def dream(upload: Upload, *, preset: str, long_side: int | None, results: Path, max_pixels: int = MAX_PIXELS) -> Job:
    """DeepDream from a preset (needs torch)."""
    from ..art.dream_settings import preset as dream_preset  # the presets, as 'streamart dream' uses them

    config = dream_preset(preset)

    def work(job: Job) -> Path:
        output = results / f"{job.id}.png"

        def progress(done: int, total: int) -> None:
            job.report(done, total, "steps")
            job.check()

        api.dream_image(
            upload.path, output, config=config, long_side=long_side, on_progress=progress, max_pixels=max_pixels
        )
        return output

    return Job("dream", work, f"{upload.stem}-{preset}.png", _names(upload), uploads=(upload.id,))


def video(
    upload: Upload,
    style: Style,
    look: LookConfig,
    *,
    start: float | None = None,
    duration: float | None = None,
    results: Path,
    max_pixels: int = MAX_PIXELS,
) -> Job:
    """A video through a fast style model with its audio (``look``'s model is ``style``'s file);
    ``start`` and ``duration`` (seconds) make a preview of that span."""
    preview = start is not None or duration is not None

    def work(job: Job) -> Path:
        output = results / f"{job.id}.mp4"
        api.stylize_video(
            upload.path,
            output,
            look=look,
            start=start,
            duration=duration,
            plain_only=True,
            on_progress=lambda stats: job.report(stats.frames_out, stats.frame_count, "frames"),
            stop=job.stop,
            max_pixels=max_pixels,
        )
        job.audio = media.has_audio(output)
        return output

    name = f"{upload.stem}-{style.style}{'-preview' if preview else ''}.mp4"
    return Job("preview" if preview else "video", work, name, _names(upload), uploads=(upload.id,))


class StyleExists(OutputError):
    """A new style would replace one of the user's own, which the page did not ask for (HTTP
    409, with the name, so that the page can offer to)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"you already have a style named '{name}': tick 'Replace my existing style {name}' to train it "
            "again, or choose another name"
        )
        self.name = name


def training_unavailable() -> str | None:
    """Why styles cannot be trained here (torch is missing), or None. Asked of the import system
    without importing torch (seconds, and hundreds of MB), so that the page loads at once."""
    if importlib.util.find_spec("torch") is None:
        return "training a style needs torch, which is not installed: pip install 'streamart[torch]'"
    return None


def new_style_name(text: str | None, painting: Upload, styles: Sequence[Style]) -> tuple[str, bool]:
    """The name a new style gets, by the rule 'streamart train' follows
    (:func:`streamart.api.new_style_name`: ``text``, else the painting's file name),
    and whether it replaces one of the user's own ``styles``."""
    source = text.strip() if text and text.strip() else painting.stem
    name = api.new_style_name(source)  # refused here, not only once the job runs
    return name, any(style.own and style.name == name for style in styles)


def train(
    painting: Upload, name: str, *, overwrite: bool, settings: Mapping[str, Any], max_pixels: int = MAX_PIXELS
) -> Job:
    """A new style from ``painting``, into the user's model folder as ``name`` (needs torch).
    ``settings`` replace TrainingConfig's defaults (the page sends none; tests do)."""
    config = TrainingConfig(painting=painting.path, style_name=name, max_pixels=max_pixels, **settings)

    def work(job: Job) -> Path:
        job.report(0, config.iterations, "steps")  # the total at once, while the networks load

        def progress(done: int, total: int, losses: object) -> None:
            job.report(done, total, "steps")
            # No job.check() here: training looks at job.stop itself and saves a checkpoint first.

        try:
            model = api.train_style(config, overwrite=overwrite, on_progress=progress, stop=job.stop)
        except KeyboardInterrupt:
            # How training ends when stopped (as on Ctrl-C in the CLI), checkpoint saved; in the
            # framework's pool it would pass for Ctrl-C and stop the whole server.
            raise Cancelled from None
        # The model is written: a stop that came after the last step changes nothing.
        job.stop.clear()
        return model

    return Job("train", work, f"{name}.onnx", _names(painting), uploads=(painting.id,))
