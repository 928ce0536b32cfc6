"""Optical flow, warping and occlusion helpers shared by the temporal stages, the flicker
metric and DeepDream.

Conventions used throughout:

- A *flow* is a float32 H x W x 2 array of (dx, dy) displacements in pixels of its own grid.
  ``flow[y, x]`` says where the pixel (x, y) of the grid it lives on is found in the other
  image: a *backward* flow lives on the current frame and points into the previous one, which
  is what backward warping (:func:`warp`) needs.
- A flow may be computed at a reduced resolution; :func:`resize_flow` and :func:`warp` scale it
  to any image size (both the grid and the vectors).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

#: OpenCV DIS presets by name, fastest first.
DIS_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}

#: OpenCV's DIS fails on some images with a side shorter than this: no flow below it.
MIN_FLOW_SIDE = 12


#: Default DIS preset of the temporal stages (``DIS_PRESETS`` lists them).
DEFAULT_FLOW_PRESET = "fast"
#: Width the motion between video frames is estimated at (frames are scaled down to it).
DEFAULT_FLOW_WIDTH = 320
#: A histogram change above this between consecutive input frames is a scene cut.
CUT_HISTOGRAM_CHANGE = 0.5
#: Below this mean confidence the motion explains too little of the frame: treat it as a cut.
CUT_MIN_CONFIDENCE = 0.2
#: Photometric tolerance: confidence exp(-this * |RGB difference in 0..1|^2), as in Lai et al. 2018.
PHOTOMETRIC_SHARPNESS = 50.0


@dataclass(frozen=True, slots=True, eq=False)
class Motion:
    """How a video frame continues the previous one.

    ``flow`` is the backward flow (this frame -> the previous one) at a reduced resolution,
    and ``confidence`` (float32, same grid, 0..1) says how far it can be trusted: 0 where a
    pixel is occluded or disoccluded, sits on a motion boundary, leaves the frame, or does not
    look like the pixel it is said to come from.
    """

    flow: np.ndarray
    confidence: np.ndarray


class DisFlow:
    """OpenCV DIS optical flow with a named preset. Not thread-safe: one per thread."""

    def __init__(self, preset: str = "fast") -> None:
        if preset not in DIS_PRESETS:
            raise ValueError(f"unknown flow preset {preset!r}: choose one of {', '.join(DIS_PRESETS)}")
        self.preset = preset
        self._dis = cv2.DISOpticalFlow.create(DIS_PRESETS[preset])

    def __call__(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Flow on ``source``'s grid pointing into ``target`` (both grey uint8, same size)."""
        return self._dis.calc(source, target, None)  # type: ignore[call-overload]  # cv2's stub makes the output array required; None lets OpenCV allocate it


