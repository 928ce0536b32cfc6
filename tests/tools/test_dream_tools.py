"""tools/train_zoo.py dreams reproduces dream networks with their logs; tools/dream_quality.py
tabulates the objective gain against issue 25's bar and refuses a model that is no dream."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from model_factory import make_style_model

ROOT = Path(__file__).resolve().parents[2]


def test_the_dream_zoo_trains_each_preset_with_its_command_and_log(tmp_path, content_dir):
    command = [sys.executable, str(ROOT / "tools" / "train_zoo.py"), "dreams", "swirls", "--out", str(tmp_path / "zoo")]
    command += ["--checkpoints", str(tmp_path / "checkpoints"), "--jobs", "1", "--iterations", "1"]
    command += ["--train-options", f"--device cpu --data {content_dir} --teacher-cache {tmp_path / 'teacher'}"]
    command[-1] += " --teacher-octaves 1 --teacher-steps 1 --crops-per-photo 1 --image-size 64 --batch-size 1"
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "dream_swirls: ok" in result.stdout and "1 of 1 trained" in result.stdout
    model = tmp_path / "zoo" / "dream_swirls-cpu.onnx"
    props = {p.key: p.value for p in onnx.load(str(model)).metadata_props}
    assert props["streamart.kind"] == "dream" and props["streamart.dream_preset"] == "swirls"
    assert "--dream swirls" in (tmp_path / "zoo" / "logs" / "dream_swirls.cmd").read_text()
    assert "distilling the swirls dream: " in (tmp_path / "zoo" / "logs" / "dream_swirls.log").read_text()


def test_the_quality_table_gives_the_gains_their_mean_and_the_verdict():
    from dream_quality import table

    results = {"cat": {"gain": 0.5}, "bridge": {"gain": 0.8}}
    text = table(results, "creatures")
    assert text.splitlines()[0] == "| dream | cat | bridge | mean | meets 60% |"
    assert text.splitlines()[2] == "| creatures | 0.50 | 0.80 | 0.65 | yes |"
    assert table({"cat": {"gain": 0.5}}, "blobs").endswith("| 0.50 | no |")


def test_photos_are_measured_at_the_working_size_the_network_takes():
    from dream_quality import working_size

    scaled = working_size(np.zeros((480, 722, 3), np.uint8), 360)
    assert scaled.shape == (360, 540, 3)  # 541 rounded down to the network's stride


def test_a_style_model_is_refused(tmp_path):
    from dream_quality import measure

    with pytest.raises(SystemExit, match="is not a dream network"):
        measure(make_style_model(tmp_path / "style.onnx"), 360)
