"""Output files that are complete or absent, with one writer per output.

An :class:`OutputFile` checks the destination early, claims it for this run, and hands out a
hidden temporary name in the same folder to write to; :meth:`~OutputFile.commit` renames the
finished file over the destination (atomic within one folder, so a reader never sees a
half-written output) and :meth:`~OutputFile.discard` removes it, so a failed run never
destroys an existing file.

One writer per output: the claim is a hidden marker file beside the output, created
exclusively, holding the claiming process's id and host. A second run into the same path
without ``overwrite`` fails at once with an error naming the first. With ``overwrite`` both
run and the last to finish wins, and says so. Without ``overwrite`` a file that appears at
the output path while the run writes (another program) is never replaced: the result is kept
under a free name instead.

Left-overs of a run that was killed (SIGKILL, power loss) are recognisable by their names,
``.<name>.streamart-partial-<host>-<pid>-<token><suffix>`` and ``.<name>.streamart-claim``, and
the next run into the folder removes those whose process is gone (on this host; files from
other hosts are reported, not touched). They never look like an output: hidden, and marked.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from ..errors import OutputError

log = logging.getLogger(__name__)

_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
_PARTIAL = re.compile(r"^\..+\.streamart-partial-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]+(\.[^.]*)?$")
#: The temporary names of streamart 0.1 (no host in them).
_PARTIAL_0_1 = re.compile(r"^\..+\.partial-(?P<pid>\d+)-[0-9a-f]+(\.[^.]*)?$")
_CLAIM_SUFFIX = ".streamart-claim"


class ErrnoError(Protocol):
    """An error that carries an errno and its text: OSError, or PyAV's FFmpegError (which
    is no OSError)."""

    @property
    def errno(self) -> int | None: ...

    @property
    def strerror(self) -> str | None: ...


def describe(exc: ErrnoError) -> str:
    """An OS or FFmpeg error's message for a user: its text, never ``None``."""
    return exc.strerror or str(exc) or errno.errorcode.get(exc.errno or 0, type(exc).__name__)


def file_sha256(path: str | os.PathLike) -> str:
    """The hex sha256 of the file at ``path``, read 1 MiB at a time (raises OSError)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_failure(path: Path, exc: OSError) -> str:
    """The one-line message for a write to ``path`` that failed with ``exc``: a full disk (or
    quota) names the folder and the way out."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write {path}: no space left in {path.parent}; free some space there or choose another folder"
    return f"cannot write {path} ({describe(exc)}); choose another folder"


def refuse_same_file(input: str | os.PathLike, output: str | os.PathLike) -> None:
    """Raise OutputError where ``output`` is the file ``input`` (the input is never replaced)."""
    if Path(output).resolve() == Path(input).resolve():
        raise OutputError(f"output {output} is the input file; write to another path (the input is never modified)")


def check_output_path(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Return ``path`` as a Path after checking that it can be written, else raise OutputError.

    Checks that the folder exists and accepts a new file (by creating and removing a probe,
    which also catches read-only mounts and ACLs that permission bits do not show), and that
    ``path`` does not exist unless ``overwrite``. Removes what killed runs left in the folder.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"output folder {folder} does not exist; create it or choose another path")
    if path.is_dir():
        raise OutputError(f"output {path} is a folder; give a file name such as {path / 'out.mp4'}")
    if path.exists() and not overwrite:
        raise OutputError(f"output {path} exists; pass --overwrite (-y) to replace it")
    if path.is_symlink() and not path.exists() and not overwrite:
        # Nothing to write through: the finished file could not be put there without
        # replacing the link, so say so now rather than after the whole run.
        raise OutputError(
            f"output {path} is a link to {os.readlink(path)}, which does not exist; remove the link, "
            "pass --overwrite (-y) to replace it, or choose another path"
        )
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".streamart-probe-")
    except OSError as exc:
        raise OutputError(f"cannot write to folder {folder} ({describe(exc)}); choose a writable folder") from None
    os.close(handle)
    os.unlink(probe)
    clean_leftovers(folder)
    return path


