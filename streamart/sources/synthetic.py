"""A generated test pattern as a source: benchmarks and demos without any media file."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import cv2
import numpy as np

from ..core.frame import Frame
from ..core.protocols import ClosingContext, StreamInfo


class SyntheticSource(ClosingContext):
    """``frames`` frames of a moving, textured pattern at ``fps`` (pts in units of 1/fps).

    The picture has smooth gradients, hard edges and motion, so codecs, style models and
    optical flow all have real work to do.
    """

    def __init__(
        self, *, width: int = 1280, height: int = 720, frames: int = 120, fps: int = 30, live: bool = False
    ) -> None:
        self.live = live
        self.frames = frames
        self.info = StreamInfo(
            width=width,
            height=height,
            fps=float(fps),
            frame_count=frames,
            time_base=Fraction(1, fps),
            duration=frames / fps,
        )
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        # Whole periods across the width, so that panning (a roll) leaves no seam.
        u = 2 * np.pi * xs / width
        self._background = np.stack(
            [128 + 90 * np.sin(5 * u), 128 + 90 * np.sin(ys / 23.0), 128 + 90 * np.sin(3 * u + ys / 51.0)], axis=-1
        )

    def __iter__(self) -> Iterator[Frame]:
        height, width = self.info.height, self.info.width
        for index in range(self.frames):
            shift = 4 * index  # the scene pans 4 pixels a frame
            image = np.roll(self._background, shift, axis=1).astype(np.uint8)
            centre = (int(width / 2 + width / 3 * np.sin(index / 15)), height // 2)
            cv2.circle(image, centre, max(4, height // 6), (240, 220, 40), -1)
            cv2.rectangle(image, (width // 8, height // 8), (width // 4, height // 3), (20, 30, 200), -1)
            yield Frame(image=image, index=index, pts=index, time_base=self.info.time_base)

    def close(self) -> None:
        """Nothing to release."""
