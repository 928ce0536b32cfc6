"""tools/make_sample_clip.py writes a clip with a tone that lasts as long as the video."""

from __future__ import annotations

import av

from make_sample_clip import write_sample_clip


def test_a_sample_clip_with_audio_has_the_tone_for_its_whole_length(tmp_path):
    path = tmp_path / "clip.mp4"
    write_sample_clip(path, seconds=0.5, width=64, height=36, fps=10, audio_hz=440.0)
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.width, video.codec_context.height) == (64, 36)
        frames = sum(1 for _ in container.decode(video))
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
    assert frames == 5
    assert abs(samples / stream.rate - 0.5) < 0.05


def test_a_sample_clip_without_audio_has_none(tmp_path):
    path = tmp_path / "clip.mp4"
    write_sample_clip(path, seconds=0.3, width=32, height=32, fps=10)
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video"]
