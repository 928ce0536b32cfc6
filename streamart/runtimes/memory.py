"""How much memory work may use, for the runtimes' checks before they allocate: a frame or a
picture too big for the machine is refused with a size that fits, instead of an allocation
failure (or the machine swapping to a halt) part-way through."""

from __future__ import annotations

import math


def available_host_memory() -> int | None:
    """Bytes of RAM the system can give without swapping (Linux's MemAvailable), or None
    where it cannot be told."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def shrink_to_fit(available: int | None, needed: int, fixed: int) -> float | None:
    """None when ``needed`` bytes fit in ``available`` (or it is unknown); else the factor,
    below 1, by which both sides of an image must shrink so that work whose ``needed - fixed``
    bytes grow with the pixel count fits."""
    if available is None or needed <= available:
        return None
    return math.sqrt(max(available - fixed, 0) / (needed - fixed))
