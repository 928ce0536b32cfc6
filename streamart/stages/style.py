"""The fast style-transfer stage: one feed-forward ONNX network per frame.

Model convention (streamart/assets/zoo/README.md has the full text): one input, RGB float N x 3 x H x W in
0..255, dynamic H and W; one output of the same layout and size. H and W must be multiples of
the model's stride (metadata ``streamart.stride``, default 4): the stage pads frames with
reflection and crops the result back, so any frame size works.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from ..assets.models import DEFAULT_STYLE, resolve_model
from ..config import StyleConfig
from ..core.controls import LiveControls
from ..core.frame import Frame
from ..core.protocols import ClosingContext
from ..errors import DeviceError, ModelError
from ..ops.image import keep_chroma, limit_short_side, resize
from ..runtimes.memory import available_host_memory, shrink_to_fit
from ..runtimes import is_gpu, open_model

DEFAULT_STRIDE = 4
#: Frames smaller than this on a side are padded up to it (edges repeated) and cropped back:
#: reflection padding needs more pixels than it adds, and the CPU-first network adds a 48 px
#: margin at its input (the others need a few pixels at their coarsest scale).
MIN_SIDE = 52
#: Peak memory of a style network per pixel it stylizes: the lite model on onnxruntime's CPU
#: provider takes about 600 bytes (measured at 512 to 2048 px square); a margin for others.
BYTES_PER_PIXEL = 800
#: The runtime and its weights, plus allocator slack.
FIXED_BYTES = 128 * 2**20


class StyleModel:
    """A style network on onnxruntime that turns an RGB uint8 image into a stylized one."""

    def __init__(self, model: str | os.PathLike | None, *, device: str = "auto", threads: int | None = None) -> None:
        # The variant follows the device really used: "auto" on a GPU prefers -full models.
        self.path = resolve_model(model, gpu=is_gpu(device))
        self.runtime = open_model(self.path, device=device, threads=threads)
        self.name = self.path.stem
        shape = self.runtime.input_shape
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise ModelError(f"{self.path} takes input of shape {shape}; a style model takes RGB N x 3 x H x W")
        if isinstance(shape[2], int) or isinstance(shape[3], int):
            raise ModelError(
                f"{self.path} has a fixed input size {shape[2]}x{shape[3]}; export style models "
                "with dynamic height and width"
            )
        if self.runtime.input_type not in ("tensor(float)", "tensor(float16)"):
            raise ModelError(f"{self.path} takes {self.runtime.input_type}; a style model takes float RGB 0..255")
        self._input_dtype = np.float16 if self.runtime.input_type == "tensor(float16)" else np.float32
        try:
            self.stride = int(self.runtime.metadata.get("streamart.stride", DEFAULT_STRIDE))
        except ValueError:
            raise ModelError(f"{self.path}: metadata streamart.stride is not a whole number") from None
        self._checked_values = False  # the first output is checked for NaN and infinity

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Stylize an RGB uint8 H x W x 3 image at its own size."""
        height, width = image.shape[:2]
        pad_bottom = max(height, MIN_SIDE) + (-max(height, MIN_SIDE) % self.stride) - height
        pad_right = max(width, MIN_SIDE) + (-max(width, MIN_SIDE) % self.stride) - width
        if pad_bottom or pad_right:
            # Mirroring needs the pad to be smaller than the picture; a tiny one repeats its edges.
            border = cv2.BORDER_REFLECT_101 if pad_bottom < height and pad_right < width else cv2.BORDER_REPLICATE
            image = cv2.copyMakeBorder(image, 0, pad_bottom, 0, pad_right, border)
        batch = image.transpose(2, 0, 1)[None].astype(self._input_dtype)
        try:
            output = self.runtime.run(batch)
        except MemoryError:
            raise DeviceError(self._too_big(height, width, available_host_memory())) from None
        if output.ndim != 4 or output.shape[1] != 3:
            raise ModelError(f"{self.path} returned shape {output.shape}; a style model returns RGB N x 3 x H x W")
        if not self._checked_values:
            if not np.isfinite(output).all():
                raise ModelError(
                    f"{self.path.name} returns NaN or infinite values: the model is broken; "
                    "re-export or retrain it, or choose another style"
                )
            self._checked_values = True
        output = output[0, :, :height, :width]
        return np.ascontiguousarray(np.rint(np.clip(output, 0, 255)).astype(np.uint8).transpose(1, 2, 0))

    def check_memory(self, height: int, width: int) -> None:
        """Raise :class:`DeviceError`, before anything is allocated, when stylizing a
        ``height`` x ``width`` picture would not fit in the free memory (CPU devices; a GPU's
        is not known to onnxruntime, so there an allocation failure is caught instead)."""
        if self.runtime.device not in ("cpu", "openvino"):
            return
        available = available_host_memory()
        if shrink_to_fit(available, BYTES_PER_PIXEL * height * width + FIXED_BYTES, FIXED_BYTES) is not None:
            raise DeviceError(self._too_big(height, width, available))

    def _too_big(self, height: int, width: int, available: int | None) -> str:
        """The error for a picture that does not fit, naming a working size that does."""
        needed = BYTES_PER_PIXEL * height * width + FIXED_BYTES
        factor = shrink_to_fit(available, needed, FIXED_BYTES)
        fits = max(MIN_SIDE, int(min(height, width) * (0.9 * factor if factor is not None else 0.5)))
        free = f", more than is free ({available / 2**30:.1f} GiB)" if available is not None else ""
        return (
            f"stylizing at {width}x{height} needs about {needed / 2**30:.1f} GiB of memory{free}; "
            f"use a working size of {fits} or less (--size {fits})"
        )


