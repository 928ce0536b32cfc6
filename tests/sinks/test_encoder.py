"""EncoderSink: real encoding with libx264 and real audio muxing, read back with PyAV."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from fractions import Fraction

import av
import numpy as np
import pytest
from media_factory import audio_payloads, audio_seconds, make_playlist, pattern_frame

from streamart.config import EncodeConfig
from streamart.core.frame import Frame
from streamart.core.protocols import StreamInfo
from streamart.errors import DeviceError, InputError, OutputError
from streamart.sinks.encoder import EncoderSink
from streamart.sources.file import FileSource

FAST = EncodeConfig(preset="ultrafast")


def transcode(source_path, output_path, **options) -> None:
    with (
        FileSource(source_path) as source,
        EncoderSink(output_path, info=source.info, audio_from=source_path, encode=replace(FAST, **options)) as sink,
    ):
        for frame in source:
            sink.write(frame)


def read_frames(path) -> list[Frame]:
    with FileSource(path) as source:
        return list(source)


def times(frames: list[Frame]) -> list[Fraction]:
    return [f.pts * f.time_base for f in frames]


def test_round_trip_keeps_frames_timestamps_and_pixels(clip, tmp_path):
    output = tmp_path / "out.mp4"
    transcode(clip, output, crf=0, pix_fmt="yuv444p")
    source, result = read_frames(clip), read_frames(output)
    assert len(result) == len(source) == 10
    assert times(result) == times(source)
    for before, after in zip(source, result):
        # crf 0 is lossless; what remains is the RGB <-> YUV rounding
        assert np.abs(before.image.astype(int) - after.image.astype(int)).max() <= 3
    with av.open(str(output)) as container:
        video = container.streams.video[0]
        assert video.average_rate == 10
        bt709 = 1  # FFmpeg's enum value; the pixels were converted with this matrix
        context = video.codec_context
        assert (context.colorspace, context.color_primaries, context.color_trc) == (bt709,) * 3


def test_default_settings_stay_close_to_the_input(clip, tmp_path):
    output = tmp_path / "out.mp4"
    transcode(clip, output)  # crf 18, yuv420p
    for before, after in zip(read_frames(clip), read_frames(output)):
        assert np.abs(before.image.astype(int) - after.image.astype(int)).mean() < 3


def test_variable_frame_rate_survives(clip_factory, tmp_path):
    vfr = clip_factory("vfr.mkv", frames=12, vfr=True)
    output = tmp_path / "out.mp4"
    transcode(vfr, output)
    assert times(read_frames(output)) == times(read_frames(vfr))
    assert len(set(np.diff(times(read_frames(output))))) == 2


def test_audio_is_copied_with_its_duration(clip, tmp_path):
    output = tmp_path / "out.mkv"
    transcode(clip, output)
    assert audio_payloads(output) == audio_payloads(clip)  # copied, not re-encoded
    assert audio_seconds(output) == pytest.approx(audio_seconds(clip), abs=0.1)  # within a frame


def test_every_audio_track_is_copied(clip_factory, tmp_path):
    source = clip_factory("two.mp4", audio_tracks=2)
    output = tmp_path / "out.mp4"
    transcode(source, output)
    with av.open(str(output)) as container:
        assert len(container.streams.audio) == 2
    assert audio_payloads(source, 0) != audio_payloads(source, 1)  # two different tones
    for track in (0, 1):
        assert audio_payloads(output, track) == audio_payloads(source, track)


def test_audio_the_container_refuses_is_reencoded_to_aac(clip_factory, tmp_path):
    source = clip_factory("pcm.mkv", audio_codec="pcm_u8")
    output = tmp_path / "out.mp4"
    transcode(source, output)
    with av.open(str(output)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    assert audio_seconds(output) == pytest.approx(audio_seconds(source), abs=0.1)


def test_audio_is_interleaved_with_video(clip_factory, tmp_path):
    # 13 s: longer than the muxer's own 10 s interleaving buffer, which would hide a sink that
    # queued all the audio for the end
    source = clip_factory("long.mkv", frames=26, fps=2, width=32, height=32)
    output = tmp_path / "out.mkv"
    transcode(source, output)
    with av.open(str(output)) as container:
        packet_times = [float(p.pts * p.time_base) for p in container.demux() if p.size]
    latest, lag = 0.0, 0.0
    for time in packet_times:  # in file order: how far behind the newest packet does one lag?
        lag, latest = max(lag, latest - time), max(latest, time)
    assert lag < 0.5  # less than one video frame interval


def test_odd_size_is_padded_by_repeating_the_edge(clip_factory, tmp_path):
    odd = clip_factory("odd.mp4", width=33, height=25, frames=3, pix_fmt="yuv444p")
    output = tmp_path / "out.mp4"
    transcode(odd, output, crf=0)
    frames = read_frames(output)
    assert frames[0].image.shape == (26, 34, 3)
    image = frames[0].image.astype(int)
    # Neighbouring columns of this gradient differ by 4-7 levels after 4:2:0 chroma; a black
    # or mirrored pad would differ by far more.
    assert np.abs(image[:, 33] - image[:, 32]).max() <= 8
    assert np.abs(image[25] - image[24]).max() <= 8
    exact = tmp_path / "exact.mp4"
    transcode(odd, exact, pix_fmt="yuv444p")
    assert read_frames(exact)[0].image.shape == (25, 33, 3)


def test_frames_without_timestamps_are_placed_by_index(tmp_path):
    output = tmp_path / "out.mp4"
    info = StreamInfo(width=32, height=32, fps=25.0)
    with EncoderSink(output, info=info, encode=FAST) as sink:
        for index in range(5):
            sink.write(Frame(pattern_frame(index, 32, 32), index))
    assert times(read_frames(output)) == [Fraction(i, 25) for i in range(5)]


def test_exception_mid_stream_leaves_no_file(clip, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(RuntimeError, match="stage failed"):
        with (
            FileSource(clip) as source,
            EncoderSink(out_dir / "out.mp4", info=source.info, audio_from=clip, encode=FAST) as sink,
        ):
            for frame in source:
                sink.write(frame)
                if frame.index == 4:
                    assert list(out_dir.iterdir())  # the temporary file exists while writing
                    raise RuntimeError("stage failed")
    assert list(out_dir.iterdir()) == []


def test_exception_keeps_an_existing_output(clip, tmp_path):
    output = tmp_path / "out.mp4"
    output.write_bytes(b"previous result")
    with pytest.raises(RuntimeError):
        with EncoderSink(output, info=StreamInfo(64, 48, 10.0), encode=replace(FAST, overwrite=True)) as sink:
            sink.write(Frame(pattern_frame(0, 64, 48), 0))
            raise RuntimeError("stage failed")
    assert output.read_bytes() == b"previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "out.mp4"]


def test_existing_output_needs_overwrite(clip, tmp_path):
    output = tmp_path / "out.mp4"
    output.write_bytes(b"keep me")
    with pytest.raises(OutputError, match=r"exists; pass --overwrite \(-y\)"):
        EncoderSink(output, info=StreamInfo(64, 48, 10.0))
    assert output.read_bytes() == b"keep me"
    transcode(clip, output, overwrite=True)
    assert len(read_frames(output)) == 10


def test_unwritable_or_missing_folder(unwritable_dir, tmp_path):
    info = StreamInfo(64, 48, 10.0)
    with pytest.raises(OutputError, match="cannot write to folder"):
        EncoderSink(unwritable_dir / "out.mp4", info=info)
    with pytest.raises(OutputError, match="does not exist"):
        EncoderSink(tmp_path / "missing" / "out.mp4", info=info)


def test_grey_output_works_where_the_encoder_has_it(clip, tmp_path):
    output = tmp_path / "grey.mp4"
    transcode(clip, output, pix_fmt="gray")
    with av.open(str(output)) as container:
        frames = [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]
    assert len(frames) == 10
    for image in frames:  # H.264's 4:0:0 decodes with neutral chroma: R = G = B
        assert np.abs(image[..., 0] - image[..., 1]).max() <= 1 and np.abs(image[..., 1] - image[..., 2]).max() <= 1
        assert image.std() > 5  # and it is a picture, not a blank


@pytest.mark.skipif("h264_nvenc" not in av.codecs_available, reason="FFmpeg build without NVENC")
def test_hardware_encoder_fails_early_without_its_device_or_works_with_it(tmp_path):
    output = tmp_path / "out.mp4"
    info = StreamInfo(256, 144, 10.0)
    try:
        sink = EncoderSink(output, info=info, encode=EncodeConfig(encoder="h264_nvenc"))
    except DeviceError as error:  # no NVIDIA GPU: refused at construction, naming the fallback
        assert "--encoder libx264" in str(error)
        assert list(tmp_path.iterdir()) == []
        return
    with sink:
        sink.write(Frame(pattern_frame(0, 256, 144), 0))
    assert len(read_frames(output)) == 1


def test_close_without_frames_writes_nothing(tmp_path, caplog):
    sink = EncoderSink(tmp_path / "out.mp4", info=StreamInfo(64, 48, 10.0), encode=FAST)
    with caplog.at_level(logging.WARNING, logger="streamart.sinks.encoder"):
        sink.close()
        sink.close()
    assert list(tmp_path.iterdir()) == []
    assert "no frames were written" in caplog.text


def test_frame_size_change_is_refused(tmp_path):
    with pytest.raises(ValueError, match="every frame must have one size"):
        with EncoderSink(tmp_path / "out.mp4", info=StreamInfo(64, 48, 10.0), encode=FAST) as sink:
            sink.write(Frame(pattern_frame(0, 64, 48), 0))
            sink.write(Frame(pattern_frame(1, 32, 32), 1))
    assert list(tmp_path.iterdir()) == []


def audio_packets(path) -> list[tuple[Fraction, Fraction, bytes]]:
    """(start, end, payload) in seconds of each packet of the first audio stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return [
            (p.pts * p.time_base, (p.pts + p.duration) * p.time_base, bytes(p))
            for p in container.demux(stream)
            if p.size
        ]


