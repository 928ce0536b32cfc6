"""The live view over its WebSocket: frames come back stylized with their numbers, settings
apply to the next frame, frames the server cannot keep up with are dropped, not queued."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from bombs import jpeg_bomb, memory_growth
from model_factory import make_dream_model, make_style_model, reference_style

from streamart.art.dream_settings import PRESETS

from streamart.errors import InputError, ModelError
from streamart.web.gallery import Gallery
from streamart.web.live import LiveSession

from .conftest import ADDRESS, LIVE


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).astype(int)


def frame(ws, photo: bytes) -> tuple[dict, np.ndarray]:
    ws.send_bytes(photo)
    stats = json.loads(ws.receive_text())
    return stats, decode(ws.receive_bytes())


def test_frames_come_back_stylized_and_settings_apply_to_the_next_one(client, photo):
    original = decode(photo)
    with client.websocket_connect(LIVE) as ws:
        ws.send_text(json.dumps({"style": "charcoal", "temporal": False}))
        stats, charcoal = frame(ws, photo)
        assert stats == {"frame": 1, "ms": stats["ms"], "dropped": 0} and stats["ms"] >= 1
        assert charcoal.shape == original.shape and np.abs(charcoal - original).mean() > 5
        ws.send_text(json.dumps({"style": "mosaic"}))
        stats, mosaic = frame(ws, photo)
        assert stats["frame"] == 2 and np.abs(mosaic - charcoal).mean() > 3
        ws.send_text(json.dumps({"strength": 0}))
        _, unchanged = frame(ws, photo)
        assert np.abs(unchanged - original).mean() < 2  # the camera's own picture (JPEG twice)


def test_frames_that_arrive_while_one_is_stylized_are_dropped_not_queued(client, photo):
    with client.websocket_connect(LIVE) as ws:
        for _ in range(10):
            ws.send_bytes(photo)
        stats = {"frame": 0, "dropped": 0}
        while stats["frame"] + stats["dropped"] < 10:
            stats = json.loads(ws.receive_text())
            ws.receive_bytes()
    assert stats["frame"] < 10 and stats["dropped"] > 0


@pytest.mark.parametrize(
    "message, error",
    [
        ("{not json", "live settings must be JSON"),
        ('["style"]', "must be a JSON object"),
        ('{"strength": 5}', "strength must be a number from 0 to 1"),
        ('{"strength": true}', "strength must be a number from 0 to 1"),
        ('{"style": "/etc/passwd"}', "unknown style '/etc/passwd'"),
    ],
)
def test_bad_settings_are_answered_in_one_line_and_the_session_goes_on(client, photo, message, error):
    with client.websocket_connect(LIVE) as ws:
        ws.send_text(message)
        assert error in json.loads(ws.receive_text())["error"]
        stats, _ = frame(ws, photo)
        assert stats["frame"] == 1


def test_a_frame_that_is_not_a_picture_is_answered_and_skipped(client, photo):
    with client.websocket_connect(LIVE) as ws:
        ws.send_bytes(b"garbage")
        assert json.loads(ws.receive_text()) == {"error": "the frame is not a picture (expected JPEG bytes)"}
        stats, _ = frame(ws, photo)
        assert stats["frame"] == 1


def test_a_model_that_fails_is_reported_and_another_style_still_works(client, own_models, photo):
    make_style_model(own_models / "wrong.onnx", channels=1)
    with client.websocket_connect(LIVE) as ws:
        ws.send_text(json.dumps({"style": "wrong"}))
        ws.send_bytes(photo)
        assert "a style model takes RGB" in json.loads(ws.receive_text())["error"]
        ws.send_text(json.dumps({"style": "mosaic"}))
        stats, _ = frame(ws, photo)
        assert stats["frame"] == 1


def test_settings_become_the_stylizers_controls(own_models):
    session = LiveSession(websocket=None, gallery=Gallery())
    assert session.controls.model.endswith("starry_night-cpu.onnx")  # the default first
    session.apply('{"style": "mosaic", "strength": 0.25, "temporal": false}')
    controls = session.controls
    assert (controls.model, controls.strength, controls.temporal_enabled) == (
        str(own_models / "mosaic.onnx"),
        0.25,
        False,
    )
    make_style_model(own_models / "late.onnx")  # added while the session runs
    session.apply('{"style": "late"}')
    assert session.controls.model == str(own_models / "late.onnx")
    assert (session.controls.strength, session.controls.temporal_enabled) == (0.25, False)
    with pytest.raises(ModelError):
        session.apply('{"style": "nothing"}')
    with pytest.raises(InputError):
        session.apply('{"strength": -1}')


def test_a_frame_larger_than_a_camera_sends_is_refused_undecoded(tmp_path, own_models, photo):
    """A 16000x16000 JPEG of 5 kB as one live frame (it peaked at 7.7 GB); the session goes on."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    growth, outcome, _ = memory_growth(
        f"""
        ws.send_bytes({jpeg_bomb(16000, 16000)!r})
        result = json.loads(ws.receive_text())
        """,
        setup=f"""
        import json
        from pathlib import Path
        from fastapi.testclient import TestClient
        from streamart.web.app import create_app
        client = TestClient(create_app(Path({str(workspace)!r})), base_url={ADDRESS!r}).__enter__()
        ws = client.websocket_connect({LIVE!r}).__enter__()
        """,
    )
    assert outcome == "returned " + repr(
        {
            "error": "the frame is 16000x16000 pixels (256 megapixels), more than the limit of 8.85 megapixels that "
            "keeps decoding it within memory; use a smaller one, as a camera sends (at most 4K)"
        }
    )
    assert growth < 200 * 2**20


