"""``streamart video IN OUT``: stylize (or DeepDream) a video file, keeping its audio and
timestamps; ``streamart video DIR OUTDIR`` (or a glob) does every video of a folder."""

from __future__ import annotations

import argparse
import re
import sys

from .. import api
from ..errors import InputError, StreamartError
from .options import (
    add_cluster_arguments,
    add_dream_arguments,
    add_encode_arguments,
    add_limit_argument,
    add_output_arguments,
    add_style_arguments,
    cluster_config,
    encode_config,
    look_config,
    report_stats,
)
from .progress import ProgressBar

HELP = "stylize a video file, or every video of a folder"
DESCRIPTION = (
    "Stylize a video file, or every video of a folder (or a glob such as 'clips/*.mp4') into an "
    "output folder. The audio is copied, timestamps are kept, and each output appears only when "
    "its run succeeds; in a folder, existing outputs are skipped unless -y, and a video that "
    "fails does not stop the others. --workers or --cluster spread the work over Ray."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="input video (anything FFmpeg reads), a folder of videos, or a glob pattern")
    parser.add_argument("output", help="output video, e.g. out.mp4; for a folder or glob, the output folder")
    span = parser.add_argument_group("span (to preview a style on part of a long video)")
    span.add_argument(
        "--start", metavar="TIME", help="begin this far into the input: SS, MM:SS or HH:MM:SS(.fff) (default: 0)"
    )
    span.add_argument(
        "--duration", metavar="TIME", help="process this much of the input, same forms (default: to the end)"
    )
    add_style_arguments(parser, temporal=True)
    add_dream_arguments(parser, video=True)
    add_encode_arguments(parser)
    add_cluster_arguments(parser)
    add_output_arguments(parser)
    add_limit_argument(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail, writing nothing, when the input is damaged (default: write what decodes, with a warning)",
    )
    parser.add_argument("--stats", action="store_true", help="print per-stage timings at the end")
    parser.add_argument("--fail-fast", action="store_true", help="folders: stop at the first video that fails")


def run(args: argparse.Namespace) -> int:
    if args.dream and args.style:
        raise StreamartError("choose --style or --dream, not both")
    start = None if args.start is None else parse_time(args.start, "--start")
    duration = None if args.duration is None else parse_time(args.duration, "--duration")
    look, encode, cluster = look_config(args), encode_config(args), cluster_config(args)
    if api.is_batch(args.input):
        if start is not None or duration is not None:
            raise InputError("--start and --duration take one video, not a folder")
        return run_folder(args, look, encode, cluster)
    with ProgressBar("dreaming" if args.dream else "stylizing", quiet=args.quiet) as bar:

        def progress(stats: api.PipelineStats) -> None:
            bar.update(stats.frames_out, stats.frame_count)

        stats = api.stylize_video(
            args.input,
            args.output,
            look=look,
            start=start,
            duration=duration,
            strict=args.strict,
            encode=encode,
            cluster=cluster,
            on_progress=progress,
            max_pixels=args.max_pixels,
        )
    report_stats(stats, show=args.stats)
    if not args.quiet:  # the bar is gone: say what came of the run
        print(
            f"wrote {args.output}: {stats.frames_out} frames in {stats.wall_seconds:.1f} s ({stats.fps:.0f} fps)",
            file=sys.stderr,
        )
    return 0


def run_folder(
    args: argparse.Namespace, look: api.LookConfig, encode: api.EncodeConfig, cluster: api.ClusterConfig | None
) -> int:
    """Every video of a folder or glob: a line per video as it ends, one bar for all, and a
    summary. The exit code is the first failure's, else 0."""
    with ProgressBar("dreaming" if args.dream else "stylizing", quiet=args.quiet) as bar:

        def progress(state: api.BatchProgress) -> None:
            current = "" if state.current is None else state.current.name
            bar.update(state.frames_done, state.frame_count, files=f"{state.files_ended}/{state.files}", file=current)

        def ended(outcome: api.FileOutcome) -> None:
            if outcome.status == "failed":
                bar.write(f"failed  {outcome.input}: {outcome.error}")
            elif not args.quiet:
                bar.write(f"{outcome.status:<8}{outcome.input} -> {outcome.output}")

        report = api.stylize_folder(
            args.input,
            args.output,
            look=look,
            strict=args.strict,
            encode=encode,
            cluster=cluster,
            fail_fast=args.fail_fast,
            on_progress=progress,
            on_file=ended,
            max_pixels=args.max_pixels,
        )
    print(report.summary(), file=sys.stderr)
    for outcome in report.outcomes:
        report_stats(outcome.stats, show=args.stats)
    failed = report.failed
    errors = [outcome.error for outcome in failed if outcome.error is not None]
    return errors[0].exit_code if errors else 0


_TIME = re.compile(r"(?:(?:(?P<hours>\d+):)?(?P<minutes>\d+):)?(?P<seconds>\d+(?:\.\d*)?|\.\d+)")


def parse_time(text: str, option: str) -> float:
    """Seconds from ``SS``, ``MM:SS`` or ``HH:MM:SS``, each with optional decimals on the
    seconds. Parsed here rather than by argparse, whose errors are a usage dump, not one line."""
    match = _TIME.fullmatch(text.strip())
    if match is not None:
        hours, minutes = int(match["hours"] or 0), int(match["minutes"] or 0)
        seconds = float(match["seconds"])
        # 1:75 or 1:75:00 is a typo, not 2:15
        if match["minutes"] is None or (seconds < 60 and (match["hours"] is None or minutes < 60)):
            return hours * 3600 + minutes * 60 + seconds
    raise InputError(
        f"{option} {text!r} is not a time; give 0 or more seconds as SS, MM:SS or HH:MM:SS (e.g. 12.5, 1:30, 0:01:30.5)"
    )