def temporary_path(path: Path) -> Path:
    """A hidden, marked name next to ``path`` with the same extension (muxers choose the
    container by extension)."""
    marker = f"streamart-partial-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"
    return path.with_name(f".{path.name}.{marker}{path.suffix}")


class OutputFile:
    """One run's claim on the output ``path``: write to :attr:`temporary`, then
    :meth:`commit` or :meth:`discard`. Raises :class:`OutputError` when the path cannot be
    written, exists without ``overwrite``, or another live run writes it without
    ``overwrite``."""

    def __init__(self, path: str | os.PathLike, *, overwrite: bool) -> None:
        self.path = check_output_path(path, overwrite=overwrite)
        self.overwrite = overwrite
        self._claim = self.path.with_name(f".{self.path.name}{_CLAIM_SUFFIX}")
        self._claimed = _claim(self._claim, self.path, overwrite=overwrite)
        self._before = _identity(self.path)
        self.temporary = temporary_path(self.path)
        self._done = False

    def commit(self) -> Path:
        """Move the finished temporary file to the output path and release the claim; returns
        where the result is (the output path, unless something else appeared there)."""
        if self._done:
            return self.path
        self._done = True
        try:
            return self._publish()
        finally:
            self._release()

    def discard(self) -> None:
        """Remove the partial output (a missing file is fine) and release the claim."""
        self._done = True
        self.temporary.unlink(missing_ok=True)
        self._release()

    def _publish(self) -> Path:
        try:
            if self.overwrite:
                if _identity(self.path) != self._before:
                    log.warning(
                        "%s was written by another run while this one ran; replacing it "
                        "(with --overwrite the last run to finish wins)",
                        self.path,
                    )
                os.replace(self.temporary, self.path)
                return self.path
            if _link(self.temporary, self.path):
                return self.path
            kept = _free_name(self.path)
            os.replace(self.temporary, kept)
        except OSError as exc:
            self.temporary.unlink(missing_ok=True)
            raise OutputError(f"cannot write {self.path} ({describe(exc)}); choose another path") from None
        raise OutputError(
            f"{self.path} appeared while this run was writing it (another program?) and was left "
            f"alone; the result is kept as {kept}"
        )

    def _release(self) -> None:
        if self._claimed:
            self._claim.unlink(missing_ok=True)
            self._claimed = False


def write_bytes_atomically(path: str | os.PathLike, data: bytes | memoryview) -> Path:
    """Write ``data`` to ``path`` complete or not at all (a temporary name, then a rename over
    it); a write that fails (a full disk) is an :class:`OutputError` naming the folder."""
    output = OutputFile(path, overwrite=True)
    try:
        output.temporary.write_bytes(data)
    except OSError as exc:
        output.discard()
        raise OutputError(write_failure(output.path, exc)) from None
    except BaseException:
        output.discard()
        raise
    return output.commit()


