"""``streamart models``: list the style models that ``--style NAME`` can pick."""

from __future__ import annotations

import argparse

from ..assets.models import list_models, resolve_model, search_folders

HELP = "list style models"
DESCRIPTION = (
    "List the style models found: the style name that --style takes, the network variant of "
    "its file (cpu, lite or full: a GPU prefers full), its size, and which is the default."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--paths", action="store_true", help="show each model's file path")


def run(args: argparse.Namespace) -> int:
    entries = list_models()
    if not entries:
        folders = ", ".join(str(f) for f in search_folders())
        print(f"no style models found (searched {folders})")
        return 0
    default_path = resolve_model(None)
    width = max(len(entry.style) for entry in entries) + 2
    for entry in entries:
        default = " (default)" if entry.path == default_path else ""
        line = f"{entry.style:<{width}}{entry.variant or '':<6}{entry.size_bytes / 1e6:6.2f} MB{default}"
        print(f"{line}  {entry.path}" if args.paths else line)
    return 0
