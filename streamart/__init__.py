"""streamart: real-time video stylization with neural networks."""

# OpenCV before PyAV: PyAV's wheel bundles libxcb libraries under the same names as OpenCV's
# copies, and if PyAV's load first, OpenCV's preview window hangs (see streamart/sinks/window.py).
import cv2  # noqa: F401, E402

__version__ = "0.1.0"
