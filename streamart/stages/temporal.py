"""Temporal consistency for any per-frame stage, as two stages around it.

    FlowStage  ->  style stage(s)  ->  TemporalBlendStage

:class:`FlowStage` estimates the motion between consecutive *input* frames and attaches it to
the frame (``frame.motion``); the runner gives every stage its own thread, so the flow is
computed while the style model works on the previous frame and costs little wall time.
:class:`TemporalBlendStage` warps its previous *output* along that motion and blends it into the
new stylized frame where the motion can be trusted.

Why the blend is safe: it is a per-pixel exponential moving average along motion trajectories,
``out_t = w * warp(out_{t-1}) + (1 - w) * stylized_t`` with ``w = strength * 0.9 * confidence``.
Frame-to-frame noise of variance s^2 in the stylized frames leaves ``(1 - w)^2 * 2 / (1 + w)``
of its frame-to-frame variance and moves the output away from the per-frame stylization by only
``w^2 * 2 / (1 + w)`` of it, so a moderate ``w`` removes most flicker while staying close to what
the model drew. The history of a pixel fades geometrically (it never freezes, even at strength
1), which bounds both the blur from repeated bilinear resampling and any ghost that slips past
the confidence. The confidence is 0 where the flow is not trustworthy: occlusions,
disocclusions and motion boundaries (forward-backward check), pixels that leave the frame, and
pixels whose input colour does not match the previous input frame warped by the same flow
(so a wrong flow cannot drag the previous output along).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..ops.flow import (
    MIN_FLOW_SIDE,
    DisFlow,
    Motion,
    continues,
    grey,
    histogram_change,
    occlusion_mask,
    reduced_size,
    warp,
)
from ..core.controls import LiveControls
from ..core.frame import Frame
from ..core.protocols import ClosingContext, Stage

#: History weight at strength 1: a still pixel keeps 10% of each new stylized frame.
MAX_HISTORY_WEIGHT = 0.9
#: A histogram change above this between consecutive input frames is a scene cut.
CUT_HISTOGRAM_CHANGE = 0.5
#: Below this mean confidence the motion explains too little of the frame: treat it as a cut.
CUT_MIN_CONFIDENCE = 0.2
#: Photometric tolerance: confidence exp(-this * |RGB difference in 0..1|^2), as in Lai et al. 2018.
PHOTOMETRIC_SHARPNESS = 50.0
#: The flow stage's DIS preset unless one is chosen (``streamart.flow.DIS_PRESETS`` lists them).
DEFAULT_FLOW_PRESET = "fast"


class FlowStage(ClosingContext):
    """Attaches ``Motion`` (backward flow, confidence, scene cut) to each frame; leaves the
    image alone.

    The flow is OpenCV DIS on the grey frame scaled to at most ``flow_width`` pixels wide,
    computed both ways for the occlusion check (about 1 ms per frame at 640x480 with the
    "fast" preset on one core; see tools/bench_temporal.py).
    """

    name = "flow"

    def __init__(self, preset: str = DEFAULT_FLOW_PRESET, flow_width: int = 320) -> None:
        if flow_width < 16:
            raise ValueError(f"flow_width must be at least 16 pixels, got {flow_width}")
        self._flow = DisFlow(preset)
        self.preset = preset
        self.flow_width = flow_width
        # The previous input frame at flow resolution, in RGB and grey, and its index.
        self._previous: np.ndarray | None = None
        self._previous_grey: np.ndarray | None = None
        self._previous_index: int | None = None

    def process(self, frame: Frame) -> Frame:
        size = reduced_size(frame.width, frame.height, self.flow_width)
        current = frame.image
        if size != (frame.width, frame.height):
            current = cv2.resize(current, size, interpolation=cv2.INTER_AREA)
        current_grey = grey(current)
        previous, previous_grey = self._previous, self._previous_grey
        previous_index = self._previous_index
        self._previous, self._previous_grey = current, current_grey
        self._previous_index = frame.index
        if previous is None or previous.shape != current.shape or min(size) < MIN_FLOW_SIDE:
            return frame.replace(motion=Motion(frame.index, cut=True))
        if histogram_change(previous_grey, current_grey) > CUT_HISTOGRAM_CHANGE:
            return frame.replace(motion=Motion(frame.index, cut=True))
        backward = self._flow(current_grey, previous_grey)
        forward = self._flow(previous_grey, current_grey)
        confidence = motion_confidence(current, previous, backward, forward)
        if float(confidence.mean()) < CUT_MIN_CONFIDENCE:
            return frame.replace(motion=Motion(frame.index, cut=True))
        motion = Motion(frame.index, cut=False, previous_index=previous_index,
                        flow=backward, confidence=confidence)
        return frame.replace(motion=motion)

    def reset(self) -> None:
        self._previous = self._previous_grey = self._previous_index = None

    def close(self) -> None:
        self.reset()


def motion_confidence(current: np.ndarray, previous: np.ndarray, backward: np.ndarray,
                      forward: np.ndarray) -> np.ndarray:
    """Float32 0..1 trust in ``backward`` (current -> previous) per pixel of ``current``.

    ``current`` and ``previous`` are RGB at the flow's resolution, ``forward`` the flow the other
    way. Zero where :func:`~streamart.flow.occlusion_mask` says occluded; elsewhere
    ``exp(-50 |I_t - warp(I_{t-1})|^2)`` (RGB in 0..1), the weight of Lai et al. 2018. Colour,
    not grey: a region revealed behind a moving object is often as bright as the object was.
    """
    difference = cv2.absdiff(current, warp(previous, backward)).astype(np.float32) * (1 / 255)
    squared = cv2.transform(difference * difference, np.ones((1, 3), np.float32))
    confidence = cv2.exp(squared * -PHOTOMETRIC_SHARPNESS)
    confidence[occlusion_mask(backward, forward)] = 0.0
    return confidence


class TemporalBlendStage(ClosingContext):
    """Blends the previous output, warped along ``frame.motion``, into each new frame.

    ``strength`` 0..1 (0 passes frames through). Starts afresh (no blending) on the first frame,
    at a scene cut, when the motion is missing or does not refer to the previous frame it saw,
    when the frame size changes, and after ``reset()``.
    """

    name = "temporal-blend"

    def __init__(self, strength: float = 0.5, *, controls: LiveControls | None = None) -> None:
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"temporal strength must be between 0 and 1, got {strength}")
        self.strength = strength
        self.controls = controls  # live sessions: a hotkey turns blending off and on
        self._previous: np.ndarray | None = None
        self._previous_index: int | None = None

    def process(self, frame: Frame) -> Frame:
        if self.strength == 0.0:
            return frame
        if self.controls is not None and not self.controls.temporal_enabled:
            self.reset()  # turned back on later, it starts afresh instead of from a stale frame
            return frame
        motion = frame.motion
        previous = self._previous
        if continues(motion, self._previous_index) and previous.shape == frame.image.shape:
            height, width = frame.height, frame.width
            history = cv2.resize(motion.confidence, (width, height), interpolation=cv2.INTER_LINEAR)
            history *= self.strength * MAX_HISTORY_WEIGHT
            warped = warp(previous, motion.flow)
            blended = cv2.blendLinear(warped, frame.image, history, 1.0 - history)
            frame = frame.with_image(blended)
        self._previous, self._previous_index = frame.image, frame.index
        return frame

    def reset(self) -> None:
        self._previous = self._previous_index = None

    def close(self) -> None:
        self.reset()


def temporal_stages(inner: list[Stage], strength: float = 0.5, preset: str = DEFAULT_FLOW_PRESET,
                    flow_width: int = 320, controls: LiveControls | None = None) -> list[Stage]:
    """``[FlowStage, *inner, TemporalBlendStage]``, or ``inner`` unchanged at strength 0."""
    if strength == 0.0:
        return list(inner)
    return [FlowStage(preset, flow_width), *inner, TemporalBlendStage(strength, controls=controls)]
