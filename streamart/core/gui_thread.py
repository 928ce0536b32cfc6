"""The process's one GUI thread, for every OpenCV highgui call.

OpenCV's Qt highgui binds itself to the first thread that opens a window, and a window opened
later from any other thread deadlocks (seen with opencv-python 5.0: the second thread's
``namedWindow`` never returns). Every pipeline run gives its sinks fresh threads
(:mod:`streamart.core.runner`), so the preview window (:mod:`streamart.sinks.window`) makes every
highgui call through :func:`call_in_gui_thread` instead: one long-lived thread, started on first
use and kept for the life of the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")
_gui_executor: ThreadPoolExecutor | None = None
_gui_lock = threading.Lock()


def call_in_gui_thread(call: Callable[..., _T], *args: object) -> _T:
    """Run ``call(*args)`` in the process's one GUI thread and return its result (see the
    module docstring for why there is one)."""
    global _gui_executor
    with _gui_lock:  # two windows starting at once must still share one thread
        if _gui_executor is None:
            _gui_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="streamart-gui")
    return _gui_executor.submit(call, *args).result()
