"""Preview window sink (OpenCV highgui) with hotkeys and an fps/latency overlay.

Hotkeys: n / p next / previous style, b blend in the next style (a quarter more each press),
+ / - strength, t temporal consistency on/off, s before/after split view, c screenshot, o
overlay on/off, q or Esc quit. Closing the window
ends the pipeline normally, like q.

Every highgui call goes through the process's one GUI thread
(:func:`~streamart.core.gui_thread.call_in_gui_thread`; its module docstring says why);
``write()`` waits for it, so the sink stays synchronous.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ..core.controls import STRENGTH_STEP, LiveControls
from ..core.frame import Frame
from ..core.gui_thread import call_in_gui_thread
from ..core.protocols import ClosingContext, StopPipeline
from ..errors import DeviceError, OutputError
from .image import ImageSink

log = logging.getLogger(__name__)

_FPS_WINDOW = 30  # the overlay's fps is averaged over this many frames
_MESSAGE_SECONDS = 2.0  # how long a notice such as "saved shot.png" stays on screen
_ESCAPE = 27


class WindowSink(ClosingContext):
    """Show frames in a window; hotkeys change ``controls``, which the stages read.

    ``screenshot_dir`` is where the c key saves PNGs (default: the current folder); the overlay
    shows the file's name for a moment, and ``announce`` (if given) gets a line with its path. The
    overlay shows fps, capture-to-display latency, style and strength; it follows
    ``controls.overlay``.
    """

    name = "window"

    def __init__(
        self,
        title: str = "streamart",
        *,
        controls: LiveControls | None = None,
        screenshot_dir: str | os.PathLike | None = None,
        announce: Callable[[str], None] | None = None,
    ) -> None:
        _check_display()
        _check_xcb_libraries()
        self.title = title
        self.controls = controls if controls is not None else LiveControls()
        self.screenshot_dir = Path(screenshot_dir) if screenshot_dir is not None else Path.cwd()
        if not self.screenshot_dir.is_dir():
            raise OutputError(f"screenshot folder {self.screenshot_dir} does not exist: create it first")
        self._announce = announce if announce is not None else log.info
        self._opened = False
        self._closed = False
        self._shown_at: deque[float] = deque(maxlen=_FPS_WINDOW)
        self._message = ""
        self._message_until = 0.0

    def write(self, frame: Frame) -> None:
        """Show ``frame`` and act on a pressed key; raises StopPipeline on quit or close."""
        if self._closed:
            raise ValueError("write() on a closed WindowSink")
        if call_in_gui_thread(self._show, frame) is False:
            raise StopPipeline

    def close(self) -> None:
        """Close the window (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._opened:
            call_in_gui_thread(_destroy_window, self.title)

    def _show(self, frame: Frame) -> bool:
        """In the GUI thread: display one frame; False when the user wants to stop."""
        if self._opened and _window_closed(self.title):
            return False
        if not self._opened:
            try:
                cv2.namedWindow(self.title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
            except cv2.error as exc:
                raise DeviceError(
                    f"OpenCV cannot open a window here ({str(exc).strip().splitlines()[-1]}): "
                    "install opencv-python instead of opencv-python-headless"
                ) from None
            self._opened = True
        view = self._compose(frame)
        now = time.monotonic()
        self._shown_at.append(now)
        shown = cv2.cvtColor(view, cv2.COLOR_RGB2BGR)  # a new array: the overlay may draw on it
        if self.controls.overlay or now < self._message_until:
            self._draw_overlay(shown, frame, now)
        cv2.imshow(self.title, shown)
        key = cv2.waitKey(1)
        return key == -1 or self._handle_key(key & 0xFF, view, frame)

    def _compose(self, frame: Frame) -> np.ndarray:
        """The image to show: the frame, or original | stylized halves in split view."""
        if not self.controls.split_view:
            return frame.image
        before = frame.source_image
        height, width = frame.image.shape[:2]
        if before.shape[:2] != (height, width):
            before = cv2.resize(before, (width, height), interpolation=cv2.INTER_AREA)
        view = frame.image.copy()
        half = width // 2
        view[:, :half] = before[:, :half]
        view[:, half] = 255  # a white divider
        return view

    def _draw_overlay(self, image: np.ndarray, frame: Frame, now: float) -> None:
        """Draw fps, latency, style and notices into ``image`` (white on dark: any channel order)."""
        lines = []
        if self.controls.overlay:
            fps = _rate(self._shown_at)
            latency = "-" if frame.capture_time is None else f"{(now - frame.capture_time) * 1000:.0f} ms"
            lines.append(f"{fps:.1f} fps  latency {latency}")
            model = self.controls.model
            strength = f"strength {self.controls.strength:.1f}"
            lines.append(f"{Path(model).stem}  {strength}" if model else strength)  # a model path too
            if not self.controls.temporal_enabled:
                lines.append("temporal off")
            if self.controls.notice:
                lines.append(self.controls.notice)
        if now < self._message_until:
            lines.append(self._message)
        if not lines:
            return
        font, scale = cv2.FONT_HERSHEY_SIMPLEX, max(0.4, image.shape[0] / 960)
        thickness = 1 if scale < 0.8 else 2
        line_height = cv2.getTextSize("Ag", font, scale, thickness)[0][1] * 2
        width = max(cv2.getTextSize(text, font, scale, thickness)[0][0] for text in lines)
        # Light text on a darkened box: readable on any picture.
        box = image[: line_height * len(lines) + line_height // 2, : width + line_height]
        box[:] = box // 3
        for i, text in enumerate(lines):
            origin = (line_height // 2, line_height * (i + 1))
            cv2.putText(image, text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)

    def _handle_key(self, key: int, view: np.ndarray, frame: Frame) -> bool:
        """Act on one key; False for quit."""
        controls = self.controls
        if key in (ord("q"), _ESCAPE):
            return False
        if key == ord("n"):
            controls.next_style()
        elif key == ord("p"):
            controls.prev_style()
        elif key == ord("b"):
            controls.cycle_blend()
        elif key in (ord("+"), ord("=")):  # "=" is "+" without shift on most layouts
            controls.adjust_strength(+STRENGTH_STEP)
        elif key in (ord("-"), ord("_")):
            controls.adjust_strength(-STRENGTH_STEP)
        elif key == ord("t"):
            controls.toggle_temporal()
        elif key == ord("s"):
            controls.toggle_split_view()
        elif key == ord("o"):
            controls.toggle_overlay()
        elif key == ord("c"):
            self._notify(self._save_screenshot(view, frame))
        return True

    def _save_screenshot(self, view: np.ndarray, frame: Frame) -> str:
        """Save what the window shows (without the overlay) as PNG; returns a notice."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.screenshot_dir / f"streamart-{stamp}-{frame.index:06d}.png"
        try:
            with ImageSink(path, overwrite=True) as sink:
                sink.write(frame.replace(image=view))
        except (OutputError, cv2.error) as exc:
            log.warning("screenshot not saved to %s: %s", self.screenshot_dir, exc)
            return "screenshot failed (see log)"
        self._announce(f"screenshot saved: {path}")
        return f"saved {path.name}"

    def _notify(self, message: str) -> None:
        self._message = message
        self._message_until = time.monotonic() + _MESSAGE_SECONDS


def _window_closed(title: str) -> bool:
    try:
        return cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) < 1
    except cv2.error:  # Qt drops its GUI receiver when the last window closes
        return True


def _destroy_window(title: str) -> None:
    if not _window_closed(title):
        cv2.destroyWindow(title)
        cv2.waitKey(1)  # let the GUI process the close, or the window lingers


def _rate(times: deque[float]) -> float:
    if len(times) < 2 or times[-1] <= times[0]:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


def _check_xcb_libraries() -> None:
    """Refuse where OpenCV's Qt would hang: another wheel's libxcb copies loaded first.

    PyAV's Linux wheel bundles libxcb-shm/-shape/-xfixes under the same file names as
    OpenCV's. Whichever module is imported first provides them to the whole process; when it
    is PyAV, Qt's display setup calls into PyAV's libxcb with OpenCV's connection and waits
    forever for a reply (seen with av 18.1 and opencv-python 5.0). Importing cv2 before av,
    as ``import streamart`` does, avoids it.
    """
    libs = Path(cv2.__file__).resolve().parent.parent / "opencv_python.libs"
    if not sys.platform.startswith("linux") or not libs.is_dir():
        return
    ours = {path.name for path in libs.glob("libxcb*")}
    try:
        with open("/proc/self/maps") as maps:
            loaded = {line.split()[-1] for line in maps if "/libxcb" in line}
    except OSError:
        return
    foreign = sorted(path for path in loaded if Path(path).name in ours and Path(path).parent != libs)
    if foreign:
        raise DeviceError(
            f"the preview window would hang: {foreign[0]} was loaded before OpenCV's own copy "
            "(PyAV was imported before cv2): import cv2 before av"
        )


def _check_display() -> None:
    """Refuse early where there is no display: Qt would abort the whole process instead."""
    if not sys.platform.startswith("linux"):
        return
    display = os.environ.get("DISPLAY", "")
    if not display:
        raise DeviceError(
            "no display for the preview window (DISPLAY is not set): run it in a desktop session, or leave out --window"
        )
    if display.startswith(":"):
        number = display[1:].split(".")[0]
        if not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            raise DeviceError(f"no X server on display {display}: run it in a desktop session, or leave out --window")
