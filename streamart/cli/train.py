"""``streamart train --style PICTURE``: a new style from any picture, in minutes on a CPU."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from ..assets.models import VARIANTS
from ..config import TRAINING_STYLE_LAYERS, TrainingConfig
from ..offline.corpus import default_corpus_dir
from .options import add_limit_argument
from .progress import ProgressBar

#: TrainingConfig's defaults, shown and used by the options below.
DEFAULTS: dict[str, Any] = {field.name: field.default for field in dataclasses.fields(TrainingConfig)}


HELP = "train a fast style model on any picture"
DESCRIPTION = (
    "Train a real-time style network on any picture: by default a few hundred steps of fine-tuning "
    "from the shipped base network (minutes on a CPU), into your model folder, where --style NAME "
    "and 'streamart models' find it. The content photos come down on first use ('streamart corpus'). "
    "Checkpoints go to --checkpoint-dir; Ctrl-C keeps one, and --resume continues from it."
)


def weights(text: str) -> tuple[float, ...]:
    """Comma-separated numbers (TrainingConfig checks how many and their range)."""
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 1,1,1,1, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    parser.add_argument("--style", dest="painting", type=Path, required=True, help="the painting (JPEG/PNG)")
    parser.add_argument(
        "--data",
        type=Path,
        help=f"folder of content photos (default: the corpus in {default_corpus_dir()}, "
        "fetched on first use: see 'streamart corpus')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="ONNX file to write (default: NAME.onnx in your model folder, where --style NAME finds it)",
    )
    parser.add_argument(
        "--init", type=Path, help="base network to fine-tune from (default: the one shipped for --variant)"
    )
    parser.add_argument(
        "--from-scratch",
        action="store_true",
        help="start from random weights instead of the base (needs many more --iterations)",
    )
    parser.add_argument(
        "--variant",
        default=d["variant"],
        choices=VARIANTS,
        help="network: cpu (CPU-first, real time on a laptop), lite or full (Johnson et al., "
        "for GPUs) (default: %(default)s)",
    )
    parser.add_argument("--iterations", type=int, default=d["iterations"], help="default: %(default)s")
    parser.add_argument("--batch-size", type=int, default=d["batch_size"], help="default: %(default)s")
    parser.add_argument(
        "--image-size",
        type=int,
        default=d["image_size"],
        help="side of the square training crops (default: %(default)s)",
    )
    parser.add_argument(
        "--style-size",
        type=int,
        default=d["style_size"],
        help="long side the painting is scaled to (default: %(default)s); smaller gives larger brush strokes",
    )
    for name in ("content_weight", "style_weight", "tv_weight", "temporal_weight", "learning_rate"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=d[name], help="default: %(default)s")
    parser.add_argument(
        "--content-layer",
        default=d["content_layer"],
        choices=TRAINING_STYLE_LAYERS,
        help="VGG16 layer whose features the output keeps: an earlier one keeps more of the "
        "photo's detail, a later one lets the painting repaint more (default: %(default)s)",
    )
    parser.add_argument(
        "--style-layer-weights",
        type=weights,
        default=d["style_layer_weights"],
        metavar="W,W,W,W",
        help="weight of each style layer, relu1_2,relu2_2,relu3_3,relu4_3 (default: "
        f"{','.join(f'{w:g}' for w in d['style_layer_weights'])})",
    )
    parser.add_argument("--seed", type=int, default=d["seed"], help="default: %(default)s")
    parser.add_argument("--resume", type=Path, help="checkpoint (.pt) to continue from")
    parser.add_argument(
        "--checkpoint-dir", type=Path, help="where checkpoints and samples go (default: OUT.checkpoints)"
    )
    parser.add_argument("--checkpoint-every", type=int, default=d["checkpoint_every"], help="default: %(default)s")
    parser.add_argument("--sample-every", type=int, default=d["sample_every"], help="default: %(default)s")
    parser.add_argument("--device", default=d["device"], help="auto, cpu, cuda or cuda:N (default: %(default)s)")
    parser.add_argument(
        "--no-amp",
        dest="amp",
        action="store_false",
        help="train in float32 instead of bfloat16 autocast (which is used only where the "
        "device computes bfloat16 natively: a CPU with AVX512-BF16 or AMX, or a GPU)",
    )
    parser.add_argument("--threads", type=int, help="CPU threads (default: all available)")
    parser.add_argument(
        "--fp32", dest="fp16", action="store_false", help="export float32 weights (default: float16, half the file)"
    )
    parser.add_argument("--name", help="the style's name (default: the picture's file name)")
    parser.add_argument("--licence", help="licence recorded in the model's metadata")
    parser.add_argument("-y", "--overwrite", action="store_true", help="replace a model of that name")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (warnings and errors still show)")
    add_limit_argument(parser)


def run(args: argparse.Namespace) -> int:
    from .. import api
    from ..offline.training import Losses  # imports torch

    names = {field.name for field in dataclasses.fields(TrainingConfig)}
    settings = {name: value for name, value in vars(args).items() if name in names}
    config = TrainingConfig(**settings, style_name=args.name)
    with ProgressBar("training", unit="it", quiet=args.quiet) as bar:

        def progress(done: int, total: int, losses: Losses) -> None:
            bar.update(done, total, content=losses.content, style=losses.style, tv=losses.tv, temporal=losses.temporal)

        path = api.train_style(config, overwrite=args.overwrite, on_progress=progress)
    print(f"wrote {path}")
    return 0
