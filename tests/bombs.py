"""Decompression bombs for the size-limit tests, and a child process that measures how far
reading one raises its memory.

A bomb is a small file whose header declares a huge picture: the decoder allocates what the
header says before it looks at the data. The tests make them here rather than storing them.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import cv2
import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A valid, all-black RGB PNG of ``width`` x ``height``, a few MB at most.

    Every row is the same (a filter byte and ``3 * width`` zeros), so the compressed rows are
    made once and repeated: a full flush ends each batch on a byte boundary with an empty
    history, which makes the next batch compress to the very same bytes. Writing it takes no
    time even at 70000x70000 (14.7 GB of pixels)."""
    row = bytes(1 + 3 * width)
    rows_per_batch = max(1, (8 << 20) // len(row))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: the zlib frame is ours
    batch = compressor.compress(row * rows_per_batch) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(row * rows_per_batch) + compressor.flush(zlib.Z_FULL_FLUSH) == batch
    batches, rest = divmod(height, rows_per_batch)
    tail = compressor.compress(row * rest) + compressor.flush(zlib.Z_FINISH)
    total = len(row) * height
    adler = ((total % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b adds 1 a byte
    with open(path, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n")
        file.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        stream_parts = [b"\x78\xda", *([batch] * batches), tail, struct.pack(">I", adler)]
        for start in range(0, len(stream_parts), 64):  # IDAT chunks of a few hundred KB
            file.write(_chunk(b"IDAT", b"".join(stream_parts[start : start + 64])))
        file.write(_chunk(b"IEND", b""))
    return path


def jpeg_bomb(width: int = 16000, height: int = 16000) -> bytes:
    """A small valid JPEG whose frame header (SOF) says ``width`` x ``height``: the decoder
    allocates that size, then runs out of data and fills the rest with grey."""
    picture = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", picture)
    assert ok
    data = bytearray(encoded.tobytes())
    frame = data.index(b"\xff\xc0")  # the baseline frame header: length, precision, height, width
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


_CHILD = """
import json, sys

def status(field):
    with open("/proc/self/status") as file:
        return next(int(line.split()[1]) * 1024 for line in file if line.startswith(field))

{setup}
with open("/proc/self/clear_refs", "w") as file:
    file.write("5")  # the peak (VmHWM) starts again from what the process holds now
idle = status("VmRSS:")
try:
{body}
    outcome = "returned " + repr(result)
except BaseException as exc:
    outcome = type(exc).__name__ + ": " + str(exc)
print(json.dumps({{"growth": status("VmHWM:") - idle, "outcome": outcome}}))
"""


def memory_growth(body: str, setup: str = "") -> tuple[int, str, str]:
    """Run ``setup`` (imports, files, an app: the idle level), then ``body`` (which sets
    ``result``) in a child Python; return how many bytes the child's peak resident memory rose
    above its idle level during ``body``, what ``body`` did ("returned ..." or the exception,
    in one line) and the child's stderr."""
    code = _CHILD.format(setup=textwrap.dedent(setup), body=textwrap.indent(textwrap.dedent(body), "    "))
    paths = [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]  # the streamart under test
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["growth"], report["outcome"], done.stderr
