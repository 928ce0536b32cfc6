"""``streamart train --style PAINTING --data DIR --out NAME.onnx``: train a style network."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..corpus import default_corpus_dir


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="train a fast style model on a painting",
        description="Train a feed-forward style network on one painting (perceptual loss on "
        "the pretrained VGG16) and export it to ONNX. Checkpoints and sample images go to "
        "--checkpoint-dir; --resume continues from a checkpoint.",
    )
    parser.add_argument("--style", type=Path, required=True, help="the painting (JPEG/PNG)")
    parser.add_argument("--data", type=Path, default=default_corpus_dir(),
                        help="folder of content photos (default: %(default)s, made by "
                        "tools/build_corpus.py)")
    parser.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    parser.add_argument("--variant", choices=("full", "lite", "cpu", "cpu_aa", "cpu_wide", "cpu_conv"),
                        default="full",
                        help="network: full (Johnson et al.), lite (its CPU real-time size) or "
                        "a CPU-first design (cpu, cpu_aa, cpu_wide, cpu_conv: streamart/nets/"
                        "transformer.py)")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--image-size", type=int, default=256,
                        help="side of the square training crops (multiple of 4)")
    parser.add_argument("--style-size", type=int, default=None,
                        help="long side the painting is scaled to (default: 2 x --image-size); "
                        "smaller gives larger brush strokes")
    parser.add_argument("--content-weight", type=float, default=1.0)
    parser.add_argument("--style-weight", type=float, default=10.0)
    parser.add_argument("--tv-weight", type=float, default=10.0)
    parser.add_argument("--temporal-weight", type=float, default=0.0,
                        help="weight of the temporal-stability loss (0: off)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", type=Path, help="checkpoint (.pt) to continue from")
    parser.add_argument("--checkpoint-dir", type=Path,
                        help="where checkpoints and samples go (default: OUT.checkpoints)")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--sample-every", type=int, default=250)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--no-amp", dest="amp", action="store_false",
                        help="train in float32 instead of bfloat16 autocast")
    parser.add_argument("--threads", type=int, help="CPU threads (default: all available)")
    parser.add_argument("--fp16", action="store_true", help="export a float16 model")
    parser.add_argument("--name", help="style name in the model's metadata "
                        "(default: the painting's file name)")
    parser.add_argument("--licence", help="licence recorded in the model's metadata")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..training import TrainingConfig, train

    config = TrainingConfig(
        style=args.style, data=args.data, out=args.out, variant=args.variant,
        iterations=args.iterations, batch_size=args.batch_size, image_size=args.image_size,
        style_size=args.style_size, content_weight=args.content_weight,
        style_weight=args.style_weight, tv_weight=args.tv_weight,
        temporal_weight=args.temporal_weight, learning_rate=args.learning_rate, seed=args.seed,
        checkpoint_dir=args.checkpoint_dir, checkpoint_every=args.checkpoint_every,
        sample_every=args.sample_every, resume=args.resume, device=args.device, amp=args.amp,
        threads=args.threads, fp16=args.fp16, style_name=args.name, progress=not args.quiet,
        licence=args.licence,
    )
    path = train(config)
    print(f"wrote {path}")
    return 0
