"""The user's folders: the cache (weights, the corpus, blends, checkpoints) and the model folder
(the styles the user trains). Each honours an environment variable first, then the platform's
convention."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir() -> Path:
    """The user cache folder: ``$STREAMART_CACHE``, ``$XDG_CACHE_HOME/streamart`` or
    ``~/.cache/streamart`` (the first one set)."""
    if os.environ.get("STREAMART_CACHE"):
        return Path(os.environ["STREAMART_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "streamart"
    return Path.home() / ".cache" / "streamart"


def user_models_dir() -> Path:
    """Where new styles go: the first folder of ``$STREAMART_MODELS``, else the platform's user
    data folder (``$XDG_DATA_HOME`` or ``~/.local/share`` on Linux, ``~/Library/Application
    Support`` on macOS, ``%APPDATA%`` on Windows) + ``streamart/models``."""
    folders = [p for p in os.environ.get("STREAMART_MODELS", "").split(os.pathsep) if p]
    if folders:
        return Path(folders[0]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "streamart" / "models"
