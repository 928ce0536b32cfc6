"""Write a short synthetic test clip (moving pattern, H.264, a tone) to try streamart without media.

    python tools/make_sample_clip.py sample.mp4 [--seconds 4] [--width 640 --height 360]
                                     [--fps 30] [--audio HZ | --no-audio] [-y]

The clip has a sine tone (440 Hz unless ``--audio`` gives another, AAC, 48 kHz mono) as long as
the video, so that it also shows that streamart keeps the audio; ``--no-audio`` leaves it out.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from streamart.api import run
from streamart.config import EncodeConfig
from streamart.sinks.encoder import EncoderSink
from streamart.sources.synthetic import SyntheticSource

AUDIO_RATE = 48_000
AUDIO_FRAME = 1024  # samples per AAC frame


def write_tone(path: str | os.PathLike, seconds: float, hertz: float = 440.0) -> None:
    """An AAC file of ``seconds`` of a sine tone (48 kHz mono)."""
    total = round(seconds * AUDIO_RATE)
    with av.open(os.fspath(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        for start in range(0, total, AUDIO_FRAME):
            t = np.arange(start, min(start + AUDIO_FRAME, total)) / AUDIO_RATE
            samples = (0.3 * np.sin(2 * np.pi * hertz * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, start, Fraction(1, AUDIO_RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def write_sample_clip(
    output: str | os.PathLike,
    *,
    seconds: float = 4.0,
    width: int = 640,
    height: int = 360,
    fps: int = 30,
    audio_hz: float | None = 440.0,
    overwrite: bool = False,
) -> None:
    """Write ``round(seconds * fps)`` synthetic frames to ``output``, with a tone of ``audio_hz``
    (copied into the clip by the encoder, as streamart copies audio); None: no audio."""
    source = SyntheticSource(width=width, height=height, frames=round(seconds * fps), fps=fps)
    encode = EncodeConfig(overwrite=overwrite)
    with tempfile.TemporaryDirectory(prefix="streamart-clip-") as folder:
        tone = None
        if audio_hz is not None:
            tone = Path(folder) / "tone.m4a"
            write_tone(tone, seconds, audio_hz)
        run(source, [], [EncoderSink(output, info=source.info, audio_from=tone, encode=encode)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=30)
    sound = parser.add_mutually_exclusive_group()
    sound.add_argument(
        "--audio",
        type=float,
        default=440.0,
        metavar="HZ",
        help="the pitch of the clip's sine tone, an AAC audio track (default: %(default)s)",
    )
    sound.add_argument("--no-audio", action="store_true", help="write the video without an audio track")
    parser.add_argument("-y", "--overwrite", action="store_true")
    args = parser.parse_args()
    write_sample_clip(
        args.output,
        seconds=args.seconds,
        width=args.width,
        height=args.height,
        fps=args.fps,
        audio_hz=None if args.no_audio else args.audio,
        overwrite=args.overwrite,
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
