"""Argument groups and helpers shared by several subcommands (not a subcommand itself): each
``add_*_arguments`` adds a group of options, and the matching ``*_config`` turns the parsed
options into the config the API takes. Defaults come from the configs, never from here."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from ..api import PipelineStats
from ..art.dream_settings import DEFAULT_LAYERS, LOOK_FIELDS, PRESETS, DreamConfig, preset
from ..assets.models import DEFAULT_STYLE
from ..config import (
    DEFAULT_CHUNK_SECONDS,
    DEFAULT_CRF,
    DEFAULT_DREAM_BLEND,
    DEFAULT_DREAM_METHOD,
    DEFAULT_QSCALE,
    DEFAULT_WARMUP_FRAMES,
    DEFAULT_TEMPORAL,
    DEFAULT_WORKING_SIZE,
    DREAM_METHODS,
    VIDEO_DREAM_PRESET,
    VIDEO_DREAM_SETTINGS,
    ClusterConfig,
    DreamVideoConfig,
    MAX_PIXELS,
    EncodeConfig,
    LookConfig,
    StyleConfig,
)
from ..errors import InputError
from ..ops.flow import DEFAULT_FLOW_PRESET, DIS_PRESETS
from ..ops.image import load_image

log = logging.getLogger("streamart.cli")


def fraction(text: str) -> float:
    """argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got '{text}'") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def size_or_full(text: str) -> int | None:
    """argparse type: a size in pixels of at least 16, or 'full' (None: the frame's own size)."""
    if text == "full":
        return None
    value = positive_int(text)
    if value < 16:
        raise argparse.ArgumentTypeError(f"expected at least 16 pixels or 'full', got {value}")
    return value


def add_limit_argument(parser: argparse.ArgumentParser) -> None:
    """``--max-pixels``: the largest picture or video frame the command decodes."""
    parser.add_argument(
        "--max-pixels",
        type=positive_int,
        default=MAX_PIXELS,
        metavar="N",
        help="refuse pictures and video frames of more than N pixels, measured from their header before they "
        f"take memory (default: {MAX_PIXELS}, {MAX_PIXELS / 1e6:g} megapixels: 8K video and large photos fit)",
    )


def deprecated(old: str, new: str, meaning: str = "") -> None:
    """Say, once per use, that option ``old`` will go in 0.3 and ``new`` replaces it."""
    log.warning("%s is deprecated and goes in streamart 0.3: use %s%s", old, new, meaning)


def add_style_arguments(
    parser: argparse.ArgumentParser, *, temporal: bool, multiple: bool = False, size: int | None = DEFAULT_WORKING_SIZE
) -> None:
    """--style, --size, --strength, --preserve-color, --device (and --temporal, --flow-preset
    for video). ``multiple``: --style may be repeated (a list). ``size``: the default working
    size of this command."""
    group = parser.add_argument_group("style")
    group.add_argument(
        "--style",
        action="append" if multiple else "store",
        metavar="NAME|MODEL.onnx",
        help=f"style name ('streamart models' lists them) or ONNX model path (default: {DEFAULT_STYLE})"
        + ("; repeat for several" if multiple else ""),
    )
    group.add_argument(
        "--size",
        type=size_or_full,
        default=size,
        metavar="PX|full",
        help="working resolution as the shorter side in pixels: stylize smaller and resize "
        "back for bigger strokes and more speed; 'full' for the frame's own size "
        f"(default: {size}, never enlarging)",
    )
    group.add_argument("--strength", type=fraction, default=1.0, help="0 = original, 1 = fully stylized (default: 1)")
    group.add_argument(
        "--preserve-color",
        nargs="?",
        const="luminance",
        choices=("luminance", "histogram"),
        help="keep the input's colours: take only luminance from the style (histogram: "
        "recolour the style pictures first, Gatys only)",
    )
    group.add_argument(
        "--device",
        default="auto",
        help="auto, openvino (the CPU through OpenVINO), cpu (onnxruntime's CPU provider), cuda, tensorrt, rocm, "
        "directml or coreml (default: auto, the fastest available)",
    )
    if temporal:
        group.add_argument(
            "--temporal",
            type=fraction,
            default=DEFAULT_TEMPORAL,
            metavar="0..1",
            help=f"temporal consistency against flicker; 0 turns it off (default: {DEFAULT_TEMPORAL})",
        )
        # Flicker left at --temporal 0.5 (warping error vs per-frame stylization, starry_night,
        # tools/bench_temporal.py at 320x240): ultrafast 45 %, fast 38 %, medium 31 %.
        group.add_argument(
            "--flow-preset",
            choices=tuple(DIS_PRESETS),
            default=DEFAULT_FLOW_PRESET,
            help="optical flow behind --temporal and --dream, speed against flicker: ultrafast takes the least CPU "
            "but leaves more flicker; medium leaves the least at 2-3x the flow time of fast "
            f"(default: {DEFAULT_FLOW_PRESET})",
        )


