"""tools/make_sample_clip.py writes a clip with a tone that lasts as long as the video."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av

from make_sample_clip import write_sample_clip


def test_a_sample_clip_with_audio_has_the_tone_for_its_whole_length(tmp_path):
    path = tmp_path / "clip.mp4"
    write_sample_clip(path, seconds=0.5, width=64, height=36, fps=10, audio_hz=440.0)
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (64, 36)
        frames = sum(1 for _ in container.decode(video))
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
    assert frames == 5
    assert abs(samples / stream.rate - 0.5) < 0.05


def test_a_sample_clip_without_audio_has_none(tmp_path):
    path = tmp_path / "clip.mp4"
    write_sample_clip(path, seconds=0.3, width=32, height=32, fps=10, audio_hz=None)
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video"]


TOOL = Path(__file__).resolve().parents[2] / "tools" / "make_sample_clip.py"


def stream_types(tmp_path: Path, *options: str) -> list[str]:
    path = tmp_path / "sample.mp4"
    command = [sys.executable, str(TOOL), str(path), "--seconds", "0.3", "--width", "32", "--height", "32", *options]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    with av.open(str(path)) as container:
        return [s.type for s in container.streams]


def test_the_readme_command_writes_a_clip_with_audio_and_no_audio_leaves_it_out(tmp_path):
    # The README's first command stylizes this clip: its audio shows that streamart keeps it.
    assert stream_types(tmp_path) == ["video", "audio"]
    assert stream_types(tmp_path, "--no-audio", "-y") == ["video"]
