"""The web app under test: FastAPI's TestClient on an app with its workspace in tmp_path, the
user's own models (one with a painting thumbnail) and a few files to upload."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from model_factory import make_style_model
from waiting import wait_until

from streamart.web import DEFAULT_PORT
from streamart.web.app import create_app, listen
from streamart.web.hosts import OwnNames
from streamart.web.gallery import demo_photo

#: The upload limit of the test app: small, so that the limit tests send little.
LIMIT = 1_000_000
#: Where the test client sends its requests: the address the app answers to by default.
ADDRESS = f"http://127.0.0.1:{DEFAULT_PORT}"
#: The live view's WebSocket there (the test client's websocket_connect ignores its base_url).
LIVE = f"ws://127.0.0.1:{DEFAULT_PORT}/api/live"


def painting_jpeg() -> bytes:
    """A small 'painting': saturated diagonal stripes."""
    y, x = np.mgrid[0:64, 0:64]
    palette = np.array([[30, 40, 230], [40, 210, 250], [200, 60, 30]], np.uint8)  # BGR
    return cv2.imencode(".jpg", palette[((x + y) // 8) % 3])[1].tobytes()


@pytest.fixture
def own_models(tmp_path, monkeypatch) -> Path:
    """A $STREAMART_MODELS folder: 'charcoal' carries a thumbnail of its painting, 'mosaic'
    none."""
    folder = tmp_path / "models"
    folder.mkdir()
    thumbnail = base64.b64encode(painting_jpeg()).decode()
    make_style_model(folder / "charcoal.onnx", seed=1, metadata={"streamart.thumbnail": thumbnail})
    make_style_model(folder / "mosaic.onnx", seed=2)
    monkeypatch.setenv("STREAMART_MODELS", str(folder))
    return folder


@pytest.fixture
def client(tmp_path, own_models):
    """A client of a running app (its job queue serves) whose workspace is tmp_path/workspace."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with TestClient(create_app(workspace, max_upload_bytes=LIMIT), base_url=ADDRESS) as client:
        yield client


@pytest.fixture
def photo() -> bytes:
    return demo_photo()


def upload(client: TestClient, data: bytes, name: str) -> dict:
    response = client.post("/api/uploads", params={"name": name}, content=data)
    assert response.status_code == 200, response.text
    return response.json()


def wait(client: TestClient, job: dict, *, until=("done", "failed", "cancelled"), timeout: float = 120) -> dict:
    """Poll a job as the page does until it reaches one of the ``until`` states."""

    def reached() -> dict | None:
        latest = client.get(f"/api/jobs/{job['id']}").json()
        return latest if latest["state"] in until else None

    return job if job["state"] in until else wait_until(reached, timeout, f"job {job['id']} reaching {until}")


@contextmanager
def served(workspace: Path, **options) -> Iterator[int]:
    """``create_app(workspace, **options)`` served by a real uvicorn on a real socket of
    127.0.0.1 (in a thread of the test, so that its log reaches caplog); yields its port."""
    import uvicorn

    with listen("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        app = create_app(workspace, own=OwnNames.of("127.0.0.1", port), **options)
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, timeout_graceful_shutdown=5))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn")
        thread.start()
        try:

            def started() -> bool:
                assert thread.is_alive(), "uvicorn stopped while starting"
                return server.started

            wait_until(started, 60, "uvicorn's start")
            yield port
        finally:
            server.should_exit = True
            thread.join(60)
