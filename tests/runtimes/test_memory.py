"""How much memory work may use (streamart/runtimes/memory.py)."""

from __future__ import annotations

import sys

import pytest

from streamart.runtimes.memory import available_host_memory, shrink_to_fit


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc/meminfo")
def test_available_memory_is_what_linux_says():
    available = available_host_memory()
    with open("/proc/meminfo") as meminfo:
        line = next(line for line in meminfo if line.startswith("MemAvailable:"))
    assert available is not None and abs(available - int(line.split()[1]) * 1024) < 2**30


def test_work_that_fits_needs_no_shrinking():
    assert shrink_to_fit(1000, 800, 100) is None
    assert shrink_to_fit(None, 10**15, 100) is None  # unknown: nothing to refuse


def test_the_factor_shrinks_both_sides_until_the_pixels_fit():
    # 100 fixed + 900 growing with the pixels, 400 available: the pixels must shrink 3x.
    factor = shrink_to_fit(400, 1000, 100)
    assert factor == pytest.approx((300 / 900) ** 0.5)
    assert 100 + 900 * factor**2 == pytest.approx(400)
    assert shrink_to_fit(50, 1000, 100) == 0  # not even the fixed part fits