def video_span(path) -> tuple[Fraction, Fraction]:
    """When the first video frame starts and the last one ends, in seconds."""
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(container.streams.video[0]) if p.size]
        return (
            min(p.pts * p.time_base for p in packets),
            max((p.pts + p.duration) * p.time_base for p in packets),
        )


def test_trimmed_audio_covers_the_trimmed_video(clip_factory, tmp_path):
    source_path = clip_factory("long.mp4", frames=40, fps=10)
    output = tmp_path / "out.mp4"
    with (
        FileSource(source_path, start=1.55, duration=1.0) as source,
        EncoderSink(output, info=source.info, audio_from=source_path, audio_start=source.offset, encode=FAST) as sink,
    ):
        offset = source.offset
        for frame in source:
            sink.write(frame)
    assert offset == Fraction(16, 10)
    assert video_span(output) == (0, 1)
    copied = audio_packets(output)
    packet = copied[0][1] - copied[0][0]
    assert copied[0][0] == 0 and abs(copied[-1][1] - 1) <= packet / 2
    # The same packets as the input over that span, cut at the nearest boundaries.
    kept = [p for p in audio_packets(source_path) if offset <= (p[0] + p[1]) / 2 < offset + 1]
    assert [p[2] for p in copied] == [p[2] for p in kept]
    assert abs(kept[0][0] - offset) <= packet / 2