class StyleStage(ClosingContext):
    """Stylize each frame at a working size, then restore colours and blend by strength.

    With ``finish=False`` the frame leaves at the working size, stylized only: a stage in
    between (the temporal blend) then works on the small frame, and a :class:`FinishStage`
    at the end does the rest. That keeps what travels between stages small, whatever the
    frame size (a 4K frame is 25 MB; at the default working size it is 1.2 MB).

    With ``controls`` (a live session), the style and strength are read from them on every
    frame, so hotkeys take effect at once; each style's model is loaded the first time it is
    chosen and kept.
    """

    name = "style"

    def __init__(
        self, config: StyleConfig = StyleConfig(), *, controls: LiveControls | None = None, finish: bool = True
    ) -> None:
        self.config = config
        self.controls = controls
        self.finish = finish
        self.model = StyleModel(config.model, device=config.device, threads=config.threads)
        # Keyed as the controls name styles (a style name or a path), so the first choice is
        # not loaded a second time.
        requested = os.fspath(config.model) if config.model is not None else DEFAULT_STYLE
        self._models = {requested: self.model}
        self._checked_size: tuple[int, int] | None = None

    def _current(self) -> tuple[StyleModel, float]:
        if self.controls is None:
            return self.model, self.config.strength
        model = self.controls.model
        if model is not None and model not in self._models:
            self._models[model] = StyleModel(model, device=self.config.device, threads=self.config.threads)
        return self._models.get(model, self.model), self.controls.strength

    def process(self, frame: Frame) -> Frame:
        source = frame.image
        model, strength = self._current()
        if strength == 0.0:  # the original, exactly; no inference needed
            return frame.with_image(source)
        height, width = source.shape[:2]
        work_height, work_width = limit_short_side(height, width, self.config.size)
        if (work_height, work_width) != self._checked_size:  # a new stream size: will it fit?
            model.check_memory(work_height, work_width)
            self._checked_size = (work_height, work_width)
        stylized = model(resize(source, work_height, work_width))
        if self.finish:
            stylized = finish(stylized, source, strength=strength, preserve_color=self.config.preserve_color)
        return frame.with_image(stylized)

    def reset(self) -> None:
        """The style stage keeps no state between frames."""

    def close(self) -> None:
        """Nothing to release: the onnxruntime session is freed with the stage."""


class FinishStage(ClosingContext):
    """The end of styling after stages that work at the working size: the frame back at the
    source's size, its colours restored (``preserve_color``) and blended with the source by
    strength (read from ``controls`` in a live session)."""

    name = "finish"

    def __init__(self, config: StyleConfig = StyleConfig(), *, controls: LiveControls | None = None) -> None:
        self.config = config
        self.controls = controls

    def process(self, frame: Frame) -> Frame:
        strength = self.config.strength if self.controls is None else self.controls.strength
        source = frame.source_image
        if strength == 0.0:
            return frame.with_image(source)
        return frame.with_image(
            finish(frame.image, source, strength=strength, preserve_color=self.config.preserve_color)
        )

    def reset(self) -> None:
        """Nothing is kept between frames."""

    def close(self) -> None:
        """Nothing to release."""


def finish(stylized: np.ndarray, source: np.ndarray, *, strength: float, preserve_color: bool) -> np.ndarray:
    """``stylized`` (any size) at ``source``'s size, with ``source``'s colours when
    ``preserve_color``, blended with ``source`` by ``strength`` (1: stylized only)."""
    stylized = resize(stylized, *source.shape[:2])
    if preserve_color:
        stylized = keep_chroma(stylized, source)
    if strength < 1.0:
        stylized = cv2.addWeighted(stylized, strength, source, 1.0 - strength, 0.0)
    return stylized