def style_config(args: argparse.Namespace) -> StyleConfig:
    model = args.style[0] if isinstance(args.style, list) else args.style
    return StyleConfig(
        model=model,
        size=args.size,
        strength=args.strength,
        preserve_color=args.preserve_color is not None,
        device=args.device,
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-y", "--overwrite", action="store_true", help="replace the output file if it exists")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (warnings and errors still show)")


def add_encode_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = EncodeConfig()
    group = parser.add_argument_group("encoding")
    group.add_argument(
        "--encoder",
        default=defaults.encoder,
        help=f"video encoder, e.g. libx264, libx265, h264_nvenc (default: {defaults.encoder})",
    )
    group.add_argument(
        "--crf",
        type=int,
        help="quality of encoders with a constant rate factor (libx264, libx265, libvpx-vp9, ...; NVENC's cq): "
        f"lower is better and bigger (default: {DEFAULT_CRF})",
    )
    group.add_argument(
        "--qscale",
        type=int,
        metavar="Q",
        help="quality of encoders with a fixed quantiser instead (mpeg4, mpeg2video, mjpeg): 1 to 31, lower is "
        f"better and bigger (default: {DEFAULT_QSCALE})",
    )
    group.add_argument(
        "--encoder-preset",
        default=defaults.preset,
        metavar="PRESET",
        help=f"the encoder's speed preset, e.g. veryfast or slow for libx264 (default: {defaults.preset}); "
        "above 1080p, libx264 keeps no look-ahead, B-frames or extra reference frames at any preset, "
        "which bounds its memory",
    )
    # The old spelling, which clashed with the dream preset of `streamart dream`.
    group.add_argument("--preset", dest="old_encoder_preset", help=argparse.SUPPRESS)
    group.add_argument(
        "--pix-fmt",
        default=defaults.pix_fmt,
        help=f"pixel format (default: {defaults.pix_fmt}, which every player decodes; it pads odd "
        "sizes by one pixel: yuv444p keeps them exact)",
    )


def encode_config(args: argparse.Namespace) -> EncodeConfig:
    preset_name = args.encoder_preset
    if args.old_encoder_preset is not None:
        deprecated("--preset", "--encoder-preset")
        preset_name = args.old_encoder_preset
    return EncodeConfig(
        encoder=args.encoder,
        crf=args.crf,
        qscale=args.qscale,
        preset=preset_name,
        pix_fmt=args.pix_fmt,
        overwrite=args.overwrite,
    )


# Dream options given one by one override the preset's; their names are DreamConfig's fields.
_DREAM_FIELDS = (*LOOK_FIELDS, "seed")


def add_dream_arguments(parser: argparse.ArgumentParser, *, video: bool) -> None:
    """Add the DeepDream options to ``parser``.

    With ``video=True`` (for ``streamart video`` / ``webcam``) this adds ``--dream [PRESET]``,
    which turns dreaming on, and ``--dream-blend``; the working size, the device and the flow
    preset then come from the command's own ``--size``, ``--device`` and ``--flow-preset``.
    Without it, the caller adds ``--preset`` and ``--device`` itself (as ``streamart dream``
    does).
    """
    group = parser.add_argument_group("dream")
    if video:
        group.add_argument(
            "--dream",
            nargs="?",
            const=VIDEO_DREAM_PRESET,
            choices=PRESETS,
            metavar="PRESET",
            help=f"DeepDream every frame, starting from PRESET (one of {', '.join(PRESETS)}; "
            f"default: {VIDEO_DREAM_PRESET}); per frame {VIDEO_DREAM_SETTINGS['octaves']} octave and "
            f"{VIDEO_DREAM_SETTINGS['steps']} steps unless --octaves/--steps say otherwise",
        )
        group.add_argument(
            "--dream-blend",
            type=fraction,
            default=DEFAULT_DREAM_BLEND,
            metavar="0..1",
            help="share of the previous dream, warped along the motion, in each frame's start: "
            f"higher is steadier and stronger, 0 dreams every frame afresh (default: {DEFAULT_DREAM_BLEND}); "
            "ascent only",
        )
        group.add_argument(
            "--dream-method",
            choices=DREAM_METHODS,
            default=DEFAULT_DREAM_METHOD,
            help="how --dream dreams: ascent (gradient ascent on every frame: needs torch, live on a GPU), "
            "net (the preset's dream network, one pass of a small network: live on a CPU, no torch; "
            "'streamart models' lists them; --temporal steadies it) or auto: net where the preset has one "
            f"and torch sees no CUDA GPU, else ascent (default: {DEFAULT_DREAM_METHOD})",
        )
    group.add_argument(
        "--network",
        choices=tuple(DEFAULT_LAYERS),
        help="network to dream with (default: the preset's, or the one that has the --layer)",
    )
    group.add_argument(
        "--layer",
        dest="layers",
        action="append",
        metavar="NAME",
        help="layer whose activations to amplify: vgg16's relu3_3, relu4_3, ... or "
        "efficientnet_lite0's block0 .. block15 (repeat for several; default: the preset's)",
    )
    group.add_argument(
        "--channels",
        type=int,
        nargs="+",
        metavar="N",
        help="amplify only these channels of the layer(s)",
    )
    group.add_argument(
        "--class",
        dest="class_index",
        type=int,
        metavar="N",
        help="amplify ImageNet class N (0..999, e.g. 967 espresso) with efficientnet_lite0",
    )
    group.add_argument("--octaves", type=positive_int, help="number of scales (default: the preset's)")
    group.add_argument("--octave-scale", type=float, metavar="S", help="size ratio between octaves, above 1")
    group.add_argument("--steps", type=int, help="ascent steps per octave")
    group.add_argument("--step-size", type=float, metavar="S", help="mean pixel change per step, in grey levels")
    group.add_argument("--jitter", type=int, metavar="PX", help="largest random shift per step")
    group.add_argument("--smoothing", type=float, metavar="PX", help="gradient blur radius (sigma), 0 = off")
    group.add_argument("--guide", metavar="IMAGE", help="match this picture's features instead of amplifying")
    group.add_argument("--seed", type=int, help="make the result repeatable")


