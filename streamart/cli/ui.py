"""``streamart ui``: the local web app (streamart/web) in the browser."""

from __future__ import annotations

import argparse
import os
import sys
import webbrowser

from ..core.signals import Terminated
from ..errors import require
from ..web import DEFAULT_MAX_UPLOAD_MB, DEFAULT_MAX_WORKSPACE_MB, DEFAULT_PORT, IDLE_SECONDS
from ..web.hosts import split_host
from .options import add_limit_argument, positive_int

HELP = "the web app: gallery, photos, videos, webcam live"
DESCRIPTION = (
    "Start streamart's web app on this computer and open it in the browser: choose a style by "
    "sight, stylize photos (also Gatys and DeepDream) and videos, and see your webcam stylized "
    "live. Uploads stay in a temporary folder that is removed when the app stops (Ctrl-C), or at the next "
    "start if it was killed. "
    "Needs pip install 'streamart[ui]'."
)


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got '{text}'") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def host_name(text: str) -> str:
    try:
        split_host(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this computer only); 0.0.0.0 lets anyone on "
        "your network use the app",
    )
    parser.add_argument(
        "--max-upload",
        type=positive_int,
        default=DEFAULT_MAX_UPLOAD_MB,
        metavar="MB",
        help=f"largest file the page may upload, in MB (default: {DEFAULT_MAX_UPLOAD_MB})",
    )
    parser.add_argument(
        "--max-workspace",
        type=positive_int,
        default=DEFAULT_MAX_WORKSPACE_MB,
        metavar="MB",
        help="most space the uploads and results may take at once, in MB; an upload past it is refused, and "
        f"uploads and results unused for {IDLE_SECONDS // 60} minutes are removed (default: {DEFAULT_MAX_WORKSPACE_MB})",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        type=host_name,
        metavar="NAME[:PORT]",
        help="another name the app answers to, such as a reverse proxy's (repeatable; without a port, on any "
        "port). It always answers to the address it listens on and to localhost, and with --host 0.0.0.0 to "
        "this computer's names and addresses; requests for any other name are refused, so that no web site "
        "can reach the app by pointing its own name at this computer",
    )
    add_limit_argument(parser)
    parser.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")


def run(args: argparse.Namespace) -> int:
    for module in ("fastapi", "uvicorn", "websockets"):
        require(module, "ui")
    from ..web.app import is_local, serve

    if not is_local(args.host):
        print(
            f"warning: --host {args.host}: anyone who can reach this computer on the network can use the "
            "app (upload files, use its processor); there is no password. Use it only on a network you trust.",
            file=sys.stderr,
        )

    def ready(url: str) -> None:
        print(f"streamart ui: {url}  (Ctrl-C to stop)", file=sys.stderr, flush=True)
        if not args.no_browser and not _open_browser(url):
            print(f"open {url} in your browser", file=sys.stderr, flush=True)

    try:
        serve(
            host=args.host,
            port=args.port,
            max_upload_bytes=args.max_upload * 10**6,
            max_workspace_bytes=args.max_workspace * 10**6,
            allowed_hosts=args.allowed_host,
            max_pixels=args.max_pixels,
            on_ready=ready,
        )
    except KeyboardInterrupt as exc:  # Ctrl-C is how the app is stopped; a signal still says which
        if isinstance(exc, Terminated):
            raise
    print("streamart ui stopped", file=sys.stderr)
    return 0


def _open_browser(url: str) -> bool:
    """Open ``url`` in a graphical browser; False where there is none to open. Without a
    display on Linux, Python would start a text browser in this terminal instead."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
