"""Folders of videos through the API (streamart/api/batch.py)."""

from __future__ import annotations

import pytest

import streamart
from streamart import StyleConfig


def test_is_batch_and_find_videos(clip_factory, tmp_path):
    for name in ("b.mp4", "a.MKV"):
        clip_factory(name, frames=2)
    (tmp_path / "notes.txt").write_text("no video")
    (tmp_path / "sub").mkdir()
    assert streamart.api.is_batch(tmp_path) and streamart.api.is_batch(tmp_path / "*.mp4")
    assert not streamart.api.is_batch(tmp_path / "b.mp4")
    assert streamart.api.find_videos(tmp_path) == [tmp_path / "a.MKV", tmp_path / "b.mp4"]
    assert streamart.api.find_videos(tmp_path / "*.mp4") == [tmp_path / "b.mp4"]
    with pytest.raises(streamart.StreamartError, match="no video files in"):
        streamart.api.find_videos(tmp_path / "*.avi")


def test_stylize_folder_reports_every_file_and_its_progress(clip_factory, tiny_model, tmp_path):
    for name in ("a.mp4", "b.mp4"):
        clip_factory(name, frames=6)
    (tmp_path / "c.mp4").write_text("not a video\n" * 20)
    out = tmp_path / "out"
    (out / "b.mp4").parent.mkdir()
    (out / "b.mp4").write_bytes(b"done before")
    ended, progress = [], []
    report = streamart.stylize_folder(
        tmp_path, out, style=StyleConfig(model=tiny_model), on_file=ended.append, on_progress=progress.append
    )
    assert [(o.input.name, o.status) for o in report.outcomes] == [
        ("b.mp4", "skipped"),
        ("a.mp4", "done"),
        ("c.mp4", "failed"),
    ]
    assert list(ended) == list(report.outcomes)
    assert report.summary() == "1 done, 1 skipped, 1 failed"
    assert "not a video" in str(report.failed[0].error) and report.outcomes[1].stats.frames_out == 6
    assert (out / "b.mp4").read_bytes() == b"done before" and not (out / "c.mp4").exists()
    assert progress[-1].frames_done == progress[-1].frame_count == 6 and progress[-1].files == 3
    assert {p.current for p in progress} == {tmp_path / "a.mp4"}


def test_two_inputs_of_one_name_are_refused_before_any_work(clip_factory, tmp_path):
    (tmp_path / "x").mkdir(), (tmp_path / "y").mkdir()
    clip_factory("x/clip.mp4", frames=2), clip_factory("y/clip.mp4", frames=2)
    with pytest.raises(streamart.StreamartError, match="would both be written to"):
        streamart.stylize_folder(tmp_path / "*" / "clip.mp4", tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_workers_and_folders_need_stages_they_can_build(clip, tmp_path):
    with pytest.raises(streamart.StreamartError, match="give stages as a function"):
        streamart.stylize_video(clip, tmp_path / "out.mp4", stages=[], cluster=streamart.ClusterConfig(workers=2))
    with pytest.raises(streamart.StreamartError, match="give stages as a function"):
        streamart.stylize_folder(tmp_path, tmp_path / "out", stages=[])  # type: ignore[arg-type]
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "out").exists()
