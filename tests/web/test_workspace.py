"""The workspace: named after its process, removed at exit, and what killed runs left removed
at the next start (but not what a running app holds)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from streamart.web.workspace import folder_size, temporary_workspace


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_workspace_is_named_after_its_process_and_removed_at_exit(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with temporary_workspace() as folder:
        assert folder.parent == tmp_path and folder.name.split("-")[3] == str(os.getpid())
        (folder / "uploads").mkdir()
        (folder / "uploads" / "a.jpg").write_bytes(b"x" * 1000)
        assert folder_size(folder) == 1000
    assert list(tmp_path.iterdir()) == []


def test_what_killed_runs_left_is_removed_and_nothing_else(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with temporary_workspace() as folder:
        host = folder.name.split("-")[2]  # this machine's, as the names give it
    killed = tmp_path / f"streamart-ui-{host}-{dead_pid()}-k1ll3d"
    running = tmp_path / f"streamart-ui-{host}-{os.getppid()}-l1v3"  # the process that started these tests
    unknown = tmp_path / "streamart-ui-abcdef"  # no process id in its name
    for folder in (killed, running, unknown):
        (folder / "uploads").mkdir(parents=True)
    with temporary_workspace():
        assert not killed.exists() and running.exists() and unknown.exists()
    assert [record.getMessage() for record in caplog.records] == [
        f"removed {killed}, the workspace of a 'streamart ui' that was killed"
    ]
