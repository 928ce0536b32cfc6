"""One picture: through stages (a fast style model), by Gatys' optimisation, or DeepDreamt."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import MAX_PIXELS, StyleConfig
from ..core.deprecation import renamed_keywords, warn_renamed
from ..core.files import refuse_same_file
from ..core.frame import Frame
from ..core.pipeline import Pipeline, Stages
from ..ops.image import limit_short_side, load_image, resize, resize_long_side
from ..sinks.image import ImageSink
from ..sources.image import ImageSource
from ..stages.style import StyleStage

if TYPE_CHECKING:
    from ..art.dream import DreamProgressCallback
    from ..art.dream_settings import DreamConfig
    from ..art.gatys import GatysConfig, GatysProgressCallback

log = logging.getLogger(__name__)


def stylize_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    style: StyleConfig = StyleConfig(),
    stages: Stages | None = None,
    overwrite: bool = False,
    max_pixels: int = MAX_PIXELS,
) -> None:
    """Stylize one image file with a fast style model (``style``), or run your own ``stages`` on
    it (a list, or a callable that builds them), and write the result (PNG, JPEG, ...). A
    picture with more than ``max_pixels`` pixels is refused before it is decoded."""
    refuse_same_file(input, output)
    with Pipeline() as pipeline:
        pipeline.add_source(ImageSource(input, max_pixels=max_pixels))
        pipeline.add_sink(ImageSink(output, overwrite=overwrite))
        pipeline.add_stages(stages if stages is not None else lambda: [StyleStage(style)])
        pipeline.run()


def process_image(input: str | os.PathLike, output: str | os.PathLike, stages: Stages, **options: Any) -> None:
    """Deprecated: :func:`stylize_image` with ``stages=``."""
    warn_renamed("process_image(input, output, stages)", "stylize_image(input, output, stages=stages)")
    stylize_image(input, output, stages=stages, **options)


@renamed_keywords(progress="on_progress", styles="paintings", style_weights="painting_weights")
def gatys_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    paintings: Sequence[str | os.PathLike],
    *,
    config: GatysConfig | None = None,
    painting_weights: Sequence[float] | None = None,
    size: int | None = None,
    overwrite: bool = False,
    on_progress: GatysProgressCallback | None = None,
    max_pixels: int = MAX_PIXELS,
    keep_partial: bool = False,
) -> None:
    """Gatys optimisation-based style transfer of one image in the style of ``paintings``,
    blended by ``painting_weights`` (see :func:`streamart.art.gatys.transfer`; needs
    ``streamart[torch]``). ``on_progress`` is called after every step.

    ``size`` scales the content so its shorter side is that many pixels (never enlarges);
    the result is made at that size. The output path is checked before the work starts. A
    picture (the content or a painting) with more than ``max_pixels`` pixels is refused before it
    is decoded.
    Interrupted (``KeyboardInterrupt``: Ctrl-C, or raised by ``on_progress``), it writes nothing,
    or with ``keep_partial`` the best picture so far, and the interrupt goes on.
    """
    from ..art import gatys  # imports torch: only when this is used

    refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:
        content = load_image(input, max_pixels=max_pixels)
        height, width = content.shape[:2]
        content = resize(content, *limit_short_side(height, width, size))
        images = [load_image(path, max_pixels=max_pixels) for path in paintings]

        def keep(partial: np.ndarray) -> None:
            sink.write(Frame(image=partial, index=0))
            sink.close()  # committed: the interrupt that follows must not discard it
            log.warning("interrupted: the best picture so far is in %s", sink.path)

        result = gatys.transfer(
            content,
            images,
            painting_weights=painting_weights,
            config=config or gatys.GatysConfig(),
            progress=on_progress,
            on_interrupt=keep if keep_partial else None,
        )
        sink.write(Frame(image=result, index=0))


@renamed_keywords(progress="on_progress")
def dream_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    config: DreamConfig,
    long_side: int | None = None,
    overwrite: bool = False,
    on_progress: DreamProgressCallback | None = None,
    max_pixels: int = MAX_PIXELS,
) -> None:
    """DeepDream one picture (needs ``streamart[torch]``). ``long_side`` first resizes it so
    its longer side is that many pixels; ``on_progress(steps done, steps in all)`` is called
    after every step. The output path is checked before the work starts, and a picture with
    more than ``max_pixels`` pixels is refused before it is decoded."""
    from ..art.dream import Dreamer

    refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:  # the output is claimed before minutes of work
        image = load_image(input, max_pixels=max_pixels)
        if long_side is not None:
            image = resize_long_side(image, long_side)
        sink.write(Frame(image=Dreamer(config).dream(image, progress=on_progress), index=0))
