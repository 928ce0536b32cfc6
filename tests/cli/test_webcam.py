"""`streamart webcam` end to end, with a video file standing in for the camera."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import av
import pytest
from waiting import wait_until

from streamart.cli import main


def test_webcam_records_what_it_streams(clip_factory, tiny_model, tmp_path, capsys):
    camera = clip_factory("camera.mp4", width=96, height=64, frames=20, fps=20)
    record = tmp_path / "rec.mp4"
    code = main(
        ["webcam", "--camera", str(camera), "--style", str(tiny_model), "--record", str(record), "--stats", "-q"]
    )
    assert code == 0
    assert "latency capture->sink" in capsys.readouterr().err
    with av.open(str(record)) as container:
        stream = container.streams.video[0]
        times = [float(f.pts * f.time_base) for f in container.decode(stream)]
    assert 1 <= len(times) <= 20
    assert times == sorted(times)
    # Real timing: frames of a 20 fps camera over one second, not squeezed together.
    if len(times) > 1:
        assert times[-1] - times[0] > 0.3


def test_a_video_file_played_as_a_camera_says_when_it_ended(clip_factory, tiny_model, tmp_path, capsys):
    camera = clip_factory("camera.mp4", width=64, height=48, frames=5, fps=25)
    record = tmp_path / "rec.mp4"
    assert main(["webcam", "--camera", str(camera), "--style", str(tiny_model), "--record", str(record)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert f"the video file {camera} ended" in lines
    assert lines.index(f"the video file {camera} ended") == len(lines) - 2  # before "recording saved"


def test_an_unreachable_stream_is_one_line_without_ffmpeg_or_opencv_warnings(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamart",
            "webcam",
            "--camera",
            "rtsp://127.0.0.1:1/x",
            "--record",
            str(tmp_path / "rec.mp4"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 5
    assert result.stderr == (
        "error: stream rtsp://127.0.0.1:1/x could not be opened: check the address and that it is reachable\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_webcam_needs_an_output(clip, capsys):
    assert main(["webcam", "--camera", str(clip)]) != 0
    assert "--window" in capsys.readouterr().err


def recorded_times(path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [float(frame.pts * frame.time_base) for frame in container.decode(stream)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 0), (signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGHUP, 128 + signal.SIGHUP)],
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_every_stop_signal_keeps_a_complete_recording(clip_factory, tiny_model, tmp_path, signum, code):
    camera = clip_factory("camera.mp4", width=64, height=48, frames=300, fps=30)  # plays for 10 s
    record = tmp_path / "rec.mp4"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamart",
            "webcam",
            "--camera",
            str(camera),
            "--style",
            str(tiny_model),
            "--record",
            str(record),
        ],
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )

    # Recording has begun once the encoder's temporary file holds data (polled: the child
    # prints nothing more until it stops).
    def recording() -> bool:
        assert process.poll() is None, f"streamart exited early: {process.stderr.read().decode(errors='replace')}"
        return any(
            p.name.startswith(".rec.mp4.streamart-partial-") and p.stat().st_size > 0 for p in tmp_path.iterdir()
        )

    wait_until(recording, 60, "the recording's start")
    process.send_signal(signum)
    rest = process.communicate(timeout=20)[1]
    assert process.returncode == code, rest.decode(errors="replace")
    assert b"recording saved" in rest
    times = recorded_times(record)  # complete and playable: it decodes, in order
    assert len(times) >= 1 and times == sorted(times)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing hidden left
