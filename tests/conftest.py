"""Shared fixtures: real media made with PyAV (see tests/media_factory.py)."""

from __future__ import annotations

import cv2  # noqa: F401 - before av (imported by media_factory): see streamart/__init__.py

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from media_factory import make_clip


@pytest.fixture
def clip_factory(tmp_path: Path) -> Callable[..., Path]:
    """``make(name="clip.mp4", **make_clip_options) -> Path``: a clip in the test's tmp_path."""

    def make(name: str = "clip.mp4", **options) -> Path:
        path = tmp_path / name
        make_clip(path, **options)
        return path

    return make


@pytest.fixture
def clip(clip_factory: Callable[..., Path]) -> Path:
    """A 64x48, 10-frame, 10 fps H.264 MP4 with an AAC tone."""
    return clip_factory("clip.mp4")


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder that refuses new files. Root ignores permission bits, so as root this is a
    folder on the read-only /proc file system instead."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        yield Path("/proc/self")
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    """A tiny ONNX style model following the model convention (see tests/model_factory.py)."""
    from model_factory import make_style_model

    return make_style_model(tmp_path / "tiny_style.onnx")
