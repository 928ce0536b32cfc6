"""What an uploaded file is, and JPEG in and out for the page's pictures and live frames."""

from __future__ import annotations

import os
from typing import Literal

import cv2
import numpy as np

from ..errors import InputError

MediaKind = Literal["image", "video"]

#: JPEG quality of what the page shows (samples, live frames): small and fast to encode.
JPEG_QUALITY = 85


def media_kind(path: str | os.PathLike) -> MediaKind | None:
    """"image" when OpenCV recognises the file as a picture (what the API reads pictures
    with), "video" when FFmpeg decodes a first frame of a video stream in it, else None."""
    if cv2.haveImageReader(os.fspath(path)):
        return "image"
    import av  # after cv2 (see streamart/__init__.py)

    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video:
                return None
            # FFmpeg guesses some formats from the name alone (any "x.jpg"): a frame must decode.
            next(container.decode(video=0))
            return "video"
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError, StopIteration):
        return None


def decode_jpeg(data: bytes) -> np.ndarray:
    """An RGB uint8 H x W x 3 image from JPEG (or PNG, ...) bytes; :class:`InputError` if none."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if bgr is None:
        raise InputError("the frame is not a picture (expected JPEG bytes)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes of an RGB uint8 H x W x 3 image."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InputError(f"cannot encode a {image.shape[1]}x{image.shape[0]} picture as JPEG")
    return data.tobytes()
