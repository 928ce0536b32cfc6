"""Termination signals handled like Ctrl-C.

A service manager stops a program with SIGTERM, a closed terminal sends SIGHUP. Inside
:func:`stop_on_signals` both raise :class:`Terminated` in the main thread, a
``KeyboardInterrupt``, so every run stops the way Ctrl-C stops it: the runner halts its threads
within a fraction of a second, a file output is removed unfinished, a live recording is
finished and kept. Only the first signal is acted on: a second one while the run cleans up
would otherwise cut the clean-up short.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: The signals that mean "stop", where the platform has them (Windows has no SIGHUP).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(KeyboardInterrupt):
    """A run was stopped by a termination signal (``signum``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def interrupt_signal(exc: KeyboardInterrupt) -> int:
    """The signal behind a ``KeyboardInterrupt``: SIGINT for Ctrl-C, else the :class:`Terminated` one."""
    return getattr(exc, "signum", signal.SIGINT)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread (once).
    Elsewhere than in the main thread this does nothing: only it may handle signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handle(signum: int, frame: object) -> None:
        nonlocal stopping
        if stopping:
            log.warning("%s: already stopping", signal.Signals(signum).name)
            return
        stopping = True
        raise Terminated(signum)

    previous = {number: signal.signal(number, handle) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
