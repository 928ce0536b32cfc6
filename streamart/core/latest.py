"""The latest-frame slot: how a consumer slower than its producer keeps latency from building up.

It holds at most one item; a new one replaces an item nobody has taken yet, which is dropped
(and counted). The runner hands a live source's frames to the first stage through one
(:mod:`streamart.core.runner`), and the web app's live view keeps the browser's newest frame in
one (:mod:`streamart.web.live`). It is thread-safe, and its calls without a timeout return at
once, so an asyncio event loop can use it too.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

_Item = TypeVar("_Item")


class LatestSlot(Generic[_Item]):
    """At most one item, the newest: :meth:`put` replaces, :meth:`take` empties."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._item: _Item | None = None
        self._full = False
        #: Items replaced before anybody took them.
        self.dropped = 0

    def put(self, item: _Item) -> None:
        """Hold ``item``, dropping the one held if it was not taken."""
        with self._changed:
            if self._full:
                self.dropped += 1
            self._item, self._full = item, True
            self._changed.notify_all()

    def take(self, timeout: float = 0.0) -> _Item | None:
        """The item held, emptying the slot; None when none arrives within ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._full, timeout):
                return None
            item, self._item, self._full = self._item, None, False
            self._changed.notify_all()
            return item

    def wait_empty(self, timeout: float) -> bool:
        """Whether the slot is empty, waiting up to ``timeout`` seconds for its item to be taken."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._full, timeout)
