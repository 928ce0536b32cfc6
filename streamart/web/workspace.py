"""The web app's workspace: a folder in the temporary directory, one per run of the app, that
holds its uploads and results and is removed when the app stops.

It is a :func:`~streamart.core.files.working_folder` (``streamart-ui-HOST-PID-TOKEN``), so its
name says which process owns it: a run killed without a chance to clean up (SIGKILL, a power
cut) leaves its workspace behind, and the next start removes every such folder whose process is
gone, and no other (an app that runs beside it keeps its own).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core.files import remove_dead_folders, working_folder

log = logging.getLogger(__name__)

PREFIX = "streamart-ui"


@contextmanager
def temporary_workspace() -> Iterator[Path]:
    """A new workspace, removed at exit; the ones killed runs left are removed first."""
    for folder in remove_dead_folders(PREFIX):
        log.warning("removed %s, the workspace of a 'streamart ui' that was killed", folder)
    with working_folder(PREFIX) as folder:
        yield folder


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
