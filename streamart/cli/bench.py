"""``streamart bench``: how fast is the video path on this machine, and do the threads overlap?"""

from __future__ import annotations

import argparse

from ..config import LookConfig
from ..offline.bench import benchmark
from .options import add_style_arguments, positive_int, style_config

HELP = "benchmark the video pipeline"
DESCRIPTION = (
    "Time decode+encode alone, the stages alone and the full threaded pipeline on a synthetic clip, in one run."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_style_arguments(parser, temporal=True)
    clip = parser.add_argument_group("the synthetic clip it measures on")
    clip.add_argument("--width", type=positive_int, default=1280, help="frame width in pixels (default: %(default)s)")
    clip.add_argument("--height", type=positive_int, default=720, help="frame height in pixels (default: %(default)s)")
    clip.add_argument("--frames", type=positive_int, default=120, help="number of frames (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    result = benchmark(
        look=LookConfig(style=style_config(args), temporal=args.temporal, flow_preset=args.flow_preset),
        width=args.width,
        height=args.height,
        frames=args.frames,
    )
    print(result.summary())
    return 0
