"""DeepDream as a pipeline stage, steady over time.

Dreaming every frame afresh flickers: each frame grows different structures. Here each frame
instead *starts* from a blend of itself and the previous output, warped along the optical
flow that :class:`~streamart.stages.temporal.FlowStage` attached as ``frame.motion``:

    start_t = frame_t + blend * confidence * (warp(out_{t-1}) - frame_t)

then takes a few ascent steps. The dream so carries on along motion trajectories and keeps
growing over frames, while occluded or untrusted regions (confidence 0) start from the frame.
Without motion (no FlowStage, first frame, scene cut, size change, after ``reset()``) a frame
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

from ..art.dream import MIN_IMAGE_SIDE, Dreamer, DreamConfig, resize
from ..runtimes.torch import to_image, to_tensor
from ..errors import InputError
from ..ops.flow import continues
from ..core.frame import Frame
from ..ops.image import working_size
from ..core.protocols import ClosingContext

if TYPE_CHECKING:
    import torch

#: Share of the previous, flow-warped dream in each frame's start. With s steps of size z per
#: frame a still scene's dream settles near s * z / (1 - blend) grey levels: high enough to
#: show, while a pixel's history still fades within about ten frames.
DEFAULT_BLEND = 0.9


class DreamStage(ClosingContext):
    """DeepDream every frame, starting from the previous dream warped along the motion.

    ``config`` sets the objective and, through ``octaves`` and ``steps``, the work per frame
    (1 octave and 2 to 4 steps keep a live stream going; see tools/bench_dream.py).
    ``blend`` (0..1) is the previous dream's share in each start: 0 dreams every frame afresh.
    ``working_size`` is the shorter side the ascent runs at (None: the frame's own size; never
    larger than it). The network is loaded on ``config.device`` when the stage is built; its
    first frame is slower (allocation, kernel selection, and on CUDA the capture of the
    ascent as a CUDA graph, which ``cuda_graph=False`` turns off). A working size whose
    ascent would not fit in the device's free memory is refused (:class:`DeviceError`) before
    anything is allocated.
    """

    name = "dream"

    def __init__(
        self,
        config: DreamConfig,
        *,
        blend: float = DEFAULT_BLEND,
        working_size: int | None = None,
        anchor: bool = True,
        cuda_graph: bool = True,
    ) -> None:
        if not 0.0 <= blend <= 1.0:
            raise InputError(f"dream blend must be between 0 and 1, got {blend}")
        if working_size is not None and working_size < MIN_IMAGE_SIDE:
            raise InputError(
                f"dream working size must be at least {MIN_IMAGE_SIDE} pixels, got {working_size}"
            )
        self.config = config
        self.blend = blend
        self.working_size = working_size
        self.anchor = anchor
        self._dreamer = Dreamer(config, cuda_graph=cuda_graph)
        self._previous: torch.Tensor | None = None  # last output, on the device
        self._previous_index: int | None = None
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
        working_shape = self._working_shape(frame.height, frame.width)
        current = to_tensor(image, self._dreamer.device)
        start = self._start(frame, current)
        start_small = resize(start, working_shape)
        dreamt = self._dreamer.run(start_small)
        # Only the change goes back up, so the frame's own detail keeps its full resolution.
        output = start + resize(dreamt - start_small, (frame.height, frame.width))
        if self.anchor:
            output = match_mean_std(output, current)
        output = output.clamp(0, 255)
        self._previous, self._previous_index = output, frame.index
        return frame.with_image(to_image(output))

    def _start(self, frame: Frame, current: torch.Tensor) -> torch.Tensor:
        """The image this frame's ascent starts from (1 x 3 x H x W on the device)."""
        motion = frame.motion
        previous = self._previous
        if not (
            self.blend > 0.0
            and continues(motion, self._previous_index)
            and previous.shape == current.shape
        ):
            return current
        size = (frame.height, frame.width)
        weight = resize(_grid_tensor(motion.confidence, current.device), size)
        flow = _grid_tensor(motion.flow, current.device)
        return current + self.blend * weight * (warp(previous, flow) - current)

    def _working_shape(self, height: int, width: int) -> tuple[int, int]:
        shape = working_size(height, width, self.working_size)
        if shape != self._checked_shape:  # a new stream size: will it fit?
            self._dreamer.check_memory(*shape)
            self._checked_shape = shape
        return shape

    def reset(self) -> None:
        """Forget the previous dream: the next frame starts from itself."""
        self._previous = self._previous_index = None

    def close(self) -> None:
        self.reset()


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """:func:`streamart.flow.warp` on the device: ``result[y, x] = image[(x, y) + flow(x, y)]``,
    bilinear, borders replicated. ``image`` is 1 x C x H x W, ``flow`` 1 x 2 x h x w (x, y
    displacements in pixels of its own grid), resized and rescaled to the image's size."""
    import torch
    import torch.nn.functional as F

    height, width = image.shape[-2:]
    flow_height, flow_width = flow.shape[-2:]
    flow = resize(flow, (height, width))
    rows = torch.arange(height, device=image.device, dtype=flow.dtype)
    columns = torch.arange(width, device=image.device, dtype=flow.dtype)
    x = columns + flow[0, 0] * (width / flow_width)
    y = rows[:, None] + flow[0, 1] * (height / flow_height)
    # grid_sample's coordinates run from -1 to 1 across pixel centres (align_corners=True).
    grid = torch.stack([2 * x / max(width - 1, 1) - 1, 2 * y / max(height - 1, 1) - 1], dim=-1)
    return F.grid_sample(image, grid[None], mode="bilinear", padding_mode="border", align_corners=True)


def _grid_tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """H x W or H x W x C float array -> 1 x C x H x W float32 tensor on ``device``."""
    import torch

    array = values if values.ndim == 3 else values[..., None]
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(device).permute(2, 0, 1)[None]


def match_mean_std(image: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``image`` (1 x 3 x H x W float) with each channel's mean and standard deviation set to
    ``reference``'s (same layout; sizes may differ)."""
    mean = image.mean(dim=(2, 3), keepdim=True)
    std = image.std(dim=(2, 3), keepdim=True)
    target_mean = reference.mean(dim=(2, 3), keepdim=True)
    target_std = reference.std(dim=(2, 3), keepdim=True)
    return (image - mean) * (target_std / (std + 1e-6)) + target_mean
