"""Frozen, keyword-only settings objects: what the CLI parses and the API takes."""

from __future__ import annotations

import os
from dataclasses import dataclass


# Working size (shorter side) of the style network: the shipped models were trained on
# 128 px crops, and at 480 px their strokes read well on any frame size (at a frame's full
# 1080p the texture becomes too fine to see); it is also 4-9x less work than full HD.
DEFAULT_WORKING_SIZE = 480


@dataclass(frozen=True, kw_only=True, slots=True)
class StyleConfig:
    """How the fast style stage renders frames.

    ``model`` is a style name (``streamart models`` lists them), a path to an ONNX file, or
    None for the default style. ``size`` is the working resolution as the shorter side in
    pixels (frames are stylized at that size and resized back: bigger strokes, faster), None
    for the frame's own size. ``strength`` blends with the original (0 = original, 1 = fully
    stylized). ``preserve_color`` keeps the input's colours and takes only luminance from the
    stylized frame.
    """

    model: str | os.PathLike | None = None
    size: int | None = DEFAULT_WORKING_SIZE
    strength: float = 1.0
    preserve_color: bool = False
    device: str = "auto"

    def __post_init__(self) -> None:
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"strength must be between 0 and 1, got {self.strength}")
        if self.size is not None and self.size < 16:
            raise ValueError(f"working size must be at least 16 pixels, got {self.size}")


@dataclass(frozen=True, kw_only=True, slots=True)
class EncodeConfig:
    """How the output video is encoded."""

    encoder: str = "libx264"
    crf: int | None = 18
    preset: str | None = "medium"
    pix_fmt: str = "yuv420p"
    overwrite: bool = False
