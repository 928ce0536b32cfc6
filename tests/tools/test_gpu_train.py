"""tools/gpu_train.sh and what it carries (tools/gpu_carry.py pack-training): the float16 VGG16
copy that training reads, the timed zoo run (tools/train_zoo.py --stop-after), and the whole
dry run on the CPU."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import onnx

import gpu_carry
from streamart.assets import weights

ROOT = Path(__file__).resolve().parents[2]


def test_training_weights_travel_as_float16_up_to_conv4_3(tmp_path):
    packed = tmp_path / gpu_carry.TRAINING_WEIGHTS_FILE
    gpu_carry.pack_training_weights(packed)
    gpu_carry.unpack_weights(packed, tmp_path / "cache")

    real = weights.load_arrays("vgg16")
    loaded = weights.load_arrays("vgg16", cache_dir=tmp_path / "cache")  # checks the sidecar's sha256
    convolutions = sorted(key for key in loaded if key.startswith("features."))
    assert convolutions == sorted(
        f"features.{i}.{kind}" for i in (0, 2, 5, 7, 10, 12, 14, 17, 19, 21) for kind in ("weight", "bias")
    )
    for key in convolutions:
        assert loaded[key].dtype == np.float32
        np.testing.assert_allclose(loaded[key], real[key], rtol=2**-11, atol=1e-7)
    np.testing.assert_array_equal(loaded["input_mean"], real["input_mean"])
    assert "float16 copy up to relu4_3" in weights.cache_info("vgg16", cache_dir=tmp_path / "cache")["source"]


def run_zoo(tmp_path: Path, paintings: Path, corpus: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "tools" / "train_zoo.py"), "zoo", "--paintings", str(paintings)]
    command += ["--out", str(tmp_path / "models"), "--checkpoints", str(tmp_path / "checkpoints"), "--jobs", "1"]
    command += [*options, "--", "--device", "cpu", "--data", str(corpus), "--image-size", "64", "--batch-size", "1"]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_timed_zoo_run_starts_nothing_once_its_time_is_spent(tmp_path, style_path, content_dir):
    result = run_zoo(tmp_path, style_path.parent, content_dir, "--stop-after", "0")
    assert result.returncode == 0, result.stderr
    assert "stripes: not started" in result.stdout
    assert "| stripes | not started | 0 | 0 |" in result.stdout
    assert not list((tmp_path / "models").glob("*.onnx"))


def test_a_timed_zoo_run_stops_a_long_run_and_reports_it(tmp_path, style_path, content_dir):
    result = run_zoo(tmp_path, style_path.parent, content_dir, "--stop-after", "6", "--iterations", "1000000")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "stripes: stopped at --stop-after" in result.stdout
    assert "| stripes | stopped |" in result.stdout
    assert not list((tmp_path / "models").glob("*.onnx"))


def test_the_dry_run_trains_one_style_and_packs_what_comes_back(tmp_path, style_path, content_dir):
    paintings = tmp_path / "paintings"
    paintings.mkdir()
    shutil.copy(style_path, paintings / "starry_night.png")
    out = tmp_path / "out"
    out.mkdir()
    environment = dict(os.environ, OUT=str(out), PYTHON=sys.executable, GPU_TRAIN_PAINTINGS=str(paintings),
                       GPU_TRAIN_CORPUS=str(content_dir), TMPDIR=str(tmp_path), OMP_NUM_THREADS="1")  # fmt: skip
    recipe = ["--style-layer-weights", "0.25,1,4,16", "--content-layer", "relu3_3", "--temporal-weight", "300"]
    result = subprocess.run(["bash", str(ROOT / "tools" / "gpu_train.sh"), "--dry-run", "--", *recipe],
                            capture_output=True, text=True, env=environment, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| starry_night | done | 2 |" in (out / "gpu_train.md").read_text()

    with tarfile.open(out / "models.tar") as models:
        command = models.extractfile("./logs/starry_night.cmd").read().decode()
        model = onnx.load_from_string(models.extractfile("./starry_night-cpu.onnx").read())
    assert "--device cpu" in command and "--content-layer relu3_3" in command
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    assert metadata["streamart.iterations"] == "2"
    parts = b"".join(part.read_bytes() for part in sorted(out.glob("checkpoints.tar.part-*")))
    with tarfile.open(fileobj=io.BytesIO(parts)) as checkpoints:
        assert {"starry_night/last.pt", "starry_night/samples/000002.png"} <= set(checkpoints.getnames())
