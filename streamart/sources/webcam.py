"""Webcam source (OpenCV): a camera index, a device path, a stream URL or a video file.

Latency is kept bounded without a capture thread of our own: the driver's buffer is set to one
frame (``CAP_PROP_BUFFERSIZE``), ``read()`` blocks until the next frame, and the runner's
latest-frame slot replaces frames that the stages are too slow to take. A video file opened
here is paced at its native rate, so that it behaves like a camera (tests and benchmarks).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from ..core.frame import Frame
from ..core.protocols import ClosingContext, StreamInfo
from ..errors import DeviceError, InputError, InputNotFoundError

log = logging.getLogger(__name__)

# OpenCV's own copy of FFmpeg (streams, files) prints its errors to stderr ("Connection
# refused" before our one-line error); its level is read once, at the first capture it opens,
# so it is set here, before any. A level the user set (for debugging) is kept.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET

# Live frames are stamped with milliseconds since the first capture, so that a recording
# keeps the real timing, gaps from dropped frames included.
LIVE_TIME_BASE = Fraction(1, 1000)
RECONNECT_INTERVAL_S = 1.0
RECONNECT_TIMEOUT_S = 30.0


class WebcamSource(ClosingContext):
    """Frames from a camera (index, ``/dev/videoN``), a stream URL or a video file.

    ``width``, ``height`` and ``fps`` are requests: the camera picks its nearest mode, and
    ``info`` reports what it actually gives (a warning is logged when that differs). Raises
    :class:`DeviceError` when the camera is missing or busy. When the camera stops delivering
    frames mid-stream, iteration ends with a warning, or, with ``reconnect=True``, the camera
    is reopened for up to 30 s first.
    """

    live = True
    name = "webcam"

    def __init__(
        self,
        device: int | str = 0,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        reconnect: bool = False,
    ) -> None:
        self.device = _parse_device(device)
        self.is_file = isinstance(self.device, str) and _is_file_path(self.device)
        self.reconnect = reconnect
        self._requested = (width, height, fps)
        self._lock = threading.Lock()  # read() and release() must not overlap
        self._closed = threading.Event()
        #: Whether a video file played as a camera was played to its end.
        self.ended = False
        self._capture: cv2.VideoCapture | None = self._open_capture()
        first = self._read()
        if first is None:
            self.close()
            raise DeviceError(f"{self.description} opened but delivers no frames: is it used by another program?")
        # A camera's first frame is stale by the time the pipeline starts; a file's is frame 0.
        self._first_frame = first if self.is_file else None
        actual_fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.info = StreamInfo(
            width=first.shape[1],
            height=first.shape[0],
            fps=actual_fps if actual_fps > 0 else None,
            time_base=LIVE_TIME_BASE,
        )
        self._report_mode()

    @property
    def description(self) -> str:
        """How messages name this input: ``camera 0``, ``camera /dev/video2``, ``stream URL``."""
        if self.is_file:
            return f"video file {self.device}"
        if isinstance(self.device, str) and "://" in self.device:
            return f"stream {self.device}"
        return f"camera {self.device}"

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        start: float | None = None
        pending, self._first_frame = self._first_frame, None
        bgr: np.ndarray | None
        while not self._closed.is_set():
            if pending is not None:
                bgr, pending = pending, None
            else:
                if self.is_file and start is not None:
                    self._wait_until(start + index / (self.info.fps or 30.0))
                bgr = self._read()
            if bgr is None:
                if self._closed.is_set():
                    return
                if self.is_file:
                    self.ended = True
                    return
                if not (self.reconnect and self._reopen()):
                    log.warning("%s stopped delivering frames (unplugged?): stopping", self.description)
                    return
                continue
            capture_time = time.monotonic()
            if start is None:
                start = capture_time
            yield Frame(
                image=self._to_rgb(bgr),
                index=index,
                pts=round((capture_time - start) / LIVE_TIME_BASE),
                time_base=LIVE_TIME_BASE,
                capture_time=capture_time,
            )
            index += 1

    def close(self) -> None:
        """Release the camera (idempotent; waits for a read in progress to return)."""
        self._closed.set()
        with self._lock:
            if self._capture is not None:
                self._capture.release()
                self._capture = None

    def _open_capture(self) -> cv2.VideoCapture:
        """Open the device with the requested mode, or raise a one-line error."""
        device = self.device
        if self.is_file or (isinstance(device, str) and "://" in device):
            with _quiet_opencv():
                capture = cv2.VideoCapture(device, cv2.CAP_FFMPEG)
        else:
            if isinstance(device, str) and not os.path.exists(device):
                raise DeviceError(
                    f"camera {device} does not exist: is it connected? ('streamart devices' lists the cameras)"
                )
            with _quiet_opencv():
                capture = cv2.VideoCapture(device, _camera_api())
        if not capture.isOpened():
            capture.release()
            if self.is_file:
                raise InputError(f"{device} cannot be read as a video: is it a video file?")
            if "://" in str(device):
                raise DeviceError(f"stream {device} could not be opened: check the address and that it is reachable")
            raise DeviceError(f"camera {device} could not be opened: is it connected, or used by another program?")
        if not self.is_file:
            # One buffered frame: a slow consumer then gets the newest frame, not an old one.
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            width, height, fps = self._requested
            if width:
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            if height:
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            if fps:
                capture.set(cv2.CAP_PROP_FPS, fps)
        return capture

    def _read(self) -> np.ndarray | None:
        """The next BGR frame, or None at the end (file ended, camera gone, closed)."""
        with self._lock:
            if self._capture is None:
                return None
            ok, bgr = self._capture.read()
        return bgr if ok and bgr is not None else None

    def _reopen(self) -> bool:
        """Reopen a camera that vanished; True when it delivers frames again."""
        log.warning(
            "%s stopped delivering frames: trying to reconnect for %.0f s",
            self.description,
            RECONNECT_TIMEOUT_S,
        )
        deadline = time.monotonic() + RECONNECT_TIMEOUT_S
        while time.monotonic() < deadline:
            # Waiting on the close event, so that close() ends the wait at once.
            if self._closed.wait(RECONNECT_INTERVAL_S):
                return False
            with self._lock:
                if self._capture is not None:
                    self._capture.release()
                try:
                    self._capture = self._open_capture()
                except DeviceError:
                    self._capture = None
                    continue
            if self._read() is not None:  # opened is not enough: it must deliver frames
                log.warning("%s reconnected", self.description)
                return True
        log.warning("%s did not come back within %.0f s", self.description, RECONNECT_TIMEOUT_S)
        return False

    def _to_rgb(self, bgr: np.ndarray) -> np.ndarray:
        # A reconnected camera may come back in another mode: keep the size that info promised.
        if bgr.shape[:2] != (self.info.height, self.info.width):
            bgr = cv2.resize(bgr, (self.info.width, self.info.height), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _wait_until(self, due: float) -> None:
        delay = due - time.monotonic()
        if delay > 0:
            self._closed.wait(delay)

    def _report_mode(self) -> None:
        width, height, fps = self._requested
        got = f"{self.info.width}x{self.info.height} at {self.info.fps or 0:.4g} fps"
        mismatched = (
            (width and width != self.info.width)
            or (height and height != self.info.height)
            or (fps and self.info.fps and abs(fps - self.info.fps) > 0.5)
        )
        if mismatched:
            asked = f"{width or '?'}x{height or '?'} at {fps or '?'} fps"
            log.warning("%s: asked for %s, it gives %s", self.description, asked, got)
        else:
            log.info("%s: %s", self.description, got)


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """One camera found by :func:`list_cameras`; ``problem`` says why it cannot be used."""

    device: int | str
    name: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    loopback: bool = False  # a v4l2loopback virtual camera, not real hardware
    problem: str | None = None


def list_cameras(max_index: int = 4) -> list[CameraInfo]:
    """The cameras this machine has, with the mode each opens in.

    Linux: every ``/dev/video*`` node (a USB camera usually adds a second metadata node that
    cannot capture; it is listed with its problem). Elsewhere: indices 0..max_index.
    """
    if sys.platform.startswith("linux"):
        nodes = sorted(glob.glob("/dev/video*"), key=lambda p: int(re.sub(r"\D", "", p) or 0))
        return [_probe_camera(node, *_v4l2_identity(node)) for node in nodes]
    found = []
    for index in range(max_index + 1):
        info = _probe_camera(index, f"camera {index}", False)
        if info.problem is None:
            found.append(info)
    return found


def is_v4l2loopback(node: str) -> bool:
    """Whether ``/dev/videoN`` is a v4l2loopback virtual camera (a virtual device in sysfs)."""
    return _v4l2_identity(node)[1]


def _v4l2_identity(node: str) -> tuple[str, bool]:
    sysfs = f"/sys/class/video4linux/{os.path.basename(node)}"
    try:
        with open(f"{sysfs}/name") as file:
            name = file.read().strip()
    except OSError:
        name = os.path.basename(node)
    # Real cameras hang off a bus (usb, pci); v4l2loopback devices live under /virtual/.
    loopback = "/virtual/" in os.path.realpath(sysfs)
    return name, loopback


def _probe_camera(device: int | str, name: str, loopback: bool) -> CameraInfo:
    with _quiet_opencv():
        capture = cv2.VideoCapture(device, _camera_api())
    try:
        if not capture.isOpened():
            problem = (
                "no writer (start the virtual camera first)"
                if loopback
                else "cannot capture (a metadata node, or used by another program)"
            )
            return CameraInfo(device, name, loopback=loopback, problem=problem)
        fps = capture.get(cv2.CAP_PROP_FPS)
        return CameraInfo(
            device,
            name,
            width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=fps if fps > 0 else None,
            loopback=loopback,
        )
    finally:
        capture.release()


def _parse_device(device: int | str) -> int | str:
    if isinstance(device, str) and device.strip().isdigit():
        return int(device)
    if isinstance(device, int) and device < 0:
        raise DeviceError(f"camera index must be 0 or more, got {device}")
    if isinstance(device, str) and "://" not in device and not device.startswith("/dev/"):
        if not os.path.exists(device):
            raise InputNotFoundError(
                f"no such camera or file: {device!r} (give a camera index, /dev/videoN, a stream URL or a video file)"
            )
    return device


def _is_file_path(device: str) -> bool:
    return "://" not in device and not device.startswith("/dev/") and os.path.isfile(device)


def _camera_api() -> int:
    # On Linux only V4L2 makes sense for cameras; CAP_ANY would also try FFmpeg's avdevice
    # and print its own errors for a missing camera.
    return cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own warnings while probing: we raise a clearer error ourselves."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)
