"""`streamart export CHECKPOINT OUT.onnx [--fp16]` on a checkpoint written by a real training run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from model_factory import make_checkpoint_holding_code

from streamart.cli import main
from streamart.config import TrainingConfig
from streamart.errors import ModelError, OutputError
from streamart.offline.export import load_checkpoint, model_from_checkpoint
from streamart.offline.training import Trainer


@pytest.fixture(scope="module")
def checkpoint(content_dir, style_path, tmp_path_factory) -> Path:
    """A lite network's checkpoint after one training step, as 'streamart train' writes it."""
    folder = tmp_path_factory.mktemp("training")
    trainer = Trainer(
        TrainingConfig(
            painting=style_path,
            data=content_dir,
            out=folder / "model.onnx",
            variant="lite",
            iterations=1,
            batch_size=1,
            image_size=64,
            threads=1,
            style_name="Stripes",
            from_scratch=True,
        )
    )
    trainer.step()
    return trainer.save_checkpoint(folder / "last.pt")


def picture() -> np.ndarray:
    y, x = np.mgrid[0:32, 0:48].astype(np.float32)
    return np.stack([x * 5, y * 7, 255 - x * 5])[None]


@pytest.mark.parametrize("fp16", [False, True], ids=["fp32", "fp16"])
def test_export_writes_the_trained_network(checkpoint, tmp_path, capsys, fp16):
    out = tmp_path / "exported.onnx"
    assert main(["export", str(checkpoint), str(out), *(["--fp16"] if fp16 else [])]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    with torch.no_grad():
        expected = model_from_checkpoint(load_checkpoint(checkpoint))(torch.from_numpy(picture())).numpy()
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    actual = session.run(None, {"input": picture()})[0]
    assert actual.shape == (1, 3, 32, 48) and actual.dtype == np.float32
    assert expected.std() > 10  # a picture, not a constant: the comparison means something
    assert np.abs(actual - expected).mean() < (0.5 if fp16 else 0.01)  # of 255
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["streamart.style"] == "Stripes" and props["streamart.iterations"] == "1"
    assert props["streamart.precision"] == ("fp16" if fp16 else "fp32")


def test_mistakes_are_one_line_errors_with_exit_codes(checkpoint, tmp_path, capsys):
    missing = tmp_path / "missing.pt"
    assert main(["export", str(missing), str(tmp_path / "a.onnx")]) == ModelError.exit_code
    err = capsys.readouterr().err
    assert err.startswith(f"error: checkpoint not found: {missing}") and err.count("\n") == 1

    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    assert main(["export", str(other), str(tmp_path / "b.onnx")]) == ModelError.exit_code
    assert "is not a streamart style-network checkpoint" in capsys.readouterr().err

    nowhere = tmp_path / "no-such-folder" / "c.onnx"
    assert main(["export", str(checkpoint), str(nowhere)]) == OutputError.exit_code
    assert "does not exist" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["other.pt"]  # nothing half-written


def test_a_checkpoint_holding_code_is_refused_in_one_line(tmp_path):
    marker = tmp_path / "code-ran"
    evil = tmp_path / "evil.pt"
    make_checkpoint_holding_code(evil, marker)
    result = subprocess.run(
        [sys.executable, "-m", "streamart", "export", str(evil), str(tmp_path / "out.onnx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == ModelError.exit_code
    assert (
        result.stderr == f"error: {evil} is not a readable checkpoint: it holds posix.mkdir, which is not a tensor; "
        "streamart never runs code from a file\n"
    )
    assert not marker.exists() and not (tmp_path / "out.onnx").exists()
