"""Command-line interface: argparse -> frozen config -> streamart API.

Each subcommand lives in its own module in this package: ``HELP`` (its line in ``streamart
--help``), optionally ``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args) -> int``, which
parses the arguments into a config and calls the API. A :class:`StreamartError` becomes
``error: <message>`` on stderr and its exit code. Ctrl-C, SIGTERM and SIGHUP stop a run the same
way (core/signals.py) and exit with 128 + the signal's number: 130, 143, 129.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from .. import __version__
from ..core.signals import interrupt_signal, stop_on_signals
from ..errors import StreamartError
from .progress import log_through_progress_bars

# Subcommand modules, in the order ``streamart --help`` lists them.
COMMANDS = (
    "video",
    "image",
    "webcam",
    "dream",
    "ui",
    "models",
    "devices",
    "train",
    "export",
    "corpus",
    "weights",
    "eval",
    "bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streamart", description="Real-time video stylization with neural networks.")
    parser.add_argument("--version", action="version", version=f"streamart {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f".{name}", __name__)
        sub = subparsers.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP))
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = build_parser().parse_args(argv)
    log_through_progress_bars()
    try:
        with stop_on_signals():
            return args.handler(args)
    except StreamartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (core/signals.py)
        signum = interrupt_signal(exc)
        print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        return 128 + signum
