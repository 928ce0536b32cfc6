"""Frozen, keyword-only settings objects, what the CLI parses and the API takes, and the
defaults that are policy rather than a property of one function.

Defaults owned by one function live next to it: the flow preset with the motion estimate
(:data:`streamart.ops.flow.DEFAULT_FLOW_PRESET`), the default style with the model registry
(:data:`streamart.assets.models.DEFAULT_STYLE`). Training's settings and defaults are
:class:`TrainingConfig` here, like every other run's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .art.dream_settings import PRESETS, DreamConfig
from .core.deprecation import renamed_attribute, renamed_keywords
from .errors import InputError
from .ops.flow import DEFAULT_FLOW_PRESET, DIS_PRESETS

# Working size (shorter side) of the style network: the shipped models were trained on
# 128 px crops, and at 480 px their strokes read well on any frame size (at a frame's full
# 1080p the texture becomes too fine to see); it is also 4-9x less work than full HD.
DEFAULT_WORKING_SIZE = 480
# Working size for live input: with the CPU-first network on OpenVINO, 360 px keeps 640x480 at
# the camera's 30 fps on an idle 2-core CPU (docs/BENCHMARKS.md, "Live"); on a busy one, 240.
LIVE_WORKING_SIZE = 360
# Default strength of temporal consistency for video: enough to remove flicker, low enough
# that moving detail stays sharp (docs/BENCHMARKS.md has the measurements behind it).
DEFAULT_TEMPORAL = 0.5
# DeepDream presets: VGG16's dog faces for pictures; for video and live input
# EfficientNet-Lite0's creatures, which look as good and run about ten times faster.
DEFAULT_DREAM_PRESET = "dogs"
VIDEO_DREAM_PRESET = "creatures"
# Per-frame dream work for video and live input, under explicit settings: one octave and two
# steps a frame; the dream still builds up over frames through the blend with the previous
# (warped) dream.
VIDEO_DREAM_SETTINGS: dict[str, Any] = {"octaves": 1, "steps": 2}
# Share of the previous, flow-warped dream in each video frame's start. With s steps of size z
# per frame a still scene's dream settles near s * z / (1 - blend) grey levels: high enough to
# show, while a pixel's history still fades within about ten frames.
DEFAULT_DREAM_BLEND = 0.9
#: How a video or live dream is made: "ascent" (gradient ascent on each frame: needs torch, right
#: on a GPU), "net" (the preset's dream network, one pass of a small ONNX network: live on a CPU,
#: no torch), or "auto": the network where the preset has one and no CUDA GPU is there for the
#: ascent, else the ascent (streamart.stages.dream_choice).
DREAM_METHODS = ("auto", "ascent", "net")
DEFAULT_DREAM_METHOD = "auto"
# Chunks of a video spread over workers: long enough that the warm-up before each (and
# starting a worker's pipeline) costs a few percent, short enough for a few per worker in a
# film. The warm-up: at --temporal 0.5 the blend keeps at most 0.45 of the previous frame, so
# after 30 frames what a chunk's fresh start changes is 0.45^30 (nothing); at --temporal 1
# (0.9) it is 4 %, and a dream (blend 0.9) wants a longer warm-up.
DEFAULT_CHUNK_SECONDS = 30.0
DEFAULT_WARMUP_FRAMES = 30
# The most pixels a picture or a video frame may have, checked from its header before it is
# decoded, so that a small file declaring a huge size (a decompression bomb: a 30000x30000 PNG
# fits in a few MB) is refused instead of taking the machine's memory. 8K video (7680x4320) is 33
# megapixels and the largest camera sensors about 100 (medium format); a picture costs about 30
# bytes a pixel on its way through streamart (decoded, converted, stylized, blended), so the
# limit keeps one near 4.5 GB. --max-pixels raises it.
MAX_PIXELS = 150_000_000
# The most pixels a live frame from the web page may have: a camera's largest mode is 4K
# (DCI 4096x2160); anything above is not a camera's frame.
LIVE_MAX_PIXELS = 4096 * 2160


def check_fraction(name: str, value: float) -> None:
    """Raise :class:`InputError` unless ``value`` is a number from 0 to 1 (NaN is refused)."""
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{name} must be between 0 and 1, got {value}")


def check_torch_device(name: str) -> None:
    """Raise :class:`InputError` unless ``name`` names a device torch work can ask for: auto,
    cpu, cuda or cuda:N (whether it is there is found out when the work starts)."""
    kind, colon, index = name.partition(":")
    if not (name in ("auto", "cpu") or (kind == "cuda" and (not colon or index.isdigit()))):
        raise InputError(f"device {name!r} cannot run torch work; use auto, cpu, cuda or cuda:N")


def check_flow_preset(preset: str) -> None:
    if preset not in DIS_PRESETS:
        raise InputError(f"unknown flow preset {preset!r}: choose one of {', '.join(DIS_PRESETS)}")


@dataclass(frozen=True, kw_only=True, slots=True)
class StyleConfig:
    """How the fast style stage renders frames.

    ``model`` is a style name (``streamart models`` lists them), a path to an ONNX file, or
    None for the default style. ``size`` is the working resolution as the shorter side in
    pixels (frames are stylized at that size and resized back: bigger strokes, faster), None
    for the frame's own size. ``strength`` blends with the original (0 = original, 1 = fully
    stylized). ``preserve_color`` keeps the input's colours and takes only luminance from the
    stylized frame. ``threads`` caps the runtime's threads on the CPU (None: one per core).
    """

    model: str | os.PathLike | None = None
    size: int | None = DEFAULT_WORKING_SIZE
    strength: float = 1.0
    preserve_color: bool = False
    device: str = "auto"
    threads: int | None = None

    def __post_init__(self) -> None:
        check_fraction("strength", self.strength)
        if self.size is not None and self.size < 16:
            raise InputError(f"working size must be at least 16 pixels, got {self.size}")
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads must be at least 1, got {self.threads}")


# The quality an encoder gets when none is asked for. Its own scale decides which: a constant
# rate factor (x264, x265, VP9, AV1; NVENC's cq) where it has one, where 18 looks like the
# input; else FFmpeg's MPEG-video quantiser (mpeg4, mpeg2video, mjpeg: 1 best to 31), where 3
# is as close to the input as mpeg4 gets for a file of sensible size.
DEFAULT_CRF = 18
DEFAULT_QSCALE = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class EncodeConfig:
    """How the output video is encoded: the encoder, its quality on the encoder's own scale
    (``crf``: a constant rate factor, or ``cq`` for NVENC; ``qscale``: the fixed quantiser of
    mpeg4, mpeg2video, mjpeg; None: :data:`DEFAULT_CRF` or :data:`DEFAULT_QSCALE`, whichever
    scale the encoder has), its speed ``preset``, the pixel format, and the encoder's threads
    (None: its own choice, from the cores this process may use)."""

    encoder: str = "libx264"
    crf: int | None = None
    qscale: int | None = None
    preset: str | None = "medium"
    pix_fmt: str = "yuv420p"
    overwrite: bool = False
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.threads is not None and self.threads < 1:
            raise InputError(f"encoder threads must be at least 1, got {self.threads}")


#: Live recording must keep up with the camera on a small CPU: a fast x264 preset.
RECORD_ENCODE = EncodeConfig(crf=20, preset="veryfast")


@dataclass(frozen=True, kw_only=True, slots=True)
class DreamVideoConfig:
    """DeepDream on video: the objective and per-frame work (``dream``, by default the
    :data:`VIDEO_DREAM_PRESET` with :data:`VIDEO_DREAM_SETTINGS`), the share of the previous,
    flow-warped dream in each frame's start (``blend``; 0 dreams each frame afresh), the
    working size as the shorter side (``size``, None for the frame's own) and the flow preset.
    ``method`` is how the dream is made (:data:`DREAM_METHODS`): with a dream network, the frames
    are steadied as a style's are (the look's temporal blend), and ``blend`` does not apply.
    """

    dream: DreamConfig | None = None
    blend: float = DEFAULT_DREAM_BLEND
    size: int | None = DEFAULT_WORKING_SIZE
    flow_preset: str = DEFAULT_FLOW_PRESET
    method: str = DEFAULT_DREAM_METHOD

    def __post_init__(self) -> None:
        check_fraction("dream blend", self.blend)
        check_flow_preset(self.flow_preset)
        if self.method not in DREAM_METHODS:
            raise InputError(f"unknown dream method {self.method!r}: choose one of {', '.join(DREAM_METHODS)}")


@dataclass(frozen=True, kw_only=True, slots=True)
class LookConfig:
    """How a run's frames look: the fast ``style``, its ``temporal`` consistency (0 turns it off)
    along the optical flow of ``flow_preset``, or, with ``dream``, DeepDream instead of the
    style. The CLI builds one from its options and the web app from a request; the API takes
    it whole (``look=``)."""

    style: StyleConfig = StyleConfig()
    temporal: float = DEFAULT_TEMPORAL
    flow_preset: str = DEFAULT_FLOW_PRESET
    dream: DreamVideoConfig | None = None

    def __post_init__(self) -> None:
        check_fraction("temporal", self.temporal)
        check_flow_preset(self.flow_preset)


def check_cluster_address(address: str) -> None:
    """Raise :class:`InputError` unless ``address`` has the form of a Ray cluster's address:
    ``auto``, or ``HOST:PORT`` (after an optional ``scheme://``, as in ``ray://HOST:PORT``)."""
    if address == "auto":
        return
    host, colon, port = address.split("://", 1)[-1].rpartition(":")
    if not (colon and host and not any(c.isspace() for c in host) and port.isdigit() and 0 < int(port) < 65536):
        raise InputError(
            f"cluster address {address!r} is not an address; give auto (the cluster this machine is in) "
            "or the head's HOST:PORT, such as 192.168.1.10:6379"
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class ClusterConfig:
    """Spread video work over Ray workers (needs ``streamart[ray]``; docs/SCALING.md).

    Exactly one of ``workers`` (start a local Ray runtime with that many workers on this
    machine, one core each) and ``address`` (join a running cluster: ``host:port``, or
    ``"auto"`` for the one this machine belongs to). A video is cut at keyframes into chunks
    of about ``chunk_seconds`` (and into at least one chunk per worker where its keyframes
    allow); each worker also runs the ``warmup_frames`` frames before its chunk through the
    stages, so that temporal state is continuous at the seam, and drops them. A chunk whose
    worker dies is tried again up to ``retries`` times.
    """

    workers: int | None = None
    address: str | None = None
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS
    warmup_frames: int = DEFAULT_WARMUP_FRAMES
    retries: int = 3

    def __post_init__(self) -> None:
        if (self.workers is None) == (self.address is None):
            raise InputError("give either a number of local workers or a cluster address, not both")
        if self.workers is not None and self.workers < 1:
            raise InputError(f"workers must be at least 1, got {self.workers}")
        if self.address is not None:
            check_cluster_address(self.address)
        if not self.chunk_seconds > 0:
            raise InputError(f"chunk length must be more than 0 seconds, got {self.chunk_seconds}")
        if self.warmup_frames < 0 or self.retries < 0:
            raise InputError("warm-up frames and retries must not be negative")


#: The VGG16 layers whose Gram matrices a style network is trained to match (in order).
TRAINING_STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")


@renamed_keywords(style="painting")
@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """Everything a style-network training run depends on (saved in its checkpoints).

    ``painting`` is the picture the style is learnt from, ``out`` the ONNX file to write (None:
    the style's name in the user's model folder, see :func:`streamart.offline.training.train_style`),
    ``data`` a folder of content photos (None: the default corpus, fetched on first use).
    ``init`` is a base network (:mod:`streamart.offline.meta`) to fine-tune from (None: the one
    shipped for the variant), the quick way to a new style, and what makes models blendable (their ``streamart.base`` is
    the base's); ``from_scratch`` starts from random weights instead (many more iterations).
    ``variant`` is the network size (:mod:`streamart.nets.transformer`); training crops
    are ``image_size`` pixels square, the painting is scaled to ``style_size`` on its long side
    (None: twice the crop). The loss weights are those of the perceptual loss
    (:mod:`streamart.offline.training`). Checkpoints and sample images go to
    ``checkpoint_dir`` (None: ``out`` with the suffix ``.checkpoints``).
    """

    painting: Path
    out: Path | None = None
    data: Path | None = None  # None: the fetched corpus (streamart.offline.corpus)
    init: Path | None = None  # a base network to start from; None: the shipped base of the variant
    from_scratch: bool = False  # start from random weights instead of a base
    # The defaults are the quick fine-tuning of the CPU network from its shipped base: about
    # 2 minutes on 2 CPU cores (300 steps of 0.4 s; docs/QUALITY.md has how close that gets to
    # a long run). From scratch, a model needs --iterations 1000 and more.
    variant: str = "cpu"
    iterations: int = 300
    batch_size: int = 4
    image_size: int = 128
    #: The painting's long side: about the long side of the default working size (480 px high),
    #: so the network learns the painting's strokes at the scale users see them. At twice the
    #: crop (256 px) it learnt tiny motifs that it laid over every surface (docs/QUALITY.md,
    #: "The recipe search").
    style_size: int | None = 720
    content_weight: float = 1.0
    #: The VGG16 layer whose features the output must keep (one of the style layers): an earlier
    #: one keeps more of the photo's pixels, a later one lets the painting repaint more.
    content_layer: str = "relu3_3"
    style_weight: float = 10.0
    #: Weight of each style layer's term (relu1_2, relu2_2, relu3_3, relu4_3), each the mean
    #: squared error of its Gram matrix: equal weights favour the shallow layers, whose Grams
    #: have fewer entries, over what the likeness measure sums (docs/QUALITY.md).
    style_layer_weights: tuple[float, float, float, float] = (0.25, 1.0, 4.0, 16.0)
    tv_weight: float = 10.0
    #: Low enough not to buy steadiness with mush: the runtime's flow stage steadies video.
    temporal_weight: float = 300.0
    learning_rate: float = 1e-3
    seed: int = 0
    checkpoint_dir: Path | None = None
    checkpoint_every: int = 500
    sample_every: int = 250
    resume: Path | None = None
    device: str = "auto"
    amp: bool = True  # bfloat16 autocast where the device has it natively (else float32)
    threads: int | None = None
    fp16: bool = True  # float16 weights: half the file, the same pictures (docs/BENCHMARKS.md)
    style_name: str | None = None  # for the model's metadata; None: the painting's file name
    licence: str | None = None  # for the model's metadata
    max_pixels: int = MAX_PIXELS  # a painting larger than this is refused before it is decoded

    style = renamed_attribute("style", "painting")  # the old name, for one release

    def __post_init__(self) -> None:
        if self.image_size < 32:
            raise InputError(f"--image-size must be at least 32, got {self.image_size}")
        if self.variant == "cpu" and self.image_size < 64:  # its reflection margin is 48 px
            raise InputError(f"--image-size must be at least 64 for the cpu variant, got {self.image_size}")
        if self.style_size is not None and self.style_size < 32:
            raise InputError(f"--style-size must be at least 32 pixels, got {self.style_size}")
        for name in ("iterations", "batch_size", "checkpoint_every", "sample_every"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1")
        for name in ("content_weight", "style_weight", "tv_weight", "temporal_weight", "learning_rate"):
            if not (getattr(self, name) >= 0 and math.isfinite(getattr(self, name))):
                raise InputError(f"--{name.replace('_', '-')} must be a finite number, not negative")
        if self.content_layer not in TRAINING_STYLE_LAYERS:
            raise InputError(
                f"--content-layer must be one of {', '.join(TRAINING_STYLE_LAYERS)}, got {self.content_layer!r}"
            )
        weights = self.style_layer_weights
        if len(weights) != 4 or not all(w >= 0 and math.isfinite(w) for w in weights) or not any(weights):
            raise InputError(
                f"--style-layer-weights needs 4 finite weights, not negative and not all 0 "
                f"(relu1_2, relu2_2, relu3_3, relu4_3), got {','.join(map(str, weights))}"
            )
        check_torch_device(self.device)

    @property
    def checkpoints(self) -> Path:
        return checkpoint_folder(self.checkpoint_dir, self.out)


def checkpoint_folder(checkpoint_dir: Path | None, out: Path | None) -> Path:
    """Where a training run's checkpoints go: ``checkpoint_dir``, else beside the model
    ``out`` with the suffix ``.checkpoints``."""
    if checkpoint_dir is not None:
        return checkpoint_dir
    if out is None:
        raise InputError("a training run needs an output path (or a checkpoint folder)")
    return out.with_suffix(".checkpoints")


@dataclass(frozen=True, kw_only=True)
class DreamTrainingConfig:
    """Everything the distillation of a DeepDream preset into a feed-forward network depends
    on (:mod:`streamart.offline.dream_distill`; saved in its checkpoints).

    The teacher is the still-image ascent of ``preset`` (:mod:`streamart.art.dream_settings`),
    with its objective replaced by the one ``layer`` when that is given, and its octaves and
    steps by ``teacher_octaves`` and ``teacher_steps`` when those are (None: the preset's). Its
    dreams of fixed crops, ``crops_per_photo`` of each photo of ``data`` (None: the fetched
    corpus), ``image_size`` pixels square, are made once and cached (in ``teacher_cache``, by
    default the user cache folder's). The student is the
    ``variant`` network, fine-tuned from ``init`` (None: the shipped base) or trained
    ``from_scratch``, for ``iterations`` steps of ``batch_size`` crops; its loss is the mean
    absolute difference from the teacher's dream (in grey levels, times ``pixel_weight``), how
    far the ascent's objective of the output falls short of the dream's (a fraction, times
    ``objective_weight``; layer objectives only), and the style trainer's temporal
    loss times ``temporal_weight``. ``out`` is the ONNX file to
    write (None: ``dream_NAME.onnx`` in the user's model folder); the other fields are as in
    :class:`TrainingConfig`.
    """

    preset: str = VIDEO_DREAM_PRESET
    layer: str | None = None
    teacher_octaves: int | None = None
    teacher_steps: int | None = None
    out: Path | None = None
    data: Path | None = None
    init: Path | None = None
    from_scratch: bool = False
    variant: str = "cpu"  # the CPU-first network, what runs live at 30 fps
    crops_per_photo: int = 8
    image_size: int = 256
    teacher_cache: Path | None = None  # None: dream-teacher in the cache folder
    iterations: int = 2000
    batch_size: int = 4
    pixel_weight: float = 1.0
    objective_weight: float = 0.0
    temporal_weight: float = 0.05
    learning_rate: float = 1e-3
    seed: int = 0
    checkpoint_dir: Path | None = None
    checkpoint_every: int = 250
    sample_every: int = 250
    resume: Path | None = None
    device: str = "auto"
    amp: bool = True  # bfloat16 autocast where the device has it natively (else float32)
    threads: int | None = None
    fp16: bool = True

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise InputError(f"unknown dream preset {self.preset!r}: use one of {', '.join(PRESETS)}")
        if self.variant == "cpu" and self.image_size < 64:  # its reflection margin is 48 px
            raise InputError(f"--image-size must be at least 64 for the cpu variant, got {self.image_size}")
        for name in ("iterations", "batch_size", "checkpoint_every", "sample_every", "crops_per_photo"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1")
        for name in ("teacher_octaves", "teacher_steps"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1")
        for name in ("pixel_weight", "objective_weight", "temporal_weight", "learning_rate"):
            if not (getattr(self, name) >= 0 and math.isfinite(getattr(self, name))):
                raise InputError(f"--{name.replace('_', '-')} must be a finite number, not negative")
        check_torch_device(self.device)

    @property
    def name(self) -> str:
        """What the dream is called: the preset's name, or the layer's for a layer of one's own."""
        return self.layer or self.preset

    @property
    def checkpoints(self) -> Path:
        return checkpoint_folder(self.checkpoint_dir, self.out)


GATYS_OPTIMIZERS = ("lbfgs", "adam")
GATYS_INITS = ("palette", "content", "noise")
GATYS_PRESERVE_COLORS = ("none", "luminance", "histogram")
GATYS_POOLINGS = ("max", "avg")
GATYS_PRECISIONS = ("auto", "fp32", "bf16")
#: ``GatysConfig.style_layer_weights`` None: the weight of a relu2_x or relu3_x layer, the others 1.
GATYS_STROKE_LAYER_WEIGHT = 4.0


@dataclass(frozen=True, kw_only=True)
class GatysConfig:
    """Settings of a Gatys style transfer (:mod:`streamart.art.gatys`). Losses are weighted
    sums; see docs/GATYS.md. Layer names are VGG16's (``relu1_1`` .. ``relu5_3``)."""

    #: VGG16 layer whose activations must match the content image's.
    content_layer: str = "relu4_2"
    #: VGG16 layers whose Gram matrices must match the style's. Not relu5_1 (the paper's
    #: fifth): its Gram matrices copy whole objects of the painting (Escher's hand and sphere,
    #: Kahlo's face) into the photo (docs/GATYS.md).
    style_layers: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
    #: Relative weight of each style layer (same length as ``style_layers``). None: the
    #: stroke layers (relu2_x and relu3_x) count :data:`GATYS_STROKE_LAYER_WEIGHT` times the
    #: others; neural-style's unnormalised losses weight them hundreds of times more still.
    style_layer_weights: tuple[float, ...] | None = None
    #: Weight of the content loss: squared activation error relative to the content's.
    content_weight: float = 1.0
    #: Weight of the style loss: squared Gram matrix error relative to the style's, averaged
    #: over the layers with their weights. Only the ratio to content_weight matters for the
    #: look: 32 matched neural-style's published outputs on the likeness measure at 512 px
    #: (docs/GATYS.md).
    style_weight: float = 32.0
    #: Weight of the total variation loss: mean squared neighbour difference (0..1 values).
    tv_weight: float = 1.0
    #: "lbfgs" (fewer iterations to a good result, more memory) or "adam".
    optimizer: Literal["lbfgs", "adam"] = "lbfgs"
    #: Adam's step size in pixel units (0..255); L-BFGS does not use it.
    learning_rate: float = 10.0
    #: Optimisation steps at the full size (one VGG forward + backward each); each coarser scale
    #: runs twice as many as the next finer one (a step there costs a quarter).
    iterations: int = 50
    #: The starting picture: "palette", the content image in the style images' colours (each
    #: RGB channel's histogram matched to theirs), so the optimisation starts with the
    #: painting's palette and only has to repaint the strokes (with ``preserve_color``, whose
    #: point is the content's colours, the content image as it is); "content", the content image
    #: as it is; "noise", uniform noise (``seed`` picks it).
    init: Literal["palette", "content", "noise"] = "palette"
    #: Longer-side sizes of the coarse passes before the content's own size, increasing; None:
    #: a quarter and a half of the content's size (those whose shorter side is 64 px or more);
    #: () for the full size alone.
    scales: tuple[int, ...] | None = None
    #: A scale ends once its total loss fell by less than this share over the last 10 steps
    #: (0: always run every step).
    stop_tolerance: float = 0.005
    #: Size of the style image relative to the image being optimised (longer sides): larger
    #: values give larger brush strokes and motifs.
    style_scale: float = 1.0
    #: "luminance": keep the content's colours (result luminance + content chroma);
    #: "histogram": recolour the style images to the content's histogram first.
    preserve_color: Literal["none", "luminance", "histogram"] = "none"
    #: VGG pooling: Gatys et al. found average pooling gives slightly smoother results.
    pooling: Literal["max", "avg"] = "max"
    #: Seed for the noise start; with it, results repeat on the same machine and device.
    seed: int = 0
    #: "auto" takes the CUDA GPU when torch sees one; also "cpu", "cuda" or "cuda:N".
    device: str = "auto"
    #: "bf16": VGG16 in bfloat16 autocast (losses stay float32); "auto": bf16 where the device
    #: computes it natively (CUDA GPUs, CPUs with AVX512-BF16 or AMX), else "fp32".
    precision: Literal["auto", "fp32", "bf16"] = "auto"

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("optimizer", self.optimizer, GATYS_OPTIMIZERS),
            ("precision", self.precision, GATYS_PRECISIONS),
            ("init", self.init, GATYS_INITS),
            ("preserve_color", self.preserve_color, GATYS_PRESERVE_COLORS),
            ("pooling", self.pooling, GATYS_POOLINGS),
        ):
            if value not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if not self.style_layers:
            raise InputError("style_layers must name at least one VGG16 layer")
        if self.style_layer_weights is not None:
            if len(self.style_layer_weights) != len(self.style_layers):
                raise InputError(
                    f"{len(self.style_layer_weights)} style layer weights given for "
                    f"{len(self.style_layers)} style layers; give one per layer"
                )
            check_non_negative("style layer weights", self.style_layer_weights)
            if sum(self.style_layer_weights) == 0:
                raise InputError("style layer weights are all zero; make at least one positive")
        check_non_negative("weights", (self.content_weight, self.style_weight, self.tv_weight))
        check_torch_device(self.device)
        # NaN and inf pass a plain "< 1" test; a float is no step count either.
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) or self.iterations < 1:
            raise InputError(f"iterations must be at least 1 and a whole number, got {self.iterations}")
        if not 0 <= self.stop_tolerance < 1:
            raise InputError(f"stop_tolerance must be from 0 to below 1, got {self.stop_tolerance}")
        if not 0 < self.learning_rate < math.inf:
            raise InputError(f"learning_rate must be positive and finite, got {self.learning_rate}")
        if not 0 < self.style_scale < math.inf:
            raise InputError(f"style_scale must be positive and finite, got {self.style_scale}")
        if self.scales is not None and any(b <= a for a, b in zip(self.scales, self.scales[1:])):
            raise InputError(f"scales must increase, got {', '.join(map(str, self.scales))}")


def check_non_negative(what: str, values: Sequence[float]) -> None:
    if any(not (value >= 0 and math.isfinite(value)) for value in values):
        raise InputError(f"{what} must be finite and non-negative, got {list(values)}")


@dataclass(frozen=True, kw_only=True, slots=True)
class CameraConfig:
    """Which camera a live session reads and the mode it asks for.

    ``device`` is a camera index, ``/dev/videoN``, a stream URL, or a video file played at its
    own rate as if it were a camera. ``width``, ``height`` and ``fps`` are requests (the camera
    picks its nearest mode); ``reconnect`` waits for a camera that disappears.
    """

    device: int | str = 0
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    reconnect: bool = False


@renamed_keywords(
    new_styles="paintings",
    style="look.style",
    temporal="look.temporal",
    flow_preset="look.flow_preset",
    dream="look.dream",
)
@dataclass(frozen=True, kw_only=True, slots=True)
class LiveConfig:
    """A live session: camera in; stylized (or dreamt) frames out to any of a preview window,
    a virtual camera and a recording.

    ``styles`` are the styles the window's n/p keys cycle through (the first is shown first);
    empty means every installed style, the default first. ``look`` is how the frames look
    (:class:`LookConfig`; by default at the live working size): its style gives the working
    size, strength, colour preservation and device (its ``model`` is ignored in favour of
    ``styles``); with its ``dream`` set, DeepDream replaces the style. Outputs: ``window``
    (with its fps/latency ``overlay`` and the folder ``screenshots`` go to),
    ``virtual_camera`` (``vcam_backend``, ``vcam_device``), ``record`` (a video path;
    ``overwrite`` replaces an existing one).
    ``paintings`` are pictures to learn new styles from while the session runs, each in a process
    of its own (:mod:`streamart.offline.background`); each is switched to when it is ready,
    unless it has more than ``max_pixels`` pixels.
    """

    camera: CameraConfig = CameraConfig()
    styles: tuple[str, ...] = ()
    look: LookConfig = LookConfig(style=StyleConfig(size=LIVE_WORKING_SIZE))
    window: bool = False
    overlay: bool = True
    screenshots: str | os.PathLike | None = None
    virtual_camera: bool = False
    vcam_backend: str | None = None
    vcam_device: str | None = None
    record: str | os.PathLike | None = None
    overwrite: bool = False
    paintings: tuple[Path, ...] = ()
    max_pixels: int = MAX_PIXELS

    # The old names, for one release.
    new_styles = renamed_attribute("new_styles", "paintings")
    style = renamed_attribute("style", "look.style")
    temporal = renamed_attribute("temporal", "look.temporal")
    flow_preset = renamed_attribute("flow_preset", "look.flow_preset")
    dream = renamed_attribute("dream", "look.dream")

    def __post_init__(self) -> None:
        if not (self.window or self.virtual_camera or self.record):
            raise InputError("nothing to send the frames to: add --window, --virtual-cam and/or --record OUT")
