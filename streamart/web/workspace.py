"""The web app's workspace: a folder in the temporary directory, one per run of the app, that
holds its uploads and results and is removed when the app stops.

Its name, ``streamart-ui-<pid>-<random>``, says which process owns it: a run killed without a
chance to clean up (SIGKILL, a power cut) leaves its workspace behind, and the next start
removes every such folder whose process is gone, and no other (an app that runs beside it keeps
its own).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core.files import process_alive

log = logging.getLogger(__name__)

PREFIX = "streamart-ui-"
_OWNED = re.compile(rf"{PREFIX}(?P<pid>[0-9]+)-")


@contextmanager
def temporary_workspace() -> Iterator[Path]:
    """A new workspace, removed at exit; the ones killed runs left are removed first."""
    remove_stale(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


def remove_stale(temporary: Path) -> None:
    """Remove the workspaces in ``temporary`` whose process has gone (or whose process id
    this process now has: it has not made one yet)."""
    for folder in temporary.glob(f"{PREFIX}*"):
        match = _OWNED.match(folder.name)
        if match is None or not folder.is_dir():
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or not process_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)  # another user's is not ours to remove
            if not folder.exists():
                log.warning("removed %s, the workspace of a 'streamart ui' that was killed", folder)


def folder_size(folder: Path) -> int:
    """The bytes of the files under ``folder``."""
    size = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                size += os.lstat(os.path.join(parent, name)).st_size
            except OSError:  # removed meanwhile
                pass
    return size
