"""glibc's allocator, tuned for runs of frames larger than 1080p.

Arrays of at least :data:`OWN_PAGES_BYTES` (a 1080p frame is 6.2 MB) get pages of their own
from the OS, which go back when the array is freed. glibc's default raises that threshold to the
largest block freed so far, after which every 4K frame came from the heaps of the threads that
pass frames along and stayed there (a 4K run peaked 0.16 GB higher: docs/BENCHMARKS.md). Fixing
the threshold also stops glibc's raising of the free heap space it keeps; that is set as glibc's
own rule would (twice the threshold). Smaller frames are left to glibc's default, which costs no
system time on page faults, so the pipeline runner (:mod:`streamart.core.runner`) calls
:func:`give_large_frames_own_pages` only for a source of larger frames.
"""

from __future__ import annotations

import ctypes
import functools
import sys

OWN_PAGES_BYTES = 4 * 2**20
KEPT_HEAP_BYTES = 2 * OWN_PAGES_BYTES
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers, from glibc's malloc.h


@functools.cache
def give_large_frames_own_pages() -> None:
    """Fix glibc's mmap threshold at :data:`OWN_PAGES_BYTES` and its trim threshold at
    :data:`KEPT_HEAP_BYTES` for this process (once; a no-op where the C library is not glibc)."""
    if not sys.platform.startswith("linux"):
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, OWN_PAGES_BYTES)
        mallopt(_M_TRIM_THRESHOLD, KEPT_HEAP_BYTES)