def test_a_4k_frame_is_a_cameras(client):
    frame_4k = cv2.imencode(".jpg", np.zeros((2160, 4096, 3), np.uint8))[1].tobytes()
    with client.websocket_connect(LIVE) as ws:
        ws.send_bytes(frame_4k)
        stats = json.loads(ws.receive_text())
        assert stats["frame"] == 1 and decode(ws.receive_bytes()).shape == (2160, 4096, 3)


#: The seed of the tiny dream network's colour mix in :func:`dream_network`.
DREAM_SEED = 3


@pytest.fixture
def dream_network(own_models) -> Path:
    """A tiny dream network for creatures beside the styles (tests/model_factory.py)."""
    return make_dream_model(own_models / "dream_creatures.onnx", "creatures", seed=DREAM_SEED)


def test_a_dream_replaces_the_style_until_it_is_set_back(client, dream_network, photo):
    original = decode(photo)
    with client.websocket_connect(LIVE) as ws:
        ws.send_text(json.dumps({"style": "charcoal", "temporal": False, "dream": "creatures"}))
        _, dreamt = frame(ws, photo)
        # The network's picture of the frame (BGR here; JPEG both ways), not the style's.
        expected = reference_style(original[..., ::-1], seed=DREAM_SEED)[..., ::-1]
        assert np.abs(dreamt - expected).mean() < 4
        ws.send_text(json.dumps({"dream": None}))
        _, charcoal = frame(ws, photo)
        assert np.abs(charcoal - reference_style(original[..., ::-1], seed=1)[..., ::-1]).mean() < 4


def test_with_torch_a_preset_without_a_network_dreams_by_ascent(client, dream_network, photo):
    original = decode(photo)
    with client.websocket_connect(LIVE) as ws:
        ws.send_text(json.dumps({"dream": "swirls", "temporal": False}))
        _, dreamt = frame(ws, photo)
    assert dreamt.shape == original.shape
    assert np.abs(dreamt - original).mean() > 2  # the ascent drew into it
    assert np.abs(dreamt - reference_style(original[..., ::-1], seed=DREAM_SEED)[..., ::-1]).mean() > 4


def test_the_live_dreams_are_those_with_a_network_and_with_torch_every_preset(client, dream_network, monkeypatch):
    assert client.get("/api/info").json()["live_dreams"] == list(PRESETS)  # torch is here
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed
    assert client.get("/api/info").json()["live_dreams"] == ["creatures"]
    # The network is a dream, not a style: the gallery does not offer it.
    assert "dream_creatures" not in {style["name"] for style in client.get("/api/styles").json()}


def test_a_dream_not_offered_is_refused_in_one_line_and_the_session_goes_on(client, dream_network, photo, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # only the dreams with a network are offered
    with client.websocket_connect(LIVE) as ws:
        for dream in ("dogs", "../dream_creatures.onnx", 5):
            ws.send_text(json.dumps({"dream": dream}))
            assert json.loads(ws.receive_text()) == {
                "error": f"unknown dream {dream!r}; reload the page to see the dreams there are"
            }
        stats, _ = frame(ws, photo)
        assert stats["frame"] == 1


def test_a_style_chosen_while_dreaming_is_the_one_shown_after(own_models, dream_network):
    session = LiveSession(websocket=None, gallery=Gallery())
    session.apply('{"dream": "creatures", "strength": 0.5}')
    assert session.controls.models == () and session.controls.strength == 0.5
    session.apply('{"style": "mosaic"}')
    assert session.controls.models == ()  # still dreaming
    session.apply('{"dream": null}')
    assert session.controls.model == str(own_models / "mosaic.onnx") and session.controls.strength == 0.5
