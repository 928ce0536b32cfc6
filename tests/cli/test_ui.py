"""`streamart ui`: its options and messages, and the real server stopping cleanly on Ctrl-C
(and SIGTERM) with a job running, its temporary files gone."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from media_factory import make_clip

import streamart.web.app
from streamart.cli import build_parser, main
from streamart.config import MAX_PIXELS
from streamart.web import DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT


@pytest.fixture
def served(monkeypatch):
    """Replaces the server with one that only says where it would be; what it was asked."""
    calls = []

    def serve(*, host, port, max_upload_bytes, max_pixels, on_ready):
        calls.append({"host": host, "port": port, "max_upload_bytes": max_upload_bytes, "max_pixels": max_pixels})
        on_ready(f"http://{host}:{port}")

    monkeypatch.setattr(streamart.web.app, "serve", serve)
    return calls


@pytest.fixture
def opened(monkeypatch):
    urls = []
    monkeypatch.setattr("webbrowser.open", lambda url: urls.append(url) or True)
    monkeypatch.setenv("DISPLAY", ":0")
    return urls


def test_help_states_the_defaults():
    help_text = " ".join(build_parser()._subparsers._group_actions[0].choices["ui"].format_help().split())
    assert f"(default: {DEFAULT_PORT})" in help_text and DEFAULT_PORT == 7860
    assert f"in MB (default: {DEFAULT_MAX_UPLOAD_MB})" in help_text
    assert "default: 127.0.0.1, this computer only" in help_text


def test_it_serves_on_this_computer_and_opens_the_browser(served, opened, capsys):
    assert main(["ui"]) == 0
    assert served == [{"host": "127.0.0.1", "port": DEFAULT_PORT, "max_upload_bytes": DEFAULT_MAX_UPLOAD_MB * 10**6,
                       "max_pixels": MAX_PIXELS}]
    assert opened == [f"http://127.0.0.1:{DEFAULT_PORT}"]
    err = capsys.readouterr().err
    assert "streamart ui: http://127.0.0.1:7860  (Ctrl-C to stop)" in err and "warning" not in err


def test_no_browser_and_the_upload_and_pixel_limits(served, opened):
    assert main(["ui", "--no-browser", "--max-upload", "3", "--port", "8000", "--max-pixels", "400000000"]) == 0
    assert opened == [] and served[0]["max_upload_bytes"] == 3_000_000 and served[0]["port"] == 8000
    assert served[0]["max_pixels"] == 400_000_000


def test_without_a_display_it_says_where_to_go_instead(served, opened, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["ui"]) == 0
    assert opened == [] and f"open http://127.0.0.1:{DEFAULT_PORT} in your browser" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_listening_beyond_this_computer_is_warned_about(served, host, capsys):
    assert main(["ui", "--host", host, "--no-browser"]) == 0
    assert f"warning: --host {host}: anyone who can reach this computer on the network can use the app" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_this_computer_alone_is_not_warned_about(served, host, capsys):
    assert main(["ui", "--host", host, "--no-browser"]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_a_bad_port_is_refused(port, capsys):
    with pytest.raises(SystemExit):
        main(["ui", "--port", port])
    assert "expected a port" in capsys.readouterr().err


def test_a_port_in_use_is_one_line(capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["ui", "--port", str(port), "--no-browser"]) == 1
    assert re.fullmatch(
        rf"error: cannot listen on 127\.0\.0\.1:{port}: .+; choose another --port or --host\n", capsys.readouterr().err
    )


def test_without_the_ui_extra_it_names_the_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fastapi", None)
    assert main(["ui", "--no-browser"]) == 6
    assert "pip install 'streamart[ui]'" in capsys.readouterr().err


def start(tmp_path) -> tuple[subprocess.Popen, str]:
    """The real command, with its temporary files under tmp_path/tmp; its address."""
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamart", "ui", "--no-browser", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env
    )
    line = process.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert match, line
    return process, match.group(0)


def post(url: str, data: bytes, content_type: str = "application/octet-stream") -> dict:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 0), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_a_signal_stops_the_server_and_its_running_job_and_removes_the_uploads(tmp_path, signum, code):
    clip = tmp_path / "long.mp4"
    make_clip(clip, width=320, height=240, frames=300, fps=30)
    process, url = start(tmp_path)
    try:
        upload = post(f"{url}/api/uploads?name=long.mp4", clip.read_bytes())
        job = post(f"{url}/api/jobs/video", json.dumps({"upload": upload["id"], "size": None}).encode(), "application/json")
        deadline = time.monotonic() + 60
        while job["state"] == "queued" and time.monotonic() < deadline:
            time.sleep(0.1)
            job = json.load(urllib.request.urlopen(f"{url}/api/jobs/{job['id']}", timeout=30))
        assert job["state"] == "running"
        assert list((tmp_path / "tmp").glob("streamart-ui-*/uploads/*/upload.mp4"))
        started = time.monotonic()
        process.send_signal(signum)
        assert process.wait(30) == code
        assert time.monotonic() - started < 15
    finally:
        process.kill()
        process.wait()
    err = process.stderr.read()
    assert "Traceback" not in err
    assert ("streamart ui stopped" in err) == (signum == signal.SIGINT)
    assert list((tmp_path / "tmp").glob("streamart-ui-*")) == []  # the workspace is gone
