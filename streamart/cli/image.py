"""``streamart image IN OUT``: stylize one image."""

from __future__ import annotations

import argparse

from .. import api
from .options import add_output_arguments, add_style_arguments, style_config


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("image", help="stylize an image", description="Stylize one image file.")
    parser.add_argument("input", help="input image (PNG, JPEG, ...)")
    parser.add_argument("output", help="output image, e.g. out.png")
    add_style_arguments(parser, temporal=False)
    add_output_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    api.stylize_image(args.input, args.output, style=style_config(args), overwrite=args.overwrite)
    return 0
