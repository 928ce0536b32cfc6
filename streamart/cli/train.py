"""``streamart train --style PICTURE``: a new style from any picture, in minutes on a CPU;
``streamart train --dream PRESET``: a network that dreams a DeepDream preset in one pass, in
hours."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from ..art.dream_settings import PRESETS
from ..assets.models import VARIANTS
from ..config import TRAINING_STYLE_LAYERS, DreamTrainingConfig, TrainingConfig
from ..errors import InputError
from ..offline.corpus import default_corpus_dir
from .options import add_limit_argument
from .progress import ProgressBar

#: TrainingConfig's and DreamTrainingConfig's defaults, shown and used by the options below.
DEFAULTS: dict[str, Any] = {field.name: field.default for field in dataclasses.fields(TrainingConfig)}
DREAM_DEFAULTS: dict[str, Any] = {field.name: field.default for field in dataclasses.fields(DreamTrainingConfig)}
#: Options of one kind of training only (the other refuses them unless left at their default).
STYLE_ONLY = tuple(
    sorted(DEFAULTS.keys() - DREAM_DEFAULTS.keys() - {"painting", "style_name", "licence", "max_pixels"})
)
DREAM_ONLY = tuple(sorted(DREAM_DEFAULTS.keys() - DEFAULTS.keys() - {"preset"}))


HELP = "train a fast style model on any picture, or a network that dreams a DeepDream preset"
DESCRIPTION = (
    "Train a real-time style network on any picture (--style): by default a few hundred steps of fine-tuning "
    "from the shipped base network (minutes on a CPU), into your model folder, where --style NAME "
    "and 'streamart models' find it. Or distil a DeepDream preset into one (--dream): the ascent dreams "
    "fixed crops of the photos once (cached for later runs), then the network learns to give those dreams "
    "in one pass (hours on a CPU; the estimate is printed before the long work starts). "
    "The content photos come down on first use ('streamart corpus'). "
    "Checkpoints go to --checkpoint-dir; Ctrl-C keeps one, and --resume continues from it."
)


def weights(text: str) -> tuple[float, ...]:
    """Comma-separated numbers (TrainingConfig checks how many and their range)."""
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 1,1,1,1, got {text!r}") from None


def differing(name: str) -> str:
    """The help of an option whose default differs between a style and a dream (left unset
    on the command line, so that the config's own default applies)."""
    return f"default: {DEFAULTS[name]:g} for a style, {DREAM_DEFAULTS[name]:g} for a dream"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    parser.add_argument("--style", dest="painting", type=Path, help="the painting (JPEG/PNG) of a new style")
    parser.add_argument(
        "--dream",
        dest="preset",
        metavar="PRESET",
        help=f"distil this DeepDream preset instead: {', '.join(PRESETS)}",
    )
    parser.add_argument(
        "--layer",
        help="with --dream: dream this layer instead of the preset's (any layer 'streamart dream --layer' takes; "
        "the preset's octaves and steps stay)",
    )
    parser.add_argument(
        "--teacher-octaves", type=int, help="with --dream: octaves of the ascent it learns (default: the preset's)"
    )
    parser.add_argument(
        "--teacher-steps",
        type=int,
        help="with --dream: steps per octave of the ascent it learns (default: the preset's)",
    )
    parser.add_argument(
        "--crops-per-photo",
        type=int,
        default=DREAM_DEFAULTS["crops_per_photo"],
        help="with --dream: crops of each photo the ascent dreams (default: %(default)s)",
    )
    parser.add_argument(
        "--teacher-cache",
        type=Path,
        help="with --dream: where the ascent's dreams are kept for later runs (default: dream-teacher in the "
        "cache folder)",
    )
    parser.add_argument(
        "--pixel-weight",
        type=float,
        default=DREAM_DEFAULTS["pixel_weight"],
        help="with --dream: weight of the difference from the ascent's dream (default: %(default)s)",
    )
    parser.add_argument(
        "--objective-weight",
        type=float,
        default=DREAM_DEFAULTS["objective_weight"],
        help="with --dream: weight of the reward for exciting the dream's layer as much as the ascent's dream "
        "does (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help=f"folder of content photos (default: the corpus in {default_corpus_dir()}, "
        "fetched on first use: see 'streamart corpus')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="ONNX file to write (default: NAME.onnx in your model folder, where --style NAME finds it; "
        "for a dream, dream_PRESET.onnx)",
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
    parser.add_argument("--iterations", type=int, help=differing("iterations"))
    parser.add_argument("--batch-size", type=int, default=d["batch_size"], help="default: %(default)s")
    parser.add_argument("--image-size", type=int, help=f"side of the square training crops ({differing('image_size')})")
    parser.add_argument(
        "--style-size",
        type=int,
        default=d["style_size"],
        help="long side the painting is scaled to (default: %(default)s); smaller gives larger brush strokes",
    )
    for name in ("content_weight", "style_weight", "tv_weight", "learning_rate"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=d[name], help="default: %(default)s")
    parser.add_argument("--temporal-weight", type=float, help=differing("temporal_weight"))
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
    parser.add_argument("--checkpoint-every", type=int, help=differing("checkpoint_every"))
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
    if args.painting is None and args.preset is None:
        raise InputError("give --style PICTURE (a new style) or --dream PRESET (a network that dreams a preset)")
    if args.painting is not None and args.preset is not None:
        raise InputError("--style and --dream train different models: give one of them")
    if args.preset is not None:
        return train_dream(args)
    given = [name for name in DREAM_ONLY if getattr(args, name, None) not in (None, DREAM_DEFAULTS[name])]
    if given:
        raise InputError(f"--{given[0].replace('_', '-')} is for a dream network: use it with --dream, not --style")
    return train_style(args)


def settings_of(args: argparse.Namespace, config_type: type) -> dict[str, Any]:
    """The options that are fields of ``config_type``, bar those left unset (their default is
    the config's)."""
    names = {field.name for field in dataclasses.fields(config_type)}
    return {name: value for name, value in vars(args).items() if name in names and value is not None}


def train_style(args: argparse.Namespace) -> int:
    from .. import api
    from ..offline.training import Losses  # imports torch

    config = TrainingConfig(**settings_of(args, TrainingConfig), style_name=args.name)
    with ProgressBar("training", unit="it", quiet=args.quiet) as bar:

        def progress(done: int, total: int, losses: Losses) -> None:
            bar.update(done, total, content=losses.content, style=losses.style, tv=losses.tv, temporal=losses.temporal)

        path = api.train_style(config, overwrite=args.overwrite, on_progress=progress)
    print(f"wrote {path}")
    return 0


def train_dream(args: argparse.Namespace) -> int:
    from .. import api
    from ..offline.dream_distill import DreamLosses, TimeEstimate  # imports torch

    given = [name for name in STYLE_ONLY if getattr(args, name) != DEFAULTS[name]]
    if args.name is not None or args.licence is not None:
        given.append("name" if args.name is not None else "licence")
    if given:
        raise InputError(f"--{given[0].replace('_', '-')} is for a style: leave it out with --dream")
    config = DreamTrainingConfig(**settings_of(args, DreamTrainingConfig))

    def estimate(estimate: TimeEstimate) -> None:
        print(f"distilling the {config.name} dream: {estimate}", flush=True)

    with (
        ProgressBar("teacher", unit="crop", quiet=args.quiet) as teacher,
        ProgressBar("training", unit="it", quiet=args.quiet) as bar,
    ):

        def progress(done: int, total: int, losses: DreamLosses) -> None:
            bar.update(done, total, pixel=losses.pixel, objective=losses.objective, temporal=losses.temporal)

        path = api.train_dream(
            config,
            overwrite=args.overwrite,
            on_estimate=estimate,
            on_teacher_progress=teacher.update,
            on_progress=progress,
        )
    print(f"wrote {path}")
    return 0
