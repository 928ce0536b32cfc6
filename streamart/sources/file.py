"""Read video files (anything FFmpeg reads) through PyAV."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..config import MAX_PIXELS
from ..core.files import describe
from ..core.frame import LARGE_FRAME_PIXELS, Frame
from ..core.protocols import ClosingContext, StreamInfo
from ..errors import InputError, InputNotFoundError
from ..ops.image import check_pixels
from ..ops.video import open_input, to_rgb

log = logging.getLogger(__name__)

# Slack when comparing frame times with a start or end given as a float (0.1 s is not
# exactly 1/10): far below any frame interval.
_TOLERANCE = 1e-6


#: What a ``plain_only`` input must be, for messages.
PLAIN_FILE = (
    "a single self-contained video file such as .mp4, .mov, .mkv, .webm, .avi or .ts; a playlist "
    "or a file that refers to other files is not accepted here"
)

#: Above 1080p the decoder gets this many threads unless told otherwise: each frame thread
#: holds frames of its own (about 45 MB more at 4K for the third thread of a 2-core machine,
#: and it grows with the cores), and decoding is a small part of a frame's time at that size.
_FEW_THREADS = 2


class FileSource(ClosingContext):
    """Decode the first video stream of a file into RGB uint8 frames.

    Frames keep the decoder's own ``pts`` and ``time_base``, so variable frame rate survives
    re-encoding. A display rotation (phones store portrait video as rotated landscape) is
    applied to the pixels, and ``info`` reports the rotated size. Any pixel format (10-bit
    included) is converted to rgb24; odd sizes are fine.

    ``start`` and ``duration`` (seconds, from the first frame) trim the video: the source seeks
    to the keyframe before ``start``, decodes and drops the frames before it, and stops at
    ``start + duration``. A trimmed video is shifted to start at time 0; ``offset`` says where
    that lies in the file (so an encoder can cut the audio to match), and ``info`` describes
    the trimmed span. With ``keep_timestamps`` a trimmed video keeps the file's own timestamps
    instead (``offset`` is None), so that pieces of one video processed apart can be joined.
    ``threads`` caps the decoder's threads (None: FFmpeg's choice, from the machine's cores,
    except above 1080p, where it is 2). With ``plain_only`` (files from someone else, such as
    the web app's uploads) the file is read only as one self-contained local file, never as a
    playlist or another format that opens what it names (:func:`~streamart.ops.video.open_input`).

    A video whose frames the container says have more than ``max_pixels`` pixels is refused
    before a frame is decoded. The first frame is decoded on construction, so a file without
    decodable video, or a start past its end, fails here (:class:`InputError`) rather than
    mid-pipeline. Damaged files are read best effort: packets that fail to decode are skipped,
    and a warning on the ``streamart.sources.file`` logger says how many frames were read of how
    many the container announced; with ``strict`` that is an :class:`InputError` instead (raised
    at the end of the stream, so the run fails and writes nothing). Iterate once.
    """

    live = False

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        start: float | None = None,
        duration: float | None = None,
        strict: bool = False,
        keep_timestamps: bool = False,
        threads: int | None = None,
        plain_only: bool = False,
        max_pixels: int = MAX_PIXELS,
    ) -> None:
        _check_span(start, duration)
        self.path = Path(path)
        self.strict = strict
        if not self.path.exists():
            raise InputNotFoundError(f"input {self.path} does not exist; check the path")
        if self.path.is_dir():
            raise InputError(f"input {self.path} is a folder; give a video file")
        try:
            self._container = open_input(self.path, plain_only=plain_only)
        except av.error.FFmpegError as exc:
            if plain_only and isinstance(exc, av.error.ArgumentError):  # a demuxer not allowed
                raise InputError(f"input {self.path} is not {PLAIN_FILE}") from None
            raise InputError(
                f"input {self.path} is not a video FFmpeg can read ({describe(exc)}); "
                "give a video file such as .mp4 or .mkv"
            ) from None
        self._closed = False
        #: True once iteration has reached the end of the file's video (not of a trimmed span).
        self.finished = False
        if not self._container.streams.video:
            self.close()
            raise InputError(f"input {self.path} has no video stream (audio only?); give a video file")
        self._stream = self._container.streams.video[0]
        assert self._stream.time_base is not None  # FFmpeg gives every demuxed stream one
        self._time_base: Fraction = self._stream.time_base
        context = self._stream.codec_context
        try:  # the frame size from the codec parameters, before the decoder allocates a frame
            check_pixels(context.width, context.height, max_pixels=max_pixels, what=f"a frame of {self.path}")
        except InputError:
            self.close()
            raise
        # frame + slice threads, so decoding keeps pace with inference
        self._stream.thread_type = "AUTO"
        if threads is None and context.width * context.height > LARGE_FRAME_PIXELS:
            threads = _FEW_THREADS
        if threads is not None:
            context.thread_count = threads
        self._decode_errors = 0
        self._decoded = self._decode()
        first = next(self._decoded, None)
        if first is None:
            self.close()
            raise InputError(
                f"input {self.path} has no decodable video frames (empty or corrupt); give another video file"
            )
        self._quarter_turns = _quarter_turns(first)
        width, height = first.width, first.height
        if self._quarter_turns % 2:
            width, height = height, width
        fps = _fps(self._stream)
        frame_count = self._stream.frames or None
        duration_seconds = _duration(self._stream, self._container)
        #: Seconds subtracted from every frame's time: the file time of the first frame kept,
        #: when trimming; None when frames keep the file's own timestamps.
        self.offset: Fraction | None = None
        self._end: Fraction | None = None  # file time at which a trimmed video stops
        self._trimmed = start is not None or duration is not None
        if self._trimmed:
            try:
                first, frame_count, duration_seconds = self._trim(first, start or 0.0, duration, fps, duration_seconds)
            except InputError:
                self.close()
                raise
            if keep_timestamps:
                self.offset = None
        self._first: av.VideoFrame | None = first
        self.info = StreamInfo(
            width=width,
            height=height,
            fps=fps,
            frame_count=frame_count,
            time_base=self._time_base,
            duration=duration_seconds,
        )

    def _trim(
        self,
        first: av.VideoFrame,
        start: float,
        duration: float | None,
        fps: float | None,
        length: float | None,
    ) -> tuple[av.VideoFrame, int | None, float | None]:
        """Seek to ``start`` and set ``offset`` and the end. Returns the first frame kept, and
        the span's frame count and duration for ``info`` (``length``: the whole video's)."""
        if length is not None and start >= length:
            raise InputError(_past_end_message(self.path, start, length))
        video_start = first.time or 0.0
        kept = self._seek(first, video_start + start)
        if kept is None:
            raise InputError(_past_end_message(self.path, start, length))
        self.offset = _time(kept) or Fraction(0)
        if duration is not None:
            self._end = Fraction(video_start + start + duration)
        if length is not None:
            duration = min(duration or length, length - start)
        frame_count = None
        if duration is not None and fps:
            # Frames from the first kept one to the end, one every 1/fps: exact for a constant
            # frame rate, an estimate (for the progress bar) otherwise.
            until_end = video_start + start + duration - float(self.offset)
            frame_count = math.ceil(until_end * fps - _TOLERANCE)
        return kept, frame_count, duration

    def _seek(self, first: av.VideoFrame, target: float) -> av.VideoFrame | None:
        """The first frame at or after file time ``target`` (None past the end): seek to the
        keyframe before it, then decode and drop the frames before it."""
        frame: av.VideoFrame | None = first
        if first.time is None or target > first.time + _TOLERANCE:
            try:
                self._container.seek(math.floor(target / self._time_base), stream=self._stream)
            except av.error.FFmpegError:
                pass  # not seekable (no index): decode on from here, dropping frames instead
            else:
                self._decoded = self._decode()  # PyAV flushed the decoder; demux afresh
            frame = next(self._decoded, None)
        while frame is not None and frame.time is not None and frame.time < target - _TOLERANCE:
            frame = next(self._decoded, None)
        return frame

    def __iter__(self) -> Iterator[Frame]:
        index, last_time = 0, None
        decoded: av.VideoFrame | None
        while self._first is not None or not self._closed:
            if self._first is not None:
                decoded, self._first = self._first, None
            else:
                decoded = next(self._decoded, None)
                if decoded is None:
                    break
            time = _time(decoded)
            if self._end is not None and time is not None and time >= self._end - _TOLERANCE:
                return  # the end of the trimmed span, not of the file: nothing to check
            if decoded.is_corrupt:
                self._decode_errors += 1
            time_base = decoded.time_base or self._time_base
            pts = decoded.pts
            if self.offset is not None and pts is not None:
                pts -= round(self.offset / time_base)
            frame = Frame(image=self._to_rgb(decoded), index=index, pts=pts, time_base=time_base)
            last_time = time if time is not None else last_time
            yield frame
            index += 1
        if not self._closed:  # reached the end, rather than stopped early by close()
            self.finished = True
            self._check_complete(index, last_time)

    def _decode(self) -> Iterator[av.VideoFrame]:
        """Decoded frames; a packet that fails to decode is counted and skipped, and a demuxer
        error (a truncated file) ends the stream, so damage never stops the whole run."""
        packets = self._container.demux(self._stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                self._decode_errors += 1
                return
            try:
                frames = self._stream.decode(packet)
            except av.error.FFmpegError:
                self._decode_errors += 1
                continue
            yield from frames

    def _to_rgb(self, decoded: av.VideoFrame) -> np.ndarray:
        image = to_rgb(decoded)
        if self._quarter_turns:
            image = np.rot90(image, self._quarter_turns)
        return np.ascontiguousarray(image)

    def _check_complete(self, read: int, last_time: Fraction | None) -> None:
        """Warn (or, when ``strict``, raise :class:`InputError`) when decoding failed somewhere
        or frames are missing at the end: fewer than the container announced, or (containers
        without an index, such as Matroska, resync silently past damage) the last frame (file
        time) more than two frame intervals before the video's end. A trimmed video has no
        exact count to compare with."""
        expected = None if self._trimmed else self.info.frame_count
        end = _video_duration(self._stream)
        interval = 1 / self.info.fps if self.info.fps else 0.1
        short_in_time = end is not None and last_time is not None and last_time + 2 * interval < end
        if self._decode_errors or (expected is not None and read < expected) or short_in_time:
            announced = f" of the {expected} the container announced" if expected is not None else ""
            message = f"{self.path} is damaged (truncated or corrupt): read {read}{announced} frames"
            if self.strict:
                raise InputError(f"{message}; without --strict the {read} frames are written anyway")
            log.warning("%s; the output has those (--strict makes this an error)", message)

    def close(self) -> None:
        """Release the file; safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._container.close()


