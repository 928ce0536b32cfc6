"""Virtual camera sink (pyvirtualcam): the stylized stream as a camera for OBS, Zoom, Meet...

Backends come from pyvirtualcam's registry: ``v4l2loopback`` on Linux, ``obs`` on Windows and
macOS, ``unitycapture`` on Windows. When none can start, one :class:`DeviceError` says why each
failed and what to do about it.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass

import cv2

from ..core.frame import Frame
from ..core.protocols import ClosingContext
from ..errors import DeviceError, require
from ..ops.image import pad_to

log = logging.getLogger(__name__)

# What to do when a backend cannot start, by backend.
_FIXES = {
    "v4l2loopback": "load the kernel module: sudo modprobe v4l2loopback exclusive_caps=1 card_label=streamart",
    "obs": "install OBS Studio and start its virtual camera once (Start Virtual Camera), then stop it",
    "unitycapture": "install Unity Capture and run its Install.bat once",
}
_PLATFORMS = {"v4l2loopback": "Linux", "obs": "Windows and macOS", "unitycapture": "Windows"}
_BUSY_WORDS = ("busy", "in use", "already")
_BUSY_FIX = "the device is busy: close the program that writes to it, or pick another device"


class VirtualCameraSink(ClosingContext):
    """Send frames to a virtual camera at ``width`` x ``height`` and ``fps``.

    ``backend`` None tries every backend this platform has; ``device`` picks one device of the
    backend (``/dev/video10``; ``OBS Virtual Camera``). Frames are sent as RGB, or as I420 where
    a backend refuses RGB. Odd sizes are padded to even ones by repeating the last column or
    row (I420 and most consumers need even sizes); frames of another size are resized first.
    ``write()`` paces the stream at ``fps``.
    """

    name = "virtualcam"

    def __init__(
        self,
        *,
        width: int,
        height: int,
        fps: float,
        backend: str | None = None,
        device: str | None = None,
    ) -> None:
        if width < 2 or height < 2 or fps <= 0:
            raise ValueError(
                f"a virtual camera needs a size of at least 2x2 and fps > 0, got {width}x{height} at {fps}"
            )
        self.width, self.height, self.fps = width, height, fps
        even_width, even_height = width + width % 2, height + height % 2
        self._camera, self.pixel_format = _open_camera(even_width, even_height, fps, backend, device)
        self.backend: str = self._camera.backend
        self.device: str = self._camera.device
        self._warned_resize = False
        log.info(
            "virtual camera: %s %s, %dx%d at %g fps, %s",
            self.backend,
            self.device,
            self._camera.width,
            self._camera.height,
            fps,
            self.pixel_format,
        )

    def write(self, frame: Frame) -> None:
        """Send one frame, then wait until the next one is due at the target rate."""
        if self._camera is None:
            raise ValueError("write() on a closed VirtualCameraSink")
        image = frame.image
        if image.shape[:2] != (self.height, self.width):
            if not self._warned_resize:
                log.info(
                    "virtual camera: resizing %dx%d frames to %dx%d",
                    frame.width,
                    frame.height,
                    self.width,
                    self.height,
                )
                self._warned_resize = True
            image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
        camera = self._camera
        image = pad_to(image, camera.width, camera.height)
        if self.pixel_format == "I420":
            image = cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420)
        camera.send(image)
        camera.sleep_until_next_frame()

    def close(self) -> None:
        """Release the virtual camera (idempotent)."""
        if self._camera is not None:
            self._camera.close()
            self._camera = None


@dataclass(frozen=True, slots=True)
class BackendStatus:
    """Whether a virtual-camera backend can start here: its device, or why not and the fix."""

    name: str
    available: bool
    detail: str


def virtual_camera_backends(width: int = 640, height: int = 480, fps: float = 30) -> list[BackendStatus]:
    """Every known backend, each tried once (opened and closed again) where this platform has it."""
    pyvirtualcam = require("pyvirtualcam", "virtualcam")
    registered = _registered_backends(pyvirtualcam)
    statuses = []
    for name in sorted(set(_PLATFORMS) | set(registered)):
        if name not in registered:
            statuses.append(BackendStatus(name, False, f"only on {_PLATFORMS[name]}"))
            continue
        opened = _try_backend(pyvirtualcam, name, width, height, fps, None)
        if isinstance(opened, str):
            statuses.append(BackendStatus(name, False, opened))
            continue
        camera, pixel_format = opened
        statuses.append(BackendStatus(name, True, f"{camera.device} ({pixel_format})"))
        camera.close()
    return statuses


def _open_camera(width: int, height: int, fps: float, backend: str | None, device: str | None):
    """Open a pyvirtualcam Camera on ``backend`` or the first that starts; returns it with
    its pixel format name, or raises one DeviceError that lists every failure."""
    pyvirtualcam = require("pyvirtualcam", "virtualcam")
    registered = _registered_backends(pyvirtualcam)
    if backend is not None and backend not in registered:
        if backend in _PLATFORMS:
            raise DeviceError(
                f"the {backend} virtual camera works on {_PLATFORMS[backend]} only, not on "
                f"{platform.system()}{_choices(registered)}"
            )
        raise DeviceError(f"unknown virtual camera backend '{backend}'{_choices(registered)}")
    failures = []
    for name in [backend] if backend else registered:
        opened = _try_backend(pyvirtualcam, name, width, height, fps, device)
        if not isinstance(opened, str):
            return opened
        failures.append(f"{name}: {opened}")
    if not backend:
        elsewhere = [name for name in _PLATFORMS if name not in registered]
        failures += [f"{name}: only on {_PLATFORMS[name]}" for name in elsewhere]
    raise DeviceError("no virtual camera could start: " + "; ".join(failures))


def _try_backend(pyvirtualcam, name: str, width: int, height: int, fps: float, device: str | None):
    """Open one backend with RGB frames, else I420: (camera, format name), or why not and the fix."""
    for pixel_format in ("RGB", "I420"):
        try:
            camera = pyvirtualcam.Camera(
                width, height, fps, fmt=pyvirtualcam.PixelFormat[pixel_format], device=device, backend=name
            )
        except Exception as exc:  # noqa: BLE001 - backends raise anything; each is reported
            reason = str(exc).removeprefix(f"'{name}' backend: ").strip().rstrip(".")
            if "format" in reason.lower() and pixel_format == "RGB":
                continue  # this backend may take I420 instead
            return f"{reason} ({_fix(name, reason)})"
        return camera, pixel_format
    return f"accepts neither RGB nor I420 frames ({_fix(name, '')})"


def _registered_backends(pyvirtualcam) -> list[str]:
    # pyvirtualcam keeps its backends (built-in and register_backend()-ed) in this registry.
    return list(pyvirtualcam.camera.BACKENDS)


def _fix(backend: str, reason: str) -> str:
    if any(word in reason.lower() for word in _BUSY_WORDS):
        return _BUSY_FIX
    return _FIXES.get(backend, "see the backend's documentation")


def _choices(registered: list[str]) -> str:
    return f"; available here: {', '.join(registered)}" if registered else "; none is available here"
