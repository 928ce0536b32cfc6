"""The command line's one progress bar: tqdm on stderr, fed by any of the API's progress
callbacks through :meth:`ProgressBar.update`."""

from __future__ import annotations

import logging
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

            self._bar = tqdm(desc=self._description, total=total, unit=self._unit, file=sys.stderr, dynamic_ncols=True)
        if total is not None and self._bar.total != total:
            self._bar.total = total
        if postfix:
            self._bar.set_postfix({name: _short(value) for name, value in postfix.items()}, refresh=False)
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def write(self, line: str) -> None:
        """Print ``line`` on stderr above the bar (shown even when ``quiet``)."""
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


class _ProgressBarLogHandler(logging.Handler):
    """Writes log records above the progress bars (tqdm.write), so a warning gets a line of
    its own instead of being glued to, or wiped by, a bar that redraws itself. A record logged
    with its exception (a bug, such as a web job's) keeps the traceback under its line: that is
    where the web page sends a person for the details."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            text = f"{record.levelname.lower()}: {record.getMessage()}"
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            tqdm.write(text, file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must never take the program down
            self.handleError(record)


def log_through_progress_bars(level: int = logging.WARNING) -> None:
    """Send streamart's warnings and errors to stderr as ``warning: ...`` lines that coexist
    with progress bars (``-q`` hides the bars, not the warnings: they say what was lost)."""
    logger = logging.getLogger("streamart")
    if not any(isinstance(handler, _ProgressBarLogHandler) for handler in logger.handlers):
        logger.addHandler(_ProgressBarLogHandler())
    logger.setLevel(level)
