"""SIGTERM and SIGHUP handled like Ctrl-C (streamart/core/signals.py), in this process.

The end-to-end behaviour (a real child process stopped by real signals) is tested with the
commands: tests/cli/test_video.py and tests/cli/test_webcam.py.
"""

from __future__ import annotations

import os
import signal

import pytest

from streamart.core.signals import (
    STOP_SIGNALS,
    Terminated,
    interrupt_signal,
    stop_on_signals,
)


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda number: signal.Signals(number).name)
def test_a_stop_signal_raises_terminated_in_the_main_thread(signum):
    before = signal.getsignal(signum)
    with pytest.raises(Terminated) as caught, stop_on_signals():
        os.kill(os.getpid(), signum)
        signal.sigtimedwait([], 0)  # a point where Python runs pending handlers
    assert isinstance(caught.value, KeyboardInterrupt)  # every run stops as it does for Ctrl-C
    assert caught.value.signum == signum and interrupt_signal(caught.value) == signum
    assert signal.getsignal(signum) is before  # restored on the way out


def test_only_the_first_signal_interrupts_so_the_clean_up_can_finish(caplog):
    with pytest.raises(Terminated), stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 0)
        finally:  # cleaning up: a second signal must not cut this short
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 0)
            cleaned = True
    assert cleaned and "already stopping" in caplog.text


def test_ctrl_c_is_sigint():
    assert interrupt_signal(KeyboardInterrupt()) == signal.SIGINT
