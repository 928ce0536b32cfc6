"""``streamart video IN OUT``: stylize (or DeepDream) a video file, keeping its audio and
timestamps."""

from __future__ import annotations

import argparse
import re

from .. import api
from ..errors import InputError, StreamartError
from .options import (
    add_dream_arguments,
    add_encode_arguments,
    add_output_arguments,
    add_style_arguments,
    dream_video_config,
    encode_config,
    report_stats,
    style_config,
)
from .progress import ProgressBar

HELP = "stylize a video file"
DESCRIPTION = (
    "Stylize a video file. The audio is copied, timestamps are kept, and the "
    "output appears only when the run succeeds."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="input video (anything FFmpeg reads)")
    parser.add_argument("output", help="output video, e.g. out.mp4")
    span = parser.add_argument_group("span (to preview a style on part of a long video)")
    span.add_argument(
        "--start", metavar="TIME", help="begin this far into the input: SS, MM:SS or HH:MM:SS(.fff) (default: 0)"
    )
    span.add_argument(
        "--duration", metavar="TIME", help="process this much of the input, same forms (default: to the end)"
    )
    add_style_arguments(parser, temporal=True)
    add_dream_arguments(parser, video=True)
    add_encode_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument(
        "--strict", action="store_true",
        help="fail, writing nothing, when the input is damaged (default: write what decodes, with a warning)",
    )
    parser.add_argument("--stats", action="store_true", help="print per-stage timings at the end")


def run(args: argparse.Namespace) -> int:
    if args.dream and args.style:
        raise StreamartError("choose --style or --dream, not both")
    span = dict(
        start=None if args.start is None else parse_time(args.start, "--start"),
        duration=None if args.duration is None else parse_time(args.duration, "--duration"),
    )
    encode = encode_config(args)
    with ProgressBar("dreaming" if args.dream else "stylizing", quiet=args.quiet) as bar:
        def progress(stats: api.PipelineStats) -> None:
            bar.update(stats.frames_out, stats.frame_count)

        stats = api.stylize_video(
            args.input, args.output, style=style_config(args), temporal=args.temporal,
            flow_preset=args.flow_preset, dream=dream_video_config(args) if args.dream else None,
            strict=args.strict, encode=encode, on_progress=progress, **span,
        )
    report_stats(stats, show=args.stats)
    return 0


_TIME = re.compile(r"(?:(?:(?P<hours>\d+):)?(?P<minutes>\d+):)?(?P<seconds>\d+(?:\.\d*)?|\.\d+)")


def parse_time(text: str, option: str) -> float:
    """Seconds from ``SS``, ``MM:SS`` or ``HH:MM:SS``, each with optional decimals on the
    seconds. Parsed here rather than by argparse, whose errors are a usage dump, not one line."""
    match = _TIME.fullmatch(text.strip())
    if match is not None:
        hours, minutes = int(match["hours"] or 0), int(match["minutes"] or 0)
        seconds = float(match["seconds"])
        # 1:75 or 1:75:00 is a typo, not 2:15
        if match["minutes"] is None or (seconds < 60 and (match["hours"] is None or minutes < 60)):
            return hours * 3600 + minutes * 60 + seconds
    raise InputError(
        f"{option} {text!r} is not a time; give 0 or more seconds as SS, MM:SS or HH:MM:SS (e.g. 12.5, 1:30, 0:01:30.5)"
    )