def grey(image: np.ndarray) -> np.ndarray:
    """An RGB uint8 image as grey uint8 (what the flow methods take)."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def reduced_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """(width, height) scaled down (never up) so that the width is at most ``max_width``."""
    if width <= max_width:
        return width, height
    return max_width, max(1, round(height * max_width / width))


def resize_flow(flow: np.ndarray, height: int, width: int) -> np.ndarray:
    """``flow`` resampled to ``height`` x ``width``, with its vectors scaled to match."""
    flow_height, flow_width = flow.shape[:2]
    if (flow_height, flow_width) == (height, width):
        return flow
    resized = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    resized[..., 0] *= width / flow_width
    resized[..., 1] *= height / flow_height
    return resized


@functools.lru_cache(maxsize=8)
def _pixel_grid(height: int, width: int) -> np.ndarray:
    """H x W x 2 float32 (x, y) coordinates, read-only and cached for the few sizes in use
    (warping reuses them every frame; a bounded cache, since each is 8 bytes a pixel)."""
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    grid = np.dstack([xs, ys])
    grid.flags.writeable = False
    return grid


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Backward warp: ``result[y, x] = image[(x, y) + flow(x, y)]``, bilinear.

    ``flow`` is resized to the image size if needed. Samples that fall outside ``image`` take
    the nearest border value (callers mask them with :func:`leaves_frame`).
    """
    height, width = image.shape[:2]
    maps = _pixel_grid(height, width) + resize_flow(flow, height, width)
    return cv2.remap(image, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def leaves_frame(flow: np.ndarray) -> np.ndarray:
    """Bool mask of pixels whose flow points outside the grid (nothing to take from there)."""
    height, width = flow.shape[:2]
    target = _pixel_grid(height, width) + flow
    return (target[..., 0] < 0) | (target[..., 0] > width - 1) | (target[..., 1] < 0) | (target[..., 1] > height - 1)


def occlusion_mask(flow: np.ndarray, reverse_flow: np.ndarray) -> np.ndarray:
    """Bool mask (on ``flow``'s grid) of pixels where ``flow`` cannot be trusted.

    The criteria of Sundaram et al. 2010 as used by Ruder et al. 2016 and by Lai et al. 2018
    for their warping error: a pixel is occluded where following ``flow`` and then
    ``reverse_flow`` does not come back,
    ``|w + w_rev(x + w)|^2 > 0.01 (|w|^2 + |w_rev(x + w)|^2) + 0.5``,
    or sits on a motion boundary, ``|grad u|^2 + |grad v|^2 > 0.01 |w|^2 + 0.002``, or flows
    out of the frame. ``reverse_flow`` lives on the other image's grid, same size as ``flow``.
    """
    reverse_at_target = warp(reverse_flow, flow)
    flow_sq = _squared_norm(flow)
    inconsistent = _squared_norm(flow + reverse_at_target) > 0.01 * (flow_sq + _squared_norm(reverse_at_target)) + 0.5
    # Forward differences (zero at the last row/column), as in the original protocol.
    gradient_sq = np.zeros(flow.shape[:2], np.float32)
    gradient_sq[:, :-1] += _squared_norm(flow[:, 1:] - flow[:, :-1])
    gradient_sq[:-1, :] += _squared_norm(flow[1:, :] - flow[:-1, :])
    boundary = gradient_sq > 0.01 * flow_sq + 0.002
    return inconsistent | boundary | leaves_frame(flow)


def _squared_norm(flow: np.ndarray) -> np.ndarray:
    """|w|^2 per pixel (channel views: numpy's sum over a last axis of 2 is ~20x slower)."""
    u, v = flow[..., 0], flow[..., 1]
    return u * u + v * v


def histogram_change(previous: np.ndarray, current: np.ndarray) -> float:
    """How different two grey images' intensity histograms are: 0 (same) .. 1 (disjoint).

    Camera motion moves content but keeps its intensity distribution; a cut to another shot
    changes it. (Half the L1 distance between normalised 32-bin histograms.)
    """
    bins = [32]
    hist_prev = cv2.calcHist([previous], [0], None, bins, [0, 256]).ravel()
    hist_cur = cv2.calcHist([current], [0], None, bins, [0, 256]).ravel()
    return 0.5 * float(np.abs(hist_prev / hist_prev.sum() - hist_cur / hist_cur.sum()).sum())


def motion_confidence(
    current: np.ndarray, previous: np.ndarray, backward: np.ndarray, forward: np.ndarray
) -> np.ndarray:
    """Float32 0..1 trust in ``backward`` (current -> previous) per pixel of ``current``.

    ``current`` and ``previous`` are RGB at the flow's resolution, ``forward`` the flow the other
    way. Zero where :func:`occlusion_mask` says occluded; elsewhere
    ``exp(-50 |I_t - warp(I_{t-1})|^2)`` (RGB in 0..1), the weight of Lai et al. 2018. Colour,
    not grey: a region revealed behind a moving object is often as bright as the object was.
    """
    difference = cv2.absdiff(current, warp(previous, backward)).astype(np.float32) * (1 / 255)
    squared = cv2.transform(difference * difference, np.ones((1, 3), np.float32))
    confidence = cv2.exp(squared * -PHOTOMETRIC_SHARPNESS)
    confidence[occlusion_mask(backward, forward)] = 0.0
    return confidence


class MotionEstimator:
    """The motion from each video frame to the one before it, for stages that keep history.

    Give it every input frame in order; :meth:`estimate` returns the :class:`Motion` to the
    previous frame, or None where the frame does not continue it: the first frame, a scene cut
    (the intensity histogram jumps, or the flow explains too little of the frame), a size
    change, a frame too small for optical flow, or the first frame after :meth:`reset`.

    The flow is OpenCV DIS on the grey frame scaled to at most ``width`` pixels wide, computed
    both ways for the occlusion check (about 1 ms per frame at 640x480 with the "fast" preset
    on one core; see tools/bench_temporal.py). Not thread-safe: one per stage.
    """

    def __init__(self, preset: str = DEFAULT_FLOW_PRESET, width: int = DEFAULT_FLOW_WIDTH) -> None:
        if width < 16:
            raise ValueError(f"the flow width must be at least 16 pixels, got {width}")
        self._flow = DisFlow(preset)
        self.preset = preset
        self.width = width
        # The previous input frame at flow resolution, in RGB and grey.
        self._previous: tuple[np.ndarray, np.ndarray] | None = None

    def estimate(self, image: np.ndarray) -> Motion | None:
        """The motion from RGB ``image`` to the previous image given, or None (see above)."""
        height, width = image.shape[:2]
        size = reduced_size(width, height, self.width)
        current = image if size == (width, height) else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        current_grey = grey(current)
        before, self._previous = self._previous, (current, current_grey)
        if before is None or before[0].shape != current.shape or min(size) < MIN_FLOW_SIDE:
            return None
        previous, previous_grey = before
        if histogram_change(previous_grey, current_grey) > CUT_HISTOGRAM_CHANGE:
            return None
        backward = self._flow(current_grey, previous_grey)
        forward = self._flow(previous_grey, current_grey)
        confidence = motion_confidence(current, previous, backward, forward)
        if float(confidence.mean()) < CUT_MIN_CONFIDENCE:
            return None
        return Motion(backward, confidence)

    def reset(self) -> None:
        """Forget the previous frame: the next one starts afresh."""
        self._previous = None
