"""The encoder's settings checked before any work: the encoder itself, its pixel format,
quality, preset and options (:func:`check_encode`), and the output container it writes into
(:func:`check_container`). Each error says what to change."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av

from ..config import DEFAULT_CRF, DEFAULT_QSCALE, EncodeConfig
from ..core.files import describe
from ..core.frame import LARGE_FRAME_PIXELS
from ..errors import DeviceError, OutputError

# Video encoders worth suggesting, in order; only those this FFmpeg build has are named.
_SUGGESTED_ENCODERS = (
    "libx264",
    "h264_nvenc",
    "h264_qsv",
    "h264_videotoolbox",
    "h264_vaapi",
    "libx265",
    "hevc_nvenc",
    "libsvtav1",
    "libaom-av1",
    "av1_nvenc",
    "libvpx-vp9",
    "mpeg4",
    "gif",
)


def even_size(width: int, height: int, pix_fmt: str) -> tuple[int, int]:
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
        raise OutputError(
            f"unknown video encoder {encoder!r}; choose one of: {', '.join(available_encoders())}"
        ) from None
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
    assert isinstance(context, av.video.codeccontext.VideoCodecContext)  # a video codec: checked above
    context.width, context.height = even_size(width, height, pix_fmt)
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


def _quality_options(encode: EncodeConfig, private: dict[str, av.codec.context.CodecOption]) -> dict[str, str]:
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


def _check_preset(encoder: str, option: av.codec.context.CodecOption, preset: str) -> str:
    """``preset`` if ``encoder`` has it, else an :class:`OutputError` listing the ones it has."""
    choices = [choice.name for choice in option.choices or ()] or list(_TEXT_PRESETS.get(encoder, ()))
    if choices:
        if preset not in choices:
            raise OutputError(f"encoder {encoder} has no preset {preset!r}; choose one of: {', '.join(choices)}")
        return preset
    if option.type == av.codec.context.OptionType.INT:  # a number (SVT-AV1: -2 .. 13)
        try:
            number = int(preset)
        except ValueError:
            number = None
        if number is None or not option.min <= number <= option.max:
            raise OutputError(f"encoder {encoder} takes a preset from {option.min:g} to {option.max:g}, not {preset!r}")
    return preset


def check_container(path: Path, encoder: str) -> None:
    """The extension must name a container FFmpeg can write, one that holds a video (not a
    picture per file), and one that holds the codec; what the error suggests instead works."""
    probe = io.BytesIO()
    probe.name = path.name  # PyAV guesses the muxer from the name, as for the real file
    try:
        container = av.open(probe, "w")
    except ValueError:
        raise OutputError(f"cannot tell the video format of {path.name} from its extension; use .mp4 or .mkv") from None
    with container:
        if container.format.name == "image2":  # .png, .jpg, ...: FFmpeg writes one file per frame
            raise OutputError(
                f"a {path.suffix} file holds a picture, not a video; use .mp4 or .mkv "
                "('streamart image' stylizes a picture)"
            )
        codec = av.Codec(encoder, "w").canonical_name
        if codec not in container.supported_codecs:
            fitting = [  # software encoders only: they need no particular GPU
                _with_pix_fmt(name)
                for name in available_encoders()
                if av.Codec(name, "w").canonical_name in container.supported_codecs
                and not av.Codec(name, "w").hardware_configs
            ]
            instead = f"--encoder {' or '.join(fitting)}" if fitting else "another encoder"
            raise OutputError(
                f"a {path.suffix} file cannot hold {codec} video from {encoder}; use .mp4 or .mkv, or {instead}"
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