def test_audio_stops_with_the_last_frame_written(clip_factory, tmp_path):
    # A run stopped early (a StopPipeline, a source that ended early): audio must not go on.
    source_path = clip_factory("long.mkv", frames=20, fps=10, audio_codec="pcm_u8")
    for name in ("copied.mkv", "reencoded.mp4"):
        output = tmp_path / name
        with (
            FileSource(source_path) as source,
            EncoderSink(output, info=source.info, audio_from=source_path, encode=FAST) as sink,
        ):
            for frame, _ in zip(source, range(5)):
                sink.write(frame)
        assert video_span(output) == (0, Fraction(1, 2))
        assert audio_seconds(output) == pytest.approx(0.5, abs=1024 / 48_000), name


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through Linux's /proc")
def test_threads_caps_the_encoders_threads(tmp_path):
    frame = Frame(image=pattern_frame(0, 640, 480), index=0)
    counts = {}
    for threads in (None, 1):
        before = len(os.listdir("/proc/self/task"))
        with EncoderSink(
            tmp_path / f"out{threads}.mp4",
            info=StreamInfo(frame.image.shape[1], frame.image.shape[0]),
            encode=replace(FAST, threads=threads),
        ) as sink:
            sink.write(frame)
            counts[threads] = len(os.listdir("/proc/self/task")) - before
    assert counts[1] < counts[None], counts


