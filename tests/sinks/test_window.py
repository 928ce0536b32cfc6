"""The preview window in a real X server (Xvfb): pixels on screen, hotkeys, closing, quitting.

Needs the Debian packages xvfb and xdotool. The screen is read back from Xvfb's own frame
buffer file (``-fbdir``, XWD format), so no screenshot tool is needed. Each check that waits
for the GUI repeats ``write()`` (which runs the GUI's event loop) until the expected state
appears, with a bound on the number of tries; nothing sleeps.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from media_factory import pattern_frame

from streamart.core.controls import LiveControls
from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, StreamInfo
from streamart.core.runner import StopPipeline, run_pipeline
from streamart.errors import DeviceError, OutputError
from streamart.sinks.window import WindowSink

pytestmark = pytest.mark.display

WIDTH, HEIGHT = 160, 120
MAX_TRIES = 500  # writes before giving up on the GUI reaching an expected state


class XServer:
    """A running Xvfb: its display name and its screen as an RGB array."""

    def __init__(self, display: str, framebuffer: Path) -> None:
        self.display = display
        self.framebuffer = framebuffer

    def screen(self) -> np.ndarray:
        """The whole screen, RGB uint8, parsed from the XWD frame buffer file."""
        data = self.framebuffer.read_bytes()
        fields = struct.unpack(">25I", data[:100])
        header_size, width, height = fields[0], fields[4], fields[5]
        bits_per_pixel, bytes_per_line, colours = fields[11], fields[12], fields[19]
        red_mask, green_mask, blue_mask = fields[14], fields[15], fields[16]
        assert bits_per_pixel == 32, f"expected a 24-bit screen in 32-bit pixels, got {bits_per_pixel}"
        start = header_size + 12 * colours
        byte_order = "<" if fields[7] == 0 else ">"
        rows = np.frombuffer(data, dtype=f"{byte_order}u4", count=height * bytes_per_line // 4, offset=start)
        pixels = rows.reshape(height, bytes_per_line // 4)[:, :width]
        channels = [(pixels & mask) >> (int(mask).bit_length() - 8) for mask in (red_mask, green_mask, blue_mask)]
        return np.stack(channels, axis=-1).astype(np.uint8)

    def window_id(self, title: str) -> int | None:
        found = self._xdotool("search", "--onlyvisible", "--name", f"^{title}$").split()
        return int(found[-1]) if found else None

    def window_region(self, title: str) -> np.ndarray:
        """The on-screen pixels of the window ``title``."""
        window = self.window_id(title)
        assert window is not None, f"no window named {title!r} on the screen"
        geometry = dict(line.split("=") for line in self._xdotool("getwindowgeometry", "--shell", str(window)).split())
        x, y, w, h = (int(geometry[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        return self.screen()[y : y + h, x : x + w]

    def press(self, title: str, key: str) -> None:
        """Type ``key`` (an X keysym name) into the window ``title``."""
        window = self.window_id(title)
        assert window is not None, f"no window named {title!r} on the screen"
        self._xdotool("key", "--window", str(window), key)

    def remap(self, title: str) -> None:
        """Unmap and map the window again, which makes the X server expose it anew."""
        window = self.window_id(title)
        assert window is not None, f"no window named {title!r} on the screen"
        self._xdotool("windowunmap", "--sync", str(window))
        self._xdotool("windowmap", "--sync", str(window))

    def close_window(self, title: str) -> None:
        """Ask the window to close, as a window manager's close button does (WM_DELETE_WINDOW)."""
        window = self.window_id(title)
        assert window is not None, f"no window named {title!r} on the screen"
        send_wm_delete(self.display, window)

    def _xdotool(self, *args: str) -> str:
        result = subprocess.run(
            ["xdotool", *args], capture_output=True, text=True, env={**os.environ, "DISPLAY": self.display}
        )
        return result.stdout


