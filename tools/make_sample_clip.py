"""Write a short synthetic test clip (moving pattern, H.264) to try streamart without media.

    python tools/make_sample_clip.py sample.mp4 [--seconds 4] [--width 640 --height 360]
"""

from __future__ import annotations

import argparse

from streamart.api import run
from streamart.config import EncodeConfig
from streamart.sinks.encoder import EncoderSink
from streamart.sources.synthetic import SyntheticSource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("-y", "--overwrite", action="store_true")
    args = parser.parse_args()
    source = SyntheticSource(width=args.width, height=args.height, frames=round(args.seconds * args.fps), fps=args.fps)
    run(source, [], [EncoderSink(args.output, info=source.info, encode=EncodeConfig(overwrite=args.overwrite))])
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
