"""What each kind of job does: one API call on an upload, into a file of the workspace, with its
progress reported to the :class:`~streamart.web.jobs.Job` and its stop request honoured.

The settings are turned into the API's configs here, before the job is queued, so that a bad
setting is refused at once instead of after the jobs ahead of it.
"""

from __future__ import annotations

from pathlib import Path

from .. import api
from ..config import DEFAULT_TEMPORAL, GatysConfig, StyleConfig
from .gallery import Style
from .jobs import Job
from .uploads import Upload

#: Gatys in the page: the CLI's 500 steps at 480 px take many minutes on a laptop CPU; the
#: page starts smaller (a few minutes on 2 cores) and lets the person ask for more.
GATYS_SIZE = 256
GATYS_ITERATIONS = 150
#: DeepDream in the page: the picture's longer side (the CLI's default is the picture's own).
DREAM_LONG_SIDE = 512


def _names(*uploads: Upload) -> dict[str, str]:
    return {str(upload.path): upload.name for upload in uploads}


def photo(upload: Upload, style: Style, config: StyleConfig, results: Path) -> Job:
    """A photo through a fast style model (``config``'s model is ``style``'s file)."""

    def work(job: Job) -> Path:
        output = results / f"{job.id}.png"
        api.stylize_image(upload.path, output, style=config)  # a second or so: no steps to count
        return output

    return Job("photo", work, f"{upload.stem}-{style.style}.png", _names(upload))


def gatys(upload: Upload, painting: Upload, *, iterations: int, size: int | None, preserve_color: bool, results: Path) -> Job:
    """Gatys et al.'s optimisation: ``upload`` painted like ``painting`` (needs torch)."""
    config = GatysConfig(iterations=iterations, preserve_color="luminance" if preserve_color else "none")

    def work(job: Job) -> Path:
        output = results / f"{job.id}.png"

        def progress(step) -> None:
            job.report(step.iteration, step.total_iterations, "steps")
            job.check()

        api.gatys_image(upload.path, output, [painting.path], config=config, size=size, progress=progress)
        return output

    return Job("gatys", work, f"{upload.stem}-gatys.png", _names(upload, painting))


def dream(upload: Upload, *, preset: str, long_side: int | None, results: Path) -> Job:
    """DeepDream from a preset (needs torch)."""
    from ..art.dream import preset as dream_preset  # the presets, as 'streamart dream' uses them

    config = dream_preset(preset)

    def work(job: Job) -> Path:
        output = results / f"{job.id}.png"

        def progress(done: int, total: int) -> None:
            job.report(done, total, "steps")
            job.check()

        api.dream_image(upload.path, output, config=config, long_side=long_side, progress=progress)
        return output

    return Job("dream", work, f"{upload.stem}-{preset}.png", _names(upload))


def video(
    upload: Upload, style: Style, config: StyleConfig, *, temporal: float = DEFAULT_TEMPORAL,
    start: float | None = None, duration: float | None = None, results: Path,
) -> Job:
    """A video through a fast style model with its audio; ``start`` and ``duration`` (seconds)
    make a preview of that span."""
    preview = start is not None or duration is not None

    def work(job: Job) -> Path:
        output = results / f"{job.id}.mp4"
        api.stylize_video(
            upload.path, output, style=config, temporal=temporal, start=start, duration=duration,
            on_progress=lambda stats: job.report(stats.frames_out, stats.frame_count, "frames"), stop=job.stop,
        )
        return output

    name = f"{upload.stem}-{style.style}{'-preview' if preview else ''}.mp4"
    return Job("preview" if preview else "video", work, name, _names(upload))
