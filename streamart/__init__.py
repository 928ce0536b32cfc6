"""streamart: real-time video stylization with neural networks.

The public API (see README.md): :func:`stylize_video`, :func:`stylize_folder`, :func:`stylize_image`,
:func:`gatys_image`, :func:`dream_image`, :func:`live`, :func:`run`, :class:`Stylizer`
(:func:`process_video` and :func:`process_image`: their deprecated old names); the settings :class:`StyleConfig`,
:class:`LookConfig`, :class:`EncodeConfig`, :class:`DreamVideoConfig`, :class:`CameraConfig`,
:class:`LiveConfig` and :class:`ClusterConfig`;
the :class:`Frame` type and the errors.
"""

# OpenCV before PyAV: PyAV's wheel bundles libxcb libraries under the same names as OpenCV's
# copies, and if PyAV's load first, OpenCV's preview window hangs (see streamart/sinks/window.py).
import cv2  # noqa: F401

__version__ = "0.1.0"

from .api import (
    Stylizer,
    build_dream_stages,
    build_style_stages,
    dream_image,
    gatys_image,
    live,
    process_image,
    process_video,
    run,
    stylize_folder,
    stylize_image,
    stylize_video,
)
from .config import (
    CameraConfig,
    ClusterConfig,
    DreamVideoConfig,
    EncodeConfig,
    LiveConfig,
    LookConfig,
    StyleConfig,
)
from .core.frame import Frame
from .core.protocols import StopPipeline
from .core.runner import PipelineStats
from .errors import StreamartError

__all__ = [
    "CameraConfig",
    "ClusterConfig",
    "DreamVideoConfig",
    "EncodeConfig",
    "Frame",
    "LiveConfig",
    "LookConfig",
    "PipelineStats",
    "StopPipeline",
    "StreamartError",
    "StyleConfig",
    "Stylizer",
    "build_dream_stages",
    "build_style_stages",
    "dream_image",
    "gatys_image",
    "live",
    "process_image",
    "process_video",
    "run",
    "stylize_folder",
    "stylize_image",
    "stylize_video",
]
