"""An output video file muxed with a media file's audio beside its video: what the encoder sink
(:class:`~streamart.sinks.encoder.EncoderSink`) and the chunk joiner
(:class:`~streamart.distributed.stitching.ChunkJoiner`) share, each owning a :class:`MuxedOutput`."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av

from ..core.files import OutputFile, describe
from ..errors import InputError, InputNotFoundError, OutputError
from ..ops.video import open_input

log = logging.getLogger(__name__)

# How far before a trimmed start the audio input is sought: more than muxers interleave.
_AUDIO_SEEK_MARGIN = 1


class MuxedOutput:
    """An output file muxed under a temporary name (:class:`~streamart.core.files.OutputFile`:
    ``path`` is checked and claimed on construction), with ``audio`` (an :class:`AudioCopy`, None
    for none; set it before :meth:`open`) beside its video.

    The owner opens the file with its video stream (:meth:`open`), muxes its video packets into
    :attr:`container` and the audio up to them (:meth:`mux_audio_until`), and then either
    finishes the file (:meth:`finish`: renamed over ``path``) or drops it (:meth:`abort`:
    ``path`` is left as it was). Both release the audio's input.
    """

    def __init__(self, path: str | os.PathLike, *, overwrite: bool = False) -> None:
        self._output = OutputFile(path, overwrite=overwrite)
        self.path = self._output.path
        self.audio: AudioCopy | None = None
        self.container: av.container.OutputContainer | None = None  # None until opened

    def open(
        self, add_video: Callable[[av.container.OutputContainer], av.video.stream.VideoStream]
    ) -> av.video.stream.VideoStream:
        """Create the temporary file with the video stream that ``add_video`` adds to it, then a
        stream for each of the audio's; return the video stream."""
        self.container = av.open(os.fspath(self._output.temporary), "w")
        video = add_video(self.container)
        if self.audio is not None:
            self.audio.add_streams(self.container)
        return video

    def mux_audio_until(self, until: Fraction | float) -> None:
        """Mux the audio up to ``until`` seconds (see :meth:`AudioCopy.mux_until`)."""
        if self.audio is not None:
            self.audio.mux_until(until)

    def finish(self, end_video: Callable[[], Fraction | float] | None = None) -> None:
        """End the video, mux the rest of the audio, close the file and rename it over ``path``;
        on any failure drop it instead (a muxing error becomes an OutputError). ``end_video``
        writes what the video stream still holds and returns the second at which the audio
        stops; None: there is nothing to write, and all of the audio is kept."""
        try:
            assert self.container is not None, "finish() comes after open()"
            audio_end = math.inf if end_video is None else end_video()
            if self.audio is not None:
                self.audio.finish(audio_end)
            self.container.close()
            if self.audio is not None:
                self.audio.close()
        except BaseException as exc:
            self.abort()
            if isinstance(exc, av.error.FFmpegError):
                raise OutputError(f"cannot finish {self.path} ({describe(exc)}); check free disk space") from exc
            raise
        self._output.commit()

    def abort(self) -> None:
        """Drop the partial output; ``path`` is left as it was."""
        if self.container is not None:
            try:
                self.container.close()
            except av.error.FFmpegError:
                pass  # the file is being thrown away; a failing trailer does not matter
        if self.audio is not None:
            self.audio.close()
        self._output.discard()


