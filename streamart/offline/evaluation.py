"""Flicker metric: the warping error of Lai et al. 2018, and fidelity to per-frame output.

Warping error ("Learning Blind Video Temporal Consistency", ECCV 2018): for each pair of
consecutive frames, the optical flow between the two *input* frames warps the previous *output*
frame onto the current one; the error is the
mean squared RGB difference (values 0..1) over the pixels that are not occluded (forward-backward
check, motion boundaries, leaving the frame: :func:`streamart.ops.flow.occlusion_mask`), averaged
over frame pairs. Lai et al. warp frame t onto t-1 with the forward flow; warping t-1 onto t
with the backward flow is the same measurement mirrored in time.

The flow is OpenCV DIS with the "medium" preset at full resolution: not the stage's own flow
(the stage uses a faster preset on a frame downscaled to 320 pixels wide), and far more
accurate than OpenCV's Farneback, which was tried first (on known translations of photos and
textures its mean end-point error was 0.3 to 12 pixels, against 0.003 to 0.11 for this one).

Smoothing alone would lower it, so the report also gives fidelity: the PSNR of the output
against the per-frame stylization it was made from.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..core.files import check_output_path
from ..core.frame import Frame, check_image
from ..errors import InputError, OutputError
from ..ops.flow import (
    CUT_HISTOGRAM_CHANGE,
    MIN_FLOW_SIDE,
    DisFlow,
    grey,
    histogram_change,
    occlusion_mask,
    warp,
)
from ..sinks.image import ImageSink
from ..sources.file import FileSource


@dataclass(frozen=True, slots=True)
class FlickerReport:
    """Per-pair warping errors of an output (and optionally of the per-frame stylization).

    ``output_errors[i]`` scores the pair (frame i, frame i + 1); it is NaN where that pair is a
    scene cut (listed in ``cuts`` by the index of its second frame) and was not scored.
    """

    frames: int
    output_errors: tuple[float, ...]
    stylized_errors: tuple[float, ...] | None = None
    fidelity_psnr: float | None = None
    cuts: tuple[int, ...] = ()

    @property
    def output_error(self) -> float:
        """Mean warping error of the output over scored pairs (NaN if none)."""
        return _mean(self.output_errors)

    @property
    def stylized_error(self) -> float | None:
        """Mean warping error of the per-frame stylization, if it was given."""
        return None if self.stylized_errors is None else _mean(self.stylized_errors)

    @property
    def error_ratio(self) -> float | None:
        """Output error / per-frame error (below 1 means less flicker), if both are known."""
        if self.stylized_errors is None:
            return None
        stylized = self.stylized_error
        return math.nan if not stylized else self.output_error / stylized


def _mean(errors: tuple[float, ...]) -> float:
    scored = [e for e in errors if not math.isnan(e)]
    return float(np.mean(scored)) if scored else math.nan


def _image(item: Frame | np.ndarray) -> np.ndarray:
    image = item.image if isinstance(item, Frame) else item
    check_image(image, "a frame")
    return image


def pair_warping_error(previous: np.ndarray, current: np.ndarray, flow: np.ndarray, occluded: np.ndarray) -> float:
    """Mean squared RGB error (0..1) between ``current`` and ``previous`` warped by ``flow``
    (on ``current``'s grid), over pixels not ``occluded``; NaN if all are occluded."""
    valid = ~occluded
    if not valid.any():
        return math.nan
    warped = warp(previous, flow)
    difference = (current.astype(np.float32) - warped.astype(np.float32))[valid] / 255.0
    return float(np.mean(difference * difference))


def flicker_report(
    inputs: Iterable[Frame | np.ndarray],
    output: Iterable[Frame | np.ndarray],
    stylized: Iterable[Frame | np.ndarray] | None = None,
) -> FlickerReport:
    """Score ``output`` (and the per-frame ``stylized`` run, if given) against ``inputs``.

    All sequences are consumed once, in step, holding two frames of each (any length fits in
    memory); each is a sequence of RGB uint8 images or Frames of the same size. The flow is
    computed once per input pair and used for both runs. Raises :class:`InputError` (a
    ``ValueError``) when the sequences differ in length or frame size.
    """
    flow_function = DisFlow("medium")
    runs = [output] if stylized is None else [output, stylized]
    errors: list[list[float]] = [[] for _ in runs]
    cuts: list[int] = []
    squared_error_sum, value_count = 0.0, 0
    previous: tuple[np.ndarray, ...] | None = None
    previous_grey: np.ndarray | None = None
    frames = 0
    for index, items in enumerate(_in_step(inputs, *runs)):
        images = tuple(_image(item) for item in items)
        if any(image.shape != images[0].shape for image in images):
            sizes = ", ".join(f"{image.shape[1]}x{image.shape[0]}" for image in images)
            raise InputError(
                f"frame {index}: the videos differ in size ({sizes}); compare a stylized video "
                "with the input it was made from, at the same size"
            )
        if min(images[0].shape[:2]) < MIN_FLOW_SIDE:
            raise InputError(
                f"the video is {images[0].shape[1]}x{images[0].shape[0]}: too small for optical "
                f"flow (at least {MIN_FLOW_SIDE} pixels wide and high)"
            )
        frames += 1
        if stylized is not None:
            difference = images[1].astype(np.float32) - images[2].astype(np.float32)
            squared_error_sum += float(np.sum(difference * difference))
            value_count += difference.size
        current_grey = grey(images[0])
        if previous is not None and previous_grey is not None:
            if (
                previous_grey.shape != current_grey.shape
                or histogram_change(previous_grey, current_grey) > CUT_HISTOGRAM_CHANGE
            ):
                cuts.append(index)
                for run_errors in errors:
                    run_errors.append(math.nan)
            else:
                backward = flow_function(current_grey, previous_grey)
                forward = flow_function(previous_grey, current_grey)
                occluded = occlusion_mask(backward, forward)
                for run, run_errors in enumerate(errors):
                    run_errors.append(pair_warping_error(previous[run + 1], images[run + 1], backward, occluded))
        previous, previous_grey = images, current_grey
    fidelity = None
    if stylized is not None and value_count:
        fidelity = psnr_from_mse(squared_error_sum / value_count / 255.0**2)
    return FlickerReport(
        frames=frames,
        output_errors=tuple(errors[0]),
        stylized_errors=tuple(errors[1]) if stylized is not None else None,
        fidelity_psnr=fidelity,
        cuts=tuple(cuts),
    )


def _in_step(*sequences: Iterable) -> Iterator[tuple]:
    """zip() that raises InputError when the sequences differ in length."""
    iterators = [iter(s) for s in sequences]
    index = 0
    while True:
        items = [next(it, _END) for it in iterators]
        ended = [item is _END for item in items]
        if all(ended):
            return
        if any(ended):
            raise InputError(
                f"the videos differ in length (one ends after {index} frames); compare a stylized "
                "video with the input it was made from"
            )
        yield tuple(items)
        index += 1


_END = object()


def video_flicker(
    input: str | os.PathLike,
    output: str | os.PathLike,
    stylized: str | os.PathLike | None = None,
    *,
    progress: Callable[[int, int | None], None] | None = None,
) -> FlickerReport:
    """:func:`flicker_report` of video files: ``input``, the stylized ``output`` made from it
    and optionally the per-frame stylization ``stylized``. ``progress`` gets (frames read,
    frames expected or None)."""
    with ExitStack() as stack:
        inputs = stack.enter_context(FileSource(input))
        outputs = stack.enter_context(FileSource(output))
        per_frame = None if stylized is None else stack.enter_context(FileSource(stylized))
        total = inputs.info.frame_count

        def counted() -> Iterator[Frame]:
            for frame in inputs:
                yield frame
                if progress is not None:
                    progress(frame.index + 1, total)

        return flicker_report(counted(), outputs, per_frame)


def check_plot_path(path: str | os.PathLike) -> Path:
    """Fail before a (long) measurement if the plot could not be written."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise OutputError(f"the plot is written as PNG: name it *.png, not {path.name}")
    try:
        return check_output_path(path, overwrite=True)
    except OutputError as exc:
        raise OutputError(f"cannot write the plot: {exc}") from None


def save_plot(report: FlickerReport, path: str | os.PathLike) -> None:
    """Plot the report's per-pair errors (and the per-frame run's) into PNG ``path``."""
    series = {"output": report.output_errors}
    if report.stylized_errors is not None:
        series["per-frame"] = report.stylized_errors
    with ImageSink(check_plot_path(path), overwrite=True) as sink:
        sink.write(Frame(image=plot_errors(series), index=0))


def warping_error(inputs: Iterable[Frame | np.ndarray], outputs: Iterable[Frame | np.ndarray]) -> float:
    """Mean warping error of ``outputs`` given their ``inputs`` (see the module docstring)."""
    return flicker_report(inputs, outputs).output_error


def psnr_from_mse(mse: float) -> float:
    """PSNR in dB for a mean squared error of values in 0..1 (inf when identical)."""
    return math.inf if mse == 0 else -10.0 * math.log10(mse)


def psnr(image: np.ndarray, reference: np.ndarray) -> float:
    """PSNR in dB between two uint8 images of the same shape (inf when identical)."""
    difference = image.astype(np.float64) - reference.astype(np.float64)
    return psnr_from_mse(float(np.mean(difference * difference)) / 255.0**2)


#: Plot colours (RGB) for the runs, in order.
_PLOT_COLOURS = ((214, 39, 40), (31, 119, 180))


def plot_errors(series: dict[str, tuple[float, ...]], width: int = 900, height: int = 420) -> np.ndarray:
    """An RGB uint8 line plot of per-pair warping errors, one line per named series, with
    axes, tick labels and a legend (drawn with OpenCV; NaN points, i.e. cuts, leave gaps)."""
    image = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 90, 20, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for errors in series.values() for v in errors if not math.isnan(v)]
    y_max = max(values) * 1.1 if values and max(values) > 0 else 1.0
    pairs = max((len(errors) for errors in series.values()), default=1)
    x_max = max(pairs - 1, 1)
    font, black, grid = cv2.FONT_HERSHEY_SIMPLEX, (0, 0, 0), (225, 225, 225)

    def to_pixel(i: int, value: float) -> tuple[int, int]:
        return (left + round(i / x_max * plot_w), top + plot_h - round(value / y_max * plot_h))

    for k in range(6):  # horizontal grid lines with y tick labels
        value = y_max * k / 5
        y = to_pixel(0, value)[1]
        cv2.line(image, (left, y), (left + plot_w, y), grid, 1)
        cv2.putText(image, f"{value:.2e}", (5, y + 5), font, 0.4, black, 1, cv2.LINE_AA)
    for i in range(0, pairs, max(1, math.ceil(pairs / 10))):  # x ticks: the pair's later frame
        x = to_pixel(i, 0)[0]
        cv2.line(image, (x, top + plot_h), (x, top + plot_h + 5), black, 1)
        cv2.putText(image, str(i + 1), (x - 8, top + plot_h + 20), font, 0.4, black, 1, cv2.LINE_AA)
    cv2.rectangle(image, (left, top), (left + plot_w, top + plot_h), black, 1)
    cv2.putText(image, "frame", (left + plot_w // 2 - 20, height - 10), font, 0.5, black, 1, cv2.LINE_AA)
    cv2.putText(image, "warping error (MSE, 0..1) per frame vs previous", (left, 25), font, 0.5, black, 1, cv2.LINE_AA)
    for (label, errors), colour in zip(series.items(), _PLOT_COLOURS):
        points = [to_pixel(i, v) if not math.isnan(v) else None for i, v in enumerate(errors)]
        for a, b in zip(points, points[1:]):
            if a is not None and b is not None:
                cv2.line(image, a, b, colour, 2, cv2.LINE_AA)
        if len(points) == 1 and points[0] is not None:
            cv2.circle(image, points[0], 3, colour, -1)
    for row, ((label, errors), colour) in enumerate(zip(series.items(), _PLOT_COLOURS)):
        y = top + 20 + 20 * row
        x = left + plot_w - 260
        cv2.line(image, (x, y - 4), (x + 30, y - 4), colour, 2, cv2.LINE_AA)
        cv2.putText(image, f"{label} (mean {_mean(tuple(errors)):.2e})", (x + 38, y), font, 0.45, black, 1, cv2.LINE_AA)
    return image
