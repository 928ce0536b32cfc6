"""The gallery on its own: every model found, thumbnails from the metadata, samples made once."""

from __future__ import annotations

import asyncio

import pytest
from model_factory import make_style_model

from streamart.assets.models import DEFAULT_STYLE
from streamart.errors import ModelError
from streamart.web import gallery as gallery_module
from streamart.web.gallery import Gallery, demo_photo
from streamart.ops.image import decode_jpeg

from .conftest import painting_jpeg


def test_every_model_found_is_a_style_and_the_users_own_are_marked(own_models):
    styles = {style.name: style for style in Gallery().styles()}
    assert {"charcoal", "mosaic", f"{DEFAULT_STYLE}-cpu", "the_scream-cpu"} <= set(styles)
    assert styles["charcoal"].own and not styles["the_scream-cpu"].own
    assert (styles["the_scream-cpu"].style, styles["the_scream-cpu"].variant) == ("the_scream", "cpu")
    listing = asyncio.run(Gallery().listing())
    assert [entry["name"] for entry in listing] == sorted(entry["name"] for entry in listing)
    assert {entry["name"]: entry["title"] for entry in listing}["the_scream-cpu"] == "the scream"


def test_only_listed_names_are_found_never_paths(own_models):
    gallery = Gallery()
    assert gallery.find("mosaic").path == own_models / "mosaic.onnx"
    assert gallery.find(None).name == f"{DEFAULT_STYLE}-cpu"
    for name in (str(own_models / "mosaic.onnx"), "mosaic.onnx", "../models/mosaic", ""):
        with pytest.raises(ModelError, match="unknown style"):
            gallery.find(name)


def test_a_model_added_while_the_app_runs_appears(own_models):
    gallery = Gallery()
    make_style_model(own_models / "late.onnx")
    assert gallery.find("late").own


def test_thumbnails_come_from_the_metadata(own_models):
    gallery = Gallery()
    assert asyncio.run(gallery.thumbnail(gallery.find("charcoal"))) == painting_jpeg()
    assert asyncio.run(gallery.thumbnail(gallery.find("mosaic"))) is None
    make_style_model(own_models / "garbled.onnx", metadata={"streamart.thumbnail": "not base64!"})
    assert asyncio.run(gallery.thumbnail(gallery.find("garbled"))) is None


def test_a_sample_is_the_demo_photo_stylized_once_per_model(own_models, monkeypatch):
    made = []
    make = gallery_module._sample
    monkeypatch.setattr(gallery_module, "_sample", lambda path: made.append(path) or make(path))
    gallery = Gallery()

    async def twice():
        style = gallery.find("charcoal")
        return await asyncio.gather(gallery.sample(style), gallery.sample(style))

    first, second = asyncio.run(twice())
    assert first == second and made == [own_models / "charcoal.onnx"]
    sample, demo = decode_jpeg(first), decode_jpeg(demo_photo())
    assert sample.shape == demo.shape == (256, 256, 3)
    assert abs(sample.astype(int) - demo).mean() > 3  # stylized, not the photo itself


def test_a_broken_model_has_no_sample_and_says_why(own_models):
    (own_models / "broken.onnx").write_bytes(b"nonsense")
    gallery = Gallery()
    with pytest.raises(ModelError, match="not a usable ONNX model"):
        asyncio.run(gallery.sample(gallery.find("broken")))
    assert asyncio.run(gallery.thumbnail(gallery.find("broken"))) is None