def _claim(marker: Path, path: Path, *, overwrite: bool) -> bool:
    """Create the claim marker exclusively; True when this run holds it."""
    owner = f"{_HOST} {os.getpid()}\n"
    for _ in range(2):  # a second try after removing a dead run's claim
        try:
            handle = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            host, pid = _claim_owner(marker)
            if _stale_claim(marker, host, pid):
                marker.unlink(missing_ok=True)  # left by a killed run
                continue
            if host is None:  # created, not yet written: a run starting at this moment
                other = "another streamart run that is starting now"
            else:
                other = f"another streamart run (process {pid}{'' if host == _HOST else ' on another machine'})"
            if overwrite:
                log.warning("%s is also being written by %s; the last run to finish wins", path, other)
                return False
            raise OutputError(
                f"output {path} is being written by {other}; wait for it, choose another path, "
                f"or pass --overwrite (-y) to let the last run win (if no such run exists, delete {marker})"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot write to folder {path.parent} ({describe(exc)})") from None
        with os.fdopen(handle, "w") as file:
            file.write(owner)
        return True
    raise OutputError(f"cannot claim {path}: another run keeps claiming it; try again")


def _claim_owner(marker: Path) -> tuple[str | None, int | None]:
    """The host and process id a claim names; (None, None) when it cannot be read or is
    empty (a run that was killed between creating it and writing it, or damage)."""
    try:
        host, pid = marker.read_text().split()
        return host, int(pid)
    except (OSError, ValueError):
        return None, None


# A claim is written at once after it is created: one still unreadable after this long was
# left by a run killed in between (or damaged), not one being written.
_UNREADABLE_CLAIM_SECONDS = 10.0


def _stale_claim(marker: Path, host: str | None, pid: int | None) -> bool:
    """Whether the claim ``marker`` (naming ``host`` and ``pid``) belongs to no running
    writer: its process is gone from this host, or it has stayed unreadable."""
    if host is None:
        try:
            age = time.time() - marker.stat().st_mtime
        except OSError:
            return True  # gone meanwhile
        return age > _UNREADABLE_CLAIM_SECONDS
    return host == _HOST and pid is not None and not process_alive(pid)


def _identity(path: Path) -> tuple[int, int] | None:
    """What tells one file at ``path`` from another: (inode, modification time), or None."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _link(temporary: Path, path: Path) -> bool:
    """Put ``temporary`` at ``path`` only if nothing is there (atomically where the file
    system has hard links); False when something is."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (FAT, some network shares): check, then rename
        if path.exists():
            return False
        os.replace(temporary, path)
        return True
    temporary.unlink()
    return True


def _free_name(path: Path) -> Path:
    return next(
        candidate
        for candidate in (path.with_name(f"{path.stem} ({n}){path.suffix}") for n in itertools.count(2))
        if not candidate.exists()
    )


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (on POSIX; elsewhere it cannot be told, so yes)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def clean_leftovers(folder: Path) -> None:
    """Remove the temporary files and claims that killed runs left in ``folder``; report
    those of other machines, whose processes cannot be checked from here."""
    removed, foreign = [], []
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return
    host: str | None
    pid: int | None
    for name in names:
        path = folder / name
        match = _PARTIAL.match(name) or _PARTIAL_0_1.match(name)
        if match is not None:
            host, pid = match.groupdict().get("host", _HOST), int(match["pid"])
        elif name.endswith(_CLAIM_SUFFIX):
            host, pid = _claim_owner(path)
            if host is None:  # unreadable: whose it is cannot be told, only whether it is stale
                if _stale_claim(path, host, pid):
                    path.unlink(missing_ok=True)
                    removed.append(name)
                continue
        else:
            continue
        if host != _HOST:
            foreign.append(name)
        elif pid is not None and not process_alive(pid):
            path.unlink(missing_ok=True)
            removed.append(name)
    if removed:
        log.warning(
            "removed %d unfinished file(s) that interrupted runs left in %s: %s",
            len(removed),
            folder,
            ", ".join(sorted(removed)),
        )
    if foreign:
        log.warning(
            "%s holds unfinished files of streamart runs on another machine (delete them once those runs are over): %s",
            folder,
            ", ".join(sorted(foreign)),
        )


@contextmanager
def working_folder(prefix: str) -> Iterator[Path]:
    """A new folder in the temporary directory for this process's scratch files, removed with
    what it holds on the way out.

    Its name, ``PREFIX-HOST-PID-TOKEN``, says whose it is, so that the folder of a process that
    was killed (where no ``finally`` runs) is recognised and removed by
    :func:`remove_dead_folders`, which this calls first.
    """
    remove_dead_folders(prefix)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-{_HOST}-{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_dead_folders(prefix: str) -> list[Path]:
    """Remove the :func:`working_folder` folders of ``prefix`` whose process is gone (on this
    host: another machine's processes cannot be checked from here); the ones removed (another
    user's may stay)."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(?P<host>[0-9a-f]{{6}})-(?P<pid>\d+)-")
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return []
    removed = []
    for entry in entries:
        match = pattern.match(entry.name)
        if match is not None and match["host"] == _HOST and not process_alive(int(match["pid"])):
            shutil.rmtree(entry.path, ignore_errors=True)
            if not os.path.exists(entry.path):
                removed.append(Path(entry.path))
    return removed
