"""Join the chunks that workers encoded into one video file, without re-encoding: their packets
are remuxed in order, and the source's audio is muxed once, as a single run muxes it."""

from __future__ import annotations

import io
import os
from fractions import Fraction

import av

from ..core.files import describe
from ..core.protocols import ClosingContext
from ..errors import OutputError
from ..sinks.muxing import AudioCopy, MuxedOutput


class ChunkJoiner(ClosingContext):
    """Write the chunks given to :meth:`append`, in order, into one video file at ``path``.

    Each chunk is a media file (its bytes or its path) with one video stream, encoded with the
    same settings as the others and keeping the source's timestamps, as the workers of
    :mod:`streamart.distributed.workers` write them. Every audio stream of ``audio_from`` is
    muxed beside the video, whole, copied or re-encoded to AAC exactly as
    :class:`~streamart.sinks.encoder.EncoderSink` does (both through a
    :class:`~streamart.sinks.muxing.MuxedOutput`). The output is checked and claimed on
    construction, so that it can be done before the chunks are made; the file is written under a
    hidden temporary name and appears on :meth:`close`; :meth:`abort` (or an exception in a
    ``with`` block) leaves nothing.
    """

    def __init__(
        self, path: str | os.PathLike, *, audio_from: str | os.PathLike | None = None, overwrite: bool = False
    ) -> None:
        self._file = MuxedOutput(path, overwrite=overwrite)
        self.path = self._file.path
        self._audio_from = audio_from  # opened with the output, at the first chunk
        self._video: av.video.stream.VideoStream | None = None
        self._extradata: bytes | None = None
        self._last_dts: int | None = None
        self._chunks = 0
        self._closed = False

    def append(self, chunk: bytes | str | os.PathLike, *, start: Fraction | None = None) -> int:
        """Remux the next chunk's video packets into the output; returns how many there were.

        ``start`` is the source's time of the chunk's first frame: the chunk's timestamps are
        moved to put it there exactly (a container may have rounded where its file starts, as
        MP4 does to milliseconds).
        """
        if self._closed:
            raise ValueError("append() on a closed ChunkJoiner")
        try:
            with av.open(io.BytesIO(chunk) if isinstance(chunk, bytes) else os.fspath(chunk), "r") as container:
                stream = container.streams.video[0]
                assert stream.time_base is not None  # FFmpeg gives every demuxed stream one
                if self._file.container is None:
                    self._open(stream)
                elif stream.codec_context.extradata != self._extradata:
                    raise OutputError(
                        f"chunk {self._chunks} of {self.path} was encoded with other settings than the "
                        "first; encode every chunk with the same encoder and settings"
                    )
                packets = [packet for packet in container.demux(stream) if packet.size]
                times = [packet.pts for packet in packets if packet.pts is not None]
                shift = round(start / stream.time_base) - min(times) if start is not None and times else 0
                for packet in packets:
                    self._remux(packet, shift)
        except av.error.FFmpegError as exc:
            raise OutputError(f"joining chunk {self._chunks} into {self.path} failed ({describe(exc)})") from exc
        self._chunks += 1
        return len(packets)

    def _open(self, template: av.video.stream.VideoStream) -> None:
        if self._audio_from is not None:
            self._file.audio = AudioCopy(self._audio_from)
        self._video = self._file.open(lambda container: container.add_stream_from_template(template))
        self._video.time_base = template.time_base
        self._extradata = template.codec_context.extradata

    def _remux(self, packet: av.Packet, shift: int) -> None:
        """Mux one packet, its timestamps moved by ``shift``, and the audio up to it."""
        if packet.pts is not None:
            packet.pts += shift
        if packet.dts is not None:
            packet.dts += shift
        if self._last_dts is not None and (packet.dts is None or packet.dts <= self._last_dts):
            # A chunk's encoder starts its decode times a few frames before its first frame,
            # which can be on the previous chunk's last ones (or gives none: Matroska).
            packet.dts = self._last_dts + 1
        if packet.dts is not None:
            self._last_dts = packet.dts
        packet.stream = self._video
        assert self._file.container is not None  # append() opened it
        self._file.container.mux(packet)
        if packet.dts is not None:
            self._file.mux_audio_until(packet.dts * packet.time_base)

    def close(self) -> None:
        """Finish the file (with the rest of the audio) and rename it over ``path``; safe to
        call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._file.container is None:
            self.abort()
            raise OutputError(f"no chunk was joined, so {self.path} was not created")
        self._file.finish()

    def abort(self) -> None:
        """Drop the partial output; ``path`` is left as it was."""
        self._closed = True
        self._file.abort()
