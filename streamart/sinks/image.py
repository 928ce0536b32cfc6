"""Write one frame to a picture file (PNG, JPEG, ... by extension) through OpenCV."""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from ..core.files import OutputFile, describe
from ..core.frame import Frame
from ..core.protocols import ClosingContext
from ..errors import OutputError

JPEG_QUALITY = 95


class ImageSink(ClosingContext):
    """Save a single frame as a picture; the format follows the extension.

    One picture per sink: a second frame raises :class:`OutputError` (write video to a
    ``.mp4`` with :class:`~streamart.sinks.encoder.EncoderSink` instead). The picture is
    written to a hidden temporary file and renamed over ``path`` by ``close()`` or a clean
    ``with`` exit; an exception leaves ``path`` untouched.
    """

    name = "image"

    def __init__(self, path: str | os.PathLike, *, overwrite: bool = False) -> None:
        if not cv2.haveImageWriter(os.fspath(path)):
            raise OutputError(
                f"cannot write pictures of type {Path(path).suffix or '(no extension)'!r}; use .png or .jpg"
            )
        self._output = OutputFile(path, overwrite=overwrite)
        self.path = self._output.path
        self._written = False
        self._closed = False

    def write(self, frame: Frame) -> None:
        """Encode ``frame`` into the temporary file."""
        if self._closed:
            raise ValueError("write() on a closed ImageSink")
        if self._written:
            raise OutputError(
                f"{self.path} holds one picture but a second frame arrived; write video to a .mp4 instead"
            )
        bgr = cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)
        jpeg = self.path.suffix.lower() in (".jpg", ".jpeg")
        params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if jpeg else []
        ok, encoded = cv2.imencode(self.path.suffix, bgr, params)
        if not ok:
            raise OutputError(f"OpenCV could not encode {self.path}; use .png or .jpg")
        try:
            encoded.tofile(self._output.temporary)
        except OSError as exc:
            self._output.discard()
            raise OutputError(f"cannot write {self.path} ({describe(exc)}); check free disk space") from None
        self._written = True

    def close(self) -> None:
        """Rename the picture over ``path``; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._written:
            self._output.commit()
        else:
            self._output.discard()

    def abort(self) -> None:
        """Drop the unfinished picture; ``path`` is left as it was."""
        self._closed = True
        self._output.discard()
