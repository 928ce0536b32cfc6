"""Encode frames into a video file through PyAV, copying the input's audio."""

from __future__ import annotations

import io
import logging
import math
import os
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av

from ..config import DEFAULT_CRF, DEFAULT_QSCALE, EncodeConfig
from ..core.files import OutputFile, describe
from ..core.frame import LARGE_FRAME_PIXELS, Frame
from ..core.protocols import ClosingContext, StreamInfo
from ..errors import DeviceError, InputError, InputNotFoundError, OutputError
from ..ops.image import pad_to
from ..ops.video import BT709, from_rgb, open_input

log = logging.getLogger(__name__)

# Video encoders worth suggesting, in order; only those this FFmpeg build has are named.
_SUGGESTED_ENCODERS = (
    "libx264", "h264_nvenc", "h264_qsv", "h264_videotoolbox", "h264_vaapi", "libx265",
    "hevc_nvenc", "libsvtav1", "libaom-av1", "av1_nvenc", "libvpx-vp9", "mpeg4", "gif",
)
# Where a live source gives no timestamps, frames are placed on this clock.
_FALLBACK_TIME_BASE = Fraction(1, 90_000)
# How far before a trimmed start the audio input is sought: more than muxers interleave.
_AUDIO_SEEK_MARGIN = 1


class MuxedFile(ClosingContext):
    """An output file muxed under a temporary name (:class:`~streamart.core.files.OutputFile`),
    with the source's audio beside its video (:class:`AudioCopy`): how it is finished and how it
    is dropped, shared by :class:`EncoderSink` and the chunk joiner of
    :mod:`streamart.distributed`. Subclasses set ``path``, ``_output``, ``_container`` (None
    until opened), ``_audio`` (None without audio) and ``_closed``."""

    path: Path
    _output: OutputFile
    _container: av.container.OutputContainer | None
    _audio: AudioCopy | None
    _closed: bool

    def _flush_video(self) -> None:
        """Write what the video stream still holds (nothing, unless a subclass encodes)."""

    def _audio_end(self) -> Fraction | float:
        """Seconds at which the audio stops: all of it, unless a subclass says otherwise."""
        return math.inf

    def _finish(self) -> None:
        """End the video, mux the rest of the audio, close the file and rename it over
        ``path``; on any failure drop it instead (a muxing error becomes an OutputError)."""
        try:
            self._flush_video()
            if self._audio is not None:
                self._audio.finish(self._audio_end())
            self._container.close()
            if self._audio is not None:
                self._audio.close()
        except BaseException as exc:
            self.abort()
            if isinstance(exc, av.error.FFmpegError):
                raise OutputError(f"cannot finish {self.path} ({describe(exc)}); check free disk space") from exc
            raise
        self._output.commit()

    def abort(self) -> None:
        """Drop the partial output; ``path`` is left as it was."""
        self._closed = True
        if self._container is not None:
            try:
                self._container.close()
            except av.error.FFmpegError:
                pass  # the file is being thrown away; a failing trailer does not matter
        if self._audio is not None:
            self._audio.close()
        self._output.discard()


