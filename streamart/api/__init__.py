"""The Python API: every user-facing operation, each opening its sources, stages and sinks and
handing them to the pipeline (:mod:`streamart.core.pipeline`). The CLI and the web app call
these and nothing below them.

A facade over one module per topic: :mod:`~streamart.api.video` (the stages of a look, one
video), :mod:`~streamart.api.batch` (folders of videos), :mod:`~streamart.api.images` (fast
style, Gatys, DeepDream), :mod:`~streamart.api.live` (cameras, and frames of your own) and
:mod:`~streamart.api.styles` (the styles there are, and training new ones).

Typical use::

    import streamart
    streamart.stylize_video("in.mp4", "out.mp4", style=streamart.StyleConfig(model="starry_night"))

    streamart.stylize_folder("clips/", "stylized/", cluster=streamart.ClusterConfig(workers=4))

    stylize = streamart.Stylizer(streamart.StyleConfig(model="the_scream"), temporal=0.5)
    for image in my_frames:  # RGB uint8 H x W x 3
        show(stylize(image))
"""

from ..assets.models import (
    DEFAULT_STYLE,
    StyleNameTooLong,
    list_models,
    resolve_model,
    user_models_dir,
)
from ..assets.folders import cache_dir
from ..config import (
    DEFAULT_TEMPORAL,
    MAX_PIXELS,
    RECORD_ENCODE,
    VIDEO_DREAM_PRESET,
    VIDEO_DREAM_SETTINGS,
    ClusterConfig,
    DreamTrainingConfig,
    DreamVideoConfig,
    EncodeConfig,
    LiveConfig,
    LookConfig,
    StyleConfig,
    TrainingConfig,
)
from ..core.controls import LiveControls
from ..core.files import check_output_path, describe
from ..core.frame import Frame, check_image
from ..core.pipeline import run
from ..core.protocols import ClosingContext, Sink, Source, Stage
from ..core.runner import PipelineStats, run_pipeline
from ..core.signals import Terminated
from ..errors import InputError, InputNotFoundError, OutputError, StreamartError
from ..ops.flow import DEFAULT_FLOW_PRESET
from ..ops.image import limit_short_side, load_image, resize, resize_long_side
from ..sinks.encoder import EncoderSink
from ..sinks.image import ImageSink
from ..sinks.virtualcam import virtual_camera_backends
from ..sources.file import FileSource
from ..sources.image import ImageSource
from ..sources.webcam import WebcamSource, list_cameras
from ..stages.style import FinishStage, StyleStage
from ..stages.temporal import TemporalBlendStage
from .batch import VIDEO_EXTENSIONS, BatchProgress, BatchReport, FileOutcome, find_videos, is_batch, stylize_folder
from .images import dream_image, gatys_image, process_image, stylize_image
from .live import Stylizer, live, live_dreams, live_styles  # live: the function (the module is streamart.api.live)
from .styles import new_style_name, style_metadata, train_dream, train_style
from .video import (
    Progress,
    build_dream_stages,
    build_look_stages,
    build_style_stages,
    process_video,
    stylize_video,
    video_dream_config,
)

__all__ = [
    # The API's own, then those of the packages under it, importable from here before the API
    # had topic modules and kept so (users import them).
    "BatchProgress",
    "BatchReport",
    "FileOutcome",
    "Progress",
    "Stylizer",
    "VIDEO_EXTENSIONS",
    "build_dream_stages",
    "build_look_stages",
    "build_style_stages",
    "dream_image",
    "find_videos",
    "gatys_image",
    "is_batch",
    "live",
    "live_dreams",
    "live_styles",
    "new_style_name",
    "process_image",
    "process_video",
    "style_metadata",
    "stylize_folder",
    "stylize_image",
    "stylize_video",
    "train_dream",
    "train_style",
    "video_dream_config",
    # under the API
    "ClosingContext",
    "ClusterConfig",
    "DEFAULT_FLOW_PRESET",
    "DEFAULT_STYLE",
    "DEFAULT_TEMPORAL",
    "DreamTrainingConfig",
    "DreamVideoConfig",
    "EncodeConfig",
    "EncoderSink",
    "FileSource",
    "FinishStage",
    "Frame",
    "ImageSink",
    "ImageSource",
    "InputError",
    "InputNotFoundError",
    "LiveConfig",
    "LiveControls",
    "LookConfig",
    "MAX_PIXELS",
    "OutputError",
    "PipelineStats",
    "RECORD_ENCODE",
    "Sink",
    "Source",
    "Stage",
    "StreamartError",
    "StyleConfig",
    "StyleNameTooLong",
    "StyleStage",
    "TemporalBlendStage",
    "Terminated",
    "TrainingConfig",
    "VIDEO_DREAM_PRESET",
    "VIDEO_DREAM_SETTINGS",
    "WebcamSource",
    "cache_dir",
    "check_image",
    "check_output_path",
    "describe",
    "limit_short_side",
    "list_cameras",
    "list_models",
    "load_image",
    "resize",
    "resize_long_side",
    "resolve_model",
    "run",
    "run_pipeline",
    "user_models_dir",
    "virtual_camera_backends",
]
