"""What an uploaded file is, whether it is small enough to decode, and what a video the app
made has."""

from __future__ import annotations

import os
from typing import Literal

import cv2
import av  # after cv2 (see streamart/__init__.py)
import numpy as np

from ..config import MAX_PIXELS
from ..errors import TooManyPixelsError
from ..ops.image import check_pixels, picture_size
from ..ops.video import open_input

MediaKind = Literal["image", "video"]


def media_kind(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS, name: str | None = None) -> MediaKind | None:
    """ "image" when OpenCV recognises the file as a picture (what the API reads pictures
    with) and its size can be read from its header, "video" when FFmpeg decodes a first frame
    of a video stream in it, read as one self-contained file (never as a playlist, which could
    name the user's local files: see :func:`~streamart.ops.video.open_input`), else None. A picture, or a video's frames, of more than
    ``max_pixels`` pixels is a :class:`~streamart.errors.TooManyPixelsError` that calls the
    file ``name``, raised before anything is decoded."""
    what = name or os.fspath(path)
    if cv2.haveImageReader(os.fspath(path)):
        size = picture_size(np.fromfile(path, np.uint8))
        if size is None:
            return None
        _check(*size, max_pixels, what)
        return "image"
    try:
        with open_input(path, plain_only=True) as container:
            if not container.streams.video:
                return None
            context = container.streams.video[0].codec_context
            _check(context.width, context.height, max_pixels, f"a frame of {what}")
            # FFmpeg guesses some formats from the name alone (any "x.jpg"): a frame must decode.
            next(container.decode(video=0))
            return "video"
    except TooManyPixelsError:  # a ValueError too, but a video, not "not media"
        raise
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError, StopIteration):
        return None


def has_audio(path: str | os.PathLike) -> bool:
    """Whether the video at ``path``, a result the app made, has a sound track (the page says
    so only then)."""
    with av.open(os.fspath(path)) as container:
        return bool(container.streams.audio)


def _check(width: int, height: int, max_pixels: int, what: str) -> None:
    check_pixels(
        width,
        height,
        max_pixels=max_pixels,
        what=what,
        fix=f"or start the app with 'streamart ui --max-pixels {width * height}'",
    )
