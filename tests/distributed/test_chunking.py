"""The keyframe index of real files, and chunk plans cut at keyframes with their warm-up."""

from __future__ import annotations

from fractions import Fraction

import pytest

from media_factory import make_clip
from streamart.distributed.chunking import Chunk, KeyframeIndex, index_keyframes, plan_chunks
from streamart.errors import InputError, InputNotFoundError
from streamart.sources.file import FileSource


def test_index_has_every_frame_and_the_keyframes(tmp_path):
    make_clip(tmp_path / "clip.mp4", frames=24, fps=12, vfr=True, keyframe_interval=8)
    with FileSource(tmp_path / "clip.mp4") as source:
        times = [frame.pts * frame.time_base for frame in source]  # what a single run sees
    index = index_keyframes(tmp_path / "clip.mp4")
    assert list(index.frame_times) == times
    assert list(index.keyframe_times) == [times[0], times[8], times[16]]
    assert index.start == 0


def test_index_of_a_truncated_file_keeps_what_can_be_read(tmp_path):
    path = tmp_path / "cut.mkv"
    make_clip(path, frames=40, keyframe_interval=10, audio=False)
    whole = index_keyframes(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    cut = index_keyframes(path)
    assert 0 < len(cut.frame_times) < len(whole.frame_times)
    assert cut.frame_times == whole.frame_times[: len(cut.frame_times)]


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda d: d / "missing.mp4", InputNotFoundError, "does not exist"),
        (lambda d: (d / "notes.mp4").write_text("no video here\n" * 20) and d / "notes.mp4", InputError, "not a video"),
    ],
)
def test_index_of_a_bad_file_is_the_single_runs_error(tmp_path, make, error, message):
    with pytest.raises(error, match=message):
        index_keyframes(make(tmp_path))


def index_of(frames: int, keyframe_every: int, fps: int = 10) -> KeyframeIndex:
    times = tuple(Fraction(i, fps) for i in range(frames))
    return KeyframeIndex(frame_times=times, keyframe_times=times[::keyframe_every])


def test_chunks_start_at_keyframes_and_cover_every_frame_once():
    chunks = plan_chunks(index_of(100, 10), seconds=3, warmup_frames=5)
    assert [c.start for c in chunks] == [0, 3, 6, 9]
    assert [c.end for c in chunks] == [3, 6, 9, None]
    assert [c.frames for c in chunks] == [30, 30, 30, 10]
    assert [c.number for c in chunks] == [0, 1, 2, 3]
    assert [c.warmup for c in chunks] == [0, Fraction(25, 10), Fraction(55, 10), Fraction(85, 10)]


def test_the_warmup_stops_at_the_first_frame():
    chunks = plan_chunks(index_of(40, 10), seconds=1, warmup_frames=30)
    assert [c.warmup for c in chunks] == [0, 0, 0, Fraction(0)]
    assert chunks[3] == Chunk(number=3, warmup=Fraction(0), start=3, end=None, frames=10)


def test_chunks_are_shortened_to_give_every_worker_one():
    assert len(plan_chunks(index_of(100, 10), seconds=60, warmup_frames=0)) == 1
    # 9.9 s between the first and the last frame, over 4 workers: at least 2.475 s each
    chunks = plan_chunks(index_of(100, 10), seconds=60, warmup_frames=0, at_least=4)
    assert [c.start for c in chunks] == [0, 3, 6, 9]


def test_keyframes_are_the_only_places_to_cut():
    chunks = plan_chunks(index_of(100, 50), seconds=1, warmup_frames=0, at_least=8)
    assert [c.start for c in chunks] == [0, 5]
    assert sum(c.frames for c in chunks) == 100


def test_a_video_with_one_keyframe_is_one_chunk():
    index = index_of(30, 1000)
    assert plan_chunks(index, seconds=1, warmup_frames=5, at_least=2) == [
        Chunk(number=0, warmup=Fraction(0), start=Fraction(0), end=None, frames=30)
    ]


def test_a_stream_without_timestamps_is_counted_and_not_cut(tmp_path):
    make_clip(tmp_path / "raw.h264", frames=20, audio=False, keyframe_interval=5)  # raw H.264: no pts
    index = index_keyframes(tmp_path / "raw.h264")
    assert len(index.frame_times) == 20 and index.keyframe_times == ()
    assert len(plan_chunks(index, seconds=0.1, warmup_frames=2, at_least=4)) == 1
