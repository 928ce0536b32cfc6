"""Read a single picture (PNG, JPEG, anything OpenCV decodes) as a one-frame source."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ..config import MAX_PIXELS
from ..core.frame import Frame
from ..core.protocols import ClosingContext, StreamInfo
from ..ops.image import load_image


class ImageSource(ClosingContext):
    """One RGB uint8 frame from a picture file; EXIF orientation is applied.

    The file is decoded on construction, so an unreadable picture fails at once, as does one
    whose header says it has more than ``max_pixels`` pixels (before decoding it). Grey, 16-bit
    and alpha pictures become 8-bit RGB (alpha is dropped).
    """

    live = False

    def __init__(self, path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> None:
        self.path = Path(path)
        self._image = load_image(self.path, max_pixels=max_pixels)
        height, width = self._image.shape[:2]
        self.info = StreamInfo(width=width, height=height, frame_count=1)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(image=self._image, index=0)

    def close(self) -> None:
        """Nothing is held open; present for the Source protocol."""