def test_encoder_threads_must_be_positive():
    with pytest.raises(InputError, match="at least 1"):
        EncodeConfig(threads=0)


def test_above_1080p_x264_holds_no_b_frames_at_any_preset(tmp_path):
    # Each frame x264 keeps is ~35 MB at 4K: above 1080p it keeps no look-ahead, no B-frames
    # and one reference (0.25 GB at 4K instead of 0.67 GB); below, the preset is x264's own.
    def reordered(width: int, height: int) -> bool:
        path = tmp_path / f"{width}.mp4"
        with EncoderSink(path, info=StreamInfo(width, height), encode=EncodeConfig(preset="medium")) as sink:
            for index in range(8):
                sink.write(
                    Frame(image=pattern_frame(index, width, height), index=index, pts=index, time_base=Fraction(1, 10))
                )
        with av.open(os.fspath(path)) as container:
            packets = [p for p in container.demux(video=0) if p.pts is not None]
        return any(p.pts != p.dts for p in packets[1:])  # B-frames are sent before they are shown

    assert reordered(1280, 720)
    assert not reordered(2048, 1152)


def test_audio_from_a_playlist_is_refused_when_only_plain_files_may_be_read(tmp_path, clip):
    playlist = tmp_path / "sound.m3u8"
    make_playlist(playlist, str(clip))
    with pytest.raises(InputError, match="cannot read audio from .*sound.m3u8"):
        EncoderSink(tmp_path / "out.mp4", info=StreamInfo(64, 48, 10.0), audio_from=playlist, audio_plain_only=True)
    assert not (tmp_path / "out.mp4").exists()


def test_mpeg4_encodes_on_its_own_quality_scale(clip, tmp_path):
    sizes = {}
    for qscale in (None, 2, 31):  # None: the encoder's own default, not x264's crf
        output = tmp_path / f"mpeg4-{qscale}.mp4"
        transcode(clip, output, encoder="mpeg4", qscale=qscale)
        with av.open(str(output)) as container:
            assert container.streams.video[0].codec_context.name == "mpeg4"
            assert len(list(container.decode(video=0))) == 10
        sizes[qscale] = output.stat().st_size
    assert sizes[2] > sizes[None] > sizes[31]  # the quantiser is really held where asked


def test_a_container_without_sound_gets_the_video_and_says_the_audio_is_left_out(clip, tmp_path, caplog):
    output = tmp_path / "out.gif"
    with caplog.at_level(logging.WARNING, logger="streamart.sinks.muxing"):
        transcode(clip, output, encoder="gif", pix_fmt="rgb8")
    assert "holds no sound, so the audio is left out" in caplog.text
    with av.open(str(output)) as container:
        assert len(list(container.decode(video=0))) == 10 and not container.streams.audio
