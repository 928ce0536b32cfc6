"""`streamart ui`: its options and messages, and the real server stopping cleanly on Ctrl-C
(and SIGTERM) with a job running, its temporary files gone."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from media_factory import make_clip
from waiting import wait_until

import streamart.web.app
from streamart.cli import build_parser, main
from streamart.config import MAX_PIXELS
from streamart.web import DEFAULT_MAX_UPLOAD_MB, DEFAULT_MAX_WORKSPACE_MB, DEFAULT_PORT
from streamart.web.gallery import demo_photo


@pytest.fixture
def served(monkeypatch):
    """Replaces the server with one that only says where it would be; what it was asked."""
    calls = []

    def serve(*, host, port, max_upload_bytes, max_workspace_bytes, allowed_hosts, max_pixels, on_ready):
        calls.append(
            {
                "host": host,
                "port": port,
                "max_upload_bytes": max_upload_bytes,
                "max_workspace_bytes": max_workspace_bytes,
                "allowed_hosts": allowed_hosts,
                "max_pixels": max_pixels,
            }
        )
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
    assert (
        "in MB; an upload past it is refused, and uploads and results unused for 60 minutes are removed "
        f"(default: {DEFAULT_MAX_WORKSPACE_MB})"
    ) in help_text
    assert "--allowed-host NAME[:PORT] another name the app answers to, such as a reverse proxy's" in help_text


def test_it_serves_on_this_computer_and_opens_the_browser(served, opened, capsys):
    assert main(["ui"]) == 0
    assert served == [
        {
            "host": "127.0.0.1",
            "port": DEFAULT_PORT,
            "max_upload_bytes": DEFAULT_MAX_UPLOAD_MB * 10**6,
            "max_workspace_bytes": DEFAULT_MAX_WORKSPACE_MB * 10**6,
            "allowed_hosts": [],
            "max_pixels": MAX_PIXELS,
        }
    ]
    assert opened == [f"http://127.0.0.1:{DEFAULT_PORT}"]
    err = capsys.readouterr().err
    assert "streamart ui: http://127.0.0.1:7860  (Ctrl-C to stop)" in err and "warning" not in err


def test_no_browser_and_the_upload_and_workspace_limits(served, opened):
    assert main(["ui", "--no-browser", "--max-upload", "3", "--max-workspace", "30", "--port", "8000"]) == 0
    assert opened == [] and served[0]["max_upload_bytes"] == 3_000_000 and served[0]["port"] == 8000
    assert served[0]["max_workspace_bytes"] == 30_000_000


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


def test_allowed_hosts_are_passed_on_and_checked(served, capsys):
    assert main(["ui", "--no-browser", "--allowed-host", "art.example.com", "--allowed-host", "proxy.lan:8080"]) == 0
    assert served[0]["allowed_hosts"] == ["art.example.com", "proxy.lan:8080"]
    with pytest.raises(SystemExit):
        main(["ui", "--allowed-host", "http://art.example.com/"])
    assert "'http://art.example.com/' is not a host name with an optional port (NAME or NAME:PORT)" in (
        capsys.readouterr().err
    )


def host_status(url: str, host: str) -> int:
    """The status of GET /api/info asked for by the name ``host``."""
    address = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", "/api/info", headers={"Host": host})
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_real_app_answers_to_its_own_and_the_allowed_names_only(tmp_path):
    process, url = start(tmp_path, "--allowed-host", "art.example.com")
    port = urllib.parse.urlsplit(url).port
    try:
        assert host_status(url, f"127.0.0.1:{port}") == host_status(url, f"localhost:{port}") == 200
        assert host_status(url, "art.example.com") == 200
        assert host_status(url, f"evil.example:{port}") == 400
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0


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


def start(tmp_path, *options: str, said: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """The real command (with ``options``), with its temporary files under tmp_path/tmp; its
    address. The lines it wrote before the address are added to ``said``."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamart", "ui", "--no-browser", "--port", "0", *options],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    while (match := re.search(r"http://127\.0\.0\.1:\d+", line := process.stderr.readline())) is None:
        assert line.startswith("warning: "), line
        if said is not None:
            said.append(line)
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
        job = post(
            f"{url}/api/jobs/video", json.dumps({"upload": upload["id"], "size": None}).encode(), "application/json"
        )

        def left_the_queue() -> dict | None:
            latest = json.load(urllib.request.urlopen(f"{url}/api/jobs/{job['id']}", timeout=30))
            return latest if latest["state"] != "queued" else None

        job = wait_until(left_the_queue, 60, "the video job's start")
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


def test_the_workspace_of_a_killed_app_is_removed_at_the_next_start(tmp_path):
    process, url = start(tmp_path)
    try:
        post(f"{url}/api/uploads?name=a.jpg", demo_photo())
    finally:
        process.kill()  # SIGKILL: no chance to clean up
        process.wait()
    [left] = list((tmp_path / "tmp").glob("streamart-ui-*"))
    assert list(left.glob("uploads/*/upload.jpg"))
    said = []
    process, url = start(tmp_path, said=said)
    try:
        assert said == [f"warning: removed {left}, the workspace of a 'streamart ui' that was killed\n"]
        assert not left.exists()
        assert len(list((tmp_path / "tmp").glob("streamart-ui-*"))) == 1  # its own
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
