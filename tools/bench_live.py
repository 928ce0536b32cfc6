"""Benchmark the live path: a video file played as a camera at its native rate (a measurement,
not a test).

    python3 tools/bench_live.py [--input FILE] [--style NAME|MODEL.onnx] [--size PX]
                                [--temporal 0.5] [--seconds 20] [--width 640 --height 480 --fps 30]
                                [--dream [PRESET] [--steps N ...]]

The file goes through WebcamSource exactly as a camera would (latest-frame slot, frames
dropped when the stages fall behind), then the style stages (or, with ``--dream``, the DeepDream stages of ``streamart webcam
--dream``, which take the same dream options), into a sink that keeps nothing.
Reports the end-to-end fps, capture-to-sink latency p50/p95 and dropped frames, plus a
Markdown row for docs/BENCHMARKS.md. Without ``--input`` a synthetic clip (moving shapes over
gradients, H.264) of the given size, rate and length is written to a temporary folder first.
Target on a 2-core CPU with the shipped model at the live default working size (360):
640x480 at 30 fps with p95 latency at most 70 ms.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import cv2  # before av: see streamart/sinks/window.py

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import av
import numpy as np

from streamart.api import build_dream_stages, build_style_stages, run
from streamart.cli.options import add_dream_arguments, dream_video_config
from streamart.config import DEFAULT_TEMPORAL, StyleConfig
from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext
from streamart.offline.bench import cpu_name
from streamart.sources.webcam import WebcamSource


class NullSink(ClosingContext):
    """Keeps nothing: the runner still measures each frame's capture-to-sink latency."""

    name = "null"

    def write(self, frame: Frame) -> None:
        pass

    def close(self) -> None:
        pass


def write_clip(path: Path, width: int, height: int, fps: int, seconds: float) -> None:
    """Moving discs over drifting gradients: enough structure for the style network and flow."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "18"}
        for index in range(round(seconds * fps)):
            t = index / fps
            image = np.empty((height, width, 3), np.float32)
            image[..., 0] = 128 + 100 * np.sin(xs / 60 + t)
            image[..., 1] = 128 + 100 * np.sin(ys / 45 - 0.7 * t)
            image[..., 2] = 128 + 100 * np.sin((xs + ys) / 80 + 1.3 * t)
            image = np.ascontiguousarray(image.astype(np.uint8))
            for k in range(4):
                centre = (
                    int(width / 2 + width / 3 * np.cos(t * (0.5 + 0.2 * k) + k)),
                    int(height / 2 + height / 3 * np.sin(t * (0.7 + 0.1 * k) + 2 * k)),
                )
                cv2.circle(image, centre, height // 8, (255 - 60 * k, 60 * k, 200), -1, cv2.LINE_AA)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", help="video file to play as the camera (default: a synthetic clip)")
    parser.add_argument("--style", help="style name or ONNX model (default: the default style)")
    parser.add_argument("--size", type=int, help="working size, shorter side in pixels (default: the model's default)")
    parser.add_argument("--temporal", type=float, default=DEFAULT_TEMPORAL, help="temporal consistency, 0 = off")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the synthetic clip")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--flow-preset", default="fast", help="DIS preset of the temporal flow")
    add_dream_arguments(parser, video=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        clip = args.input
        if clip is None:
            clip = str(Path(folder) / "live.mp4")
            write_clip(Path(clip), args.width, args.height, args.fps, args.seconds)
        source = WebcamSource(clip)
        if args.dream:
            stages = build_dream_stages(dream_video_config(args))
        else:
            style = StyleConfig(model=args.style, size=args.size, device=args.device)
            stages = build_style_stages(style, temporal=args.temporal, flow_preset=args.flow_preset)
        stats = run(source, stages, [NullSink()])

    print(stats.summary())
    p50, p95 = stats.latency_percentile(50), stats.latency_percentile(95)
    model = next((getattr(s, "model", None) for s in stages if hasattr(s, "model")), None)
    model_name = f"dream {args.dream}" if args.dream else getattr(model, "name", args.style or "default")
    size = f"{source.info.width}x{source.info.height}@{source.info.fps:g}"
    command = "python3 tools/bench_live.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    print()
    print("| date | machine | command | model | input | fps | latency p50 / p95 | dropped |")
    print(
        f"| {datetime.date.today()} | {cpu_name()}, {os.cpu_count()} cores | `{command.strip()}` | {model_name} "
        f"| {size} | {stats.fps:.1f} | {p50 * 1000:.0f} / {p95 * 1000:.0f} ms | "
        f"{stats.dropped} of {stats.source.frames} |"
    )


if __name__ == "__main__":
    main()
