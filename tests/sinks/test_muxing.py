"""An output file muxed with a media file's audio (streamart/sinks/muxing.py), driven as the
encoder sink and the chunk joiner drive it: here with the video of a real clip remuxed."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import pytest
from media_factory import audio_payloads, audio_seconds

from streamart.sinks.muxing import AudioCopy, MuxedOutput


def mux_video_of(source: Path, output: MuxedOutput, first: int | None = None) -> int:
    """Open ``output`` with ``source``'s video stream and mux its packets (the ``first`` ones
    only, if given) into it, with the audio up to each; returns how many packets there were."""
    with av.open(os.fspath(source)) as container:
        stream = container.streams.video[0]
        video = output.open(lambda opened: opened.add_stream_from_template(stream))
        video.time_base = stream.time_base
        packets = [packet for packet in container.demux(stream) if packet.size][:first]
        for packet in packets:
            packet.stream = video
            output.container.mux(packet)
            output.mux_audio_until(packet.pts * packet.time_base)
    return len(packets)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the output, apart from the clip."""
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_a_finished_file_has_the_video_and_the_audio_copied_beside_it(clip, folder):
    muxed = MuxedOutput(folder / "out.mkv")
    muxed.audio = AudioCopy(clip)
    assert mux_video_of(clip, muxed) == 10
    muxed.finish()
    with av.open(os.fspath(folder / "out.mkv")) as container:
        assert len([p for p in container.demux(video=0) if p.size]) == 10
    assert audio_payloads(folder / "out.mkv") == audio_payloads(clip)  # copied, all of it
    assert os.listdir(folder) == ["out.mkv"]  # the temporary name is gone


def test_the_audio_stops_where_the_end_of_the_video_says(clip, folder):
    muxed = MuxedOutput(folder / "out.mkv")
    muxed.audio = AudioCopy(clip)
    mux_video_of(clip, muxed, first=3)  # 0.3 s of the 1 s clip: the audio is muxed up to there
    muxed.finish(lambda: Fraction(1, 2))
    assert audio_seconds(folder / "out.mkv") == pytest.approx(0.5, abs=0.03)  # cut between packets


def test_abort_leaves_an_existing_file_as_it_was(clip, folder):
    (folder / "out.mp4").write_bytes(b"before")
    muxed = MuxedOutput(folder / "out.mp4", overwrite=True)
    muxed.audio = AudioCopy(clip)
    mux_video_of(clip, muxed)
    muxed.abort()
    assert (folder / "out.mp4").read_bytes() == b"before"
    assert os.listdir(folder) == ["out.mp4"]


def test_a_failure_while_finishing_drops_the_file(clip, folder):
    def failing_end() -> Fraction:
        raise RuntimeError("the encoder broke")

    muxed = MuxedOutput(folder / "out.mp4")
    muxed.audio = AudioCopy(clip)
    mux_video_of(clip, muxed)
    with pytest.raises(RuntimeError, match="the encoder broke"):
        muxed.finish(failing_end)
    assert os.listdir(folder) == []
