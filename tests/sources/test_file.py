"""FileSource against real media written by PyAV."""

from __future__ import annotations

import logging
import os
from fractions import Fraction

import cv2
import numpy as np
import pytest
from media_factory import index_first_truncated, make_clip, make_playlist, pattern_frame

from streamart.errors import InputError, InputNotFoundError
from streamart.sources.file import FileSource


def mean_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_reads_every_frame_with_its_own_timestamps(tmp_path):
    times = make_clip(tmp_path / "clip.mp4", frames=10, fps=10)
    with FileSource(tmp_path / "clip.mp4") as source:
        assert source.live is False
        info = source.info
        frames = list(source)
    assert (info.width, info.height, info.fps, info.frame_count) == (64, 48, 10.0, 10)
    assert info.duration == pytest.approx(1.0)
    assert [f.index for f in frames] == list(range(10))
    assert [f.pts * f.time_base for f in frames] == times
    for frame in frames:
        assert frame.image.dtype == np.uint8 and frame.image.shape == (48, 64, 3)
        assert frame.image.flags.c_contiguous
        assert mean_error(frame.image, pattern_frame(frame.index, 64, 48)) < 3


def test_variable_frame_rate_timestamps_survive(tmp_path):
    times = make_clip(tmp_path / "vfr.mkv", frames=9, vfr=True)
    assert len(set(np.diff(times))) == 2  # the clip really is VFR
    with FileSource(tmp_path / "vfr.mkv") as source:
        assert [f.pts * f.time_base for f in source] == times


def test_rotation_metadata_rotates_pixels_and_size(tmp_path):
    path = tmp_path / "portrait.mp4"
    make_clip(path, width=64, height=48, frames=3, rotation=90)
    with FileSource(path) as source:
        assert (source.info.width, source.info.height) == (48, 64)
        frames = list(source)
    assert frames[0].image.shape == (64, 48, 3)
    assert frames[0].image.flags.c_contiguous
    assert mean_error(frames[0].image, np.rot90(pattern_frame(0, 64, 48))) < 3
    # OpenCV's FFmpeg backend autorotates on its own: an independent opinion on the direction.
    ok, bgr = cv2.VideoCapture(str(path)).read()
    assert ok
    assert mean_error(frames[0].image, bgr[..., ::-1]) < 3


def test_odd_size_and_ten_bit_become_rgb24(clip_factory):
    odd = clip_factory("odd.mp4", width=33, height=25, frames=2, pix_fmt="yuv444p")
    deep = clip_factory("deep.mp4", frames=2, pix_fmt="yuv420p10le")
    with FileSource(odd) as source:
        assert (source.info.width, source.info.height) == (33, 25)
        image = next(iter(source)).image
    assert image.shape == (25, 33, 3)
    assert mean_error(image, pattern_frame(0, 33, 25)) < 3
    with FileSource(deep) as source:
        image = next(iter(source)).image
    assert image.dtype == np.uint8 and image.shape == (48, 64, 3)
    assert mean_error(image, pattern_frame(0, 64, 48)) < 3


def one_line_error(error_type, path, **options) -> str:
    with pytest.raises(error_type) as caught:
        FileSource(path, **options)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_missing_file(tmp_path):
    message = one_line_error(InputNotFoundError, tmp_path / "nothing.mp4")
    assert "does not exist" in message


def test_text_file_named_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 50)
    assert "not a video" in one_line_error(InputError, path)


def test_audio_only_file(clip_factory):
    assert "no video stream" in one_line_error(InputError, clip_factory("tone.m4a", video=False))


def test_zero_frame_video(clip_factory):
    path = clip_factory("empty.mkv", frames=0, audio=True)
    assert "no decodable video frames" in one_line_error(InputError, path)


def test_folder_is_not_a_video(tmp_path):
    assert "folder" in one_line_error(InputError, tmp_path)


