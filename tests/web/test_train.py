"""The New style tab's routes: a painting uploaded, named and trained into the user's model
folder as a job, with progress and cancel; names checked before anything runs.

Real training runs, made tiny by the settings the app passes on (``create_app(training=...)``):
the lite network from random weights, two 32-pixel steps on three generated photos, one thread.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from waiting import wait_until

from streamart import api
from streamart.web.app import create_app

from .conftest import ADDRESS, LIMIT, painting_jpeg, upload, wait


@pytest.fixture
def tiny(content_dir, tmp_path) -> dict[str, object]:
    """TrainingConfig settings for a run of seconds; checkpoints under tmp_path, not the cache."""
    return {
        "data": content_dir,
        "from_scratch": True,
        "variant": "lite",
        "iterations": 2,
        "image_size": 32,
        "batch_size": 1,
        "threads": 1,
        "device": "cpu",
        "checkpoint_dir": tmp_path / "checkpoints",
    }


@pytest.fixture
def app_client(tmp_path, own_models):
    """``app_client(**training) -> context manager of a TestClient`` of an app training with
    those settings."""

    @contextmanager
    def make(**training):
        workspace = tmp_path / "workspace"
        workspace.mkdir(exist_ok=True)
        with TestClient(create_app(workspace, max_upload_bytes=LIMIT, training=training), base_url=ADDRESS) as client:
            yield client

    return make


@pytest.fixture
def client(app_client, tiny):
    with app_client(**tiny) as client:
        yield client


def png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def test_a_painting_becomes_a_style_in_the_gallery_and_replacing_it_is_asked_for(client, own_models):
    painting = upload(client, painting_jpeg(), "Water Lilies.jpg")
    assert client.get("/api/train/name", params={"upload": painting["id"]}).json() == {
        "name": "water_lilies",
        "replaces": False,
    }
    job = client.post("/api/jobs/train", json={"upload": painting["id"]}).json()
    assert (job["kind"], job["style"], job["download_name"]) == ("train", "water_lilies", "water_lilies.onnx")
    job = wait(client, job)
    assert job["state"] == "done", job["error"]
    assert (job["done"], job["total"], job["unit"], job["fraction"]) == (2, 2, "steps", 1.0)
    model = own_models / "water_lilies.onnx"
    assert model.is_file() and api.style_metadata(model)["streamart.style"] == "water_lilies"
    assert client.get(job["result"], params={"download": True}).content == model.read_bytes()

    styles = {style["name"]: style for style in client.get("/api/styles").json()}
    assert styles["water_lilies"]["own"] and styles["water_lilies"]["title"] == "water lilies"
    sample = client.get(styles["water_lilies"]["sample"])
    assert sample.status_code == 200 and cv2.imdecode(np.frombuffer(sample.content, np.uint8), 1).shape == (256, 256, 3)

    # Again under the same name: refused until the page says to replace it.
    assert client.get("/api/train/name", params={"upload": painting["id"], "name": "Water lilies"}).json() == {
        "name": "water_lilies",
        "replaces": True,
    }
    refused = client.post("/api/jobs/train", json={"upload": painting["id"], "name": "water lilies"})
    assert refused.status_code == 409 and refused.json()["style"] == "water_lilies"
    assert "tick 'Replace my existing style water_lilies'" in refused.json()["error"]
    before = model.stat().st_mtime_ns
    job = wait(client, client.post("/api/jobs/train", json={"upload": painting["id"], "overwrite": True}).json())
    assert job["state"] == "done", job["error"]
    assert model.stat().st_mtime_ns != before
    again = {style["name"]: style for style in client.get("/api/styles").json()}["water_lilies"]
    assert again["sample"] != styles["water_lilies"]["sample"]  # a new address: no stale picture in the browser


def test_cancelled_training_keeps_its_checkpoint_makes_no_style_and_the_server_goes_on(
    app_client, tiny, own_models, photo, caplog
):
    with app_client(**{**tiny, "iterations": 100_000}) as client:
        painting = upload(client, painting_jpeg(), "endless.jpg")
        job = client.post("/api/jobs/train", json={"upload": painting["id"]}).json()

        def stepped() -> dict | None:
            latest = client.get(f"/api/jobs/{job['id']}").json()
            assert latest["state"] in ("queued", "running"), latest
            return latest if latest["state"] == "running" and latest["done"] >= 1 else None

        job = wait_until(stepped, 120, "the training's first step")  # a step done: it really trains
        assert job["total"] == 100_000 and job["elapsed"] > 0
        busy = client.post("/api/jobs/train", json={"upload": painting["id"], "name": "Endless"})
        assert busy.status_code == 400 and "'endless' is being trained already" in busy.json()["error"]
        assert client.delete(f"/api/jobs/{job['id']}").status_code == 200
        job = wait(client, job)
        assert job["state"] == "cancelled" and job["error"] is None and 1 <= job["done"] < 100_000
        assert not (own_models / "endless.onnx").exists()
        assert (Path(tiny["checkpoint_dir"]) / "last.pt").is_file()
        assert "--resume" not in caplog.text  # a command to type is no advice in the web app
        # Training stops by raising KeyboardInterrupt: caught in the job, the server is unharmed.
        picture = upload(client, photo, "astronaut.jpg")
        assert wait(client, client.post("/api/jobs/photo", json={"upload": picture["id"]}).json())["state"] == "done"


@pytest.mark.parametrize(
    "name, image, message",
    [
        (
            "tiny.png",
            np.random.default_rng(0).integers(0, 256, (40, 40, 3), np.uint8),
            "the style picture tiny.png is 40x40: too small",
        ),
        ("grey.png", np.full((128, 128, 3), 128, np.uint8), "the style picture grey.png is flat (almost one colour)"),
    ],
)
def test_a_picture_nothing_can_be_learnt_from_fails_in_one_line(client, own_models, name, image, message):
    painting = upload(client, png(image), name)
    job = wait(client, client.post("/api/jobs/train", json={"upload": painting["id"]}).json())
    assert job["state"] == "failed" and job["error"].startswith(message), job["error"]
    assert "\n" not in job["error"] and "/uploads/" not in job["error"] and "Traceback" not in job["error"]
    assert not (own_models / f"{Path(name).stem}.onnx").exists()


@pytest.mark.parametrize(
    "request_, status, message",
    [
        (
            {"name": "Starry Night"},
            400,
            "'starry_night' is the name of a style that comes with streamart; choose another name",
        ),
        (
            {"name": "charcoal"},
            409,
            "you already have a style named 'charcoal': tick 'Replace my existing style charcoal'",
        ),
        ({"name": "?!"}, 400, "'?!' gives no style name; choose a name with letters or digits"),
        (
            {"name": "梵" * 100},
            422,
            "the style name '" + "梵" * 24 + "…' takes 300 bytes, but file names hold only 200",
        ),
        ({"name": "x" * 101}, 422, "Name must be at most 100 characters long"),
        ({"upload": "0123456789abcdef"}, 404, "the painting is no longer on the server"),
    ],
)
def test_names_that_are_taken_or_empty_are_refused_before_anything_runs(client, own_models, request_, status, message):
    painting = upload(client, painting_jpeg(), "stripes.jpg")
    before = (own_models / "charcoal.onnx").read_bytes()
    response = client.post("/api/jobs/train", json={"upload": painting["id"], **request_})
    assert response.status_code == status and response.json()["error"].startswith(message), response.json()
    check = client.get("/api/train/name", params={"upload": painting["id"], **request_})
    if status != 409:  # the check before training says the same (the one for 409 answers 'replaces')
        assert check.json()["error"] == response.json()["error"]
    assert (own_models / "charcoal.onnx").read_bytes() == before


def test_a_video_is_no_painting(client, clip):
    video = upload(client, clip.read_bytes(), "clip.mp4")
    response = client.post("/api/jobs/train", json={"upload": video["id"]})
    assert (
        response.status_code == 415 and response.json()["error"] == "clip.mp4 is a video; the painting must be an image"
    )


def test_without_torch_the_page_is_told_why_and_training_is_refused_at_once(client, monkeypatch):
    assert client.get("/api/info").json()["training_unavailable"] is None
    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed
    reason = client.get("/api/info").json()["training_unavailable"]
    assert reason == "training a style needs torch, which is not installed: pip install 'streamart[torch]'"
    painting = upload(client, painting_jpeg(), "stripes.jpg")
    response = client.post("/api/jobs/train", json={"upload": painting["id"]})
    assert response.status_code == 400 and response.json()["error"] == reason
