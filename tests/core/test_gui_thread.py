"""The process's one GUI thread (streamart/core/gui_thread.py)."""

from __future__ import annotations

import threading

import pytest

from streamart.core.gui_thread import call_in_gui_thread


def test_calls_from_many_threads_all_run_in_one_gui_thread_and_return_their_results():
    seen: list[tuple[str, int]] = []

    def call_from_a_thread(number: int) -> None:
        seen.append(call_in_gui_thread(lambda n: (threading.current_thread().name, n * 2), number))

    callers = [threading.Thread(target=call_from_a_thread, args=(number,)) for number in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert sorted(number for _, number in seen) == [0, 2, 4, 6]
    names = {name for name, _ in seen}
    assert len(names) == 1 and names.pop().startswith("streamart-gui")
    assert call_in_gui_thread(lambda: threading.current_thread().name) != threading.current_thread().name


def test_an_error_in_the_gui_thread_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="invalid literal"):
        call_in_gui_thread(int, "not a number")
