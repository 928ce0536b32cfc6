"""One picture: through stages (a fast style model), by Gatys' optimisation, or DeepDreamt."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..config import MAX_PIXELS, StyleConfig
from ..core.files import refuse_same_file
from ..core.frame import Frame
from ..core.pipeline import Pipeline, Stages
from ..ops.image import limit_short_side, load_image, resize, resize_long_side
from ..sinks.image import ImageSink
from ..sources.image import ImageSource
from ..stages.style import StyleStage

if TYPE_CHECKING:
    from ..art.dream import ProgressCallback
    from ..art.dream_settings import DreamConfig
    from ..art.gatys import GatysConfig, GatysProgress

log = logging.getLogger(__name__)


def process_image(
    input: str | os.PathLike,
    output: str | os.PathLike,
    stages: Stages,
    *,
    overwrite: bool = False,
    max_pixels: int = MAX_PIXELS,
) -> None:
    """Run ``stages`` on one image file and write the result (PNG, JPEG, ...). A picture with
    more than ``max_pixels`` pixels is refused before it is decoded."""
    refuse_same_file(input, output)
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
    from ..art import gatys  # imports torch: only when this is used

    refuse_same_file(input, output)
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
    from ..art.dream import Dreamer

    refuse_same_file(input, output)
    with ImageSink(output, overwrite=overwrite) as sink:  # the output is claimed before minutes of work
        image = load_image(input, max_pixels=max_pixels)
        if long_side is not None:
            image = resize_long_side(image, long_side)
        sink.write(Frame(image=Dreamer(config).dream(image, progress=progress), index=0))
