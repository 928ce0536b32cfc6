"""``streamart video IN OUT``: stylize a video file, keeping its audio and timestamps."""

from __future__ import annotations

import argparse

from .. import api
from ..errors import StreamartError
from .dream import add_dream_arguments, dream_stages_from_args
from .options import (
    ProgressBar,
    add_encode_arguments,
    add_output_arguments,
    add_style_arguments,
    encode_config,
    report_stats,
    style_config,
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "video",
        help="stylize a video file",
        description="Stylize a video file. The audio is copied, timestamps are kept, and the "
        "output appears only when the run succeeds.",
    )
    parser.add_argument("input", help="input video (anything FFmpeg reads)")
    parser.add_argument("output", help="output video, e.g. out.mp4")
    add_style_arguments(parser, temporal=True)
    add_dream_arguments(parser, video=True)
    add_encode_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--stats", action="store_true", help="print per-stage timings at the end")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.dream and args.style:
        raise StreamartError("choose --style or --dream, not both")
    if args.dream:
        stages = lambda: dream_stages_from_args(args)  # noqa: E731 - built after the I/O checks
    else:
        style = style_config(args)
        stages = lambda: api.build_style_stages(style, temporal=args.temporal)  # noqa: E731
    with ProgressBar(quiet=args.quiet, description="dreaming" if args.dream else "stylizing") as progress:
        stats = api.process_video(args.input, args.output, stages, encode=encode_config(args), on_progress=progress)
    report_stats(stats, show=args.stats)
    return 0
