"""Read a single picture (PNG, JPEG, anything OpenCV decodes) as a one-frame source."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError, InputNotFoundError
from ..frame import Frame
from ..protocols import ClosingContext, StreamInfo


class ImageSource(ClosingContext):
    """One RGB uint8 frame from a picture file; EXIF orientation is applied.

    The file is decoded on construction, so an unreadable picture fails at once. Grey,
    16-bit and alpha pictures become 8-bit RGB (alpha is dropped).
    """

    live = False

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputNotFoundError(f"input {self.path} does not exist; check the path")
        if self.path.is_dir():
            raise InputError(f"input {self.path} is a folder; give a picture file")
        # imdecode on the bytes, not imread: imread cannot open non-ASCII paths on Windows
        data = np.fromfile(self.path, dtype=np.uint8)
        bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if bgr is None:
            raise InputError(
                f"input {self.path} is not a picture OpenCV can read; give a .png or .jpg file"
            )
        self._image = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        height, width = self._image.shape[:2]
        self.info = StreamInfo(width=width, height=height, frame_count=1)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(image=self._image, index=0)

    def close(self) -> None:
        """Nothing is held open; present for the Source protocol."""
