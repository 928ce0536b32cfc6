"""The command line's one progress bar: tqdm on stderr, fed by any of the API's progress
callbacks through :meth:`ProgressBar.update`."""

from __future__ import annotations

import sys
from typing import Any


class ProgressBar:
    """A progress bar that appears with the first update (so a run that fails early prints
    none) and closes with its ``with`` block. ``quiet`` shows nothing."""

    def __init__(self, description: str, *, unit: str = "frame", quiet: bool = False) -> None:
        self._description = description
        self._unit = unit
        self._quiet = quiet
        self._bar: Any = None

    def update(self, done: int, total: int | None = None, **postfix: object) -> None:
        """Show ``done`` of ``total`` (None: unknown), with ``postfix`` values after the bar."""
        if self._quiet:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                desc=self._description, total=total, unit=self._unit, file=sys.stderr, dynamic_ncols=True
            )
        if total is not None and self._bar.total != total:
            self._bar.total = total
        if postfix:
            self._bar.set_postfix({name: _short(value) for name, value in postfix.items()}, refresh=False)
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
