"""``streamart corpus``: fetch the photos that training learns from, or say where they are."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..offline.corpus import corpus_ready, default_corpus_dir, fetch_corpus, held_out_dir
from .progress import ProgressBar

HELP = "fetch or list the training corpus"
DESCRIPTION = (
    "The content photos that 'streamart train' learns from: photographs from Debian's desktop "
    "wallpaper packages, downloaded once from Debian's archive (about 170 MB, any OS), checked "
    "against their sha256, and kept as a few MB of JPEGs. 'streamart train' fetches them on first use."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="corpus_action", metavar="ACTION", required=True)
    fetch = actions.add_parser("fetch", help="download the packages and keep their photos")
    fetch.add_argument(
        "--from",
        dest="debs",
        type=Path,
        nargs="+",
        metavar="FILE.deb",
        default=(),
        help="use these downloaded .deb files instead of downloading (offline)",
    )
    fetch.add_argument("--out", type=Path, default=default_corpus_dir(), help="corpus folder (default: %(default)s)")
    fetch.add_argument("-q", "--quiet", action="store_true", help="no progress bar (warnings and errors still show)")
    actions.add_parser("list", help="where the corpus is and whether it is complete")


def run(args: argparse.Namespace) -> int:
    if args.corpus_action == "list":
        folder = default_corpus_dir()
        state = "complete" if corpus_ready(folder) else "not fetched yet ('streamart corpus fetch')"
        photos = len(list(folder.glob("*.jpg"))) if folder.is_dir() else 0
        print(f"corpus: {folder}: {photos} photos, {state}")
        print(f"held out for quality checks: {held_out_dir(folder)}")
        return 0
    with ProgressBar("downloading", unit="B", quiet=args.quiet) as bar:
        entries = fetch_corpus(args.out, debs=args.debs, progress=lambda package, done, total: bar.update(done, total))
    print(f"{len(entries)} photos in {args.out} (held out for quality checks: {held_out_dir(args.out)})")
    return 0