def _check_span(start: float | None, duration: float | None) -> None:
    if start is not None and not (math.isfinite(start) and start >= 0):
        raise InputError(f"start {start} s is not a time in the video; give 0 or more seconds")
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise InputError(f"duration {duration} s is not a length; give more than 0 seconds")


def _past_end_message(path: Path, start: float, length: float | None) -> str:
    long = "" if length is None else f" ({length:.3f} s long)"
    return f"start {start} s is past the end of {path}{long}; give an earlier start"


def _time(frame: av.VideoFrame) -> Fraction | None:
    """The frame's file time in seconds, exact (None without a timestamp)."""
    if frame.pts is None or frame.time_base is None:
        return None
    return frame.pts * frame.time_base


def _quarter_turns(first: av.VideoFrame) -> int:
    """Counter-clockwise quarter turns for display, from the display matrix that FFmpeg
    attaches to decoded frames (MP4/MOV store rotation as this matrix; the ``rotate`` tag
    that older FFmpeg exported was only a view of it)."""
    return round(first.rotation / 90) % 4


def _fps(stream: av.video.stream.VideoStream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None


def _video_duration(stream: av.video.stream.VideoStream) -> float | None:
    """The video stream's own duration: from its header, else Matroska's ``DURATION`` tag
    (``HH:MM:SS.fraction``)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION", "")  # no tag: "" fails to split, as a malformed one does
    try:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _duration(stream: av.video.stream.VideoStream, container: av.container.InputContainer) -> float | None:
    video = _video_duration(stream)
    if video is not None:
        return video
    if container.duration:
        return container.duration / av.time_base
    return None
