"""``streamart webcam``: stylize a live camera into a window, a virtual camera and/or a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import api
from ..config import LIVE_WORKING_SIZE, CameraConfig, LiveConfig
from ..errors import StreamartError
from .options import (
    add_dream_arguments,
    add_limit_argument,
    add_output_arguments,
    add_style_arguments,
    look_config,
    positive_int,
    report_stats,
)

HELP = "stylize a live camera"
DESCRIPTION = (
    "Stylize a live camera with low latency into a preview window, a virtual "
    "camera (for OBS, Zoom, Meet, ...) and/or a recording, in any combination. Stop with q "
    "in the window, by closing it, or with Ctrl-C (the recording is kept)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    camera = parser.add_argument_group("camera")
    camera.add_argument(
        "--camera",
        default="0",
        metavar="DEVICE",
        help="camera index, /dev/videoN, stream URL, or a video file played as a camera (default: 0)",
    )
    camera.add_argument("--width", type=positive_int, help="requested width (the camera picks its nearest mode)")
    camera.add_argument("--height", type=positive_int, help="requested height")
    camera.add_argument("--fps", type=positive_int, help="requested frame rate")
    camera.add_argument(
        "--reconnect", action="store_true", help="when the camera disappears, wait for it for 30 s instead of stopping"
    )
    # Live on a CPU needs a small working size to keep up (docs/BENCHMARKS.md).
    add_style_arguments(parser, temporal=True, multiple=True, size=LIVE_WORKING_SIZE)
    add_dream_arguments(parser, video=True)
    outputs = parser.add_argument_group("outputs (at least one)")
    outputs.add_argument(
        "--window",
        action="store_true",
        help="preview window; keys: n/p style, b blend in the next style, +/- strength, t temporal, s split view, c screenshot, "
        "o overlay, q quit",
    )
    outputs.add_argument("--no-overlay", action="store_true", help="start the window without the fps/latency overlay")
    outputs.add_argument("--screenshots", metavar="DIR", help="folder for the window's screenshots (default: here)")
    outputs.add_argument("--virtual-cam", action="store_true", help="send the result to a virtual camera")
    outputs.add_argument(
        "--vcam-backend",
        metavar="NAME",
        help="virtual camera backend: v4l2loopback (Linux), obs (Windows, macOS), unitycapture "
        "(Windows) (default: the first that starts)",
    )
    outputs.add_argument("--vcam-device", metavar="DEVICE", help="virtual camera device, e.g. /dev/video10")
    outputs.add_argument("--record", metavar="OUT", help="also record the result, with its real timing, e.g. out.mp4")
    parser.add_argument(
        "--new-style",
        dest="paintings",
        action="append",
        type=Path,
        default=[],
        metavar="PICTURE",
        help="learn a style from this painting while streaming (a few minutes, in the background; the "
        "window shows the progress) and switch to it when it is ready; repeat for several",
    )
    add_output_arguments(parser)
    add_limit_argument(parser)
    parser.add_argument(
        "--stats", action="store_true", help="print timings, dropped frames and latency (p50, p95) at the end"
    )


def run(args: argparse.Namespace) -> int:
    if args.dream and args.style:
        raise StreamartError("choose --style or --dream, not both")
    config = LiveConfig(
        camera=CameraConfig(
            device=args.camera, width=args.width, height=args.height, fps=args.fps, reconnect=args.reconnect
        ),
        styles=tuple(args.style or ()),
        look=look_config(args),
        window=args.window,
        overlay=not args.no_overlay,
        screenshots=args.screenshots,
        virtual_camera=args.virtual_cam,
        vcam_backend=args.vcam_backend,
        vcam_device=args.vcam_device,
        record=args.record,
        overwrite=args.overwrite,
        paintings=tuple(args.paintings),
        max_pixels=args.max_pixels,
    )
    stats = api.live(config, announce=None if args.quiet else _announce)
    report_stats(stats, show=args.stats)
    return 0


def _announce(line: str) -> None:
    print(line, file=sys.stderr)