class AudioCopy:
    """The audio streams of a media file, muxed into an output beside its video (by
    :class:`MuxedOutput`).

    Each stream is copied without re-encoding when the output container accepts its codec,
    else re-encoded to AAC. ``start`` (seconds in the file) is where the output's time 0 lies:
    audio before it is left out and the rest shifted to start at 0. Audio is cut between
    packets (about 21 ms at 48 kHz AAC), at the boundary nearest to each end. Call
    :meth:`add_streams` before the output's first packet, :meth:`mux_until` as its video
    advances, :meth:`finish` before closing it, and :meth:`close` in any case. ``plain_only``:
    see :func:`~streamart.ops.video.open_input`.
    """

    def __init__(
        self, path: str | os.PathLike, *, start: float | Fraction | None = None, plain_only: bool = False
    ) -> None:
        self._input = _open_audio(path, plain_only=plain_only)
        self._start = None if start is None else Fraction(start)
        self._container: av.container.OutputContainer | None = None
        # Per input audio stream: the output stream, and whether packets are copied.
        self._routes: dict[int, tuple[av.audio.stream.AudioStream, bool]] = {}
        # Per audio stream: ticks subtracted from its packets' timestamps (the first packet
        # kept, when trimming; 0 otherwise).
        self._shifts: dict[int, int] = {}
        self._packets: Iterator[av.Packet[av.audio.stream.AudioStream]] | None = None
        self._pending: av.Packet[av.audio.stream.AudioStream] | None = None

    def add_streams(self, container: av.container.OutputContainer) -> None:
        """Add an output stream to ``container`` for every audio stream of the file."""
        self._container = container
        accepted = container.supported_codecs
        for source in self._input.streams.audio:
            copied = source.codec_context.name in accepted
            if not copied and "aac" not in accepted:
                log.warning("%s holds no sound, so the audio is left out", container.format.long_name)
                continue
            if copied:
                target = container.add_stream_from_template(source)
            else:
                layout = _aac_layout(source.layout)
                target = container.add_stream("aac", rate=source.rate, layout=layout)
                # the AAC encoder takes planar float only, the one format it lists
                formats = target.codec_context.codec.audio_formats
                assert formats, "an audio encoder lists its formats"
                target.format = formats[0]
            self._routes[source.index] = (target, copied)
        if self._routes:
            if self._start is not None and self._start > _AUDIO_SEEK_MARGIN:
                # Skip most of what comes before the start; packets are then dropped one
                # by one up to it. The margin covers packets stored before the video
                # keyframe that the seek lands on.
                seek_to = (self._start - _AUDIO_SEEK_MARGIN) * av.time_base
                try:
                    self._input.seek(math.floor(seek_to))
                except av.error.FFmpegError:
                    pass  # not seekable: every packet before the start is dropped instead
            self._packets = self._input.demux(self._input.streams.audio)

    def mux_until(self, until: Fraction | float) -> None:
        """Mux the audio packets whose middle lies before ``until`` seconds, so audio is cut at
        the packet boundary nearest to it."""
        if self._packets is None:
            return
        while True:
            packet = self._pending
            if packet is None:
                packet = next(self._packets, None)
            self._pending = None
            if packet is None:
                self._packets = None
                return
            if packet.pts is None:
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker; finish() drains the decoders
                self._route(packet)
                continue
            index = packet.stream.index
            middle = (packet.pts + Fraction(packet.duration or 0, 2)) * packet.time_base
            if index not in self._shifts:
                if self._start is None:
                    self._shifts[index] = 0
                elif middle < self._start:
                    continue  # before the trimmed start
                else:
                    self._shifts[index] = packet.pts
            middle -= self._shifts[index] * packet.time_base
            if middle >= until:
                self._pending = packet
                return
            self._route(packet)

    def finish(self, until: Fraction | float) -> None:
        """Mux the audio up to ``until`` seconds (``math.inf``: all of it) and drain the
        re-encoded streams."""
        self.mux_until(until)
        for source in self._input.streams.audio:
            route = self._routes.get(source.index)
            if route is not None and not route[1]:
                # drain the decoder (the audio may have stopped mid-stream), then the encoder
                self._reencode(source.decode(None), route[0])
                self._output.mux(route[0].encode(None))

    def close(self) -> None:
        """Release the input file; safe to call more than once."""
        self._input.close()

    @property
    def _output(self) -> av.container.OutputContainer:
        """The container that :meth:`add_streams` was given; routes exist only after it."""
        assert self._container is not None
        return self._container

    def _route(self, packet: av.Packet[av.audio.stream.AudioStream]) -> None:
        index = packet.stream.index
        target, copied = self._routes[index]
        if copied:
            shift = self._shifts.get(index, 0)
            if packet.pts is not None:
                packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = target
            self._output.mux(packet)
        else:
            self._reencode(packet.decode(), target)

    def _reencode(self, frames: list[av.AudioFrame], target: av.audio.stream.AudioStream) -> None:
        for decoded in frames:
            decoded.pts = None  # the AAC encoder numbers its own frames after resampling
            self._output.mux(target.encode(decoded))


def _aac_layout(layout: av.AudioLayout) -> str:
    """A named layout AAC can take; some containers only say "N channels" (no order)."""
    if "channels" not in layout.name:
        return layout.name
    return {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(layout.nb_channels, "stereo")


def _open_audio(path: str | os.PathLike, *, plain_only: bool) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"audio source {path} does not exist; check the path")
    try:
        return open_input(path, plain_only=plain_only)
    except av.error.FFmpegError as exc:
        raise InputError(f"cannot read audio from {path} ({describe(exc)}); give a media file") from None
