"""Make small, real media files with PyAV for the tests (no binary fixtures in the repo).

Plain functions, so any test (or a benchmark) can call them; tests/conftest.py wraps the common
cases as fixtures.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

AUDIO_RATE = 48_000


def pattern_frame(index: int, width: int, height: int) -> np.ndarray:
    """A smooth RGB test picture that changes with ``index`` (gradients plus a moving square).

    Smooth content survives lossy coding well, so round-trip tests can use tight tolerances;
    the square makes every frame different and shows orientation (it starts top-left).
    """
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    image = np.empty((height, width, 3), dtype=np.float32)
    image[..., 0] = 40 + 170 * xs
    image[..., 1] = 40 + 170 * ys
    image[..., 2] = 120 + 60 * np.sin(2 * np.pi * (xs + ys + index / 10))
    side = max(2, min(width, height) // 4)
    x0 = (index * 2) % max(1, width - side)
    y0 = index % max(1, height - side)
    image[y0 : y0 + side, x0 : x0 + side] = (250, 250, 230)
    return np.ascontiguousarray(image.round().astype(np.uint8))


def frame_times(frames: int, fps: int, vfr: bool) -> list[Fraction]:
    """Presentation times in seconds: regular, or (``vfr``) with every other gap 1.5x longer."""
    if not vfr:
        return [Fraction(i, fps) for i in range(frames)]
    times, t = [], Fraction(0)
    for i in range(frames):
        times.append(t)
        t += Fraction(1, fps) * (Fraction(3, 2) if i % 2 else 1)
    return times


def make_clip(
    path: str | os.PathLike,
    *,
    width: int = 64,
    height: int = 48,
    frames: int = 10,
    fps: int = 10,
    audio: bool = True,
    video: bool = True,
    vfr: bool = False,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    audio_codec: str = "aac",
    audio_tracks: int = 1,
    rotation: int | None = None,
    tone_seconds: float | None = None,
    keyframe_interval: int | None = None,
) -> list[Fraction]:
    """Write a clip of :func:`pattern_frame` pictures (and a sine tone) to ``path``.

    The container follows the extension. ``rotation`` stores a display matrix that rotates the
    picture counter-clockwise by that many degrees on playback (phones record portrait video
    this way). ``audio_tracks`` tones (440 Hz, 880 Hz, ...) follow the video when ``audio``,
    as long as the video unless ``tone_seconds`` says otherwise. ``keyframe_interval`` puts a
    keyframe every that many frames, and (x264) nowhere else.
    ``frames=0`` writes a video stream without any frame (only Matroska keeps such a stream, and
    only next to an audio track: use ``.mkv`` with ``audio=True``). Odd sizes need a pixel
    format without chroma subsampling (e.g. ``yuv444p``). Returns the frame times in seconds.
    """
    times = frame_times(frames, fps, vfr)
    # 1/1000 s can place every VFR time exactly; CFR clips keep the natural 1/fps grid.
    time_base = Fraction(1, 1000) if vfr else Fraction(1, fps)
    duration = float(times[-1] + Fraction(1, fps)) if times else 1.0
    with av.open(os.fspath(path), "w") as container:
        if video:
            stream = container.add_stream(codec, rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            stream.codec_context.time_base = time_base
            if codec == "libx264":
                stream.options = {"preset": "ultrafast", "crf": "10"}
                if keyframe_interval:
                    n = keyframe_interval
                    stream.options = {**stream.options, "x264-params": f"keyint={n}:min-keyint={n}:scenecut=0"}
            elif keyframe_interval:
                stream.codec_context.gop_size = keyframe_interval
            if rotation:
                stream.set_display_rotation(rotation)
        audio_streams = [
            container.add_stream(audio_codec, rate=AUDIO_RATE, layout="mono")
            for _ in range(audio_tracks if audio else 0)
        ]
        container.start_encoding()  # writes the header even when no frame follows
        if video:
            for index, t in enumerate(times):
                image = pattern_frame(index, width, height)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts, frame.time_base = int(t / time_base), time_base
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        for track, audio_stream in enumerate(audio_streams):
            _write_tone(container, audio_stream, tone_seconds or duration, 440 * (track + 1))
    return times


def _write_tone(container: av.container.OutputContainer, stream, seconds: float, hertz: float) -> None:
    """Encode ``seconds`` of a sine tone in 1024-sample frames."""
    total = int(round(seconds * AUDIO_RATE))
    for start in range(0, total, 1024):
        count = min(1024, total - start)
        t = (np.arange(start, start + count) / AUDIO_RATE).astype(np.float32)
        samples = (0.3 * np.sin(2 * np.pi * hertz * t))[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = AUDIO_RATE, start
        frame.time_base = Fraction(1, AUDIO_RATE)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def audio_seconds(path: str | os.PathLike) -> float:
    """Seconds of audio in the first audio stream, counted from the decoded samples."""
    with av.open(os.fspath(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.rate


def audio_payloads(path: str | os.PathLike, track: int = 0) -> list[bytes]:
    """The bytes of every packet of an audio stream: equal lists mean the audio was copied."""
    with av.open(os.fspath(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[track]) if p.size]


def index_first_truncated(folder: Path) -> Path:
    """An MP4 with its index (moov) at the front, cut in half: the container announces every
    frame, but only the first half of them is there."""
    full, fast = folder / ".full.mp4", folder / ".fast.mp4"
    make_clip(full, frames=60, fps=30, width=96, height=64)
    with av.open(str(full)) as source, av.open(str(fast), "w", options={"movflags": "faststart"}) as target:
        streams = {stream.index: target.add_stream_from_template(stream) for stream in source.streams}
        for packet in source.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                target.mux(packet)
    data = fast.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # the index comes first
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    full.unlink()
    fast.unlink()
    return cut


def make_playlist(path: str | os.PathLike, entry: str) -> None:
    """An HLS playlist (.m3u8) whose one segment is ``entry``: a path, ``file:`` URL or URL
    that FFmpeg's HLS demuxer opens when it reads the playlist."""
    Path(path).write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{entry}\n#EXT-X-ENDLIST\n")
