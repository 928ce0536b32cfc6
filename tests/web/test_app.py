"""The app's routes, as the page uses them: gallery, uploads and their limits, jobs of every
kind, errors as one line of JSON."""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import time

import av
import cv2
import numpy as np
import pytest
from bombs import memory_growth, png_bomb
from media_factory import make_clip, make_playlist
from model_factory import make_style_model
from waiting import wait_until
from fastapi.testclient import TestClient
from starlette.routing import Mount, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from streamart.assets.models import DEFAULT_STYLE
from streamart.web import IDLE_SECONDS
from streamart.web import jobs as jobs_module
from streamart.web.app import create_app

from .conftest import ADDRESS, LIMIT, LIVE, painting_jpeg, served, upload, wait


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>streamart</title>" in page.text
    for name in ("app.js", "style.css", "demo.jpg"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/docs").status_code == 404  # no API explorer: one page, nothing else


def test_info_gives_the_page_its_limits_and_defaults(client):
    info = client.get("/api/info").json()
    assert info["max_upload_bytes"] == LIMIT
    assert "creatures" in info["dream_presets"] and info["dream_preset"] in info["dream_presets"]
    assert info["working_size"] == 480 and info["live_working_size"] == 360


def test_the_gallery_lists_shipped_and_own_models_with_thumbnails_and_samples(client):
    styles = {style["name"]: style for style in client.get("/api/styles").json()}
    assert {"charcoal", "mosaic", f"{DEFAULT_STYLE}-cpu"} <= set(styles)
    assert styles["charcoal"]["own"] and not styles[f"{DEFAULT_STYLE}-cpu"]["own"]
    assert [name for name, style in styles.items() if style["default"]] == [f"{DEFAULT_STYLE}-cpu"]
    assert styles["mosaic"]["thumbnail"] is None
    thumbnail = client.get(styles["charcoal"]["thumbnail"])
    assert thumbnail.headers["content-type"] == "image/jpeg" and thumbnail.content == painting_jpeg()
    assert client.get("/api/styles/mosaic/thumbnail").status_code == 404
    sample = client.get(styles[f"{DEFAULT_STYLE}-cpu"]["sample"])
    assert sample.status_code == 200 and decode(sample.content).shape == (256, 256, 3)


def test_a_model_that_cannot_load_says_why_in_one_line(client, own_models):
    (own_models / "broken.onnx").write_bytes(b"not a model")
    response = client.get("/api/styles/broken/sample")
    assert response.status_code == 400
    message = response.json()["error"]
    assert "broken.onnx is not a usable ONNX model" in message and "\n" not in message
    assert client.get("/api/styles/nothing/sample").status_code == 400


def test_uploads_are_classified_and_named_without_folders(client, photo, clip):
    picture = upload(client, photo, "../../etc/holiday.jpg")
    assert picture["kind"] == "image" and picture["name"] == "holiday.jpg" and picture["size"] == len(photo)
    assert upload(client, clip.read_bytes(), "clip.mp4")["kind"] == "video"


@pytest.mark.parametrize(
    "data, message",
    [(b"just some notes", "notes.txt is not an image or a video"), (b"", "notes.txt is empty")],
)
def test_files_that_are_not_images_or_videos_are_refused_with_a_message(client, data, message):
    response = client.post("/api/uploads", params={"name": "notes.txt"}, content=data)
    assert response.status_code == 415
    assert message in response.json()["error"] and "choose a photo" in response.json()["error"]


def test_uploads_over_the_limit_are_refused_and_leave_nothing(client, tmp_path):
    response = client.post("/api/uploads", params={"name": "big.jpg"}, content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert "upload limit of 1 MB" in response.json()["error"] and "--max-upload" in response.json()["error"]
    # Streamed without a length: refused once the bytes pass the limit.
    chunks = (b"x" * 100_000 for _ in range(11))
    assert client.post("/api/uploads", params={"name": "big.jpg"}, content=chunks).status_code == 413
    assert list((tmp_path / "workspace" / "uploads").iterdir()) == []


def test_a_photo_is_stylized_with_the_chosen_style_and_downloaded(client, photo):
    picture = upload(client, photo, "astronaut.jpg")
    job = client.post(
        "/api/jobs/photo", json={"upload": picture["id"], "style": "charcoal", "strength": 0.5, "size": None}
    ).json()
    job = wait(client, job)
    assert job["state"] == "done" and job["fraction"] == 1.0
    shown = client.get(job["result"])
    assert shown.headers["content-type"] == "image/png" and decode(shown.content).shape == (256, 256, 3)
    download = client.get(job["result"], params={"download": True})
    assert download.headers["content-disposition"] == 'attachment; filename="astronaut-charcoal.png"'
    assert download.content == shown.content
    mosaic = wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"], "style": "mosaic"}).json())
    assert client.get(mosaic["result"]).content != shown.content


def test_the_default_style_is_used_when_none_is_named(client, photo):
    picture = upload(client, photo, "astronaut.jpg")
    job = wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"]}).json())
    assert job["download_name"] == f"astronaut-{DEFAULT_STYLE}.png"


@pytest.mark.parametrize(
    "request_, status, message",
    [
        ({"strength": 2}, 422, "Strength must be a number from 0 to 1"),
        ({"size": 4}, 422, "Working size must be a whole number from 16 to 2160 px"),
        ({"style": "../../models/x.onnx"}, 400, "unknown style '../../models/x.onnx'"),
        ({"style": "/etc/passwd"}, 400, "unknown style"),
        ({"path": "/etc/passwd"}, 422, "'path' is not a setting this app knows"),
        ({"upload": "0123456789abcdef"}, 404, "upload it again"),
    ],
)
def test_bad_requests_are_refused_in_one_line(client, photo, request_, status, message):
    picture = upload(client, photo, "astronaut.jpg")
    response = client.post("/api/jobs/photo", json={"upload": picture["id"], **request_})
    assert response.status_code == status
    assert message in response.json()["error"] and "\n" not in response.json()["error"]


@pytest.mark.parametrize(
    "path, request_, message",
    [
        ("dream", {"long_side": 1e9}, "Longer side must be a whole number from 16 to 2048 px"),
        ("photo", {"size": 10**9}, "Working size must be a whole number from 16 to 2160 px"),
        ("photo", {"size": "big"}, "Working size must be a whole number from 16 to 2160 px"),
        ("photo", {"strength": ""}, "Strength must be a number from 0 to 1"),
        ("video", {"size": 5000}, "Working size must be a whole number from 16 to 2160 px"),
        ("video", {"temporal": 7}, "Against flicker must be a number from 0 to 1"),
        ("video", {"start": 1e12, "duration": 3}, "Preview from must be a number from 0 to 86400 s"),
        ("video", {"start": 0, "duration": 0}, "Preview length must be a number more than 0 and at most 3600 s"),
        ("video", {"start": 0, "duration": 1e6}, "Preview length must be a number more than 0 and at most 3600 s"),
        ("gatys", {"painting": "x", "iterations": 10**7}, "Steps must be a whole number from 1 to 10000"),
        ("gatys", {"painting": "x", "size": 10**5}, "Size must be a whole number from 16 to 1024 px"),
    ],
)
def test_numbers_have_upper_bounds_refused_in_the_pages_words(client, path, request_, message):
    """Before any upload is looked at: a number out of range never reaches a job (a dream 10^9
    pixels long once failed with "Failed to allocate")."""
    response = client.post(f"/api/jobs/{path}", json={"upload": "0123456789abcdef", **request_})
    assert response.status_code == 422
    assert response.json()["error"] == message


def test_a_video_cannot_go_where_a_photo_is_expected(client, clip, photo):
    video = upload(client, clip.read_bytes(), "clip.mp4")
    response = client.post("/api/jobs/photo", json={"upload": video["id"]})
    assert response.status_code == 415 and response.json()["error"] == "clip.mp4 is a video; the photo must be an image"
    picture = upload(client, photo, "astronaut.jpg")
    response = client.post("/api/jobs/video", json={"upload": picture["id"]})
    assert response.json()["error"] == "astronaut.jpg is an image; the video must be a video"


def test_a_failing_job_shows_its_error_in_one_line_with_the_users_file_name(client, own_models, photo):
    make_style_model(own_models / "wrong.onnx", channels=1)  # a model of the wrong shape
    picture = upload(client, photo, "astronaut.jpg")
    job = wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"], "style": "wrong"}).json())
    assert job["state"] == "failed" and job["result"] is None
    assert "a style model takes RGB N x 3 x H x W" in job["error"]
    assert "Traceback" not in job["error"] and "\n" not in job["error"]
    assert client.get(f"/api/jobs/{job['id']}/result").status_code == 409


def test_a_video_preview_and_the_whole_video_keep_the_sound(client, clip_factory):
    clip = clip_factory("holiday.mp4", frames=30, fps=10)  # 3 s with a tone
    video = upload(client, clip.read_bytes(), "holiday.mp4")
    preview = client.post(
        "/api/jobs/video", json={"upload": video["id"], "style": "mosaic", "start": 1, "duration": 1, "size": None}
    ).json()
    whole = client.post("/api/jobs/video", json={"upload": video["id"], "style": "mosaic", "temporal": 0}).json()
    assert preview["download_name"] == "holiday-mosaic-preview.mp4" and whole["download_name"] == "holiday-mosaic.mp4"
    preview, whole = wait(client, preview), wait(client, whole)
    assert preview["state"] == whole["state"] == "done"
    assert (preview["done"], preview["total"], preview["unit"]) == (10, 10, "frames")
    for job, frames in ((preview, 10), (whole, 30)):
        data = client.get(job["result"]).content
        with av.open(__import__("io").BytesIO(data)) as container:
            assert len(list(container.decode(video=0))) == frames
            assert container.streams.audio, "the sound is kept"
        assert job["audio"] is True  # the page offers the download "with its sound"


def test_a_silent_video_is_not_offered_with_its_sound(client, clip_factory, photo):
    clip = clip_factory("silent.mp4", frames=10, fps=10, audio=False)
    video = upload(client, clip.read_bytes(), "silent.mp4")
    job = wait(client, client.post("/api/jobs/video", json={"upload": video["id"], "style": "mosaic"}).json())
    assert job["state"] == "done" and job["audio"] is False
    picture = upload(client, photo, "astronaut.jpg")
    assert wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"]}).json())["audio"] is None


def test_a_preview_past_the_end_of_the_video_says_so(client, clip):
    video = upload(client, clip.read_bytes(), "clip.mp4")
    job = wait(client, client.post("/api/jobs/video", json={"upload": video["id"], "start": 60, "duration": 3}).json())
    assert job["state"] == "failed" and "clip.mp4" in job["error"] and "/uploads/" not in job["error"]


def test_jobs_can_be_cancelled_while_they_wait(client, clip_factory, photo):
    clip = clip_factory("long.mp4", frames=100, fps=10, width=160, height=120)
    video = upload(client, clip.read_bytes(), "long.mp4")
    picture = upload(client, photo, "astronaut.jpg")
    first = client.post("/api/jobs/video", json={"upload": video["id"], "style": "mosaic", "size": None}).json()
    second = client.post("/api/jobs/photo", json={"upload": picture["id"]}).json()
    assert client.get(f"/api/jobs/{second['id']}").json()["ahead"] == 1
    assert client.delete(f"/api/jobs/{second['id']}").json()["state"] == "cancelled"
    assert client.delete(f"/api/jobs/{first['id']}").status_code == 200
    assert wait(client, first)["state"] == "cancelled"
    assert client.get("/api/jobs/nothing").status_code == 404


def test_dream_reports_its_steps(client, photo):
    picture = upload(client, photo, "astronaut.jpg")
    job = client.post("/api/jobs/dream", json={"upload": picture["id"], "preset": "creatures", "long_side": 64}).json()
    job = wait(client, job)
    assert job["state"] == "done", job["error"]
    assert job["done"] == job["total"] > 1 and job["unit"] == "steps"
    assert decode(client.get(job["result"]).content).shape == (64, 64, 3)
    assert (
        client.post("/api/jobs/dream", json={"upload": picture["id"], "preset": "cats"})
        .json()["error"]
        .startswith("unknown dream preset 'cats'")
    )


@pytest.mark.slow
def test_gatys_paints_the_photo_like_the_uploaded_picture(client, photo):
    picture = upload(client, photo, "astronaut.jpg")
    painting = upload(client, painting_jpeg(), "stripes.jpg")
    job = client.post(
        "/api/jobs/gatys", json={"upload": picture["id"], "painting": painting["id"], "iterations": 3, "size": 32}
    ).json()
    job = wait(client, job, timeout=300)
    assert job["state"] == "done", job["error"]
    assert (job["done"], job["total"]) == (3, 3) and job["download_name"] == "astronaut-gatys.png"
    assert decode(client.get(job["result"]).content).shape == (32, 32, 3)


def test_pages_of_other_sites_cannot_upload_start_jobs_or_go_live(client, photo):
    evil = {"Origin": "http://evil.example"}
    response = client.post("/api/uploads", params={"name": "x.jpg"}, content=photo, headers=evil)
    assert response.status_code == 403 and "another site" in response.json()["error"]
    assert client.post("/api/jobs/photo", json={"upload": "x"}, headers=evil).status_code == 403
    assert client.delete("/api/jobs/x", headers=evil).status_code == 403
    with pytest.raises(Exception):
        with client.websocket_connect(LIVE, headers=evil):
            pass
    assert client.get("/api/styles", headers=evil).status_code == 200  # reading is harmless
    same = {"Origin": ADDRESS}  # the page itself
    assert client.post("/api/uploads", params={"name": "x.jpg"}, content=photo, headers=same).status_code == 200
    with client.websocket_connect(LIVE, headers=same) as ws:
        ws.send_bytes(photo)
        assert "frame" in ws.receive_text()


@pytest.mark.parametrize("entry", ["absolute", "file_url", "relative"])
def test_a_playlist_naming_a_local_video_is_refused(client, tmp_path, entry):
    secret = tmp_path / "secret.ts"  # beside the workspace: ../../../secret.ts from an upload
    make_clip(secret, codec="mpeg2video")
    playlist = {"absolute": str(secret), "file_url": secret.as_uri(), "relative": "../../../secret.ts"}[entry]
    make_playlist(tmp_path / "clip.m3u8", playlist)
    response = client.post("/api/uploads", params={"name": "clip.m3u8"}, content=(tmp_path / "clip.m3u8").read_bytes())
    assert response.status_code == 415, response.text
    assert "clip.m3u8 is not an image or a video" in response.json()["error"]


def test_every_route_and_the_websocket_refuse_another_sites_name(client):
    """DNS rebinding: a page of evil.example, whose name now points at 127.0.0.1, asks with
    its own Host and Origin. The routes are the app's own list, so that none is forgotten."""
    evil = {"Host": "evil.example:7860", "Origin": "http://evil.example:7860"}
    asked = set()
    for route in client.app.routes:
        path = re.sub(r"{[^}]+}", "x", route.path)
        if isinstance(route, WebSocketRoute):
            with pytest.raises(WebSocketDisconnect) as refused:
                with client.websocket_connect(f"ws://evil.example:7860{path}", headers=evil):
                    pass
            assert refused.value.code == 1008
        else:
            methods = getattr(route, "methods", None) or {"GET"}  # a mount: its files
            for method in methods:
                url = f"{path}/app.js" if isinstance(route, Mount) else path
                response = client.request(method, url, headers=evil)
                assert response.status_code == 400, (method, url)
                if method != "HEAD":
                    assert "does not answer to the name 'evil.example:7860'" in response.json()["error"]
                asked.add((method, route.path))
    assert {
        ("POST", "/api/uploads"),
        ("POST", "/api/jobs/photo"),
        ("GET", "/api/jobs/{job_id}/result"),
        ("GET", "/static"),
        ("GET", "/"),
    } <= asked


def test_rebinding_is_refused_by_the_real_server_and_its_own_address_is_not(tmp_path, own_models, photo):
    """The issue's reproduction, through uvicorn on a real socket: upload, start a job and fetch
    its result with the rebinding headers; the same with the app's own address works."""
    with served(tmp_path / "workspace") as port:
        own, evil = f"127.0.0.1:{port}", f"evil.example:{port}"

        def ask(method: str, url: str, host: str, body: bytes | None = None) -> tuple[int, dict]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                headers = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"}
                connection.request(method, url, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                return response.status, json.loads(data) if response.headers[
                    "content-type"
                ] == "application/json" else {}
            finally:
                connection.close()

        status, refused = ask("POST", "/api/uploads?name=a.jpg", evil, photo)
        assert status == 400 and "does not answer to the name" in refused["error"]
        status, picture = ask("POST", "/api/uploads?name=a.jpg", own, photo)
        assert status == 200
        job_request = json.dumps({"upload": picture["id"], "style": "mosaic"}).encode()
        assert ask("POST", "/api/jobs/photo", evil, job_request)[0] == 400
        status, job = ask("POST", "/api/jobs/photo", own, job_request)

        def done() -> dict | None:
            latest = ask("GET", f"/api/jobs/{job['id']}", own)[1]
            assert latest["state"] in ("queued", "running", "done"), latest
            return latest if latest["state"] == "done" else None

        job = wait_until(done, 120, "the photo job")
        assert ask("GET", job["result"], evil)[0] == 400
        assert ask("GET", job["result"], own)[0] == 200
        for host, status_line in ((evil, b"HTTP/1.1 403"), (own, b"HTTP/1.1 101")):
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                sock.sendall(
                    f"GET /api/live HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n".encode()
                )
                assert sock.recv(4096).startswith(status_line), host


def test_a_full_workspace_refuses_uploads_and_jobs_with_a_sentence(tmp_path, own_models, photo):
    workspace = tmp_path / "workspace"
    with TestClient(create_app(workspace, max_workspace_bytes=len(photo) * 3 // 2), base_url=ADDRESS) as client:
        picture = upload(client, photo, "astronaut.jpg")
        response = client.post("/api/uploads", params={"name": "again.jpg"}, content=photo)
        assert response.status_code == 507
        assert "workspace is full" in response.json()["error"] and "--max-workspace" in response.json()["error"]
        assert [path.name for path in (workspace / "uploads").iterdir()] == [picture["id"]]  # nothing half-written
        job = wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"], "size": None}).json())
        assert job["state"] == "done"  # its result fills the workspace: the next job is refused
        assert client.post("/api/jobs/photo", json={"upload": picture["id"]}).status_code == 507


def test_results_and_uploads_go_when_their_job_leaves_the_history(client, tmp_path, photo, monkeypatch):
    monkeypatch.setattr(jobs_module, "KEEP_FINISHED", 1)
    first, second = upload(client, photo, "first.jpg"), upload(client, photo, "second.jpg")
    old = wait(client, client.post("/api/jobs/photo", json={"upload": first["id"]}).json())
    new = wait(client, client.post("/api/jobs/photo", json={"upload": second["id"]}).json())
    results = tmp_path / "workspace" / "results"
    assert len(list(results.iterdir())) == 2
    wait(client, client.post("/api/jobs/photo", json={"upload": second["id"]}).json())  # the oldest must go
    assert client.get(f"/api/jobs/{old['id']}").status_code == 404
    assert client.get(new["result"]).status_code == 200 and len(list(results.iterdir())) == 2
    # The first photo went with its only job; the second stays for the jobs that read it.
    assert client.post("/api/jobs/photo", json={"upload": first["id"]}).status_code == 404
    assert {path.name for path in (tmp_path / "workspace" / "uploads").iterdir()} == {second["id"]}


def test_results_and_uploads_nobody_uses_go_after_the_idle_time(client, tmp_path, photo):
    picture, unused = upload(client, photo, "used.jpg"), upload(client, photo, "unused.jpg")
    job = wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"]}).json())
    workspace = tmp_path / "workspace"
    client.app.state.remove_idle(time.monotonic())  # nothing is idle yet
    assert len(list((workspace / "uploads").iterdir())) == 2 and len(list((workspace / "results").iterdir())) == 1
    client.app.state.remove_idle(time.monotonic() + IDLE_SECONDS + 1)
    assert list((workspace / "uploads").iterdir()) == [] and list((workspace / "results").iterdir()) == []
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404
    assert client.post("/api/jobs/photo", json={"upload": unused["id"]}).status_code == 404


def raw_upload(port: int, head_size: int, sent: bytes, path: str = "/api/uploads?name=clip.mp4") -> socket.socket:
    """A connection that announces a body of ``head_size`` bytes and sends only ``sent``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {head_size}\r\n\r\n".encode()
        + sent
    )
    return sock


def answer(sock: socket.socket) -> bytes:
    """All the server says until it closes the connection."""
    said = b""
    while chunk := sock.recv(4096):
        said += chunk
    return said


def test_a_stalled_upload_is_answered_and_dropped_by_the_real_server(tmp_path, own_models):
    with served(tmp_path / "workspace", stall_seconds=1) as port, raw_upload(port, 10**5, b"x" * 1000) as sock:
        said = answer(sock)
        assert said.startswith(b"HTTP/1.1 408") and b"the upload stopped or slowed to a trickle" in said
        assert list((tmp_path / "workspace" / "uploads").iterdir()) == []


def test_other_requests_bodies_are_small_and_come_in_time(tmp_path, own_models):
    with served(tmp_path / "workspace", stall_seconds=1) as port:
        with raw_upload(port, 1000, b'{"upload": ', path="/api/jobs/photo") as sock:
            said = answer(sock)
            assert said.startswith(b"HTTP/1.1 408") and b"did not arrive within 1 s" in said
        with raw_upload(port, 10**9, b"{" * 100_000, path="/api/jobs/photo") as sock:
            said = answer(sock)
            assert said.startswith(b"HTTP/1.1 413") and b"larger than 65536 bytes" in said
        with raw_upload(port, 2, b"{}", path="/api/jobs/photo") as sock:  # read whole, handed on to the app
            assert sock.recv(4096).startswith(b"HTTP/1.1 422")  # the settings lack the upload


def test_an_upload_the_browser_breaks_off_is_one_line_in_the_log(tmp_path, own_models, caplog):
    with served(tmp_path / "workspace") as port:
        raw_upload(port, 10**5, b"x" * 1000).close()
        wait_until(
            lambda: any("broken off" in record.getMessage() for record in caplog.records),
            60,
            "word of the broken upload",
        )
    [line] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert line.getMessage() == "an upload of clip.mp4 was broken off by the browser" and line.exc_info is None
    assert list((tmp_path / "workspace" / "uploads").iterdir()) == []


@pytest.mark.parametrize("side", [30000, 70000])
def test_a_bomb_upload_is_refused_from_its_header_without_taking_memory(tmp_path, side):
    """A 30000x30000 PNG (before the limit its photo job took the server past 5 GB) and a
    70000x70000 one (past OpenCV's own limit: its job failed as "a bug in streamart")."""
    bomb = png_bomb(tmp_path / "bomb.png", side, side)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    growth, outcome, _ = memory_growth(
        f"""
        response = client.post("/api/uploads", params={{"name": "bomb.png"}}, content=open({str(bomb)!r}, "rb").read())
        result = (response.status_code, response.json()["error"])
        """,
        setup=f"""
        from pathlib import Path
        from fastapi.testclient import TestClient
        from streamart.web.app import create_app
        client = TestClient(
            create_app(Path({str(workspace)!r}), max_upload_bytes=20 * 10**6), base_url={ADDRESS!r}
        ).__enter__()
        """,
    )
    assert outcome == "returned " + repr(
        (
            413,
            f"bomb.png is {side}x{side} pixels ({side * side / 1e6:.0f} megapixels), more than the limit of 150 "
            "megapixels that keeps decoding it within memory; use a smaller one, or start the app with 'streamart ui "
            f"--max-pixels {side * side}'",
        )
    )
    assert growth < 200 * 2**20
    assert list((workspace / "uploads").iterdir()) == []


def test_a_video_upload_over_the_apps_pixel_limit_is_refused(tmp_path, own_models, clip):
    """The limit lowered below a small clip's frames (real 20000x20000 video cannot be made
    cheaply): refused from the container's frame size."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for limit, status in ((64 * 48, 200), (64 * 48 - 1, 413)):
        with TestClient(create_app(workspace, max_pixels=limit), base_url=ADDRESS) as client:
            response = client.post("/api/uploads", params={"name": "clip.mp4"}, content=clip.read_bytes())
            assert response.status_code == status
    assert response.json()["error"].startswith("a frame of clip.mp4 is 64x48 pixels (0.00307 megapixels), more than")


@pytest.mark.parametrize(
    "choices",
    [
        {},
        {"size": 360, "strength": 0.8, "preserve_color": True, "temporal": 0.7},
        {"size": None, "temporal": 0.0},
    ],
)
def test_the_cli_and_the_web_app_build_the_same_look_for_the_same_choices(own_models, choices):
    from streamart.cli import build_parser
    from streamart.cli.options import look_config
    from streamart.config import LookConfig
    from streamart.web.app import VideoRequest, look_of
    from streamart.web.gallery import Gallery

    style = Gallery().find("charcoal")
    options = {"size": "--size", "strength": "--strength", "temporal": "--temporal"}
    argv = ["video", "in.mp4", "out.mp4", "--style", str(style.path)]
    for name, value in choices.items():
        if name == "preserve_color":
            argv.append("--preserve-color")
        else:
            argv += [options[name], "full" if value is None else str(value)]
    from_the_page = look_of(VideoRequest(upload="ab12", style="charcoal", **choices), style)
    from_the_command_line = look_config(build_parser().parse_args(argv))
    assert isinstance(from_the_page, LookConfig) and from_the_page == from_the_command_line
