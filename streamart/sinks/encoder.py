"""Encode frames into a video file through PyAV, copying the input's audio."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from fractions import Fraction

import av

from ..config import EncodeConfig
from ..core.files import describe
from ..core.frame import Frame
from ..core.protocols import ClosingContext, StreamInfo
from ..errors import OutputError
from ..ops.image import pad_to
from ..ops.video import BT709, from_rgb
from .encoder_settings import check_container, check_encode, even_size
from .muxing import AudioCopy, MuxedOutput

log = logging.getLogger(__name__)

# Where a live source gives no timestamps, frames are placed on this clock.
_FALLBACK_TIME_BASE = Fraction(1, 90_000)


class EncoderSink(ClosingContext):
    """Write frames to a video file (container chosen by the extension).

    Timestamps are kept: the video stream uses the input's ``time_base`` and each frame's own
    ``pts`` (a frame in another time base is rescaled; one without a pts is placed at
    ``index / fps``), so variable frame rate survives. ``info.fps`` becomes the stream's
    average rate for players. YUV output is converted with BT.709 and tagged so.

    Every audio stream of ``audio_from`` is copied without re-encoding when the output
    container accepts its codec, else re-encoded to AAC; audio is muxed as the video
    progresses, so the file interleaves well, and stops with the video (at the end of the last
    frame, give or take half an audio packet), however early the frames stopped coming.
    ``audio_tail`` is asked when the file is finished: if it says True (the whole video went
    through), audio that runs on past the last frame is kept too, as FFmpeg keeps it.
    ``audio_start`` (seconds in ``audio_from``) is where a trimmed video's time 0 lies: audio
    before it is left out and the rest shifted to start at 0. Audio is cut between packets
    (about 21 ms at 48 kHz AAC), at the boundary nearest to each end. ``audio_plain_only``
    reads ``audio_from`` only as one self-contained local file
    (:func:`~streamart.ops.video.open_input`).

    Odd sizes: pixel formats with 2x chroma subsampling (the default ``yuv420p``, which every
    player decodes) need even sizes, so an odd width or height is padded by repeating the last
    column or row; the output is then one pixel wider or taller and loses nothing. Pass
    ``pix_fmt="yuv444p"`` to keep the exact size (fewer players support it).

    ``encode`` names the encoder and its settings (:class:`~streamart.config.EncodeConfig`). The
    encoder, the output folder and an existing output are checked on construction, before
    any frame is decoded. Frames are written to a hidden temporary file in the output folder,
    renamed over ``path`` by ``close()`` or a clean ``with`` exit; an exception discards it and
    leaves ``path`` untouched. The size is taken from the first frame written (a stage may
    resize); ``info.width``/``info.height`` are only used for the early encoder check.
    """

    name = "encoder"

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        info: StreamInfo,
        audio_from: str | os.PathLike | None = None,
        audio_start: float | Fraction | None = None,
        audio_tail: Callable[[], bool] | None = None,
        audio_plain_only: bool = False,
        encode: EncodeConfig = EncodeConfig(),
    ) -> None:
        self._encoder = encode.encoder
        self._pix_fmt = encode.pix_fmt
        self._threads = encode.threads
        self._options = check_encode(encode, info.width, info.height)
        self._file = MuxedOutput(path, overwrite=encode.overwrite)  # first: a folder is no format
        self.path = self._file.path
        self._info = info
        self._time_base = info.time_base or _FALLBACK_TIME_BASE
        try:
            check_container(self.path, encode.encoder)
            if audio_from is not None:
                self._file.audio = AudioCopy(audio_from, start=audio_start, plain_only=audio_plain_only)
        except BaseException:
            self._file.abort()
            raise
        self._video: av.video.stream.VideoStream | None = None
        self._last_pts: int | None = None
        self._audio_tail = audio_tail
        self._closed = False

    def write(self, frame: Frame) -> None:
        """Encode one frame (and mux the audio up to its time)."""
        if self._closed:
            raise ValueError("write() on a closed EncoderSink")
        try:
            self._write(frame)
        except av.error.FFmpegError as exc:
            raise OutputError(f"writing {self.path} failed ({describe(exc)}); check free disk space") from exc

    def _write(self, frame: Frame) -> None:
        if self._file.container is None:
            self._frame_size = (frame.width, frame.height)
            self._video = self._file.open(self._add_video)
        assert self._video is not None and self._file.container is not None
        if (frame.width, frame.height) != self._frame_size:
            raise ValueError(
                f"frame {frame.index} is {frame.width}x{frame.height}, but the video was started "
                f"at {self._frame_size[0]}x{self._frame_size[1]}; every frame must have one size"
            )
        image = pad_to(frame.image, self._video.width, self._video.height)
        video_frame = from_rgb(image, self._pix_fmt)
        video_frame.pts = self._pts(frame)
        video_frame.time_base = self._time_base
        self._file.container.mux(self._video.encode(video_frame))
        self._file.mux_audio_until(video_frame.pts * self._time_base)

    def close(self) -> None:
        """Finish the file and rename it over ``path``; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._file.container is None:
            log.warning("no frames were written, so %s was not created", self.path)
            self.abort()
            return
        self._file.finish(self._end_video)

    def abort(self) -> None:
        """Drop the partial output; ``path`` is left as it was."""
        self._closed = True
        self._file.abort()

    def _end_video(self) -> Fraction | float:
        """Write the frames the encoder still holds; return where the audio ends: with the last
        frame, unless the source was played to its end."""
        assert self._video is not None and self._file.container is not None  # close() calls it once a frame is in
        self._file.container.mux(self._video.encode(None))
        whole = self._audio_tail is not None and self._audio_tail()
        return math.inf if whole else self._video_end()

    def _add_video(self, container: av.container.OutputContainer) -> av.video.stream.VideoStream:
        """Add the video stream, for frames of the first frame's size, to ``container``."""
        width, height = self._frame_size
        rate = Fraction(self._info.fps).limit_denominator(1001) if self._info.fps else None
        video = container.add_stream(self._encoder, rate=rate)
        assert isinstance(video, av.video.stream.VideoStream)  # check_encode refused every other kind of codec
        video.width, video.height = even_size(width, height, self._pix_fmt)
        video.pix_fmt = self._pix_fmt
        video.codec_context.time_base = self._time_base
        video.time_base = self._time_base
        video.codec_context.options = self._options
        if self._threads is not None:
            video.codec_context.thread_count = self._threads
        if not av.VideoFormat(self._pix_fmt).is_rgb:
            # Frames are converted with the BT.709 matrix (from_rgb); say so in the stream: an
            # untagged stream leaves players guessing (BT.601 or BT.709 by size).
            context = video.codec_context
            context.colorspace = context.color_primaries = context.color_trc = BT709
            context.color_range = 1  # limited (MPEG) range, what players expect
        return video

    def _pts(self, frame: Frame) -> int:
        """The frame's pts in the stream time base; strictly increasing, as muxers require."""
        if frame.pts is not None and frame.time_base is not None:
            pts = round(frame.pts * frame.time_base / self._time_base)
        else:
            pts = round(Fraction(frame.index) / Fraction(self._info.fps or 30) / self._time_base)
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1
        self._last_pts = pts
        return pts

    def _video_end(self) -> Fraction:
        """Seconds at which the last frame written ends (its pts plus one frame at the average
        rate: the duration the muxer gives it)."""
        assert self._last_pts is not None
        frame_seconds = 1 / Fraction(self._info.fps).limit_denominator(1001) if self._info.fps else 0
        return self._last_pts * self._time_base + frame_seconds
