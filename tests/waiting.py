"""Waiting for what a thread or another process does, without a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: How long to sleep between two calls of the predicate.
POLL_SECONDS = 0.05


def wait_until(predicate: Callable[[], T], timeout: float, what: str = "the condition") -> T:
    """Call ``predicate`` until it returns something true, and return that; fail the test,
    naming ``what`` was waited for, once ``timeout`` seconds have passed without it."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(POLL_SECONDS)
    return result
