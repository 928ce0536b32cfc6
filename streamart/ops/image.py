"""Small image helpers shared by the still-image code: reading, JPEG in memory, resizing and
colour transfer.

All functions take and return RGB uint8 arrays of shape H x W x 3 (OpenCV is used underneath,
so the BGR order it prefers stays inside this module).

Every picture is measured from its header before it is decoded (:func:`picture_size`), and one
larger than a limit is refused (:func:`check_pixels`), so that a small file that declares a
huge size (a decompression bomb) never reaches the decoder.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Sequence

import cv2
import numpy as np

from ..config import MAX_PIXELS
from ..core.files import describe
from ..errors import InputError, InputNotFoundError, TooManyPixelsError

#: Formats whose size :func:`picture_size` reads; a picture in any other is refused.
PROBED_FORMATS = "PNG, JPEG, WebP, AVIF, BMP, GIF, TIFF, JPEG 2000, PNM, Sun raster or Radiance HDR"


def load_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image file as RGB uint8 H x W x 3 (greyscale is expanded, alpha dropped).

    Raises :class:`InputNotFoundError` when the path does not exist and :class:`InputError`
    when it is not a readable image or its header says it has more than ``max_pixels``
    pixels (checked before decoding).
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
    size = picture_size(data)
    if size is None:
        raise InputError(f"{path} is not an image streamart can read (use {PROBED_FORMATS})")
    check_pixels(*size, max_pixels=max_pixels, what=f"the picture {path}")
    return _decode(data, path)


def picture_size(data: bytes | np.ndarray) -> tuple[int, int] | None:
    """(width, height) of an encoded picture, read from its header without decoding it; None
    when the bytes are not a picture in one of the :data:`PROBED_FORMATS` (or are cut short).
    For a GIF, the largest of its canvas and frames; for an AVIF, of its images."""
    view = data.data.cast("B") if isinstance(data, np.ndarray) else memoryview(data)
    for probe in (_png, _jpeg, _webp, _avif, _bmp, _gif, _tiff, _jpeg2000, _pnm, _sun_raster, _radiance):
        try:
            size = probe(view)
        except (struct.error, IndexError, ValueError):  # a header cut short or garbled
            return None
        if size is not None:
            return size
    return None


def check_pixels(width: int, height: int, *, max_pixels: int, what: str, fix: str | None = None) -> None:
    """Raise :class:`TooManyPixelsError` naming the size, the limit and ``fix`` (by default:
    raise the limit with --max-pixels) when ``what`` (a picture or a video frame) has more than
    ``max_pixels`` pixels."""
    pixels = width * height
    if pixels > max_pixels:
        raise TooManyPixelsError(
            f"{what} is {width}x{height} pixels ({_megapixels(pixels)} megapixels), more than the limit of "
            f"{_megapixels(max_pixels)} megapixels that keeps decoding it within memory; use a smaller one, "
            f"{fix or f'or raise the limit with --max-pixels {pixels}'}"
        )


def _megapixels(pixels: int) -> str:
    """Millions of pixels, to three figures (whole ones from 100 on)."""
    value = pixels / 1e6
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def _decode(data: np.ndarray, what: str) -> np.ndarray:
    """``data`` decoded as RGB; OpenCV's own refusals (its pixel limit, a failed allocation)
    become an :class:`InputError` in one line."""
    try:
        bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        if exc.func == "validateInputImageSize":  # a --max-pixels above OpenCV's own limit
            reason = "it is larger than OpenCV's own limit, OPENCV_IO_MAX_IMAGE_PIXELS"
        else:
            reason = (exc.err or "an error").strip().splitlines()[0]
        raise InputError(f"OpenCV cannot decode {what} ({reason}); use a smaller picture") from None
    if bgr is None:
        raise InputError(f"{what} is not an image OpenCV can decode (damaged?); use another PNG or JPEG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _png(view: memoryview) -> tuple[int, int] | None:
    if view[:8] != b"\x89PNG\r\n\x1a\n" or view[12:16] != b"IHDR":
        return None
    return struct.unpack_from(">II", view, 16)


#: JPEG's start-of-frame markers (baseline, progressive, lossless, arithmetic...): C0 to CF but
#: for C4 (Huffman tables), C8 (reserved) and CC (arithmetic conditioning).
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


#: The next JPEG marker: bytes between segments (which decoders skip), fill bytes, the marker.
_JPEG_MARKER = re.compile(rb"[^\xff]*\xff+([^\xff])", re.S)


def _jpeg(view: memoryview) -> tuple[int, int] | None:
    if view[:2] != b"\xff\xd8":
        return None
    at = 2
    while True:
        found = _JPEG_MARKER.match(view, at)
        if found is None:
            return None
        marker, at = found[1][0], found.end()
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            continue
        if marker in (0xD9, 0xDA):  # the end, or a scan, before any frame header
            return None
        (length,) = struct.unpack_from(">H", view, at)
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack_from(">HH", view, at + 3)  # after the length and the precision
            return width, height
        at += length


def _webp(view: memoryview) -> tuple[int, int] | None:
    if view[:4] != b"RIFF" or view[8:12] != b"WEBP":
        return None
    chunk = bytes(view[12:16])
    if chunk == b"VP8 ":  # lossy: the key frame's header after its start code
        if view[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack_from("<HH", view, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: 14 bits each of width - 1 and height - 1
        (bits,) = struct.unpack_from("<I", view, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":  # extended: the canvas, 24 bits each of width - 1 and height - 1
        return int.from_bytes(view[24:27], "little") + 1, int.from_bytes(view[27:30], "little") + 1
    return None


#: Boxes at one level of an AVIF or JPEG 2000 file, at most: a real one has a handful; a file
#: of millions of empty boxes is not a picture, and must not keep the probe busy.
_MAX_BOXES = 1000


def _boxes(view: memoryview, start: int, end: int):
    """(type, payload start, payload end) of each ISO base media box from ``start`` to ``end``."""
    at = start
    for _ in range(_MAX_BOXES):
        if at + 8 > end:
            return
        size, kind = struct.unpack_from(">I4s", view, at)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", view, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header:
            raise ValueError("a box shorter than its header")
        yield kind, at + header, min(at + size, end)
        at += size
    raise ValueError("more boxes than a picture has")


def _avif(view: memoryview) -> tuple[int, int] | None:
    """The largest 'ispe' (image spatial extent) property: every image item has one, the
    primary image (a grid of tiles, say) included."""
    if view[4:8] != b"ftyp" or not re.search(rb"avi[fs]", bytes(view[8 : struct.unpack_from(">I", view, 0)[0]])):
        return None
    sizes = []
    for kind, start, end in _boxes(view, 0, len(view)):
        if kind == b"meta":
            for kind, start, end in _boxes(view, start + 4, end):  # a full box: version and flags first
                if kind == b"iprp":
                    for kind, start, end in _boxes(view, start, end):
                        if kind == b"ipco":
                            sizes += [
                                struct.unpack_from(">II", view, start + 4)
                                for kind, start, _ in _boxes(view, start, end)
                                if kind == b"ispe"
                            ]
    return max(sizes, key=lambda size: size[0] * size[1]) if sizes else None


def _bmp(view: memoryview) -> tuple[int, int] | None:
    if view[:2] != b"BM":
        return None
    (header,) = struct.unpack_from("<I", view, 14)
    width, height = struct.unpack_from("<HH" if header == 12 else "<ii", view, 18)  # OS/2's, else Windows'
    return abs(width), abs(height)  # a negative height: rows top-down


def _gif(view: memoryview) -> tuple[int, int] | None:
    if view[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height, flags = struct.unpack_from("<HHB", view, 6)
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # after the global colour table
    while view[at] != 0x3B:  # the trailer
        if view[at] == 0x21:  # an extension: its label, then data blocks
            at += 2
        elif view[at] == 0x2C:  # a frame: where it lies on the canvas, its size, its flags
            left, top, frame_width, frame_height, flags = struct.unpack_from("<HHHHB", view, at + 1)
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1  # colour table, LZW code size
        else:
            raise ValueError("not a GIF block")
        while view[at]:  # data blocks, each after its length
            at += 1 + view[at]
        at += 1
    return width, height


def _tiff(view: memoryview) -> tuple[int, int] | None:
    """The first image's ImageWidth and ImageLength tags (what OpenCV reads; BigTIFF is not
    probed)."""
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(bytes(view[:4]))
    if order is None:
        return None
    (ifd,) = struct.unpack_from(order + "I", view, 4)
    (count,) = struct.unpack_from(order + "H", view, ifd)
    tags = {}
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        tag, kind = struct.unpack_from(order + "HH", view, entry)
        if tag in (256, 257):
            tags[tag] = struct.unpack_from(order + ("H" if kind == 3 else "I"), view, entry + 8)[0]  # SHORT or LONG
    return (tags[256], tags[257]) if len(tags) == 2 else None


def _jpeg2000(view: memoryview) -> tuple[int, int] | None:
    if view[:4] == b"\xff\x4f\xff\x51":  # a bare codestream: its SIZ marker segment
        right, bottom, left, top = struct.unpack_from(">IIII", view, 8)
        return right - left, bottom - top
    if view[4:12] != b"jP  \r\n\x87\n":
        return None
    for kind, start, end in _boxes(view, 0, len(view)):
        if kind == b"jp2h":
            for kind, start, _ in _boxes(view, start, end):
                if kind == b"ihdr":
                    height, width = struct.unpack_from(">II", view, start)
                    return width, height
    return None


def _pnm(view: memoryview) -> tuple[int, int] | None:
    """PBM, PGM, PPM and PFM: width and height are the header's first two numbers (``#``
    starts a comment); PAM has WIDTH and HEIGHT lines."""
    magic = bytes(view[:2])
    if magic == b"P7":
        header = bytes(view[: 2 + bytes(view[:4096]).find(b"ENDHDR")])
        fields = dict(re.findall(rb"^(WIDTH|HEIGHT)\s+(\d+)", header, re.M))
        return (int(fields[b"WIDTH"]), int(fields[b"HEIGHT"])) if len(fields) == 2 else None
    if magic not in (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6", b"Pf", b"PF"):
        return None
    header = re.sub(rb"#[^\n]*", b" ", bytes(view[2:4096]))
    numbers = re.match(rb"\s+(\d+)\s+(\d+)\s", header)
    return (int(numbers[1]), int(numbers[2])) if numbers else None


def _sun_raster(view: memoryview) -> tuple[int, int] | None:
    if view[:4] != b"\x59\xa6\x6a\x95":
        return None
    return struct.unpack_from(">II", view, 4)


def _radiance(view: memoryview) -> tuple[int, int] | None:
    """Radiance HDR: text lines up to an empty one, then the size, such as ``-Y 480 +X 640``."""
    if view[:2] != b"#?":
        return None
    header = bytes(view[:4096])
    size = re.search(rb"\n\n([-+][XY]) (\d+) ([-+][XY]) (\d+)\n", header)
    if size is None:
        return None
    first, second = int(size[2]), int(size[4])
    return (second, first) if size[1].endswith(b"Y") else (first, second)


def decode_jpeg(data: bytes, *, max_pixels: int = MAX_PIXELS, fix: str | None = None) -> np.ndarray:
    """An RGB uint8 H x W x 3 image from JPEG (or PNG, ...) bytes; :class:`InputError` if none,
    or if its header says it has more than ``max_pixels`` pixels (``fix`` says what to do
    then)."""
    size = picture_size(data) if data else None
    if size is None:
        raise InputError("the frame is not a picture (expected JPEG bytes)")
    check_pixels(*size, max_pixels=max_pixels, what="the frame", fix=fix)
    return _decode(np.frombuffer(data, np.uint8), "the frame")


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
    return match_histogram_blend(image, [reference], [1.0])


def match_histogram_blend(image: np.ndarray, references: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Remap each RGB channel of ``image`` to the blend of ``references``' histograms, each
    counted with its weight (weights summing to 1), as if they were one picture. Sizes may differ."""
    levels = np.arange(256, dtype=np.float64)
    matched = np.empty_like(image)
    for channel in range(3):
        image_cdf = _cdf(image[..., channel])
        # The middle of each level's share: a level that covers most of a flat picture goes to
        # the middle of the reference's distribution, not to its top.
        image_middle = image_cdf - 0.5 * np.diff(image_cdf, prepend=0.0)
        reference_cdf = sum(weight * _cdf(reference[..., channel]) for reference, weight in zip(references, weights))
        # For each level of the image, the reference level at the same cumulative fraction.
        lookup = np.interp(image_middle, reference_cdf, levels)
        matched[..., channel] = np.round(lookup).astype(np.uint8)[image[..., channel]]
    return matched


def _cdf(channel: np.ndarray) -> np.ndarray:
    """Cumulative distribution of a uint8 channel over its 256 levels, ending at 1."""
    counts = np.bincount(channel.ravel(), minlength=256).astype(np.float64)
    return np.cumsum(counts) / counts.sum()
