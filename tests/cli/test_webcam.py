"""`streamart webcam` end to end, with a video file standing in for the camera."""

from __future__ import annotations

import av

from streamart.cli import main


def test_webcam_records_what_it_streams(clip_factory, tiny_model, tmp_path, capsys):
    camera = clip_factory("camera.mp4", width=96, height=64, frames=20, fps=20)
    record = tmp_path / "rec.mp4"
    code = main(["webcam", "--camera", str(camera), "--style", str(tiny_model), "--record", str(record), "--stats", "-q"])
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


def test_webcam_needs_an_output(clip, capsys):
    assert main(["webcam", "--camera", str(clip)]) != 0
    assert "--window" in capsys.readouterr().err
