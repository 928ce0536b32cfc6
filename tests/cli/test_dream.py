"""`streamart dream` end to end."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from streamart.cli import main


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A 96 x 72 PNG: colour ramps and a bright disc."""
    y, x = np.mgrid[0:72, 0:96].astype(np.float32)
    disc = ((x - 60) ** 2 + (y - 30) ** 2 < 15**2) * 120.0
    bgr = np.stack([140 - disc / 2, 60 + 1.6 * y, 60 + 1.2 * x + disc], axis=-1)
    path = tmp_path / "in.png"
    cv2.imwrite(str(path), np.clip(bgr, 0, 255).astype(np.uint8))
    return path


def test_dream_writes_the_picture(photo, tmp_path, capsys):
    out = tmp_path / "out.png"
    args = [
        "dream",
        str(photo),
        str(out),
        "--preset",
        "patterns",
        "--octaves",
        "1",
        "--steps",
        "2",
        "--long-side",
        "64",
        "--seed",
        "1",
    ]
    assert main(args) == 0
    result = cv2.imread(str(out))
    assert result.shape == (48, 64, 3)
    source = cv2.resize(cv2.imread(str(photo)), (64, 48), interpolation=cv2.INTER_AREA)
    assert np.abs(result.astype(np.float32) - source).mean() > 1  # it dreamt
    assert "dreaming" in capsys.readouterr().err  # the progress bar
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_existing_output_needs_overwrite(photo, tmp_path, capsys):
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    assert main(["dream", str(photo), str(out), "--steps", "1", "--octaves", "1", "-q"]) == 3
    assert "error:" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert main(["dream", str(photo), str(out), "--steps", "1", "--octaves", "1", "-q", "-y"]) == 0
    assert cv2.imread(str(out)).shape == (72, 96, 3)


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--layer", "relu7_1"], 2, "no network has all of the layers relu7_1"),
        (["--class", "5", "--network", "vgg16"], 2, "--network efficientnet_lite0"),
        (["--device", "cuda:9"], 5, "cuda"),
        (["--step-size", "inf"], 2, "step size must be above 0 and at most 255"),
    ],
)
def test_user_mistakes_are_one_line_errors(photo, tmp_path, capsys, extra, code, message):
    assert main(["dream", str(photo), str(tmp_path / "o.png"), "-q", *extra]) == code
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and "Traceback" not in err
    assert not (tmp_path / "o.png").exists()


def test_missing_input(tmp_path, capsys):
    assert main(["dream", str(tmp_path / "nope.jpg"), str(tmp_path / "o.png"), "-q"]) == 2
    assert "nope.jpg" in capsys.readouterr().err


def test_the_old_size_option_still_means_the_long_side_with_a_warning(photo, tmp_path, caplog):
    out = tmp_path / "out.png"
    args = ["dream", str(photo), str(out), "--octaves", "1", "--steps", "1", "--size", "48"]
    assert main(args) == 0
    assert cv2.imread(str(out)).shape == (36, 48, 3)
    assert "--size is deprecated" in caplog.text and "use --long-side" in caplog.text
