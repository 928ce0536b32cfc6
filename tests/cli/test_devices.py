"""`streamart devices`: the cameras and the virtual-camera backends of this machine."""

from __future__ import annotations

import sys

import pytest

from streamart.cli import main
from streamart.sinks.virtualcam import virtual_camera_backends
from streamart.sources import webcam


def test_devices_lists_cameras_and_virtual_camera_backends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    cameras = webcam.list_cameras()
    assert ("no cameras found" in out) == (not cameras)
    for camera in cameras:
        assert str(camera.device) in out
    assert "virtual camera backends:" in out
    if sys.platform.startswith("linux"):
        assert "obs" in out and "only on Windows and macOS" in out


def test_both_sections_in_order_with_every_backend_and_its_state(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyvirtualcam")  # without it the section names the extra instead
    assert main(["devices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "cameras:"
    split = lines.index("virtual camera backends:")
    assert split > 1  # at least one camera line or the "no cameras found" line
    backend_lines = {line.split()[0]: line for line in lines[split + 1 :]}
    for backend in virtual_camera_backends():
        state = "ready" if backend.available else "unavailable"
        assert backend_lines[backend.name].split()[1] == f"{state}:"
        assert backend_lines[backend.name].endswith(backend.detail)
