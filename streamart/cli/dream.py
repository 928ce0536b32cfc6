"""``streamart dream IN OUT``: DeepDream on one picture."""

from __future__ import annotations

import argparse

from .. import api
from ..art.dream_settings import PRESETS
from ..config import DEFAULT_DREAM_PRESET
from .options import add_dream_arguments, add_limit_argument, deprecated, dream_config, positive_int
from .progress import ProgressBar

HELP = "DeepDream a picture"
DESCRIPTION = (
    "DeepDream: amplify what a pretrained network sees in a picture "
    f"(presets: {', '.join(PRESETS)}). The output appears only when the run succeeds."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="input image (PNG, JPEG, ...)")
    parser.add_argument("output", help="output image, e.g. out.png")
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default=DEFAULT_DREAM_PRESET,
        help=f"starting point (default: {DEFAULT_DREAM_PRESET})",
    )
    add_dream_arguments(parser, video=False)
    parser.add_argument(
        "--long-side",
        type=positive_int,
        metavar="PX",
        help="resize the input so its longer side is PX pixels first (default: its own size)",
    )
    # The old spelling: everywhere else --size is the shorter side.
    parser.add_argument("--size", type=positive_int, dest="old_long_side", help=argparse.SUPPRESS)
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA when torch sees a GPU), cpu or cuda (default: auto)"
    )
    parser.add_argument("-y", "--overwrite", action="store_true", help="replace the output file if it exists")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (warnings and errors still show)")
    add_limit_argument(parser)


def run(args: argparse.Namespace) -> int:
    long_side = args.long_side
    if args.old_long_side is not None:
        deprecated(
            "--size",
            "--long-side",
            " (here it meant the longer side; from 0.3 --size is the shorter side, as in every other command)",
        )
        long_side = long_side or args.old_long_side
    config = dream_config(args, video=False)
    with ProgressBar("dreaming", unit="step", quiet=args.quiet) as bar:
        api.dream_image(
            args.input,
            args.output,
            config=config,
            long_side=long_side,
            overwrite=args.overwrite,
            on_progress=bar.update,
            max_pixels=args.max_pixels,
        )
    return 0
