"""``streamart dream IN OUT``: DeepDream on one picture; plus the dream options that the video
and webcam commands share (:func:`add_dream_arguments`, :func:`dream_config_from_args`,
:func:`dream_stages_from_args`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..art.dream import DEFAULT_LAYERS, PRESETS, DreamConfig, Dreamer, network_layers, preset
from ..errors import InputError
from ..runtimes.torch import select_device
from ..core.protocols import Stage
from ..stages.dream import DEFAULT_BLEND
from .options import fraction, positive_int

#: Preset used when none is named: VGG16's dog faces for pictures, and for video and live
#: input EfficientNet-Lite0's creatures, which look as good and run about ten times faster.
DEFAULT_PRESET = "dogs"
VIDEO_DEFAULT_PRESET = "creatures"

#: Per-frame settings for video and live input, applied under explicit options: one octave
#: and two steps per frame; the dream still builds up over frames through the blend with the
#: previous (warped) dream.
VIDEO_DEFAULTS: dict[str, Any] = dict(octaves=1, steps=2)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dream",
        help="DeepDream a picture",
        description="DeepDream: amplify what a pretrained network sees in a picture "
        f"(presets: {', '.join(PRESETS)}). The output appears only when the run succeeds.",
    )
    parser.add_argument("input", help="input image (PNG, JPEG, ...)")
    parser.add_argument("output", help="output image, e.g. out.png")
    parser.add_argument(
        "--preset", choices=PRESETS, default=DEFAULT_PRESET, help=f"starting point (default: {DEFAULT_PRESET})"
    )
    add_dream_arguments(parser, video=False)
    parser.add_argument(
        "--size", type=positive_int, metavar="PX",
        help="resize the input so its longer side is PX pixels first (default: its own size)",
    )
    parser.add_argument("--device", default="auto", help="auto (CUDA when torch sees a GPU), cpu or cuda (default: auto)")
    parser.add_argument("-y", "--overwrite", action="store_true", help="replace the output file if it exists")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only errors")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..core.frame import Frame
    from ..ops.image import load_image, resize_long_side
    from ..core.files import check_output_path
    from ..sinks.image import ImageSink

    check_output_path(args.output, overwrite=args.overwrite)  # fail before minutes of work
    config = dream_config_from_args(args, video=False)
    image = load_image(args.input)
    if args.size is not None:
        image = resize_long_side(image, args.size)
    dreamer = Dreamer(config)
    with _StepBar(quiet=args.quiet) as progress:
        result = dreamer.dream(image, progress=progress)
    with ImageSink(args.output, overwrite=args.overwrite) as sink:
        sink.write(Frame(image=result, index=0))
    return 0


def add_dream_arguments(parser: argparse.ArgumentParser, *, video: bool) -> None:
    """Add the DeepDream options to ``parser``.

    With ``video=True`` (for ``streamart video`` / ``webcam``) this adds ``--dream [PRESET]``,
    which turns dreaming on, and ``--dream-blend``; the working size and the device then come
    from the command's own ``--size`` and ``--device``. Without it, the caller adds
    ``--preset``, ``--size`` and ``--device`` itself (as ``streamart dream`` does).
    """
    group = parser.add_argument_group("dream")
    if video:
        group.add_argument(
            "--dream", nargs="?", const=VIDEO_DEFAULT_PRESET, choices=PRESETS, metavar="PRESET",
            help=f"DeepDream every frame, starting from PRESET (one of {', '.join(PRESETS)}; "
            f"default: {VIDEO_DEFAULT_PRESET}); per frame {VIDEO_DEFAULTS['octaves']} octave and "
            f"{VIDEO_DEFAULTS['steps']} steps unless --octaves/--steps say otherwise",
        )
        group.add_argument(
            "--dream-blend", type=fraction, default=DEFAULT_BLEND, metavar="0..1",
            help="share of the previous dream, warped along the motion, in each frame's start: "
            f"higher is steadier and stronger, 0 dreams every frame afresh (default: {DEFAULT_BLEND})",
        )
    group.add_argument(
        "--network", choices=tuple(DEFAULT_LAYERS),
        help="network to dream with (default: the preset's, or the one that has the --layer)",
    )
    group.add_argument(
        "--layer", dest="layers", action="append", metavar="NAME",
        help="layer whose activations to amplify: vgg16's relu3_3, relu4_3, ... or "
        "efficientnet_lite0's block0 .. block15 (repeat for several; default: the preset's)",
    )
    group.add_argument(
        "--channels", type=int, nargs="+", metavar="N",
        help="amplify only these channels of the layer(s)",
    )
    group.add_argument(
        "--class", dest="class_index", type=int, metavar="N",
        help="amplify ImageNet class N (0..999, e.g. 967 espresso) with efficientnet_lite0",
    )
    group.add_argument("--octaves", type=positive_int, help="number of scales (default: the preset's)")
    group.add_argument("--octave-scale", type=float, metavar="S", help="size ratio between octaves, above 1")
    group.add_argument("--steps", type=int, help="ascent steps per octave")
    group.add_argument("--step-size", type=float, metavar="S", help="mean pixel change per step, in grey levels")
    group.add_argument("--jitter", type=int, metavar="PX", help="largest random shift per step")
    group.add_argument("--smoothing", type=float, metavar="PX", help="gradient blur radius (sigma), 0 = off")
    group.add_argument("--guide", metavar="IMAGE", help="match this picture's features instead of amplifying")
    group.add_argument("--seed", type=int, help="make the result repeatable")


def dream_config_from_args(args: argparse.Namespace, *, video: bool) -> DreamConfig:
    """The :class:`DreamConfig` that ``args`` describe: the preset (``--preset``, or
    ``--dream PRESET`` when ``video``), then, for video, :data:`VIDEO_DEFAULTS`, then every
    option given explicitly. Loads the guide image if one is named."""
    name = args.dream if video else args.preset
    overrides: dict[str, Any] = dict(VIDEO_DEFAULTS) if video else {}
    for option in (
        "network", "layers", "channels", "class_index", "octaves", "octave_scale",
        "steps", "step_size", "jitter", "smoothing", "seed",
    ):
        value = getattr(args, option)
        if value is not None:
            overrides[option] = value
    if args.network is not None or args.class_index is not None or args.layers:
        # A new objective replaces the preset's rather than clashing with it.
        overrides.setdefault("layers", ())
        overrides.setdefault("class_index", None)
        overrides.setdefault("network", _network_for(args))
    if args.guide is not None:
        from ..ops.image import load_image

        overrides["guide"] = load_image(args.guide)
    # "auto" is resolved here, so the config names the device the dream really runs on.
    overrides["device"] = str(select_device(getattr(args, "device", "cpu")))
    return preset(name, **overrides)


def _network_for(args: argparse.Namespace) -> str:
    """The network a new objective needs: the classifier for a class, else the network that
    has every ``--layer`` named."""
    if args.class_index is not None:
        return "efficientnet_lite0"
    for network in DEFAULT_LAYERS:
        if set(args.layers or ()) <= set(network_layers(network)):
            return network
    offers = "; ".join(f"{network} has {', '.join(network_layers(network))}" for network in DEFAULT_LAYERS)
    raise InputError(f"no network has all of the layers {', '.join(args.layers)}: {offers}")


def dream_stages_from_args(args: argparse.Namespace) -> list[Stage]:
    """``[FlowStage, DreamStage]`` for ``streamart video/webcam --dream``; the stage list to
    hand to the runner (the dream replaces the style stage)."""
    from ..stages.dream import DreamStage
    from ..stages.temporal import FlowStage

    config = dream_config_from_args(args, video=True)
    stage = DreamStage(config, blend=args.dream_blend, working_size=args.size)
    return [FlowStage(args.flow_preset), stage] if args.dream_blend > 0 else [stage]


class _StepBar:
    """A tqdm bar over ascent steps, fed by the dream's progress callback."""

    def __init__(self, *, quiet: bool) -> None:
        self._quiet = quiet
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._quiet:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="dreaming", unit="step", file=sys.stderr, dynamic_ncols=True)
        self._bar.update(done - self._bar.n)

    def __enter__(self) -> _StepBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()

