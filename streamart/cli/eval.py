"""``streamart eval flicker INPUT OUTPUT [--stylized PERFRAME] [--plot PLOT.png]``.

Measures the flicker of a stylized video (warping error, Lai et al. 2018) and, given the
per-frame stylization of the same input, how much of it the temporal stage removed and how far
the output stayed from the per-frame result (PSNR).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..offline.evaluation import (
    FlickerReport,
    check_plot_path,
    save_plot,
    video_flicker,
)
from .progress import ProgressBar

HELP = "measure the quality of a stylized video"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    metrics = parser.add_subparsers(dest="metric", metavar="METRIC", required=True)
    flicker = metrics.add_parser(
        "flicker",
        help="warping error (flicker) of a stylized video, and fidelity to per-frame stylization",
        description="Warping error of Lai et al. 2018: the optical flow of the input video warps "
        "each output frame onto the next; the error is the mean squared RGB difference (0..1) "
        "over pixels that are not occluded, averaged over frame pairs. Lower is steadier.",
    )
    flicker.add_argument("input", type=Path, help="the original video")
    flicker.add_argument("output", type=Path, help="the stylized video to score (same frames)")
    flicker.add_argument(
        "--stylized",
        type=Path,
        metavar="PERFRAME",
        help="the same input stylized frame by frame (--temporal 0): scored too, and the "
        "output's PSNR against it reported as fidelity",
    )
    flicker.add_argument("--plot", type=Path, metavar="PLOT.png", help="write a PNG plot of the per-frame error")


def run(args: argparse.Namespace) -> int:
    if args.plot is not None:
        check_plot_path(args.plot)
    with ProgressBar("flicker") as bar:
        report = video_flicker(args.input, args.output, args.stylized, progress=bar.update)
    print(format_report(report))
    if args.plot is not None:
        save_plot(report, args.plot)
        print(f"plot: {args.plot}")
    return 0


def format_report(report: FlickerReport) -> str:
    """The report as a few aligned lines of text."""
    pairs = report.frames - 1
    lines = [
        f"frames:            {report.frames} ({max(pairs, 0)} pairs"
        + (f", {len(report.cuts)} scene cuts not scored)" if report.cuts else ")")
    ]
    lines.append(f"warping error:     {_number(report.output_error)}")
    if report.stylized_errors is not None:
        lines.append(f"per-frame error:   {_number(report.stylized_error)}")
        ratio = _number(report.error_ratio, ".3f")
        lines.append(f"error ratio:       {ratio} (output / per-frame)")
        fidelity = _number(report.fidelity_psnr, ".2f")
        lines.append(f"fidelity PSNR:     {fidelity} dB (output vs per-frame)")
    return "\n".join(lines)


def _number(value: float | None, spec: str = ".3e") -> str:
    return "n/a" if value is None or math.isnan(value) else format(value, spec)
