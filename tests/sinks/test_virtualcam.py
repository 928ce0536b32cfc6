"""The virtual camera sink against fake pyvirtualcam backends (registered in pyvirtualcam's own
backend registry), plus a round trip through a real v4l2loopback device where one exists."""

from __future__ import annotations

import glob

import cv2
import numpy as np
import pytest

pyvirtualcam = pytest.importorskip("pyvirtualcam")

from media_factory import pattern_frame  # noqa: E402

from streamart.core.frame import Frame  # noqa: E402
from streamart.errors import DeviceError  # noqa: E402
from streamart.sinks.virtualcam import VirtualCameraSink, virtual_camera_backends  # noqa: E402
from streamart.sources.webcam import is_v4l2loopback  # noqa: E402


class FakeBackend:
    """A pyvirtualcam backend that keeps what it receives (the virtual camera device we lack)."""

    accepted = ("RGB", "I420")
    instances: list[FakeBackend] = []

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device: str | None, **kw) -> None:
        self.pixel_format = pyvirtualcam.PixelFormat(pyvirtualcam.util.decode_fourcc(fourcc)).name
        if self.pixel_format not in self.accepted:
            raise RuntimeError("Unsupported image format.")
        self.width, self.height, self.fps = width, height, fps
        self.device_name = device or "fake0"
        self.frames: list[np.ndarray] = []
        self.closed = False
        FakeBackend.instances.append(self)

    def send(self, frame: np.ndarray) -> None:
        self.frames.append(frame.copy())

    def close(self) -> None:
        self.closed = True

    def device(self) -> str:
        return self.device_name

    def native_fourcc(self) -> int | None:
        return None


class I420OnlyBackend(FakeBackend):
    accepted = ("I420",)


def failing_backend(message: str) -> type:
    class Failing:
        def __init__(self, **kw) -> None:
            raise RuntimeError(message)

    return Failing


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch) -> dict[str, type]:
    """pyvirtualcam's registry, emptied for the test (restored afterwards)."""
    registry: dict[str, type] = {}
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", registry)
    FakeBackend.instances = []
    return registry


def frame_of(width: int, height: int, index: int = 0) -> Frame:
    return Frame(image=pattern_frame(index, width, height), index=index)


