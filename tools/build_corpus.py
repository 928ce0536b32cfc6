"""Build the default training corpus (photos from scikit-image and Debian wallpaper packages).

    python3 tools/build_corpus.py [--out DIR] [--packages mate-backgrounds ...] [--no-skimage]

Writes JPEGs and manifest.json (package names and versions) to DIR, by default
~/.cache/streamart/corpus. Needs scikit-image (pip) and apt-get/dpkg for the Debian packages;
the photos taken from each package are listed in streamart.corpus.DEBIAN_PHOTOS.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamart.errors import StreamartError  # noqa: E402
from streamart.offline.corpus import DEBIAN_PHOTOS, build_corpus, default_corpus_dir  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_corpus_dir(),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--packages", nargs="*", default=list(DEBIAN_PHOTOS),
                        choices=list(DEBIAN_PHOTOS),
                        help="Debian packages to take photos from (default: all)")
    parser.add_argument("--no-skimage", action="store_true", help="skip scikit-image's photos")
    parser.add_argument("--max-side", type=int, default=768,
                        help="longest side of the stored images, in pixels")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        photos = {package: DEBIAN_PHOTOS[package] for package in args.packages}
        entries = build_corpus(args.out, debian_photos=photos,
                               use_skimage=not args.no_skimage, max_side=args.max_side)
    except StreamartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{len(entries)} images in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
