"""The one frame type that flows from sources through stages to sinks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """An RGB uint8 image (H x W x 3, C-contiguous) with its place in the stream.

    ``pts`` and ``time_base`` are the source's own timestamps (kept so that variable frame
    rate survives re-encoding); ``capture_time`` is ``time.monotonic()`` when a live source
    grabbed the frame (for latency statistics). ``original`` is the unprocessed input image,
    kept by the first stage that replaces ``image``, so that later stages (colour
    preservation, temporal consistency, split views) can still see it. ``motion`` is filled by
    the temporal stage's flow step and read by its blend step.
    """

    image: np.ndarray
    index: int
    pts: int | None = None
    time_base: Fraction | None = None
    capture_time: float | None = None
    original: np.ndarray | None = None
    motion: Any = None

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
        """The unprocessed input image (``original`` if a stage replaced ``image``)."""
        return self.image if self.original is None else self.original

    def with_image(self, image: np.ndarray) -> Frame:
        """A copy carrying ``image``, remembering the unprocessed input as ``original``."""
        check_image(image)
        return dataclasses.replace(self, image=image, original=self.source_image)

    def replace(self, **changes: Any) -> Frame:
        """A copy with the given fields changed."""
        return dataclasses.replace(self, **changes)


def check_image(image: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``image`` is an H x W x 3 uint8 array."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"a frame image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"a frame image must be H x W x 3 uint8 RGB, got {image.dtype} {image.shape}"
        )
