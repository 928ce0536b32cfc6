"""Opening media files, and pixels between PyAV video frames and RGB arrays, for the file
source and the encoder.

FFmpeg's default swscale path truncates where it should round and interpolates chroma coarsely:
a frame taken through yuv420p and back comes out 1.2-1.4 grey levels darker on average. With
accurate rounding and full chroma interpolation the bias is gone and the mean error is 0.4
levels, for about 1 ms more per 720p frame (measured with PyAV 18.1 on a photo).
"""

from __future__ import annotations

import os

import av
import numpy as np
from av.video.reformatter import Interpolation

#: swscale flags for every conversion between RGB and YUV (see the module docstring).
EXACT_CONVERSION = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
#: The ITU-R BT.709 value of FFmpeg's colorspace, primaries and transfer enums.
BT709 = 1
#: FFmpeg demuxers that read one self-contained file and never open another file or a URL
#: (a format's whole name, such as "mov,mp4,m4a,3gp,3g2,mj2", matches through any one of its
#: parts). Not here: playlists (hls, concat, ...), image sequences, and anything else that
#: follows what the file names. The MOV demuxer follows external data references only when
#: told to (its enable_drefs option, off by default).
PLAIN_DEMUXERS = (
    "mov",
    "matroska",
    "avi",
    "mpegts",
    "flv",
    "ogg",
    "gif",
    "mpeg",
    "mpegvideo",
    "asf",
    "nut",
    "ivf",
    "yuv4mpegpipe",
    "h264",
    "hevc",
    "m4v",
    "dv",
)


def open_input(path: str | os.PathLike, *, plain_only: bool = False) -> av.container.InputContainer:
    """``path`` opened for reading by FFmpeg. With ``plain_only`` (for files from someone else,
    such as the web app's uploads), it is read as one local file in a :data:`PLAIN_DEMUXERS`
    format, or refused with ``av.error.ArgumentError``: FFmpeg checks the demuxer it detected
    against the list before that demuxer reads anything, so a playlist never gets to open
    what it names, and only the ``file`` protocol is allowed at all."""
    options = {"format_whitelist": ",".join(PLAIN_DEMUXERS), "protocol_whitelist": "file"} if plain_only else None
    return av.open(os.fspath(path), "r", container_options=options)


def to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """A decoded frame in any pixel format as RGB uint8 H x W x 3."""
    return frame.to_ndarray(format="rgb24", interpolation=EXACT_CONVERSION)


def from_rgb(image: np.ndarray, pix_fmt: str) -> av.VideoFrame:
    """RGB uint8 H x W x 3 as a frame for a stream of ``pix_fmt``: converted to YUV with the
    BT.709 matrix in limited range (the encoder tags the stream so: untagged, players guess
    BT.601 or BT.709), left RGB for an RGB format (the encoder repacks it)."""
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    if av.VideoFormat(pix_fmt).is_rgb:
        return frame
    return frame.reformat(
        format=pix_fmt,
        dst_colorspace="itu709",
        dst_color_range="MPEG",
        dst_color_trc=BT709,
        dst_color_primaries=BT709,
        interpolation=EXACT_CONVERSION,
    )