def test_frames_reach_the_backend_unchanged_as_rgb(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    frames = [frame_of(64, 48, i) for i in range(3)]
    with VirtualCameraSink(width=64, height=48, fps=1000) as sink:
        for frame in frames:
            sink.write(frame)
        assert (sink.backend, sink.device, sink.pixel_format) == ("fake", "fake0", "RGB")
    (backend,) = FakeBackend.instances
    assert (backend.width, backend.height, backend.fps) == (64, 48, 1000)
    assert len(backend.frames) == 3
    for sent, frame in zip(backend.frames, frames):
        assert np.array_equal(sent.reshape(48, 64, 3), frame.image)
    assert backend.closed


def test_odd_size_is_padded_by_repeating_the_edge(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    frame = frame_of(63, 47)
    with VirtualCameraSink(width=63, height=47, fps=1000) as sink:
        sink.write(frame)
    (backend,) = FakeBackend.instances
    assert (backend.width, backend.height) == (64, 48)
    sent = backend.frames[0].reshape(48, 64, 3)
    assert np.array_equal(sent[:47, :63], frame.image)
    assert np.array_equal(sent[:47, 63], frame.image[:, 62])
    assert np.array_equal(sent[47, :63], frame.image[46])


def test_frames_of_another_size_are_resized(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    with VirtualCameraSink(width=32, height=24, fps=1000) as sink:
        sink.write(frame_of(64, 48))
    sent = FakeBackend.instances[0].frames[0]
    assert sent.size == 32 * 24 * 3


def test_i420_is_used_where_rgb_is_refused(backends: dict[str, type]) -> None:
    backends["fake"] = I420OnlyBackend
    frame = frame_of(64, 48)
    with VirtualCameraSink(width=64, height=48, fps=1000) as sink:
        assert sink.pixel_format == "I420"
        sink.write(frame)
    sent = FakeBackend.instances[-1].frames[0]
    assert sent.size == 64 * 48 * 3 // 2
    decoded = cv2.cvtColor(sent.reshape(72, 64), cv2.COLOR_YUV2RGB_I420)
    # Chroma at quarter resolution: the smooth test picture survives within a few levels.
    assert np.abs(decoded.astype(int) - frame.image).mean() < 4


def test_auto_takes_the_first_backend_that_starts(backends: dict[str, type]) -> None:
    backends["broken"] = failing_backend("no such device")
    backends["fake"] = FakeBackend
    with VirtualCameraSink(width=16, height=16, fps=30) as sink:
        assert sink.backend == "fake"


def test_one_error_lists_why_every_backend_failed(backends: dict[str, type]) -> None:
    backends["v4l2loopback"] = failing_backend(
        "No v4l2 loopback device found at /dev/video[0-99]. Did you run 'modprobe v4l2loopback'?"
    )
    backends["unitycapture"] = failing_backend("Device Unity Video Capture is busy")
    with pytest.raises(DeviceError) as raised:
        VirtualCameraSink(width=64, height=48, fps=30)
    message = str(raised.value)
    assert "\n" not in message
    assert "v4l2loopback: No v4l2 loopback device found" in message
    assert "sudo modprobe v4l2loopback exclusive_caps=1" in message
    assert "unitycapture: Device Unity Video Capture is busy" in message
    assert "close the program that writes to it" in message
    assert "obs: only on Windows and macOS" in message  # not registered in this registry


def test_a_named_backend_is_the_only_one_tried(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    backends["obs"] = failing_backend("OBS Virtual Camera device not found")
    with pytest.raises(DeviceError, match="obs: OBS Virtual Camera device not found .*start its virtual camera once"):
        VirtualCameraSink(width=64, height=48, fps=30, backend="obs")
    assert FakeBackend.instances == []


def test_unknown_or_foreign_backend_names_are_refused(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    with pytest.raises(DeviceError, match="unknown virtual camera backend 'nope'; available here: fake"):
        VirtualCameraSink(width=64, height=48, fps=30, backend="nope")
    with pytest.raises(DeviceError, match="unitycapture virtual camera works on Windows only"):
        VirtualCameraSink(width=64, height=48, fps=30, backend="unitycapture")


def test_backend_report_says_why_each_is_unavailable(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    backends["v4l2loopback"] = failing_backend("Device /dev/video7 does not exist")
    statuses = {status.name: status for status in virtual_camera_backends()}
    assert statuses["fake"].available and statuses["fake"].detail == "fake0 (RGB)"
    assert FakeBackend.instances[0].closed  # the probe does not keep the camera
    assert not statuses["v4l2loopback"].available
    assert "does not exist" in statuses["v4l2loopback"].detail and "modprobe" in statuses["v4l2loopback"].detail
    assert statuses["obs"].detail == "only on Windows and macOS"


def test_close_is_idempotent_and_final(backends: dict[str, type]) -> None:
    backends["fake"] = FakeBackend
    sink = VirtualCameraSink(width=16, height=16, fps=30)
    sink.close()
    sink.close()
    assert FakeBackend.instances[0].closed
    with pytest.raises(ValueError, match="closed"):
        sink.write(frame_of(16, 16))


def loopback_devices() -> list[str]:
    return [node for node in sorted(glob.glob("/dev/video*")) if is_v4l2loopback(node)]


@pytest.mark.hardware
@pytest.mark.skipif(
    not loopback_devices(),
    reason="no v4l2loopback device here (load one: sudo modprobe v4l2loopback exclusive_caps=1)",
)
def test_round_trip_through_a_real_v4l2loopback_device() -> None:
    device = loopback_devices()[0]
    frame = frame_of(64, 48)
    with VirtualCameraSink(width=64, height=48, fps=30, backend="v4l2loopback", device=device) as sink:
        sink.write(frame)  # the device has a format once a writer has set it
        capture = cv2.VideoCapture(device, cv2.CAP_V4L2)
        try:
            assert capture.isOpened(), f"cannot read back from {device}"
            for _ in range(3):
                sink.write(frame)
            ok, bgr = capture.read()
        finally:
            capture.release()
    assert ok
    received = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    assert received.shape == frame.image.shape
    assert np.abs(received.astype(int) - frame.image).mean() < 6
