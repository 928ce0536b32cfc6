"""``streamart image IN OUT``: stylize one image with a fast style model or with Gatys et al.'s
optimisation (any painting as the style, no training, minutes instead of milliseconds)."""

from __future__ import annotations

import argparse

from .. import api
from ..config import GATYS_INITS, GATYS_OPTIMIZERS, GATYS_PRECISIONS, GatysConfig
from ..errors import StreamartError
from .options import (
    add_limit_argument,
    add_output_arguments,
    add_style_arguments,
    positive_int,
    style_config,
)
from .progress import ProgressBar


def _weights(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, e.g. 0.7,0.3, got '{text}'") from None


def _sizes(text: str) -> tuple[int, ...]:
    if text == "none":
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes separated by commas, e.g. 256,512, got '{text}'") from None


#: The defaults shown in --help; only options given are passed on, the rest stay these.
GATYS = GatysConfig()

HELP = "stylize an image"
DESCRIPTION = (
    "Stylize one image file: with a fast style model (--method fast, the "
    "default), or by Gatys optimisation with any style pictures (--method gatys)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="input image (PNG, JPEG, ...)")
    parser.add_argument("output", help="output image, e.g. out.png")
    parser.add_argument("--method", choices=("fast", "gatys"), default="fast", help="default: fast")
    add_style_arguments(parser, temporal=False, multiple=True)
    gatys = parser.add_argument_group("gatys (with --method gatys; docs/GATYS.md explains the weights)")
    gatys.add_argument("--style-weights", type=_weights, metavar="W1,W2", help="blend of several --style paintings")
    # Defaults are GatysConfig's own: only options given on the command line are passed on.
    gatys.add_argument(
        "--iterations",
        type=positive_int,
        help=f"most steps at the full size; each coarser scale runs twice as many (default: {GATYS.iterations})",
    )
    gatys.add_argument("--optimizer", choices=GATYS_OPTIMIZERS, help=f"default: {GATYS.optimizer}")
    gatys.add_argument("--init", choices=GATYS_INITS, help=f"starting image (default: {GATYS.init})")
    for name in ("content_weight", "style_weight", "tv_weight"):
        gatys.add_argument(
            f"--{name.replace('_', '-')}", type=float, metavar="W", help=f"default: {getattr(GATYS, name):g}"
        )
    gatys.add_argument(
        "--scales",
        type=_sizes,
        metavar="PX,PX",
        help="longer sides of the coarse passes, e.g. 256,512, or 'none' (default: a quarter and a half of the size)",
    )
    gatys.add_argument(
        "--precision", choices=GATYS_PRECISIONS, help="VGG16's arithmetic (default: bf16 where the device has it)"
    )
    gatys.add_argument(
        "--keep-partial", action="store_true", help="on Ctrl-C, save the best picture so far instead of nothing"
    )
    gatys.add_argument(
        "--style-scale", type=float, metavar="S", help=f"larger: bigger brush strokes (default: {GATYS.style_scale:g})"
    )
    gatys.add_argument("--seed", type=int)
    add_output_arguments(parser)
    add_limit_argument(parser)


def run(args: argparse.Namespace) -> int:
    styles = args.style or []
    if args.method == "fast":
        if len(styles) > 1 or args.style_weights:
            raise StreamartError("several styles and --style-weights need --method gatys")
        if args.preserve_color == "histogram":
            raise StreamartError("--preserve-color histogram needs --method gatys; use --preserve-color")
        api.stylize_image(
            args.input, args.output, style=style_config(args), overwrite=args.overwrite, max_pixels=args.max_pixels
        )
        return 0
    from ..art.gatys import GatysProgress

    if not styles:
        raise StreamartError("--method gatys needs at least one --style picture (JPEG or PNG)")
    options = (
        "content_weight",
        "style_weight",
        "tv_weight",
        "optimizer",
        "iterations",
        "init",
        "scales",
        "style_scale",
        "preserve_color",
        "seed",
        "device",
        "precision",
    )
    config = GatysConfig(**{name: getattr(args, name) for name in options if getattr(args, name) is not None})
    # The bar counts per cent of the work (a coarse step costs a fraction of a full-size one);
    # the time left is the transfer's own estimate, the scale says where it is.
    with ProgressBar("gatys", unit="%", quiet=args.quiet) as bar:

        def progress(step: GatysProgress) -> None:
            height, width = step.size
            bar.update(
                round(100 * step.fraction),
                100,
                left=clock(step.seconds_left),
                scale=f"{step.scale_index + 1}/{step.scale_count} {width}x{height}",
                step=f"{step.iteration}/{step.total_iterations}",
                loss=step.total_loss,
            )

        api.gatys_image(
            args.input,
            args.output,
            styles,
            config=config,
            painting_weights=args.style_weights,
            size=args.size,
            overwrite=args.overwrite,
            on_progress=progress,
            max_pixels=args.max_pixels,
            keep_partial=args.keep_partial,
        )
    return 0


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a time left."""
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
