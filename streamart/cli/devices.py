"""``streamart devices``: the cameras and virtual-camera backends this machine has."""

from __future__ import annotations

import argparse
import sys

from ..api import list_cameras, virtual_camera_backends
from ..errors import DependencyError

HELP = "list cameras and virtual-camera backends"
DESCRIPTION = (
    "List the cameras (with the mode each opens in) and the virtual-camera "
    "backends, each with why it cannot be used where it cannot."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(args: argparse.Namespace) -> int:
    print("cameras:")
    cameras = list_cameras()
    if not cameras:
        where = "/dev/video*" if sys.platform.startswith("linux") else "camera indices 0-4"
        print(f"  no cameras found (looked at {where})")
    for camera in cameras:
        label = f"{camera.name} (v4l2loopback virtual camera)" if camera.loopback else camera.name
        if camera.problem:
            state = camera.problem
        else:
            fps = f" at {camera.fps:g} fps" if camera.fps else ""
            state = f"{camera.width}x{camera.height}{fps}"
        print(f"  {camera.device}  {label}: {state}")
    print("virtual camera backends:")
    try:
        backends = virtual_camera_backends()
    except DependencyError as exc:
        print(f"  {exc}")
        return 0
    for backend in backends:
        state = "ready" if backend.available else "unavailable"
        print(f"  {backend.name:<13} {state}: {backend.detail}")
    return 0
