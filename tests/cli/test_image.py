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
    stripes = np.zeros((40, 40, 3), np.uint8)
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
