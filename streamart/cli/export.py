"""``streamart export CHECKPOINT OUT.onnx [--fp16]``: export a trained style network."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "export a training checkpoint to ONNX"
DESCRIPTION = (
    "Export a checkpoint written by 'streamart train' to ONNX with dynamic "
    "height and width (see streamart/assets/zoo/README.md for the model convention)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", type=Path, help="checkpoint (.pt) from 'streamart train'")
    parser.add_argument("output", type=Path, help="ONNX file to write")
    parser.add_argument(
        "--fp16", action="store_true", help="float16 weights and activations (instance norm stays float32)"
    )


def run(args: argparse.Namespace) -> int:
    from ..offline.export import export_checkpoint

    path = export_checkpoint(args.checkpoint, args.output, fp16=args.fp16)
    print(f"wrote {path}")
    return 0
