"""Where a video can be cut for parallel work: the times of its frames and keyframes, and a plan
of chunks that start at keyframes, each with the warm-up frames before it.

All times are the file's own presentation times in seconds, as exact fractions, so that a
chunk's frames can be told from its neighbours' without rounding.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from fractions import Fraction

import av

from ..config import MAX_PIXELS
from ..sources.file import FileSource


@dataclass(frozen=True, slots=True)
class KeyframeIndex:
    """The presentation times of every frame of a video's first video stream, and of its
    keyframes (where decoding can start), both in increasing order."""

    frame_times: tuple[Fraction, ...]
    keyframe_times: tuple[Fraction, ...]

    @property
    def start(self) -> Fraction:
        """The first frame's time."""
        return self.frame_times[0]


def index_keyframes(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> KeyframeIndex:
    """Read the packets of ``path``'s first video stream, without decoding them.

    The file gets the same checks as a single run's (:class:`~streamart.sources.file.FileSource`:
    a missing file, not a video, no decodable frame, frames of more than ``max_pixels`` pixels
    are each an ``InputError``). A damaged file
    is indexed as far as it can be read. Packets without timestamps give no keyframe to cut at:
    the video is then one chunk.
    """
    with FileSource(path, max_pixels=max_pixels) as source:  # the checks and one-line errors of a single run
        path = source.path
    times: list[Fraction] = []
    keyframes: list[Fraction] = []
    untimed = 0
    with av.open(os.fspath(path)) as container:
        stream = container.streams.video[0]
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except av.error.FFmpegError:
                break  # truncated: what came before is indexed, as a single run decodes it
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            if packet.pts is None:
                untimed += 1
                continue
            time = packet.pts * packet.time_base
            times.append(time)
            if packet.is_keyframe:
                keyframes.append(time)
    if untimed:  # frames are only counted: one chunk
        return KeyframeIndex(frame_times=tuple(map(Fraction, range(len(times) + untimed))), keyframe_times=())
    return KeyframeIndex(frame_times=tuple(sorted(times)), keyframe_times=tuple(sorted(keyframes)))


@dataclass(frozen=True, slots=True)
class Chunk:
    """One piece of a video for one worker (file times in seconds).

    The frames from ``start`` up to ``end`` (None: the end of the file) are stylized and
    encoded: ``frames`` of them. The frames from ``warmup`` up to ``start`` run through the
    stages first and are dropped, so that the stages' memory of earlier frames (the temporal
    blend's) is continuous at the seam. ``number`` counts from 0.
    """

    number: int
    warmup: Fraction
    start: Fraction
    end: Fraction | None
    frames: int


def plan_chunks(index: KeyframeIndex, *, seconds: float, warmup_frames: int, at_least: int = 1) -> list[Chunk]:
    """Cut the video at keyframes into chunks of at least ``seconds`` each (shorter when that
    makes at least ``at_least`` chunks: one per worker), each with up to ``warmup_frames``
    frames of warm-up before it. A video with no keyframe after its first frame is one chunk.
    """
    times = index.frame_times
    length = min(Fraction(seconds), (times[-1] - times[0]) / at_least)
    starts = [times[0]]
    for keyframe in index.keyframe_times:
        if keyframe - starts[-1] >= length and keyframe <= times[-1]:
            starts.append(keyframe)
    chunks = []
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], None])):
        first = bisect.bisect_left(times, start)
        last = len(times) if end is None else bisect.bisect_left(times, end)
        warmup = times[max(0, first - warmup_frames)]
        chunks.append(Chunk(number=number, warmup=warmup, start=start, end=end, frames=last - first))
    return chunks