def send_wm_delete(display: str, window: int) -> None:
    """Send the ClientMessage a window manager sends when the user clicks the close button."""
    xlib = ctypes.CDLL("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    xlib.XFlush.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]

    class ClientMessage(ctypes.Structure):
        _fields_ = [
            ("type", ctypes.c_int),
            ("serial", ctypes.c_ulong),
            ("send_event", ctypes.c_int),
            ("display", ctypes.c_void_p),
            ("window", ctypes.c_ulong),
            ("message_type", ctypes.c_ulong),
            ("format", ctypes.c_int),
            ("data", ctypes.c_long * 5),
        ]

    class Event(ctypes.Union):  # XEvent: 24 longs
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    connection = xlib.XOpenDisplay(display.encode())
    assert connection, f"cannot connect to X display {display}"
    try:
        event = Event()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = xlib.XInternAtom(connection, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = xlib.XInternAtom(connection, b"WM_DELETE_WINDOW", 0)
        assert xlib.XSendEvent(connection, window, 0, 0, ctypes.byref(event))
        xlib.XFlush(connection)
    finally:
        xlib.XCloseDisplay(connection)


@pytest.fixture(scope="module")
def x_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XServer]:
    """Xvfb on a display it picks itself (-displayfd), with its screen in a file."""
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (Debian: apt-get install xvfb xdotool)")
    fbdir = tmp_path_factory.mktemp("xvfb")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-fbdir", str(fbdir), "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()  # written once the server accepts connections
    assert number, "Xvfb did not start"
    display = f":{number}"
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        yield XServer(display, fbdir / "Xvfb_screen0")
    finally:
        if previous is None:
            del os.environ["DISPLAY"]
        else:
            os.environ["DISPLAY"] = previous
        server.terminate()
        server.wait()


def stylized_frame(index: int = 0) -> Frame:
    """A frame as a stand-in style stage leaves it: inverted colours, original kept."""
    original = pattern_frame(index, WIDTH, HEIGHT)
    return Frame(image=original, index=index).with_image(np.ascontiguousarray(255 - original))


def write_until(sink: WindowSink, frame: Frame, condition: Callable[[], bool], tries: int = MAX_TRIES) -> bool:
    """Write ``frame`` until ``condition()`` holds (each write runs the GUI's event loop)."""
    for _ in range(tries):
        sink.write(frame)
        if condition():
            return True
    return False


def shows(x_server: XServer, title: str, expected: np.ndarray) -> Callable[[], bool]:
    def check() -> bool:
        region = x_server.window_region(title) if x_server.window_id(title) else None
        return region is not None and region.shape == expected.shape and np.array_equal(region, expected)

    return check


def write_until_shown(sink: WindowSink, frame: Frame, x_server: XServer, expected: np.ndarray) -> bool:
    """Write ``frame`` until the window shows ``expected``.

    Without a window manager, Qt (driven from a thread other than the main one) misses the
    first Expose event of about one window in twenty and then never paints it. A window
    manager maps windows itself; here, if nothing appears after a while, the window is mapped
    again, as a window manager would, and the check goes on.
    """
    check = shows(x_server, sink.title, expected)
    if write_until(sink, frame, check, tries=MAX_TRIES // 5):
        return True
    x_server.remap(sink.title)
    return write_until(sink, frame, check)


def test_window_shows_the_stylized_frame(x_server: XServer) -> None:
    frame = stylized_frame()
    with WindowSink("shows", controls=LiveControls(overlay=False)) as sink:
        assert write_until_shown(sink, frame, x_server, frame.image)
        region = x_server.window_region("shows")
    assert region.shape == (HEIGHT, WIDTH, 3)
    assert np.array_equal(region, frame.image)  # the stylized image, not the original
    assert not np.array_equal(region, frame.source_image)


def test_hotkeys_change_the_live_controls(x_server: XServer) -> None:
    controls = LiveControls(("candy", "mosaic", "udnie"), overlay=False)
    frame = stylized_frame()
    with WindowSink("keys", controls=controls) as sink:
        sink.write(frame)
        x_server.press("keys", "n")
        assert write_until(sink, frame, lambda: controls.model_index != 0)
        assert controls.model == "mosaic"
        # One key at a time: highgui keeps only the last key between two waitKey() calls.
        x_server.press("keys", "p")
        assert write_until(sink, frame, lambda: controls.model_index == 0)
        x_server.press("keys", "p")
        assert write_until(sink, frame, lambda: controls.model_index == 2)  # wraps around
        x_server.press("keys", "minus")
        assert write_until(sink, frame, lambda: controls.strength < 1.0)
        assert controls.strength == pytest.approx(0.9)
        x_server.press("keys", "plus")
        assert write_until(sink, frame, lambda: controls.strength == 1.0)
        x_server.press("keys", "t")
        assert write_until(sink, frame, lambda: not controls.temporal_enabled)
        x_server.press("keys", "b")
        assert write_until(sink, frame, lambda: controls.blend_step == 1)
        assert controls.model == "udnie:0.75,candy:0.25"


def test_split_view_shows_original_left_and_stylized_right(x_server: XServer) -> None:
    controls = LiveControls(overlay=False)
    frame = stylized_frame()
    half = WIDTH // 2
    expected = frame.image.copy()
    expected[:, :half] = frame.source_image[:, :half]
    expected[:, half] = 255
    with WindowSink("split", controls=controls) as sink:
        sink.write(frame)
        x_server.press("split", "s")
        assert write_until_shown(sink, frame, x_server, expected)
    assert controls.split_view


def test_overlay_draws_over_the_top_left_only(x_server: XServer) -> None:
    controls = LiveControls(("candy",), overlay=False)
    frame = stylized_frame().replace(capture_time=0.0)
    with WindowSink("overlay", controls=controls) as sink:
        assert write_until_shown(sink, frame, x_server, frame.image)
        x_server.press("overlay", "o")
        assert write_until(sink, frame, lambda: not shows(x_server, "overlay", frame.image)())
        region = x_server.window_region("overlay")
    assert controls.overlay
    changed = np.any(region != frame.image, axis=-1)
    rows, columns = np.nonzero(changed)
    assert rows.max() < HEIGHT // 2 and columns.min() < 20  # text in the top-left corner
    assert np.array_equal(region[HEIGHT // 2 :], frame.image[HEIGHT // 2 :])


def test_screenshot_key_saves_the_view_as_png(x_server: XServer, tmp_path: Path) -> None:
    import cv2

    frame = stylized_frame()
    announced: list[str] = []
    with WindowSink("shot", controls=LiveControls(), screenshot_dir=tmp_path, announce=announced.append) as sink:
        sink.write(frame)
        x_server.press("shot", "c")
        assert write_until(sink, frame, lambda: any(tmp_path.glob("*.png")))
    (saved,) = tmp_path.iterdir()  # no partial file left behind
    assert saved.name.startswith("streamart-") and saved.suffix == ".png"
    assert announced == [f"screenshot saved: {saved}"]  # the user is told where it went
    image = cv2.cvtColor(cv2.imread(str(saved)), cv2.COLOR_BGR2RGB)
    assert np.array_equal(image, frame.image)  # the picture, without the overlay text


def test_quit_key_and_closing_the_window_stop_the_pipeline(x_server: XServer) -> None:
    frame = stylized_frame()
    for title, act in (
        ("quit-q", lambda: x_server.press("quit-q", "q")),
        ("quit-esc", lambda: x_server.press("quit-esc", "Escape")),
        ("closed", lambda: x_server.close_window("closed")),
    ):
        with WindowSink(title, controls=LiveControls()) as sink:
            sink.write(frame)
            act()
            with pytest.raises(StopPipeline):
                for _ in range(MAX_TRIES):
                    sink.write(frame)
        assert x_server.window_id(title) is None, f"{title}: the window is still on screen"


class EndlessLiveSource(ClosingContext):
    """A live source that never ends: only the window can stop this pipeline."""

    live = True
    name = "endless"
    info = StreamInfo(width=WIDTH, height=HEIGHT)

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            yield Frame(image=pattern_frame(index, WIDTH, HEIGHT), index=index)
            index += 1

    def close(self) -> None:
        pass


class InvertStage(ClosingContext):
    """A deterministic stand-in for a style stage."""

    name = "invert"

    def process(self, frame: Frame) -> Frame:
        return frame.with_image(np.ascontiguousarray(255 - frame.image))

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_quit_key_ends_a_running_live_pipeline_normally(x_server: XServer) -> None:
    pressed = []

    def press_q_once_shown(stats) -> None:  # called in the caller's thread while it runs
        if not pressed and stats.sinks[0].frames >= 3 and x_server.window_id("pipeline"):
            x_server.press("pipeline", "q")
            pressed.append(stats.sinks[0].frames)

    with WindowSink("pipeline", controls=LiveControls()) as sink:
        stats = run_pipeline(EndlessLiveSource(), [InvertStage()], [sink], on_progress=press_q_once_shown)
    assert pressed, "the window never showed a frame"
    assert stats.sinks[0].frames >= pressed[0]
    assert stats.latency_percentile(95) is not None


def test_no_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(DeviceError, match="DISPLAY is not set"):
        WindowSink("nowhere")
    monkeypatch.setenv("DISPLAY", ":98765")
    with pytest.raises(DeviceError, match="no X server on display :98765"):
        WindowSink("nowhere")


def test_missing_screenshot_folder_is_refused(x_server: XServer, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        WindowSink("nofolder", screenshot_dir=tmp_path / "missing")
