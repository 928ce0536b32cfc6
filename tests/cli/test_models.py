"""`streamart models`: the shipped styles, the default marked, models from $STREAMART_MODELS."""

from __future__ import annotations

import pytest
from model_factory import make_style_model

from streamart.assets.models import DEFAULT_STYLE
from streamart.cli import main


@pytest.fixture
def own_models(tmp_path, monkeypatch):
    """A $STREAMART_MODELS folder with two models of ours, and an empty cache."""
    folder = tmp_path / "models"
    folder.mkdir()
    make_style_model(folder / "charcoal-full.onnx")
    make_style_model(folder / "mosaic.onnx")
    monkeypatch.setenv("STREAMART_MODELS", str(folder))
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    return folder


def test_models_command_lists_the_default(capsys):
    assert main(["models"]) == 0
    # The styles come first; the dream networks, if any ship, after a blank line.
    lines = capsys.readouterr().out.split("\n\n")[0].splitlines()
    # The names that --style takes, as the README uses them; the variant is a column.
    assert any(line.split()[0] == DEFAULT_STYLE and "(default)" in line for line in lines)
    assert len(lines) >= 20
    # Columns stay apart however long a name is: name, variant, size.
    assert all(line.split()[1] == "cpu" and line.split()[3] == "MB" for line in lines)


def test_models_from_the_environment_are_listed_with_variant_and_size(own_models, capsys):
    assert main(["models"]) == 0
    styles = capsys.readouterr().out.split("\n\n")[0]  # the dream networks, if any, follow
    lines = {line.split()[0]: line for line in styles.splitlines()}
    assert {"charcoal", "mosaic", DEFAULT_STYLE} <= set(lines)
    assert lines["charcoal"].split()[1] == "full"
    assert lines["mosaic"].split()[1:] == ["0.00", "MB"]  # no variant; a tiny file
    assert [name for name, line in lines.items() if "(default)" in line] == [DEFAULT_STYLE]
    assert list(lines) == sorted(lines)


def test_paths_shows_where_each_model_is(own_models, capsys):
    assert main(["models", "--paths"]) == 0
    lines = capsys.readouterr().out.split("\n\n")[0].splitlines()
    paths = {line.split()[0]: line.rsplit("  ", 1)[1] for line in lines}
    assert paths["charcoal"] == str(own_models / "charcoal-full.onnx")
    assert paths["mosaic"] == str(own_models / "mosaic.onnx")
    assert paths[DEFAULT_STYLE].endswith(f"{DEFAULT_STYLE}-cpu.onnx")


def test_only_the_model_that_is_used_is_marked_default(own_models, capsys):
    make_style_model(own_models / f"{DEFAULT_STYLE}-full.onnx")  # the GPU variant beside the CPU one
    assert main(["models"]) == 0
    marked = [line.split()[:2] for line in capsys.readouterr().out.splitlines() if "(default)" in line]
    assert marked == [[DEFAULT_STYLE, "cpu"]]  # this machine has no GPU