class EncoderSink(MuxedFile):
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
        audio_start: float | None = None,
        audio_tail: Callable[[], bool] | None = None,
        audio_plain_only: bool = False,
        encode: EncodeConfig = EncodeConfig(),
    ) -> None:
        self._encoder = encode.encoder
        self._pix_fmt = encode.pix_fmt
        self._threads = encode.threads
        self._options = check_encode(encode, info.width, info.height)
        self._output = OutputFile(path, overwrite=encode.overwrite)  # first: a folder is no format
        self.path = self._output.path
        self._info = info
        self._time_base = info.time_base or _FALLBACK_TIME_BASE
        try:
            _check_container(self.path, encode.encoder)
            self._audio = (
                AudioCopy(audio_from, start=audio_start, plain_only=audio_plain_only) if audio_from is not None else None
            )
        except BaseException:
            self._output.discard()
            raise
        self._container: av.container.OutputContainer | None = None
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
            raise OutputError(
                f"writing {self.path} failed ({describe(exc)}); check free disk space"
            ) from exc

    def _write(self, frame: Frame) -> None:
        if self._container is None:
            self._open(frame.width, frame.height)
        assert self._video is not None and self._container is not None
        if (frame.width, frame.height) != self._frame_size:
            raise ValueError(
                f"frame {frame.index} is {frame.width}x{frame.height}, but the video was started "
                f"at {self._frame_size[0]}x{self._frame_size[1]}; every frame must have one size"
            )
        image = pad_to(frame.image, self._video.width, self._video.height)
        video_frame = from_rgb(image, self._pix_fmt)
        video_frame.pts = self._pts(frame)
        video_frame.time_base = self._time_base
        self._container.mux(self._video.encode(video_frame))
        if self._audio is not None:
            self._audio.mux_until(video_frame.pts * self._time_base)

    def close(self) -> None:
        """Finish the file and rename it over ``path``; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._container is None:
            log.warning("no frames were written, so %s was not created", self.path)
            self.abort()
            return
        self._finish()

    def _flush_video(self) -> None:
        self._container.mux(self._video.encode(None))  # the frames the encoder still holds

    def _audio_end(self) -> Fraction | float:
        """The audio ends with the last frame, unless the source was played to its end."""
        whole = self._audio_tail is not None and self._audio_tail()
        return math.inf if whole else self._video_end()

    def _open(self, width: int, height: int) -> None:
        self._frame_size = (width, height)
        self._container = container = av.open(os.fspath(self._output.temporary), "w")
        rate = Fraction(self._info.fps).limit_denominator(1001) if self._info.fps else None
        video = container.add_stream(self._encoder, rate=rate)
        video.width, video.height = _even_size(width, height, self._pix_fmt)
        video.pix_fmt = self._pix_fmt
        video.codec_context.time_base = self._time_base
        video.time_base = self._time_base
        video.options = self._options
        if self._threads is not None:
            video.codec_context.thread_count = self._threads
        if not av.VideoFormat(self._pix_fmt).is_rgb:
            # Frames are converted with the BT.709 matrix (from_rgb); say so in the stream: an
            # untagged stream leaves players guessing (BT.601 or BT.709 by size).
            context = video.codec_context
            context.colorspace = context.color_primaries = context.color_trc = BT709
            context.color_range = 1  # limited (MPEG) range, what players expect
        self._video = video
        if self._audio is not None:
            self._audio.add_streams(container)

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


class AudioCopy:
    """The audio streams of a media file, muxed into an output beside its video (by
    :class:`EncoderSink`, and by the joining of chunks in :mod:`streamart.distributed`).

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
        self._routes: dict[int, tuple[av.stream.Stream, bool]] = {}
        # Per audio stream: ticks subtracted from its packets' timestamps (the first packet
        # kept, when trimming; 0 otherwise).
        self._shifts: dict[int, int] = {}
        self._packets: Iterator[av.Packet] | None = None
        self._pending: av.Packet | None = None

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
                # the AAC encoder takes planar float only
                target.format = target.codec_context.codec.audio_formats[0]
            self._routes[source.index] = (target, copied)
        if self._routes:
            if self._start is not None and self._start > _AUDIO_SEEK_MARGIN:
                # Skip most of what comes before the start; packets are then dropped one
                # by one up to it. The margin covers packets stored before the video
                # keyframe that the seek lands on.
                target = (self._start - _AUDIO_SEEK_MARGIN) * av.time_base
                try:
                    self._input.seek(math.floor(target))
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
        for index, (stream, copied) in self._routes.items():
            if not copied:
                # drain the decoder (the audio may have stopped mid-stream), then the encoder
                self._reencode(self._input.streams[index].decode(None), stream)
                self._container.mux(stream.encode(None))

    def close(self) -> None:
        """Release the input file; safe to call more than once."""
        self._input.close()

    def _route(self, packet: av.Packet) -> None:
        index = packet.stream.index
        target, copied = self._routes[index]
        if copied:
            shift = self._shifts.get(index, 0)
            if packet.pts is not None:
                packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = target
            self._container.mux(packet)
        else:
            self._reencode(packet.decode(), target)

    def _reencode(self, frames: list[av.AudioFrame], target: av.audio.stream.AudioStream) -> None:
        for decoded in frames:
            decoded.pts = None  # the AAC encoder numbers its own frames after resampling
            self._container.mux(target.encode(decoded))


