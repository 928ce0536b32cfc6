"""The webcam source: a generated video opened as the camera, errors for missing cameras, a
camera that vanishes mid-stream, and a fake live camera faster than the stage behind it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from media_factory import pattern_frame

from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, StreamInfo
from streamart.core.runner import run_pipeline
from streamart.errors import DeviceError, InputError, InputNotFoundError
from streamart.sources import webcam
from streamart.sources.webcam import LIVE_TIME_BASE, WebcamSource


def test_a_video_file_plays_as_a_live_camera(clip_factory: Callable[..., Path]) -> None:
    path = clip_factory("camera.mp4", width=64, height=48, frames=8, fps=50, audio=False)
    with WebcamSource(str(path)) as source:
        assert source.live
        assert (source.info.width, source.info.height, source.info.fps) == (64, 48, 50)
        assert source.info.time_base == LIVE_TIME_BASE
        assert not source.ended
        frames = list(source)
        assert source.ended  # played to its end: what the session tells the user
    assert [frame.index for frame in frames] == list(range(8))
    for frame in frames:
        expected = pattern_frame(frame.index, 64, 48)
        assert frame.image.dtype == np.uint8 and frame.image.flags.c_contiguous
        # RGB, not OpenCV's BGR: swapped channels would be off by far more.
        assert np.abs(frame.image.astype(int) - expected).mean() < 3
    captured = [frame.capture_time for frame in frames]
    assert all(later > earlier for earlier, later in zip(captured, captured[1:]))
    # pts is the capture time in milliseconds since the first frame, so recordings keep it.
    for frame in frames:
        assert frame.pts == round((frame.capture_time - captured[0]) * 1000)
        assert frame.time_base == LIVE_TIME_BASE


def test_requested_mode_differing_from_the_actual_one_is_reported(
    clip_factory: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    path = clip_factory("camera.mp4", width=64, height=48, frames=2, fps=50, audio=False)
    with caplog.at_level(logging.WARNING, logger="streamart.sources.webcam"):
        with WebcamSource(str(path), width=1280, height=720) as source:
            assert (source.info.width, source.info.height) == (64, 48)
    assert "asked for 1280x720 at ? fps, it gives 64x48 at 50 fps" in caplog.text


def test_close_stops_iteration(clip_factory: Callable[..., Path]) -> None:
    path = clip_factory("camera.mp4", frames=20, fps=50, audio=False)
    source = WebcamSource(str(path))
    frames = iter(source)
    next(frames)
    source.close()
    source.close()  # idempotent
    assert list(frames) == []
    assert not source.ended  # stopped, not ended


def test_missing_cameras_and_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="camera 63 could not be opened: is it connected, or used by another program"):
        WebcamSource(63)
    with pytest.raises(DeviceError, match="camera /dev/video63 does not exist"):
        WebcamSource("/dev/video63")
    with pytest.raises(InputNotFoundError, match="no such camera or file: 'missing.mp4'"):
        WebcamSource("missing.mp4")
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    with pytest.raises(InputError, match="cannot be read as a video"):
        WebcamSource(str(not_video))
    with pytest.raises(DeviceError, match="index must be 0 or more"):
        WebcamSource(-1)


class FakeCapture:
    """Stands in for cv2.VideoCapture on a USB camera (hardware we lack): delivers
    ``frames`` frames, then fails like an unplugged camera."""

    def __init__(self, frames: int) -> None:
        self.left = frames
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.left == 0:
            return False, None
        self.left -= 1
        return True, np.zeros((24, 32, 3), np.uint8)

    def get(self, prop: int) -> float:
        return 30.0

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.released = True


class UnpluggedCamera(WebcamSource):
    """A camera that delivers a few frames per connection and can be plugged back in
    ``connections`` times; opening it again after that fails."""

    def __init__(self, frames_per_connection: int, connections: int, **options) -> None:
        self.frames_per_connection = frames_per_connection
        self.connections_left = connections
        self.captures: list[FakeCapture] = []
        super().__init__(0, **options)

    def _open_capture(self) -> FakeCapture:
        if self.connections_left == 0:
            raise DeviceError("camera 0 could not be opened")
        self.connections_left -= 1
        self.captures.append(FakeCapture(self.frames_per_connection))
        return self.captures[-1]


def test_camera_unplugged_mid_stream_stops_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="streamart.sources.webcam"):
        with UnpluggedCamera(frames_per_connection=5, connections=1) as camera:
            frames = list(camera)
    # The first frame is read when opening (to check the camera delivers) and dropped as stale.
    assert len(frames) == 4
    assert "camera 0 stopped delivering frames (unplugged?): stopping" in caplog.text
    assert camera.captures[0].released


def test_camera_unplugged_mid_stream_reconnects_when_asked(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webcam, "RECONNECT_INTERVAL_S", 0.001)
    monkeypatch.setattr(webcam, "RECONNECT_TIMEOUT_S", 0.1)
    with caplog.at_level(logging.WARNING, logger="streamart.sources.webcam"):
        with UnpluggedCamera(frames_per_connection=5, connections=2, reconnect=True) as camera:
            frames = list(camera)
    # 4 frames, reconnect (one frame read to check it works), 4 more, then it stays away.
    assert [frame.index for frame in frames] == list(range(8))
    assert "camera 0 reconnected" in caplog.text
    assert "did not come back" in caplog.text
    assert all(capture.released for capture in camera.captures)


def test_camera_that_opens_but_delivers_nothing_is_reported_busy() -> None:
    with pytest.raises(DeviceError, match="camera 0 opened but delivers no frames: is it used by another program"):
        UnpluggedCamera(frames_per_connection=0, connections=1)


class FastLiveCamera(ClosingContext):
    """A fake live camera: a new frame every 5 ms, faster than the stage below can take them."""

    live = True
    name = "fast camera"
    info = StreamInfo(width=8, height=8)
    interval_s = 0.005

    def __init__(self, count: int) -> None:
        self.count = count
        self.produced = 0

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self.count):
            time.sleep(self.interval_s)  # the camera's frame interval, not synchronisation
            self.produced += 1
            yield Frame(image=np.full((8, 8, 3), index % 256, np.uint8), index=index, capture_time=time.monotonic())

    def close(self) -> None:
        pass


class SlowStage(ClosingContext):
    """Takes 5x a camera frame interval per frame; records how stale each frame it takes is."""

    name = "slow"

    def __init__(self, camera: FastLiveCamera) -> None:
        self.camera = camera
        self.staleness: list[int] = []  # frames the camera produced after this one, at take time

    def process(self, frame: Frame) -> Frame:
        self.staleness.append(self.camera.produced - 1 - frame.index)
        time.sleep(5 * FastLiveCamera.interval_s)  # simulated inference time, not synchronisation
        return frame

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


class CollectingSink(ClosingContext):
    name = "collect"

    def __init__(self) -> None:
        self.indices: list[int] = []

    def write(self, frame: Frame) -> None:
        self.indices.append(frame.index)

    def close(self) -> None:
        pass


def test_a_slow_stage_drops_frames_instead_of_falling_behind() -> None:
    camera = FastLiveCamera(count=150)
    stage = SlowStage(camera)
    sink = CollectingSink()
    stats = run_pipeline(camera, [stage], [sink])
    assert camera.produced == 150
    assert stats.dropped > 0
    # Every frame is either processed or counted as dropped; none is lost silently.
    assert len(sink.indices) + stats.dropped == 150
    assert sink.indices == sorted(sink.indices)
    # The stage always gets (nearly) the newest frame; behind a queue of 4 it would be 4+
    # frames old, and behind an unbounded one ever older (up to ~120 here).
    assert max(stage.staleness) <= 3
    assert stats.latency_percentile(95) is not None
