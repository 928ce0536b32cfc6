"""The training-corpus builder on scikit-image's photos (a registry package, no network)."""

from __future__ import annotations

import json

import cv2
import pytest

from streamart.errors import DependencyError
from streamart.offline.corpus import SKIMAGE_HELD_OUT, SKIMAGE_PHOTOS, build_corpus


def test_skimage_photos_become_bounded_jpegs_with_a_manifest(tmp_path):
    entries = build_corpus(tmp_path, debian_photos={}, max_side=200, min_side=64)
    assert 1 <= len(entries) <= len(SKIMAGE_PHOTOS)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [image["file"] for image in manifest["images"]] == [entry.file for entry in entries]
    assert all(package.startswith("scikit-image") for package in manifest["packages"])
    for entry in entries:
        assert entry.source_path in SKIMAGE_PHOTOS
        assert entry.source_path not in SKIMAGE_HELD_OUT  # kept for unseen-photo checks
        image = cv2.imread(str(tmp_path / entry.file))
        assert image is not None and image.shape[:2] == (entry.height, entry.width)
        assert max(image.shape[:2]) <= 200


def test_images_below_the_minimum_size_are_skipped(tmp_path):
    assert build_corpus(tmp_path, debian_photos={}, min_side=10_000) == []
    assert json.loads((tmp_path / "manifest.json").read_text())["images"] == []


def test_debian_packages_without_apt_name_the_way_out(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no dpkg
    with pytest.raises(DependencyError, match="apt-get and dpkg.*--no-debian"):
        build_corpus(tmp_path / "out", debian_photos={"mate-backgrounds": ("a.jpg",)}, use_skimage=False)
