"""The one frame type that flows from sources through stages to sinks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError

#: Frames with more pixels than 1080p (1088 rows: the 16-pixel macroblock grid) are large: for
#: them the decoder, x264 and the allocator switch to settings that hold fewer frames in memory.
LARGE_FRAME_PIXELS = 1920 * 1088


@dataclass(frozen=True, slots=True)
class Frame:
    """An RGB uint8 image (H x W x 3, C-contiguous) with its place in the stream.

    ``pts`` and ``time_base`` are the source's own timestamps (kept so that variable frame
    rate survives re-encoding); ``capture_time`` is ``time.monotonic()`` when a live source
    grabbed the frame (for latency statistics). ``original`` is the image as the source
    delivered it, kept by the first stage that replaces ``image`` (:meth:`with_image`), so that
    later steps can still see the input: colour preservation, the motion estimate of the
    temporal stage, a before/after split view.
    """

    image: np.ndarray
    index: int
    pts: int | None = None
    time_base: Fraction | None = None
    capture_time: float | None = None
    original: np.ndarray | None = None

    @property
    def height(self) -> int:
        return self.image.shape[0]

    @property
    def width(self) -> int:
        return self.image.shape[1]

    @property
    def time(self) -> float | None:
        """Presentation time in seconds, or None when the source has no timestamps."""
        if self.pts is None or self.time_base is None:
            return None
        return float(self.pts * self.time_base)

    @property
    def source_image(self) -> np.ndarray:
        """The image as the source delivered it (``original`` if a stage replaced ``image``)."""
        return self.image if self.original is None else self.original

    def with_image(self, image: np.ndarray) -> Frame:
        """A copy carrying ``image``, remembering the source's image as ``original``."""
        check_image(image, "a stage's output")
        return dataclasses.replace(self, image=image, original=self.source_image)

    def replace(self, **changes: Any) -> Frame:
        """A copy with the given fields changed."""
        return dataclasses.replace(self, **changes)


def check_image(image: Any, what: str = "image") -> None:
    """Raise :class:`InputError` (a ``ValueError``) unless ``image`` is an RGB uint8 numpy array
    of shape H x W x 3 with at least one pixel; ``what`` names it in the message."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise InputError(f"{what} must be a uint8 numpy array (RGB), got {kind}")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise InputError(f"{what} must have shape H x W x 3 (RGB), got {image.shape}")