def dream_config(args: argparse.Namespace, *, video: bool) -> DreamConfig:
    """The :class:`DreamConfig` that ``args`` describe: the preset (``--preset``, or ``--dream
    PRESET`` when ``video``), then, for video, the per-frame settings, then every option given
    explicitly. Loads the guide image if one is named."""
    overrides: dict[str, Any] = dict(VIDEO_DREAM_SETTINGS) if video else {}
    overrides.update({name: getattr(args, name) for name in _DREAM_FIELDS if getattr(args, name) is not None})
    if args.guide is not None:
        overrides["guide"] = load_image(args.guide, max_pixels=args.max_pixels)
    return preset(args.dream if video else args.preset, device=args.device, **overrides)


def dream_video_config(args: argparse.Namespace) -> DreamVideoConfig:
    """What ``streamart video/webcam --dream`` asked for."""
    return DreamVideoConfig(
        dream=dream_config(args, video=True),
        blend=args.dream_blend,
        size=args.size,
        flow_preset=args.flow_preset,
        method=args.dream_method,
    )


def look_config(args: argparse.Namespace) -> LookConfig:
    """The look that ``streamart video/webcam`` asked for: the style, its temporal consistency
    and flow preset, or ``--dream``."""
    if args.dream_method != DEFAULT_DREAM_METHOD and not args.dream:
        raise InputError(f"--dream-method {args.dream_method} chooses how --dream dreams: add --dream PRESET")
    return LookConfig(
        style=style_config(args),
        temporal=args.temporal,
        flow_preset=args.flow_preset,
        dream=dream_video_config(args) if args.dream else None,
    )


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers, --cluster, --chunk-seconds, --warmup-frames: spreading the work over Ray."""
    group = parser.add_argument_group("scaling (needs streamart[ray]; docs/SCALING.md)")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="start a local Ray runtime and spread the work over N workers, each with its share of the cores",
    )
    where.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="join a running Ray cluster (host:port, or auto for the one this machine is in); "
        "the inputs must be at the same path on every machine",
    )
    group.add_argument(
        "--chunk-seconds",
        type=float,
        default=DEFAULT_CHUNK_SECONDS,
        metavar="S",
        help=f"cut long videos at keyframes into chunks of about S seconds (default: {DEFAULT_CHUNK_SECONDS:g})",
    )
    group.add_argument(
        "--warmup-frames",
        type=int,
        default=DEFAULT_WARMUP_FRAMES,
        metavar="N",
        help="frames before each chunk that run through the stages, so the temporal consistency "
        f"carries across the seam, and are dropped (default: {DEFAULT_WARMUP_FRAMES})",
    )


def cluster_config(args: argparse.Namespace) -> ClusterConfig | None:
    """The :class:`ClusterConfig` that --workers or --cluster asked for; None for neither."""
    if args.workers is None and args.cluster is None:
        return None
    return ClusterConfig(
        workers=args.workers, address=args.cluster, chunk_seconds=args.chunk_seconds, warmup_frames=args.warmup_frames
    )


def report_stats(stats: PipelineStats | None, *, show: bool) -> None:
    if show and stats is not None:
        print(stats.summary(), file=sys.stderr)
