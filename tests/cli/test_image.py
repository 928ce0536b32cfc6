"""`streamart image --method gatys` on the real VGG16 (tiny sizes)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streamart.cli import main


@pytest.mark.slow
def test_gatys_from_the_command_line(tmp_path):
    rng = np.random.default_rng(0)
    content = cv2.resize(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8), (48, 36), interpolation=cv2.INTER_CUBIC)
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::6] = (255, 40, 0)
    cv2.imwrite(str(tmp_path / "content.png"), content)
    cv2.imwrite(str(tmp_path / "style.png"), stripes)
    out = tmp_path / "out.png"
    code = main([
        "image", str(tmp_path / "content.png"), str(out), "--method", "gatys",
        "--style", str(tmp_path / "style.png"), "--iterations", "5", "--device", "cpu", "-q",
    ])
    assert code == 0
    result = cv2.imread(str(out))
    assert result.shape == content.shape
    assert np.abs(result.astype(int) - content.astype(int)).mean() > 1  # the optimisation changed it


def write_pictures(folder):
    """content.png (48 x 64) and style.png (64 x 64 stripes) in ``folder``."""
    rng = np.random.default_rng(0)
    content = cv2.resize(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::6] = (255, 40, 0)
    cv2.imwrite(str(folder / "content.png"), content)
    cv2.imwrite(str(folder / "style.png"), stripes)


@pytest.mark.parametrize(
    ("style", "message"),
    [
        (np.zeros((40, 40, 3), np.uint8) + 90, "style picture 1 is only 40x40 px; give one at least 64 px"),
        (np.full((80, 80, 3), 200, np.uint8), "style picture 1 is one flat colour"),
        (b"not a picture", "is not an image OpenCV can decode"),
    ],
)
def test_a_style_that_is_no_painting_is_one_line(tmp_path, capsys, style, message):
    write_pictures(tmp_path)
    bad = tmp_path / "bad.png"
    if isinstance(style, bytes):
        bad.write_bytes(style)
    else:
        cv2.imwrite(str(bad), style)
    out = tmp_path / "out.png"
    code = main(["image", str(tmp_path / "content.png"), str(out), "--method", "gatys", "--style", str(bad), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize("iterations", ["0", "-3", "nan", "inf", "2.5"])
def test_iterations_that_are_no_step_count_are_refused(tmp_path, capsys, iterations):
    write_pictures(tmp_path)
    out = tmp_path / "out.png"
    with pytest.raises(SystemExit) as caught:
        main([
            "image", str(tmp_path / "content.png"), str(out), "--method", "gatys",
            "--style", str(tmp_path / "style.png"), f"--iterations={iterations}",
        ])
    assert caught.value.code == 2 and not out.exists()
    assert "argument --iterations: expected a" in capsys.readouterr().err
