"""`streamart image`: refusing bombs, and `--method gatys` on the real VGG16 (tiny sizes)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from bombs import memory_growth, png_bomb

from streamart.cli import main


@pytest.mark.slow
def test_gatys_from_the_command_line(tmp_path):
    write_pictures(tmp_path)
    content = cv2.imread(str(tmp_path / "content.png"))
    out = tmp_path / "out.png"
    code = main(
        [
            "image",
            str(tmp_path / "content.png"),
            str(out),
            "--method",
            "gatys",
            "--style",
            str(tmp_path / "style.png"),
            "--iterations",
            "5",
            "--device",
            "cpu",
            "-q",
        ]
    )
    assert code == 0
    result = cv2.imread(str(out))
    assert result.shape == content.shape
    assert np.abs(result.astype(int) - content.astype(int)).mean() > 1  # the optimisation changed it


def test_a_bomb_is_a_one_line_error_that_takes_no_memory(tmp_path):
    """A 30000x30000 PNG of 2.6 MB: before the limit, this command took past 5 GB."""
    bomb = png_bomb(tmp_path / "bomb.png", 30000, 30000)
    out = tmp_path / "out.png"
    growth, outcome, stderr = memory_growth(
        f"result = main(['image', {str(bomb)!r}, {str(out)!r}])", setup="from streamart.cli import main"
    )
    assert outcome == "returned 2"
    assert stderr.splitlines() == [
        f"error: the picture {bomb} is 30000x30000 pixels (900 megapixels), more than the limit of 150 megapixels "
        "that keeps decoding it within memory; use a smaller one, or raise the limit with --max-pixels 900000000"
    ]
    assert growth < 200 * 2**20
    assert not out.exists()


def test_a_picture_past_opencvs_own_limit_is_a_one_line_error(tmp_path, capsys):
    """70000x70000: refused by the limit; raised past it, refused by OpenCV, in one line too
    (it was a cv2.error traceback)."""
    bomb = png_bomb(tmp_path / "bomb.png", 70000, 70000)
    out = tmp_path / "out.png"
    assert main(["image", str(bomb), str(out)]) == 2
    assert "70000x70000 pixels (4900 megapixels)" in capsys.readouterr().err
    assert main(["image", str(bomb), str(out), "--max-pixels", str(10**10)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: OpenCV cannot decode {bomb} (it is larger than OpenCV's own limit, OPENCV_IO_MAX_IMAGE_PIXELS); "
        "use a smaller picture"
    ]
    assert not out.exists()


def test_max_pixels_lets_a_large_picture_through(tmp_path, tiny_model, capsys):
    picture = tmp_path / "picture.png"
    cv2.imwrite(str(picture), np.full((40, 60, 3), 128, np.uint8))
    out = tmp_path / "out.png"
    assert main(["image", str(picture), str(out), "--style", str(tiny_model), "--max-pixels", "2000"]) == 2
    assert "is 60x40 pixels" in capsys.readouterr().err and not out.exists()
    assert main(["image", str(picture), str(out), "--style", str(tiny_model), "--max-pixels", "2400"]) == 0
    assert cv2.imread(str(out)).shape == (40, 60, 3)


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
        (b"not a picture", "is not an image streamart can read"),
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
    code = main(
        ["image", str(tmp_path / "content.png"), str(out), "--method", "gatys", "--style", str(bad), "--device", "cpu"]
    )
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize("iterations", ["0", "-3", "nan", "inf", "2.5"])
def test_iterations_that_are_no_step_count_are_refused(tmp_path, capsys, iterations):
    write_pictures(tmp_path)
    out = tmp_path / "out.png"
    with pytest.raises(SystemExit) as caught:
        main(
            [
                "image",
                str(tmp_path / "content.png"),
                str(out),
                "--method",
                "gatys",
                "--style",
                str(tmp_path / "style.png"),
                f"--iterations={iterations}",
            ]
        )
    assert caught.value.code == 2 and not out.exists()
    assert "argument --iterations: expected a" in capsys.readouterr().err
