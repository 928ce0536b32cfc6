"""glibc's allocator tuned for large frames (streamart/core/allocator.py), measured in a child
process: the tuning holds for the rest of a process."""

from __future__ import annotations

import subprocess
import sys

import pytest

_FREED_FRAME_CHILD = """
import os, sys
import numpy as np
from streamart.core.allocator import give_large_frames_own_pages
from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, StreamInfo
from streamart.core.runner import run_pipeline

class OneFrame(ClosingContext):
    name, live, info = "one", False, StreamInfo(width=int(sys.argv[2]), height=int(sys.argv[3]))
    def __iter__(self):
        yield Frame(image=np.zeros((4, 4, 3), np.uint8), index=0)
    def close(self):
        pass

class Discard(ClosingContext):
    name = "discard"
    def write(self, frame):
        pass
    def close(self):
        pass

def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

if sys.argv[1] == "run":
    run_pipeline(OneFrame(), [], [Discard()])
elif sys.argv[1] == "tuned":
    give_large_frames_own_pages()
frame_bytes = 3840 * 2160 * 3
first = np.ones(frame_bytes, np.uint8)
del first
before = resident()
second = np.ones(frame_bytes, np.uint8)
del second
print(resident() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator and /proc are Linux's")
def test_a_freed_4k_frame_goes_back_to_the_os_once_a_4k_pipeline_has_run():
    # glibc's default: after one 4K frame is freed, the next comes from the heap and stays
    # resident after it is freed too. Every frame a 4K run frees did that, in every thread.
    def retained(mode: str, width: int = 0, height: int = 0) -> int:
        # The child's source announces that size (its frame is tiny): the runner decides by it.
        result = subprocess.run(
            [sys.executable, "-c", _FREED_FRAME_CHILD, mode, str(width), str(height)],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(result.stdout)

    frame_bytes = 3840 * 2160 * 3
    assert retained("plain") > frame_bytes // 2  # the allocator's default, which the runner changes
    assert retained("tuned") < frame_bytes // 8
    assert retained("run", 3840, 2160) < frame_bytes // 8
    assert retained("run", 640, 360) > frame_bytes // 2  # small frames keep glibc's default
