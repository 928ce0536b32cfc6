"""Argument groups and helpers shared by several subcommands (not a subcommand itself)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..config import DEFAULT_WORKING_SIZE, EncodeConfig, StyleConfig
from ..ops.flow import DIS_PRESETS
from ..assets.models import DEFAULT_STYLE
from ..core.runner import PipelineStats


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


def working_size(text: str) -> int | None:
    """argparse type: a size in pixels of at least 16, or 'full' (None: the frame's own size)."""
    if text == "full":
        return None
    value = positive_int(text)
    if value < 16:
        raise argparse.ArgumentTypeError(f"expected at least 16 pixels or 'full', got {value}")
    return value


def add_style_arguments(parser: argparse.ArgumentParser, *, temporal: bool, multiple: bool = False) -> None:
    """--style, --size, --strength, --preserve-color, --device (and --temporal, --flow-preset
    for video).

    ``multiple``: --style may be repeated (a list, for Gatys' style pictures).
    """
    group = parser.add_argument_group("style")
    group.add_argument(
        "--style",
        action="append" if multiple else "store",
        metavar="NAME|MODEL.onnx",
        help=f"style name ('streamart models' lists them) or ONNX model path (default: {DEFAULT_STYLE})"
        + ("; with --method gatys a style picture, repeat for several" if multiple else ""),
    )
    group.add_argument(
        "--size",
        type=working_size,
        default=DEFAULT_WORKING_SIZE,
        metavar="PX|full",
        help="working resolution as the shorter side in pixels: stylize smaller and resize "
        "back for bigger strokes and more speed; 'full' for the frame's own size "
        f"(default: {DEFAULT_WORKING_SIZE}, never enlarging)",
    )
    group.add_argument(
        "--strength", type=fraction, default=1.0, help="0 = original, 1 = fully stylized (default: 1)"
    )
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
        help="auto, cpu, cuda, tensorrt, directml, coreml, ... (default: auto, the fastest available)",
    )
    if temporal:
        from ..api import DEFAULT_TEMPORAL

        group.add_argument(
            "--temporal",
            type=fraction,
            default=DEFAULT_TEMPORAL,
            metavar="0..1",
            help=f"temporal consistency against flicker; 0 turns it off (default: {DEFAULT_TEMPORAL})",
        )
        from ..stages.temporal import DEFAULT_FLOW_PRESET

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
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only errors")


def add_encode_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = EncodeConfig()
    group = parser.add_argument_group("encoding")
    group.add_argument(
        "--encoder", default=defaults.encoder,
        help=f"video encoder, e.g. libx264, libx265, h264_nvenc (default: {defaults.encoder})",
    )
    group.add_argument(
        "--crf", type=int, default=defaults.crf,
        help=f"quality: lower is better and bigger (default: {defaults.crf})",
    )
    group.add_argument(
        "--preset", default=defaults.preset, help=f"encoder speed preset (default: {defaults.preset})"
    )
    group.add_argument(
        "--pix-fmt",
        default=defaults.pix_fmt,
        help=f"pixel format (default: {defaults.pix_fmt}, which every player decodes; it pads odd "
        "sizes by one pixel: yuv444p keeps them exact)",
    )


def encode_config(args: argparse.Namespace) -> EncodeConfig:
    return EncodeConfig(
        encoder=args.encoder, crf=args.crf, preset=args.preset, pix_fmt=args.pix_fmt, overwrite=args.overwrite
    )


class ProgressBar:
    """A tqdm bar over frames with fps and ETA, driven by the runner's progress callback."""

    def __init__(self, *, quiet: bool, description: str) -> None:
        self._bar = None
        self._quiet = quiet
        self._description = description

    def __call__(self, stats: PipelineStats) -> None:
        if self._quiet:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=stats.frame_count, desc=self._description, unit="frame", file=sys.stderr, dynamic_ncols=True)
        done = stats.frames_out
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def __enter__(self) -> Callable[[PipelineStats], None]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()


def report_stats(stats: PipelineStats, *, show: bool) -> None:
    if show:
        print(stats.summary(), file=sys.stderr)
