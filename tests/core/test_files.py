"""Output files that are complete or absent: early checks, hidden temporary names, commit/discard."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from streamart.core.files import (
    OutputFile,
    check_output_path,
    describe,
    refuse_same_file,
    temporary_path,
    working_folder,
)
from streamart.errors import OutputError


def test_a_writable_new_path_is_returned_as_a_path_and_leaves_nothing_behind(tmp_path):
    result = check_output_path(str(tmp_path / "out.mp4"), overwrite=False)
    assert result == tmp_path / "out.mp4" and isinstance(result, Path)
    assert list(tmp_path.iterdir()) == []  # the write probe is removed again


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match=rf"output folder {tmp_path / 'nope'} does not exist"):
        check_output_path(tmp_path / "nope" / "out.mp4", overwrite=True)


def test_a_folder_is_not_an_output_file(tmp_path):
    (tmp_path / "videos").mkdir()
    with pytest.raises(OutputError, match="is a folder; give a file name such as") as error:
        check_output_path(tmp_path / "videos", overwrite=True)
    assert str(tmp_path / "videos" / "out.mp4") in str(error.value)


def test_an_existing_file_needs_overwrite(tmp_path):
    existing = tmp_path / "out.mp4"
    existing.write_bytes(b"keep me")
    with pytest.raises(OutputError, match=r"exists; pass --overwrite \(-y\)"):
        check_output_path(existing, overwrite=False)
    assert check_output_path(existing, overwrite=True) == existing
    assert existing.read_bytes() == b"keep me"  # checking never touches the file


def test_an_unwritable_folder_is_found_before_any_work(unwritable_dir):
    with pytest.raises(OutputError, match=f"cannot write to folder {unwritable_dir} .*choose a writable folder"):
        check_output_path(unwritable_dir / "out.mp4", overwrite=False)


def test_output_errors_are_os_errors_with_exit_code_3(tmp_path):
    with pytest.raises(OSError) as error:
        check_output_path(tmp_path / "nope" / "out.mp4", overwrite=False)
    assert error.value.exit_code == 3
    assert "\n" not in str(error.value)


def test_the_temporary_name_is_hidden_beside_the_output_and_keeps_the_suffix(tmp_path):
    output = tmp_path / "holiday.final.mkv"
    temporary = temporary_path(output)
    assert temporary.parent == tmp_path  # same folder: the rename is atomic
    assert temporary.name.startswith(".holiday.final.mkv.streamart-partial-")
    assert temporary.suffix == ".mkv"  # muxers choose the container by extension
    assert temporary_path(output) != temporary  # two writers never share one


def test_commit_replaces_the_output_in_one_step(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"old")
    output = OutputFile(path, overwrite=True)
    output.temporary.write_bytes(b"new")
    assert output.commit() == path
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temporary, no claim left


def test_discard_keeps_the_old_output_and_leaves_nothing(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"old")
    output = OutputFile(path, overwrite=True)
    output.temporary.write_bytes(b"partial")
    output.discard()
    output.discard()  # twice is fine
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_a_failed_commit_removes_the_partial_file_and_keeps_the_old_output(tmp_path):
    path = tmp_path / "out.png"
    output = OutputFile(path, overwrite=True)
    output.temporary.write_bytes(b"partial")
    path.mkdir()  # a folder appears where the file should go: os.replace cannot put a file there
    (path / "inside").write_bytes(b"x")
    with pytest.raises(OutputError, match=f"cannot write {path} .*choose another path"):
        output.commit()
    assert not output.temporary.exists()
    assert (path / "inside").read_bytes() == b"x"


def test_a_second_writer_without_overwrite_fails_at_once_naming_the_first(tmp_path):
    path = tmp_path / "out.mp4"
    first = OutputFile(path, overwrite=False)
    with pytest.raises(OutputError, match=rf"being written by another streamart run \(process {os.getpid()}\)"):
        OutputFile(path, overwrite=False)
    first.discard()
    OutputFile(path, overwrite=False).discard()  # released: the path is free again


def test_with_overwrite_the_last_writer_wins_and_says_so(tmp_path, caplog):
    path = tmp_path / "out.mp4"
    first = OutputFile(path, overwrite=True)
    with caplog.at_level(logging.WARNING):
        second = OutputFile(path, overwrite=True)
    assert "also being written by another streamart run" in caplog.text
    first.temporary.write_bytes(b"first")
    first.commit()
    second.temporary.write_bytes(b"second")
    with caplog.at_level(logging.WARNING):
        second.commit()
    assert "was written by another run while this one ran; replacing it" in caplog.text
    assert path.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


def test_a_file_that_appears_meanwhile_is_never_replaced_without_overwrite(tmp_path):
    path = tmp_path / "out.mp4"
    output = OutputFile(path, overwrite=False)
    output.temporary.write_bytes(b"ours")
    path.write_bytes(b"someone else's")  # another program wrote it while we worked
    with pytest.raises(OutputError, match=r"appeared while this run was writing it .*kept as .*out \(2\)\.mp4"):
        output.commit()
    assert path.read_bytes() == b"someone else's"
    assert (tmp_path / "out (2).mp4").read_bytes() == b"ours"  # nothing is lost


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_what_a_killed_run_left_is_cleaned_by_the_next_run_into_the_folder(tmp_path, caplog):
    pid = dead_pid()
    leftover = (
        tmp_path / f".out.mp4.streamart-partial-{temporary_path(tmp_path / 'x').name.split('-')[2]}-{pid}-0a1b2c3d.mp4"
    )
    old_style = tmp_path / f".out.partial-{pid}-7f3e2a.mp4"  # what streamart 0.1 left
    claim = tmp_path / ".out.mp4.streamart-claim"
    for path in (leftover, old_style, claim):
        path.write_bytes(b"")
    claim.write_text(f"{leftover.name.split('-')[2]} {pid}\n")
    alive = OutputFile(tmp_path / "other.mp4", overwrite=False)  # a running writer's files stay
    alive.temporary.write_bytes(b"busy")
    with caplog.at_level(logging.WARNING):
        check_output_path(tmp_path / "new.mp4", overwrite=False)
    assert "removed 3 unfinished file(s) that interrupted runs left" in caplog.text
    remaining = sorted(p.name for p in tmp_path.iterdir())
    assert remaining == sorted([alive.temporary.name, ".other.mp4.streamart-claim"])
    alive.discard()


def test_a_dead_runs_claim_does_not_block_the_output(tmp_path):
    claim = tmp_path / ".out.mp4.streamart-claim"
    host = temporary_path(tmp_path / "x").name.split("-")[2]
    claim.write_text(f"{host} {dead_pid()}\n")
    output = OutputFile(tmp_path / "out.mp4", overwrite=False)
    assert claim.read_text().split()[1] == str(os.getpid())  # taken over
    output.discard()
    assert not claim.exists()


def test_files_of_another_machine_are_reported_not_removed(tmp_path, caplog):
    foreign = tmp_path / ".out.mp4.streamart-partial-ffffff-12345-0a1b2c3d.mp4"
    foreign.write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        check_output_path(tmp_path / "new.mp4", overwrite=False)
    assert foreign.exists()
    assert "streamart runs on another machine" in caplog.text and foreign.name in caplog.text


def test_describe_never_says_none():
    assert describe(OSError(28, "No space left on device")) == "No space left on device"
    assert describe(OSError("cannot encode")) == "cannot encode"
    assert describe(OSError()) == "OSError"


def test_a_dangling_link_at_the_output_is_refused_before_any_work(tmp_path):
    link = tmp_path / "out.mp4"
    link.symlink_to(tmp_path / "gone" / "target.mp4")
    with pytest.raises(OutputError, match=r"is a link to .*target.mp4, which does not exist; remove the link"):
        check_output_path(link, overwrite=False)
    assert check_output_path(link, overwrite=True) == link  # -y replaces the link itself


def test_an_empty_claim_is_a_run_starting_now_and_stale_once_old(tmp_path, caplog):
    claim = tmp_path / ".out.mp4.streamart-claim"
    claim.write_text("")  # a run killed between creating its claim and writing it, or one starting
    with pytest.raises(OutputError) as error:
        OutputFile(tmp_path / "out.mp4", overwrite=False)
    assert "None" not in str(error.value) and "another streamart run that is starting now" in str(error.value)
    an_hour_ago = claim.stat().st_mtime - 3600
    os.utime(claim, (an_hour_ago, an_hour_ago))
    with caplog.at_level(logging.WARNING):
        output = OutputFile(tmp_path / "out.mp4", overwrite=False)
    assert "removed 1 unfinished file(s)" in caplog.text
    assert claim.read_text().split()[1] == str(os.getpid())  # taken over
    output.discard()


def test_a_working_folder_is_removed_and_a_killed_processes_is_removed_at_the_next_start(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where tempfile.gettempdir() points
    with working_folder("streamart-test") as folder:
        (folder / "partial.mp4").write_bytes(b"half")
        host, pid = folder.name.split("-")[2:4]
        assert folder.parent == tmp_path and pid == str(os.getpid())
    assert not folder.exists()
    killed = tmp_path / f"streamart-test-{host}-{dead_pid()}-a1b2c3"
    foreign = tmp_path / f"streamart-test-ffffff-{dead_pid()}-a1b2c3"  # another machine's: cannot be checked
    other = tmp_path / f"streamart-other-{host}-{dead_pid()}-a1b2c3"
    for leftover in (killed, foreign, other):
        leftover.mkdir()
        (leftover / "chunk.mp4").write_bytes(b"partial")
    with working_folder("streamart-test") as folder:
        assert not killed.exists() and foreign.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([foreign.name, other.name])


def test_an_output_that_is_the_input_is_refused_whatever_the_path_says(tmp_path, monkeypatch):
    clip = tmp_path / "clip.mp4"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="output ./clip.mp4 is the input file; write to another path"):
        refuse_same_file(clip, "./clip.mp4")
    refuse_same_file(clip, tmp_path / "out.mp4")  # another file: nothing to say


def test_file_sha256_reads_the_whole_file_in_blocks(tmp_path):
    import hashlib

    from streamart.core.files import file_sha256

    data = os.urandom((1 << 20) + 17)  # more than one block
    (tmp_path / "blob").write_bytes(data)
    assert file_sha256(tmp_path / "blob") == hashlib.sha256(data).hexdigest()
    with pytest.raises(FileNotFoundError):
        file_sha256(tmp_path / "missing")
