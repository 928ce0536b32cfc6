"""DeepDream as a pipeline stage, steady over time.

Dreaming every frame afresh flickers: each frame grows different structures. Here each frame
instead *starts* from a blend of itself and the previous output, warped along the optical
flow between the input frames (:class:`~streamart.ops.flow.MotionEstimator`):

    start_t = frame_t + blend * confidence * (warp(out_{t-1}) - frame_t)

then takes a few ascent steps. The dream so carries on along motion trajectories and keeps
growing over frames, while occluded or untrusted regions (confidence 0) start from the frame.
Without motion (``blend`` 0, first frame, scene cut, size change, after ``reset()``) a frame
starts from itself.

The steps run at a working resolution (the shorter side, in pixels); only the *change* they
make is resized back and added to the full-resolution start, so the frame keeps its sharpness.

Drift guard: a feedback loop like this tends to creep brighter and more contrasted over long
runs, since amplifying ReLU activations favours bright, saturated pixels. With ``anchor`` on,
each output's per-channel mean and standard deviation are set to the input frame's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..art.dream import Dreamer
from ..art.dream_settings import MIN_IMAGE_SIDE, DreamConfig
from ..config import DEFAULT_DREAM_BLEND
from ..core.frame import Frame
from ..core.protocols import ClosingContext
from ..errors import InputError
from ..ops.flow import DEFAULT_FLOW_PRESET, MotionEstimator
from ..ops.image import limit_short_side
from ..ops.tensor import grid_tensor, resize, to_image, to_tensor, warp

if TYPE_CHECKING:
    import torch


class DreamStage(ClosingContext):
    """DeepDream every frame, starting from the previous dream warped along the motion.

    ``config`` sets the objective and, through ``octaves`` and ``steps``, the work per frame
    (1 octave and 2 to 4 steps keep a live stream going; see tools/bench_dream.py).
    ``blend`` (0..1) is the previous dream's share in each start: 0 dreams every frame afresh.
    ``flow_preset`` is the optical flow's DIS preset. ``size`` is the shorter side the ascent
    runs at (None: the frame's own size; never larger than it). The network is loaded on
    ``config.device`` when the stage is built; its first frame is slower (allocation, kernel
    selection, and on CUDA the capture of the ascent as a CUDA graph, which
    ``cuda_graph=False`` turns off). A working size whose ascent would not fit in the device's
    free memory is refused (:class:`DeviceError`) before anything is allocated.
    """

    name = "dream"

    def __init__(
        self,
        config: DreamConfig,
        *,
        blend: float = DEFAULT_DREAM_BLEND,
        size: int | None = None,
        flow_preset: str = DEFAULT_FLOW_PRESET,
        anchor: bool = True,
        cuda_graph: bool = True,
    ) -> None:
        if not 0.0 <= blend <= 1.0:
            raise InputError(f"dream blend must be between 0 and 1, got {blend}")
        if size is not None and size < MIN_IMAGE_SIDE:
            raise InputError(f"dream working size must be at least {MIN_IMAGE_SIDE} pixels, got {size}")
        self.config = config
        self.blend = blend
        self.size = size
        self.anchor = anchor
        self.motion = MotionEstimator(flow_preset)
        self._dreamer = Dreamer(config, cuda_graph=cuda_graph)
        self._previous: torch.Tensor | None = None  # last output, on the device
        self._checked_shape: tuple[int, int] | None = None

    def process(self, frame: Frame) -> Frame:
        image = frame.image
        if min(image.shape[:2]) < MIN_IMAGE_SIDE:
            raise InputError(
                f"frames of {frame.width}x{frame.height} are too small to dream on: "
                f"at least {MIN_IMAGE_SIDE} pixels on each side"
            )
        # Everything from here to the output stays on the dream's device: one upload of the
        # frame (and of the small flow), one download of the result.
        height, width = self._working_shape(frame.height, frame.width)
        current = to_tensor(image, self._dreamer.device)
        start = self._start(image, current)
        start_small = resize(start, height, width)
        dreamt = self._dreamer.run(start_small)
        # Only the change goes back up, so the frame's own detail keeps its full resolution.
        output = start + resize(dreamt - start_small, frame.height, frame.width)
        if self.anchor:
            output = match_mean_std(output, current)
        output = output.clamp(0, 255)
        self._previous = output
        return frame.with_image(to_image(output))

    def _start(self, image: np.ndarray, current: torch.Tensor) -> torch.Tensor:
        """The image this frame's ascent starts from (1 x 3 x H x W on the device)."""
        if self.blend == 0.0:
            return current
        motion = self.motion.estimate(image)
        previous = self._previous
        if motion is None or previous is None or previous.shape != current.shape:
            return current
        weight = resize(grid_tensor(motion.confidence, current.device), *image.shape[:2])
        flow = grid_tensor(motion.flow, current.device)
        return current + self.blend * weight * (warp(previous, flow) - current)

    def _working_shape(self, height: int, width: int) -> tuple[int, int]:
        shape = limit_short_side(height, width, self.size)
        if shape != self._checked_shape:  # a new stream size: will it fit?
            self._dreamer.check_memory(*shape)
            self._checked_shape = shape
        return shape

    def reset(self) -> None:
        """Forget the previous dream: the next frame starts from itself."""
        self.motion.reset()
        self._previous = None

    def close(self) -> None:
        self.reset()


def match_mean_std(image: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``image`` (1 x 3 x H x W float) with each channel's mean and standard deviation set to
    ``reference``'s (same layout; sizes may differ)."""
    mean = image.mean(dim=(2, 3), keepdim=True)
    std = image.std(dim=(2, 3), keepdim=True)
    target_mean = reference.mean(dim=(2, 3), keepdim=True)
    target_std = reference.std(dim=(2, 3), keepdim=True)
    return (image - mean) * (target_std / (std + 1e-6)) + target_mean
