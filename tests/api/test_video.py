"""One video through the API: audio, spans, the stages of a look, one process or workers (streamart/api/video.py)."""

from __future__ import annotations

import numpy as np
import pytest
from media_factory import audio_seconds

import streamart
from streamart import LookConfig, StyleConfig
from streamart.core.protocols import ClosingContext
from streamart.errors import InputError
from streamart.sources.file import FileSource


def test_audio_running_past_the_video_is_kept_unless_the_run_stops_early(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("long_audio.mp4", frames=10, fps=10, tone_seconds=1.6)  # 1 s of video
    whole, stopped = tmp_path / "whole.mp4", tmp_path / "stopped.mp4"
    streamart.stylize_video(clip, whole, style=StyleConfig(model=tiny_model))
    assert audio_seconds(whole) == pytest.approx(1.6, abs=0.03)

    class StopAfterFive(ClosingContext):
        name = "stop"

        def process(self, frame):
            if frame.index == 5:
                raise streamart.StopPipeline
            return frame

        def reset(self) -> None:
            pass

        def close(self) -> None:
            pass

    streamart.stylize_video(clip, stopped, stages=[StopAfterFive()])
    assert audio_seconds(stopped) == pytest.approx(0.5, abs=1024 / 48_000)  # one AAC packet


def test_stylize_video_takes_a_span(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("long.mp4", frames=30, fps=10)
    out = tmp_path / "out.mp4"
    stats = streamart.stylize_video(clip, out, style=StyleConfig(model=tiny_model), start=2, duration=0.5)
    assert stats.frames_out == stats.frame_count == 5
    with FileSource(out) as source:
        assert [float(f.time) for f in source] == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])


def test_video_style_stages_keep_frames_small_between_them(tiny_model):
    stages = streamart.build_style_stages(StyleConfig(model=tiny_model, size=32), temporal=0.5)
    assert [stage.name for stage in stages] == ["style", "temporal-blend", "finish"]
    image = np.random.default_rng(4).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    sizes = []
    for index in range(2):
        frame = streamart.Frame(image, index)
        for stage in stages:
            frame = stage.process(frame)
            sizes.append(frame.image.shape[:2])
    assert sizes[:3] == [(32, 43), (32, 43), (96, 128)]  # the blend works on the small frame
    assert [stage.name for stage in streamart.build_style_stages(StyleConfig(model=tiny_model), temporal=0)] == [
        "style"
    ]


def test_plain_only_is_refused_with_workers_rather_than_ignored(clip, tmp_path):
    with pytest.raises(streamart.StreamartError, match="plain_only work in one process"):
        streamart.stylize_video(
            clip, tmp_path / "out.mp4", stages=list, plain_only=True, cluster=streamart.ClusterConfig(workers=2)
        )


def test_a_single_process_run_imports_nothing_of_ray(clip, tiny_model, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out.mp4"
    code = (
        f"import sys, streamart; streamart.stylize_video({str(clip)!r}, {str(out)!r}, "
        f"style=streamart.StyleConfig(model={str(tiny_model)!r})); "
        "print('ray' in sys.modules, 'streamart.distributed.workers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"] and out.exists()


@pytest.mark.parametrize("grey", [70, 128, 190])
def test_a_stylized_video_has_no_dark_band_along_its_top_and_bottom(tmp_path, grey):
    # The CPU network's reflection margin was 24 px, half of how far its inner zero padding
    # reaches: a flat frame came out 45-50 levels darker in its top 3 and bottom 8 rows.
    # A flat input has nothing near its edge for the network to draw, so any band is ours.
    import av

    clip = tmp_path / "flat.mp4"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=10, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((360, 640, 3), grey, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    out = tmp_path / "stylized.mp4"
    streamart.stylize_video(clip, out)  # the shipped default style, at the default settings
    with av.open(str(out)) as container:
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    rows = frames.astype(float).mean(axis=(0, 2, 3))
    inside = rows[24:-24].mean()
    assert rows[:8].min() > inside - 8 and rows[-8:].min() > inside - 8, (rows[:8], rows[-8:], inside)


def test_a_look_is_given_whole_or_in_parts_not_both(clip, tiny_model, tmp_path):
    out = tmp_path / "out.mp4"
    with pytest.raises(InputError, match=r"give the look whole \(look=\) or in parts"):
        streamart.stylize_video(clip, out, look=LookConfig(), temporal=0)
    assert not out.exists()
    stats = streamart.stylize_video(clip, out, look=LookConfig(style=StyleConfig(model=tiny_model), temporal=0))
    assert [step.name for step in stats.stages] == ["style"] and stats.frames_out == stats.frame_count


def test_process_video_is_the_old_name_of_stylize_video_with_stages(clip, tmp_path):
    out = tmp_path / "out.mp4"
    with pytest.warns(
        DeprecationWarning,
        match=r"^process_video\(input, output, stages\) is deprecated; "
        r"use stylize_video\(input, output, stages=stages\)$",
    ):
        stats = streamart.process_video(clip, out, [])
    assert stats.frames_out == stats.frame_count > 0 and out.is_file()
