"""The latest-frame slot: newest item only, drops counted, waits bounded."""

from __future__ import annotations

import asyncio
import time

from streamart.core.latest import LatestSlot


def test_a_new_item_replaces_one_not_taken_and_is_counted_as_dropped():
    slot: LatestSlot[int] = LatestSlot()
    assert slot.take() is None and slot.wait_empty(0.0)
    for item in (1, 2, 3):
        slot.put(item)
    assert not slot.wait_empty(0.0)
    assert slot.take() == 3 and slot.take() is None
    assert slot.dropped == 2
    slot.put(4)
    assert slot.take() == 4 and slot.dropped == 2  # taken in time: nothing dropped


def test_a_take_waits_no_longer_than_its_timeout():
    slot: LatestSlot[int] = LatestSlot()
    started = time.monotonic()
    assert slot.take(timeout=0.05) is None
    assert 0.04 <= time.monotonic() - started < 1


def test_an_event_loop_can_use_it_without_blocking():
    slot: LatestSlot[bytes] = LatestSlot()

    async def session() -> list[bytes | None]:
        for frame in (b"a", b"b", b"c"):
            slot.put(frame)
        return [slot.take(), slot.take()]

    assert asyncio.run(session()) == [b"c", None] and slot.dropped == 2