def test_truncated_file_recovers_frames_and_warns(tmp_path, caplog):
    full = tmp_path / "full.mkv"
    make_clip(full, frames=30, width=96, height=64)
    data = full.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="streamart.sources.file"):
        with FileSource(cut) as source:
            frames = list(source)
    assert 0 < len(frames) < 30
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"{cut} is damaged (truncated or corrupt): read {len(frames)} frames; the output has those "
        "(--strict makes this an error)"
    ]
    assert mean_error(frames[-1].image, pattern_frame(frames[-1].index, 96, 64)) < 3


def test_corrupt_middle_is_skipped_with_a_warning(tmp_path, caplog):
    path = tmp_path / "scratched.mkv"
    make_clip(path, frames=30, width=96, height=64)
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    data[start : start + 2000] = bytes((i * 7) % 256 for i in range(2000))
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="streamart.sources.file"):
        with FileSource(path) as source:
            frames = list(source)
    assert 0 < len(frames) < 30
    assert f"read {len(frames)} frames" in caplog.text


def test_frames_missing_at_the_end_are_counted_against_the_announced_number(tmp_path, caplog):
    cut = index_first_truncated(tmp_path)
    with caplog.at_level(logging.WARNING, logger="streamart.sources.file"):
        with FileSource(cut) as source:
            assert source.info.frame_count == 60
            frames = list(source)
    assert 0 < len(frames) < 60
    assert f"read {len(frames)} of the 60 the container announced frames" in caplog.text


def test_strict_makes_a_damaged_input_an_error_at_the_end(tmp_path):
    cut = index_first_truncated(tmp_path)
    with FileSource(cut, strict=True) as source:
        frames = iter(source)
        next(frames)  # the frames that decode still come first
        with pytest.raises(InputError, match="read .* of the 60 the container announced frames; without --strict"):
            list(frames)


def test_intact_file_does_not_warn(clip, caplog):
    with caplog.at_level(logging.WARNING, logger="streamart.sources.file"):
        with FileSource(clip) as source:
            assert len(list(source)) == 10
    assert caplog.records == []


def test_file_cut_before_any_frame_is_an_input_error(clip):
    # MP4 keeps its index at the end: a cut file has none, so nothing can be decoded
    cut = clip.with_name("cut.mp4")
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    one_line_error(InputError, cut)


def test_close_is_idempotent_and_ends_iteration_quietly(clip, caplog):
    source = FileSource(clip)
    frames = iter(source)
    assert next(frames).index == 0
    with caplog.at_level(logging.WARNING, logger="streamart.sources.file"):
        source.close()
        source.close()
        assert list(frames) == []
    assert caplog.records == []  # stopping early is not damage


# Trimming. MPEG-4 Part 2 puts a keyframe every 12 frames, so a start inside the clip really
# seeks (x264 here would make frame 0 the only keyframe).
@pytest.mark.parametrize(
    "start, duration, first, count",
    [(2.5, 1.0, 25, 10), (2.55, 0.2, 26, 2), (3.0, None, 30, 10), (None, 0.25, 0, 3), (0, 0.1, 0, 1)],
)
def test_trimmed_span_is_shifted_to_start_at_zero(clip_factory, start, duration, first, count):
    path = clip_factory("keyframes.mkv", frames=40, fps=10, codec="mpeg4", audio=False)
    with FileSource(path, start=start, duration=duration) as source:
        info, offset = source.info, source.offset
        frames = list(source)
    assert [f.index for f in frames] == list(range(count))
    assert [f.pts * f.time_base for f in frames] == [Fraction(i, 10) for i in range(count)]
    assert offset == Fraction(first, 10)
    assert info.frame_count == count  # the progress bar's total
    assert info.duration == pytest.approx(duration or 4.0 - start)
    for frame in frames:  # each is the picture it should be (the nearest of all 40)
        errors = [mean_error(frame.image, pattern_frame(i, 64, 48)) for i in range(40)]
        assert int(np.argmin(errors)) == first + frame.index


