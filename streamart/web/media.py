"""What an uploaded file is, and what a video the app made has."""

from __future__ import annotations

import os
from typing import Literal

import cv2
import av  # after cv2 (see streamart/__init__.py)

from ..ops.video import open_input

MediaKind = Literal["image", "video"]


def media_kind(path: str | os.PathLike) -> MediaKind | None:
    """"image" when OpenCV recognises the file as a picture (what the API reads pictures
    with), "video" when FFmpeg decodes a first frame of a video stream in it, read as one
    self-contained file (never as a playlist, which could name the user's local files: see
    :func:`~streamart.ops.video.open_input`), else None."""
    if cv2.haveImageReader(os.fspath(path)):
        return "image"
    try:
        with open_input(path, plain_only=True) as container:
            if not container.streams.video:
                return None
            # FFmpeg guesses some formats from the name alone (any "x.jpg"): a frame must decode.
            next(container.decode(video=0))
            return "video"
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError, StopIteration):
        return None


def has_audio(path: str | os.PathLike) -> bool:
    """Whether the video at ``path``, a result the app made, has a sound track (the page says
    so only then)."""
    with av.open(os.fspath(path)) as container:
        return bool(container.streams.audio)
