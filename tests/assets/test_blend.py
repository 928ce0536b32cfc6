"""Style blends: weights interpolated between models of one family (streamart/assets/blend.py)."""

from __future__ import annotations

import numpy as np
import pytest

from model_factory import make_escaping_model, make_style_model, reference_style
from streamart.assets.blend import blend_models, parse_blend
from streamart.assets.models import resolve_model
from streamart.cli import main
from streamart.errors import InputError, ModelError
from streamart.runtimes.onnx import OnnxModel
from streamart.stages.style import StyleModel


@pytest.fixture
def family(tmp_path, monkeypatch):
    """Two tiny models of one family (one base), and one of another, in $STREAMART_MODELS."""
    monkeypatch.setenv("STREAMART_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    (tmp_path / "models").mkdir()
    make_style_model(tmp_path / "models" / "warm.onnx", seed=1, base="base-1")
    make_style_model(tmp_path / "models" / "cold.onnx", seed=2, base="base-1")
    make_style_model(tmp_path / "models" / "alien.onnx", seed=3, base="base-2")
    return tmp_path / "models"


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("starry_night", None),
        ("C:\\models\\mine.onnx", None),  # a drive letter is not a weight
        ("starry_night:0.6,the_scream:0.4", [("starry_night", 0.6), ("the_scream", 0.4)]),
        ("a:3, b:1", [("a", 0.75), ("b", 0.25)]),  # weights are shares
        ("a:1", [("a", 1.0)]),
    ],
)
def test_blend_specs_are_read(spec, parsed):
    result = parse_blend(spec)
    assert result == (None if parsed is None else [(name, pytest.approx(weight)) for name, weight in parsed])


@pytest.mark.parametrize("spec", ["a:0.5,b", "a:x,b:1", "a:-1,b:2", "a:0,b:0", "a:inf,b:1", "a:nan,b:1"])
def test_bad_blend_specs_are_input_errors(spec):
    with pytest.raises(InputError, match="style blend"):
        parse_blend(spec)


def stylize(path, image):
    return StyleModel(path, device="cpu")(image)


def test_weights_one_and_zero_give_the_first_model_exactly(family):
    image = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    blended = resolve_model("warm:1,cold:0")
    np.testing.assert_array_equal(stylize(blended, image), stylize(family / "warm.onnx", image))


def test_a_blend_interpolates_the_weights(family):
    # The tiny style is linear in its weights, so half of each network paints half of each
    # picture: the blend's output is the mean of the two outputs (the reference in numpy).
    image = np.random.default_rng(1).integers(0, 256, (56, 72, 3), dtype=np.uint8)  # over MIN_SIDE: no padding
    result = stylize(resolve_model("warm:0.5,cold:0.5"), image).astype(np.float32)
    expected = np.clip(0.5 * reference_style(image, seed=1) + 0.5 * reference_style(image, seed=2), 0, 255)
    assert np.abs(result - expected).max() <= 1.0
    assert np.abs(result - stylize(family / "warm.onnx", image)).mean() > 1  # not one of them


def test_a_blend_is_written_once_and_reused(family, tmp_path):
    first = resolve_model("warm:0.3,cold:0.7")
    assert first.parent == tmp_path / "cache" / "blends"
    mtime = first.stat().st_mtime_ns
    assert resolve_model("warm:0.3,cold:0.7") == first and first.stat().st_mtime_ns == mtime
    assert resolve_model("warm:0.7,cold:0.3") != first


def test_models_of_different_families_are_refused_by_name(family):
    with pytest.raises(
        ModelError, match=r"warm, alien cannot be blended: .*\(their streamart.base: warm: base-1; alien: base-2\)"
    ):
        resolve_model("warm:0.5,alien:0.5")


def test_models_of_different_shapes_are_refused(family):
    make_style_model(family / "other.onnx", seed=4, base="base-1", channels=1)
    with pytest.raises(ModelError, match="differ in shape"):
        blend_models([family / "warm.onnx", family / "other.onnx"], [0.5, 0.5])


def test_an_unknown_style_in_a_blend_is_named(family):
    with pytest.raises(ModelError, match="unknown style 'nosuch'"):
        resolve_model("warm:0.5,nosuch:0.5")


def test_a_blend_member_is_checked_as_a_single_model_is(family, capsys):
    escaping = make_escaping_model(family / "escaping.onnx", seed=4, base="base-1")
    with pytest.raises(ModelError) as single:
        OnnxModel(escaping, device="cpu")
    assert "escapes model directory" in str(single.value)
    with pytest.raises(ModelError) as blended:
        resolve_model("warm:0.5,escaping:0.5")
    assert str(blended.value) == str(single.value)  # the same one-line error, not onnx's ValidationError
    import cv2

    photo = family / "in.png"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    assert main(["image", str(photo), str(family / "out.png"), "--style", "warm:0.5,escaping:0.5"]) == 4
    err = capsys.readouterr().err
    assert err == f"error: {single.value}\n"


def test_the_cli_stylizes_with_a_blend(family, tmp_path):
    import cv2

    photo = tmp_path / "in.png"
    cv2.imwrite(str(photo), np.random.default_rng(2).integers(0, 256, (40, 60, 3), dtype=np.uint8))
    assert main(["image", str(photo), str(tmp_path / "out.png"), "--style", "warm:0.6,cold:0.4"]) == 0
    assert cv2.imread(str(tmp_path / "out.png")).shape == (40, 60, 3)


def test_the_shipped_styles_blend_into_a_style_between_them(tmp_path, monkeypatch):
    # The zoo is fine-tuned from one shipped base, so any two of its styles blend; the blend
    # paints unlike either of them, and unlike a cross-fade of their two pictures.
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    ys, xs = np.mgrid[0:96, 0:128]
    image = np.stack([60 + xs, 80 + ys, 140 + 0 * xs], axis=-1).astype(np.uint8)
    first, second = (stylize(resolve_model(name), image).astype(np.float32) for name in ("starry_night", "the_scream"))
    blend = stylize(resolve_model("starry_night:0.5,the_scream:0.5"), image).astype(np.float32)
    assert min(np.abs(blend - first).mean(), np.abs(blend - second).mean()) > 5
    assert np.abs(blend - (first + second) / 2).mean() > 2
