"""Joining chunks encoded apart: the packets and the audio of a single encode, no re-encoding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import pytest

from media_factory import make_clip
from streamart.config import EncodeConfig
from streamart.distributed.chunking import index_keyframes, plan_chunks
from streamart.distributed.stitching import ChunkJoiner
from streamart.errors import OutputError
from streamart.sinks.encoder import EncoderSink
from streamart.sources.file import FileSource

ENCODE = EncodeConfig()  # x264 "medium": B-frames, so decode and presentation order differ


def encode(source_path: Path, output: Path, *, start=None, duration=None, first=None, encode=ENCODE) -> Path:
    """Encode frames of ``source_path`` from file time ``first`` on, keeping their timestamps;
    with the source's audio when the whole file goes through."""
    whole = start is None and duration is None
    with (
        FileSource(source_path, start=start, duration=duration, keep_timestamps=True) as source,
        EncoderSink(
            output, info=source.info, audio_from=source_path if whole else None, audio_tail=lambda: True, encode=encode
        ) as sink,
    ):
        for frame in source:
            if first is None or frame.pts * frame.time_base >= first:
                sink.write(frame)
    return output


def encoded_chunks(source_path: Path, folder: Path, extension: str, **options) -> list:
    index = index_keyframes(source_path)
    chunks = plan_chunks(index, seconds=1, warmup_frames=3, at_least=3)
    assert len(chunks) >= 3
    files = []
    for chunk in chunks:
        path = folder / f"chunk{chunk.number}{extension}"
        encode(
            source_path,
            path,
            start=float(chunk.warmup - index.start),
            duration=None if chunk.end is None else float(chunk.end - chunk.warmup),
            first=chunk.start,
            **options,
        )
        files.append((path, chunk.start))
    return files


def packets(path: Path, kind: str) -> list[tuple]:
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [(p.pts, p.dts, p.size) for p in container.demux(stream) if p.size]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("extension, vfr", [(".mp4", False), (".mp4", True), (".mkv", True), (".mov", False)])
def test_joined_chunks_have_the_frames_timestamps_and_audio_of_one_encode(tmp_path, extension, vfr):
    source = tmp_path / f"source{extension}"
    make_clip(source, width=96, height=64, frames=48, fps=12, vfr=vfr, keyframe_interval=8)
    single = encode(source, tmp_path / f"single{extension}")
    joined = tmp_path / f"joined{extension}"
    with ChunkJoiner(joined, audio_from=source) as joiner:
        counts = [
            joiner.append(path.read_bytes(), start=start) for path, start in encoded_chunks(source, tmp_path, extension)
        ]
    assert sum(counts) == 48
    # The same presentation times (decode times may be moved at a seam, never the frames')
    assert sorted(p[0] for p in packets(joined, "video")) == sorted(p[0] for p in packets(single, "video"))
    assert packets(joined, "audio") == packets(single, "audio")  # copied once, whole
    with av.open(str(single)) as a, av.open(str(joined)) as b:
        assert b.streams.video[0].time_base == a.streams.video[0].time_base
        assert [frame.pts for frame in b.decode(video=0)] == [frame.pts for frame in a.decode(video=0)]
    assert leftovers(tmp_path) == []


def test_chunks_can_be_given_as_paths(tmp_path):
    source = tmp_path / "source.mkv"
    make_clip(source, frames=30, keyframe_interval=10, audio=False)
    joined = tmp_path / "joined.mkv"
    with ChunkJoiner(joined) as joiner:
        for path, start in encoded_chunks(source, tmp_path, ".mkv"):
            joiner.append(path, start=start)
    assert len(packets(joined, "video")) == 30


def test_a_chunk_encoded_otherwise_is_refused_and_nothing_is_written(tmp_path):
    source = tmp_path / "source.mp4"
    make_clip(source, frames=30, keyframe_interval=10, audio=False)
    (first, start), *_ = encoded_chunks(source, tmp_path, ".mp4")
    other = encode(source, tmp_path / "other.mp4", encode=replace(ENCODE, pix_fmt="yuv444p"))
    joined = tmp_path / "joined.mp4"
    with pytest.raises(OutputError, match="chunk 1 of .* was encoded with other settings"):
        with ChunkJoiner(joined, audio_from=source) as joiner:
            joiner.append(first, start=start)
            joiner.append(other)
    assert not joined.exists() and leftovers(tmp_path) == []


def test_an_existing_output_is_kept_unless_overwritten(tmp_path, clip):
    joined = tmp_path / "joined.mp4"
    joined.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="exists"):
        ChunkJoiner(joined)
    assert joined.read_bytes() == b"keep me"
    with ChunkJoiner(joined, overwrite=True) as joiner:
        joiner.append(encode(clip, tmp_path / "chunk.mp4"))
    assert len(packets(joined, "video")) == 10


def test_no_chunk_means_no_output(tmp_path):
    joiner = ChunkJoiner(tmp_path / "joined.mp4")
    with pytest.raises(OutputError, match="no chunk was joined"):
        joiner.close()
    assert list(tmp_path.iterdir()) == []
