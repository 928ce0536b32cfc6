"""Small image helpers shared by the still-image code: reading, JPEG in memory, resizing and
colour transfer.

All functions take and return RGB uint8 arrays of shape H x W x 3 (OpenCV is used underneath,
so the BGR order it prefers stays inside this module).
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from ..core.files import describe
from ..errors import InputError, InputNotFoundError


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as RGB uint8 H x W x 3 (greyscale is expanded, alpha dropped).

    Raises :class:`InputNotFoundError` when the path does not exist and :class:`InputError`
    when it is not a readable image.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputNotFoundError(f"image not found: {path} (check the path)")
    if os.path.isdir(path):
        raise InputError(f"{path} is a folder, not an image file")
    try:
        data = np.fromfile(path, dtype=np.uint8)  # np.fromfile + imdecode copes with any path
    except OSError as exc:
        raise InputError(f"cannot read {path}: {describe(exc)}") from None
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise InputError(f"{path} is not an image OpenCV can decode (use PNG or JPEG)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def decode_jpeg(data: bytes) -> np.ndarray:
    """An RGB uint8 H x W x 3 image from JPEG (or PNG, ...) bytes; :class:`InputError` if none."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if bgr is None:
        raise InputError("the frame is not a picture (expected JPEG bytes)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """JPEG bytes of an RGB uint8 H x W x 3 image (the default quality: small and fast, for
    what is shown on screen)."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InputError(f"cannot encode a {image.shape[1]}x{image.shape[0]} picture as JPEG")
    return data.tobytes()


def fit_long_side(height: int, width: int, long_side: int) -> tuple[int, int]:
    """The (height, width) with the same aspect ratio whose longer side is ``long_side``."""
    if long_side < 1:
        raise InputError(f"image size must be at least 1 pixel, got {long_side}")
    scale = long_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def fit_short_side(height: int, width: int, short_side: int) -> tuple[int, int]:
    """The (height, width) with the same aspect ratio whose shorter side is ``short_side``."""
    if short_side < 1:
        raise InputError(f"image size must be at least 1 pixel, got {short_side}")
    scale = short_side / min(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def limit_short_side(height: int, width: int, short_side: int | None) -> tuple[int, int]:
    """(height, width) scaled down so the shorter side is at most ``short_side`` (the working
    size of a stage); never enlarges, and None keeps the size."""
    if short_side is None or min(height, width) <= short_side:
        return height, width
    return fit_short_side(height, width, short_side)


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize to exactly ``height`` x ``width``: area averaging to shrink, bicubic to enlarge."""
    if (height, width) == image.shape[:2]:
        return image
    shrinking = height * width < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(image, (width, height), interpolation=interpolation)


def resize_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    """Resize keeping the aspect ratio so that the longer side is ``long_side`` pixels."""
    return resize(image, *fit_long_side(image.shape[0], image.shape[1], long_side))


def pad_to(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` grown to ``width`` x ``height`` by repeating its last column and row (for
    outputs that need even sizes)."""
    pad_y, pad_x = height - image.shape[0], width - image.shape[1]
    if pad_x == 0 and pad_y == 0:
        return image
    return np.pad(image, ((0, pad_y), (0, pad_x), (0, 0)), mode="edge")


def keep_chroma(styled: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Luminance of ``styled`` with the colour (chroma) of ``content``, in YCrCb space.

    This is the "luminance-only" colour preservation of style transfer: the style's strokes
    and textures survive, the content's colours come back. Both must have the same size.
    """
    if styled.shape != content.shape:
        raise InputError(f"sizes differ: {styled.shape} vs {content.shape}")
    styled_ycc = cv2.cvtColor(styled, cv2.COLOR_RGB2YCrCb)
    result = cv2.cvtColor(content, cv2.COLOR_RGB2YCrCb)
    result[..., 0] = styled_ycc[..., 0]
    return cv2.cvtColor(result, cv2.COLOR_YCrCb2RGB)


def match_histograms(image: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Remap each RGB channel of ``image`` so its histogram matches ``reference``'s.

    Used to give a style image the content's palette before transfer. The sizes may differ.
    """
    levels = np.arange(256, dtype=np.float64)
    matched = np.empty_like(image)
    for channel in range(3):
        image_cdf = _cdf(image[..., channel])
        reference_cdf = _cdf(reference[..., channel])
        # For each level of the image, the reference level at the same cumulative fraction.
        lookup = np.interp(image_cdf, reference_cdf, levels)
        matched[..., channel] = np.round(lookup).astype(np.uint8)[image[..., channel]]
    return matched


def _cdf(channel: np.ndarray) -> np.ndarray:
    """Cumulative distribution of a uint8 channel over its 256 levels, ending at 1."""
    counts = np.bincount(channel.ravel(), minlength=256).astype(np.float64)
    return np.cumsum(counts) / counts.sum()
