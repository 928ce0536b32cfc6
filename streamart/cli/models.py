"""``streamart models``: list the style models that ``--style NAME`` can pick, and the dream
networks that ``--dream PRESET`` runs."""

from __future__ import annotations

import argparse

from ..assets.models import (
    DREAM_KIND,
    DREAM_PRESET_KEY,
    ModelEntry,
    list_models,
    model_metadata,
    resolve_model,
    search_folders,
)

HELP = "list style models and dream networks"
DESCRIPTION = (
    "List the style models found: the style name that --style takes, the network variant of "
    "its file (cpu, lite or full: a GPU prefers full), its size, and which is the default. "
    "Then the dream networks, by the preset that --dream takes (--dream-method says when they are used)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--paths", action="store_true", help="show each model's file path")


def run(args: argparse.Namespace) -> int:
    entries = list_models()
    dreams = list_models(DREAM_KIND)
    if not entries and not dreams:
        folders = ", ".join(str(f) for f in search_folders())
        print(f"no style models found (searched {folders})")
        return 0
    default_path = resolve_model(None) if entries else None
    # A dream network is named by its preset, which is what --dream takes.
    names = {entry.path: model_metadata(entry.path).get(DREAM_PRESET_KEY, entry.style) for entry in dreams}
    width = max(len(name) for name in [entry.style for entry in entries] + list(names.values())) + 2

    def show(name: str, entry: ModelEntry, note: str = "") -> None:
        line = f"{name:<{width}}{entry.variant or '':<6}{entry.size_bytes / 1e6:6.2f} MB{note}"
        print(f"{line}  {entry.path}" if args.paths else line)

    for entry in entries:
        show(entry.style, entry, " (default)" if entry.path == default_path else "")
    if dreams:
        print("\ndreams (--dream PRESET):")
        for entry in dreams:
            show(names[entry.path], entry)
    return 0
