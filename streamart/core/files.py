"""Output files that are complete or absent.

Check the destination early, write to a hidden temporary name in the same folder, and rename
it over the destination only on success. Renaming within one folder is atomic, so a reader
never sees a half-written output and a failed run never destroys an existing file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import OutputError


def check_output_path(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Return ``path`` as a Path after checking that it can be written, else raise OutputError.

    Checks that the folder exists and accepts a new file (by creating and removing a probe,
    which also catches read-only mounts and ACLs that permission bits do not show), and that
    ``path`` does not exist unless ``overwrite``.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(
            f"output folder {folder} does not exist; create it or choose another path"
        )
    if path.is_dir():
        raise OutputError(f"output {path} is a folder; give a file name such as {path / 'out.mp4'}")
    if path.exists() and not overwrite:
        raise OutputError(f"output {path} exists; pass --overwrite (-y) to replace it")
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".streamart-probe-")
    except OSError as exc:
        raise OutputError(
            f"cannot write to folder {folder} ({exc.strerror}); choose a writable folder"
        ) from None
    os.close(handle)
    os.unlink(probe)
    return path


def temporary_path(path: Path) -> Path:
    """A hidden name next to ``path`` with the same extension (muxers choose by extension)."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}-{id(path):x}{path.suffix}")


def commit(temporary: Path, path: Path) -> None:
    """Move the finished ``temporary`` file over ``path`` (atomic within one folder)."""
    try:
        os.replace(temporary, path)
    except OSError as exc:
        discard(temporary)
        raise OutputError(f"cannot write {path} ({exc.strerror}); choose another path") from None


def discard(temporary: Path) -> None:
    """Remove a partial output; a missing file is fine (nothing was written yet)."""
    temporary.unlink(missing_ok=True)
