"""Train a style model: the same as ``streamart train`` (see ``--help``), from a checkout.

    python3 tools/train.py --style ../shared/styles/starry_night.jpg \
        --data ~/.cache/streamart/corpus --out models/starry_night-lite.onnx --variant lite \
        --temporal-weight 50
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamart.cli import train as train_command  # noqa: E402
from streamart.errors import StreamartError  # noqa: E402


def main() -> int:
    parser = train_command.add_parser(argparse.ArgumentParser(prog="train.py").add_subparsers())
    parser.prog = "tools/train.py"
    args = parser.parse_args()
    try:
        return train_command.run(args)
    except StreamartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