def _aac_layout(layout: av.AudioLayout) -> str:
    """A named layout AAC can take; some containers only say "N channels" (no order)."""
    if "channels" not in layout.name:
        return layout.name
    return {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(layout.nb_channels, "stereo")


def _even_size(width: int, height: int, pix_fmt: str) -> tuple[int, int]:
    """The size the encoder gets: rounded up to what the pixel format's chroma grid needs."""
    components = av.VideoFormat(pix_fmt, 2, 2).components
    if len(components) < 3:  # grey (and alpha): no chroma planes to subsample
        return width, height
    luma, chroma = components[:2]
    step_x = 2 if chroma.width < luma.width else 1
    step_y = 2 if chroma.height < luma.height else 1
    return width + (-width) % step_x, height + (-height) % step_y


#: The speed presets of encoders whose preset option is free text (x264 and x265 check it
#: only when they start).
_TEXT_PRESETS = {
    name: ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
    for name in ("libx264", "libx265")
}
#: Constant-quality ranges where the encoder's own option does not say (x264 and x265 declare
#: their crf as any float, and clamp it).
_QUALITY_RANGES = {"libx264": (0, 51), "libx265": (0, 51)}


def check_encode(encode: EncodeConfig, width: int, height: int) -> dict[str, str]:
    """Check every setting of ``encode`` against what its encoder accepts, before any work, and
    return the encoder's private options. Opens the encoder once with the real settings, so a
    missing GPU fails now, not after the first frame has been decoded. A value the encoder
    lacks is an :class:`OutputError` that lists the ones it has."""
    encoder, pix_fmt = encode.encoder, encode.pix_fmt
    try:
        codec = av.Codec(encoder, "w")
        private = {option.name: option for option in av.CodecContext.create(codec, "w").supported_options.private}
    except (av.codec.codec.UnknownCodecError, av.error.FFmpegError, ValueError):
        raise OutputError(f"unknown video encoder {encoder!r}; choose one of: {', '.join(available_encoders())}") from None
    if codec.type != "video":
        raise OutputError(f"{encoder} is not a video encoder; choose one of: {', '.join(available_encoders())}")
    formats = [f.name for f in codec.video_formats or ()]
    if (formats and pix_fmt not in formats) or not _known_format(pix_fmt):
        raise OutputError(f"encoder {encoder} does not take pix_fmt {pix_fmt}; choose one of: {', '.join(formats)}")
    options = _quality_options(encode, private)
    if encode.preset is not None and "preset" in private:
        options["preset"] = _check_preset(encoder, private["preset"], encode.preset)
    if encoder == "libx264" and width * height > LARGE_FRAME_PIXELS:
        options["x264-params"] = _X264_LARGE_FRAMES
    if encoder == "libx265":
        # x265 prints its banner and settings (20 lines) and a summary itself, past FFmpeg's
        # log level: keep its errors only, so that -q is quiet and errors stay one line.
        options["x265-params"] = "log-level=error"
    context = av.CodecContext.create(codec, "w")
    context.width, context.height = _even_size(width, height, pix_fmt)
    context.pix_fmt = pix_fmt
    context.time_base = Fraction(1, 30)
    context.options = options
    try:
        context.open()
    except av.error.FFmpegError as exc:
        if codec.hardware_configs:  # NVENC, QSV, VAAPI...: the usual cause is a missing device
            raise DeviceError(
                f"encoder {encoder} cannot start ({describe(exc)}): it needs its GPU and driver; "
                "use --encoder libx264 (CPU) instead"
            ) from None
        listed = ", ".join(f"{name}={value}" for name, value in {**options, "pix_fmt": pix_fmt}.items())
        raise OutputError(f"encoder {encoder} rejects {listed} ({describe(exc)}); change these settings") from None
    return options


def _quality_options(encode: EncodeConfig, private: dict[str, av.option.Option]) -> dict[str, str]:
    """The options that set ``encode``'s quality on its encoder's own scale: a constant rate
    factor where it has one, else a fixed quantiser where it has that; the default of that
    scale where none is given. A quality on a scale the encoder lacks is an OutputError."""
    encoder = encode.encoder
    crf_name = next((name for name in ("crf", "cq") if name in private), None)
    if crf_name is not None:
        if encode.qscale is not None:
            raise OutputError(f"encoder {encoder} takes --crf, not --qscale; leave --qscale out")
        crf = DEFAULT_CRF if encode.crf is None else encode.crf
        low, high = _QUALITY_RANGES.get(encoder, (max(private[crf_name].min, 0), private[crf_name].max))
        if not low <= crf <= high:
            raise OutputError(f"--crf {crf} is out of range for {encoder}: give {low:g} to {high:g}")
        return {crf_name: str(crf)}
    if encoder in _QSCALE_ENCODERS:
        if encode.crf is not None:
            raise OutputError(
                f"encoder {encoder} has no --crf; leave it out, or set its quality with --qscale 1 to 31 "
                f"(lower is better; default: {DEFAULT_QSCALE})"
            )
        qscale = DEFAULT_QSCALE if encode.qscale is None else encode.qscale
        if not 1 <= qscale <= 31:
            raise OutputError(f"--qscale {qscale} is out of range for {encoder}: give 1 to 31")
        # The quantiser held between its bounds: how FFmpeg's -q:v reaches these encoders,
        # which PyAV cannot pass per frame.
        return {"qmin": str(qscale), "qmax": str(qscale)}
    for option, value in (("--crf", encode.crf), ("--qscale", encode.qscale)):
        if value is not None:
            raise OutputError(f"encoder {encoder} has no quality setting that streamart knows; leave {option} out")
    return {}


#: Encoders of FFmpeg's MPEG-video family, whose quality is a fixed quantiser (1 best to 31).
_QSCALE_ENCODERS = frozenset({"mpeg4", "mpeg2video", "mpeg1video", "mjpeg"})


#: Above 1080p, x264 at any preset keeps only the frames it cannot do without: no look-ahead
#: (and so no macroblock tree), no B-frames, one reference frame. At 4K the frames it holds
#: for medium's usual set took 0.67 GB on their own (1.28 GB with its full look-ahead).
#: Measured on a stylized 4K clip at medium: 0.25 GB instead, 2.1-2.6x faster, and 0-2 % more
#: bytes for the same PSNR (docs/BENCHMARKS.md, "Memory on a 4K clip").
_X264_LARGE_FRAMES = "rc-lookahead=0:mbtree=0:bframes=0:ref=1"


def _known_format(pix_fmt: str) -> bool:
    try:
        av.VideoFormat(pix_fmt)
    except ValueError:
        return False
    return True


def _check_preset(encoder: str, option: av.option.Option, preset: str) -> str:
    """``preset`` if ``encoder`` has it, else an :class:`OutputError` listing the ones it has."""
    choices = [choice.name for choice in option.choices or ()] or list(_TEXT_PRESETS.get(encoder, ()))
    if choices:
        if preset not in choices:
            raise OutputError(f"encoder {encoder} has no preset {preset!r}; choose one of: {', '.join(choices)}")
        return preset
    if option.type == av.option.OptionType.INT:  # a number (SVT-AV1: -2 .. 13)
        try:
            number = int(preset)
        except ValueError:
            number = None
        if number is None or not option.min <= number <= option.max:
            raise OutputError(f"encoder {encoder} takes a preset from {option.min:g} to {option.max:g}, not {preset!r}")
    return preset


def _check_container(path: Path, encoder: str) -> None:
    """The extension must name a container FFmpeg can write, one that holds a video (not a
    picture per file), and one that holds the codec; what the error suggests instead works."""
    probe = io.BytesIO()
    probe.name = path.name  # PyAV guesses the muxer from the name, as for the real file
    try:
        container = av.open(probe, "w")
    except ValueError:
        raise OutputError(
            f"cannot tell the video format of {path.name} from its extension; use .mp4 or .mkv"
        ) from None
    with container:
        if container.format.name == "image2":  # .png, .jpg, ...: FFmpeg writes one file per frame
            raise OutputError(
                f"a {path.suffix} file holds a picture, not a video; use .mp4 or .mkv "
                "('streamart image' stylizes a picture)"
            )
        codec = av.Codec(encoder, "w").canonical_name
        if codec not in container.supported_codecs:
            fitting = [  # software encoders only: they need no particular GPU
                _with_pix_fmt(name) for name in available_encoders()
                if av.Codec(name, "w").canonical_name in container.supported_codecs
                and not av.Codec(name, "w").hardware_configs
            ]
            instead = f"--encoder {' or '.join(fitting)}" if fitting else "another encoder"
            raise OutputError(
                f"a {path.suffix} file cannot hold {codec} video from {encoder}; "
                f"use .mp4 or .mkv, or {instead}"
            )


def _with_pix_fmt(encoder: str) -> str:
    """``encoder`` as the --encoder option names it, with the --pix-fmt it needs where it does
    not take the default one."""
    formats = [f.name for f in av.Codec(encoder, "w").video_formats or ()]
    default = EncodeConfig().pix_fmt
    return encoder if not formats or default in formats else f"{encoder} --pix-fmt {formats[0]}"


def available_encoders() -> list[str]:
    """Video encoders this FFmpeg build has (a hardware one may still lack its device)."""
    return [name for name in _SUGGESTED_ENCODERS if name in av.codecs_available]


def _open_audio(path: str | os.PathLike, *, plain_only: bool) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"audio source {path} does not exist; check the path")
    try:
        return open_input(path, plain_only=plain_only)
    except av.error.FFmpegError as exc:
        raise InputError(
            f"cannot read audio from {path} ({describe(exc)}); give a media file"
        ) from None