def test_a_span_can_keep_the_file_timestamps(clip_factory):
    path = clip_factory("keyframes.mkv", frames=40, fps=10, codec="mpeg4", audio=False)
    with FileSource(path, start=2.5, duration=1.0, keep_timestamps=True) as source:
        offset = source.offset
        frames = list(source)
    assert offset is None
    assert [f.index for f in frames] == list(range(10))
    assert [f.pts * f.time_base for f in frames] == [Fraction(i, 10) for i in range(25, 35)]


def test_untrimmed_source_keeps_the_file_timestamps(clip):
    with FileSource(clip) as source:
        assert source.offset is None


@pytest.mark.parametrize(
    "options, message",
    [
        ({"start": -1}, "start -1 s is not a time"),
        ({"start": float("nan")}, "not a time"),
        ({"duration": 0}, "duration 0 s is not a length"),
        ({"start": 0, "duration": -2}, "not a length"),
        ({"start": 1.0}, "start 1.0 s is past the end of"),
        ({"start": 5, "duration": 1}, "past the end"),
    ],
)
def test_bad_spans_are_input_errors(clip, options, message):
    with pytest.raises(InputError) as caught:
        FileSource(clip, **options)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "give" in str(caught.value)  # names the fix


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through Linux's /proc")
def test_threads_caps_the_decoders_threads(tmp_path):
    # A worker sharing a machine decodes on its own cores, not on a pool sized to all of them.
    path = tmp_path / "clip.mp4"
    make_clip(path, width=320, height=240, frames=12)
    counts = {}
    for threads in (None, 1):
        before = native_threads()
        with FileSource(path, threads=threads) as source:
            next(iter(source))
            counts[threads] = native_threads() - before
    assert counts[1] < counts[None], counts


def test_above_1080p_the_decoder_gets_two_threads_unless_told(tmp_path):
    # Each frame thread holds frames of its own: at 4K that is memory, not speed, that grows
    # with the cores.
    large = tmp_path / "large.mp4"
    make_clip(large, width=2048, height=1152, frames=2, audio=False)
    with FileSource(large) as source:  # FFmpeg's own choice would be cores + 1
        assert source._stream.codec_context.thread_count == 2
    with FileSource(large, threads=1) as source:
        assert source._stream.codec_context.thread_count == 1


@pytest.mark.parametrize("entry", ["absolute", "file_url"])
def test_plain_only_refuses_a_playlist_before_it_opens_what_it_names(tmp_path, entry):
    secret = tmp_path / "secret.ts"
    make_clip(secret, codec="mpeg2video", audio=False)
    playlist = tmp_path / "clip.m3u8"
    make_playlist(playlist, {"absolute": str(secret), "file_url": secret.as_uri()}[entry])
    with FileSource(playlist) as source:  # what the user names on their own machine is read
        assert len(list(source)) == 10
    with pytest.raises(InputError, match=r"clip\.m3u8 is not a single self-contained video file .* a playlist"):
        FileSource(playlist, plain_only=True)


def test_plain_only_reads_a_plain_file_whatever_its_name(tmp_path):
    disguised = tmp_path / "clip.m3u8"
    make_clip(disguised.with_suffix(".ts"), codec="mpeg2video", audio=False)
    disguised.with_suffix(".ts").rename(disguised)
    with FileSource(disguised, plain_only=True) as source:
        assert len(list(source)) == 10


def test_frames_over_the_limit_are_refused_from_the_container_before_decoding(clip_factory):
    """The frame size comes from the stream's codec parameters: a video without a single
    decodable frame is refused for its size, not for its missing frames. (Frames of 20000x20000
    cannot be made cheaply, so the limit is lowered to below a small clip's instead.)"""
    path = clip_factory("empty.mkv", frames=0, width=64, height=48)
    message = one_line_error(InputError, path, max_pixels=64 * 48 - 1)
    assert message == (
        f"a frame of {path} is 64x48 pixels (0.00307 megapixels), more than the limit of 0.00307 megapixels that keeps "
        "decoding it within memory; use a smaller one, or raise the limit with --max-pixels 3072"
    )
    with FileSource(clip_factory("clip.mp4", width=64, height=48), max_pixels=64 * 48) as source:
        assert source.info.width * source.info.height == 64 * 48
