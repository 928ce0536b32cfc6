"""Output files that are complete or absent: early checks, hidden temporary names, commit/discard."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamart.core.files import check_output_path, commit, discard, temporary_path
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
    assert temporary.name.startswith(".holiday.final")
    assert temporary.suffix == ".mkv"  # muxers choose the container by extension
    assert temporary != output
    assert temporary_path(tmp_path / "other.mkv") != temporary


def test_commit_replaces_the_output_in_one_step(tmp_path):
    output = tmp_path / "out.png"
    output.write_bytes(b"old")
    temporary = temporary_path(output)
    temporary.write_bytes(b"new")
    commit(temporary, output)
    assert output.read_bytes() == b"new"
    assert not temporary.exists()
    assert [path.name for path in tmp_path.iterdir()] == ["out.png"]


def test_a_failed_commit_removes_the_partial_file_and_keeps_the_old_output(tmp_path):
    output = tmp_path / "out.png"
    output.mkdir()  # os.replace cannot put a file over a folder
    (output / "inside").write_bytes(b"x")
    temporary = temporary_path(output)
    temporary.write_bytes(b"partial")
    with pytest.raises(OutputError, match=f"cannot write {output} .*choose another path"):
        commit(temporary, output)
    assert not temporary.exists()
    assert (output / "inside").read_bytes() == b"x"


def test_discard_removes_a_partial_file_and_accepts_a_missing_one(tmp_path):
    temporary = temporary_path(tmp_path / "out.mp4")
    temporary.write_bytes(b"partial")
    discard(temporary)
    assert not temporary.exists()
    discard(temporary)  # nothing written yet (or already removed): fine
