"""``streamart webcam``: stylize a live camera into a window, a virtual camera and/or a file."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from contextlib import ExitStack

from .. import api
from ..core.controls import LiveControls
from ..assets.models import DEFAULT_STYLE, list_models
from ..errors import StreamartError
from ..core.protocols import Sink, Stage
from ..core.runner import PipelineStats, run_pipeline
from ..sources.webcam import WebcamSource
from .dream import add_dream_arguments, dream_stages_from_args
from .options import add_output_arguments, add_style_arguments, positive_int, report_stats, style_config

# Live recording must keep up with the camera on a small CPU: a fast x264 preset.
RECORD_PRESET = "veryfast"
RECORD_CRF = 20
# Working size (shorter side) of the style network for live input; --size overrides it. On an
# idle 2-core CPU, 240 px keeps 640x480 at 28 fps with p95 latency 76 ms (docs/BENCHMARKS.md);
# on a busy one, --size 160; on a GPU, a larger --size.
LIVE_WORKING_SIZE = 240


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "webcam",
        help="stylize a live camera",
        description="Stylize a live camera with low latency into a preview window, a virtual "
        "camera (for OBS, Zoom, Meet, ...) and/or a recording, in any combination. Stop with q "
        "in the window, by closing it, or with Ctrl-C (the recording is kept).",
    )
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
    add_style_arguments(parser, temporal=True, multiple=True)
    # Live on a CPU needs a small working size to keep up (docs/BENCHMARKS.md).
    parser.set_defaults(size=LIVE_WORKING_SIZE)
    add_dream_arguments(parser, video=True)
    outputs = parser.add_argument_group("outputs (at least one)")
    outputs.add_argument(
        "--window",
        action="store_true",
        help="preview window; keys: n/p style, +/- strength, t temporal, s split view, c screenshot, "
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
    add_output_arguments(parser)
    parser.add_argument(
        "--stats", action="store_true", help="print timings, dropped frames and latency (p50, p95) at the end"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if not (args.window or args.virtual_cam or args.record):
        raise StreamartError("nothing to send the frames to: add --window, --virtual-cam and/or --record OUT")
    if args.dream and args.style:
        raise StreamartError("choose --style or --dream, not both")
    controls = LiveControls(_style_names(args), strength=args.strength, overlay=not args.no_overlay)
    stats: PipelineStats | None = None

    def keep(progress: PipelineStats) -> None:
        nonlocal stats
        stats = progress

    with ExitStack() as stack:
        # Devices and outputs first: a missing camera is reported before a model loads.
        source = stack.enter_context(
            WebcamSource(
                args.camera, width=args.width, height=args.height, fps=args.fps, reconnect=args.reconnect
            )
        )
        sinks = _open_sinks(args, source, controls, stack)
        stages = [stack.enter_context(stage) for stage in _build_stages(args, controls)]
        if not args.quiet:
            how = "press q in the window or Ctrl-C" if args.window else "press Ctrl-C"
            size = f"{source.info.width}x{source.info.height}"
            print(f"streaming {source.description} ({size}); {how} to stop", file=sys.stderr)
        try:
            run_pipeline(source, stages, sinks, on_progress=keep)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a live session ends: the sinks finish normally
    if stats is not None:
        report_stats(stats, show=args.stats)
    return 0


def _style_names(args: argparse.Namespace) -> list[str]:
    """The styles the n/p keys cycle through: those given with --style, else every installed
    style, the default first."""
    if args.style:
        return list(args.style)
    styles = sorted({entry.style for entry in list_models()}, key=lambda name: (name != DEFAULT_STYLE, name))
    return styles


def _open_sinks(
    args: argparse.Namespace, source: WebcamSource, controls: LiveControls, stack: ExitStack
) -> list[Sink]:
    """The sinks asked for, each entered in ``stack`` as soon as it exists."""
    sinks: list[Sink] = []
    if args.window:
        from ..sinks.window import WindowSink

        window = WindowSink("streamart", controls=controls, screenshot_dir=args.screenshots)
        sinks.append(stack.enter_context(window))
    if args.virtual_cam:
        from ..sinks.virtualcam import VirtualCameraSink

        camera = stack.enter_context(
            VirtualCameraSink(
                width=source.info.width,
                height=source.info.height,
                fps=source.info.fps or 30,
                backend=args.vcam_backend,
                device=args.vcam_device,
            )
        )
        if not args.quiet:
            print(f"virtual camera: {camera.device} ({camera.backend})", file=sys.stderr)
        sinks.append(camera)
    if args.record:
        from ..sinks.encoder import EncoderSink

        recorder = EncoderSink(
            args.record, info=source.info, encoder="libx264", crf=RECORD_CRF, preset=RECORD_PRESET,
            overwrite=args.overwrite,
        )
        sinks.append(stack.enter_context(recorder))
    return sinks


def _build_stages(args: argparse.Namespace, controls: LiveControls) -> list[Stage]:
    if args.dream:
        return dream_stages_from_args(args)
    style = dataclasses.replace(style_config(args), model=controls.style_name)
    return api.build_style_stages(style, temporal=args.temporal, flow_preset=args.flow_preset, controls=controls)
