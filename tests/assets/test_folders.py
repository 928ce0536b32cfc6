"""The user's folders: each honours its environment variable first, then the platform's convention."""

from __future__ import annotations

import os
import sys

import pytest

from streamart.assets.folders import cache_dir, user_models_dir


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STREAMART_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_dir() == tmp_path / "home" / ".cache" / "streamart"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "streamart"
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG folders are Linux's convention")
def test_the_model_folder_is_the_first_of_streamart_models_else_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("STREAMART_MODELS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert user_models_dir() == tmp_path / "home" / ".local" / "share" / "streamart" / "models"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert user_models_dir() == tmp_path / "data" / "streamart" / "models"
    monkeypatch.setenv("STREAMART_MODELS", os.pathsep.join(["", str(tmp_path / "a"), str(tmp_path / "b")]))
    assert user_models_dir() == tmp_path / "a"
