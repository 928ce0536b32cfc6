"""`streamart train`: a short real training run (real VGG16) writes a working model and a
checkpoint; resuming with another network size is a one-line error."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime

from streamart.cli import main


def common_options(content_dir, style_path) -> list[str]:
    return ["train", "--style", str(style_path), "--data", str(content_dir),
            "--image-size", "64", "--batch-size", "1", "--threads", "1"]


def test_cli_trains_and_refuses_to_resume_with_the_wrong_variant(content_dir, style_path, tmp_path, capsys):
    out = tmp_path / "cli.onnx"
    common = [*common_options(content_dir, style_path), "--quiet"]
    assert main([*common, "--out", str(out), "--variant", "lite", "--iterations", "2",
                 "--name", "Stripes", "--licence", "CC0"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    checkpoint = tmp_path / "cli.checkpoints" / "last.pt"
    assert checkpoint.is_file()
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    result = session.run(None, {"input": np.full((1, 3, 32, 48), 128, np.float32)})[0]
    assert result.shape == (1, 3, 32, 48)
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["streamart.style"] == "Stripes" and props["licence"] == "CC0"
    assert props["streamart.variant"] == "lite" and props["streamart.iterations"] == "2"

    assert main([*common, "--out", str(out), "--variant", "full", "--iterations", "3",
                 "--resume", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "--variant lite" in err


def test_the_progress_bar_shows_the_iterations_and_losses(content_dir, style_path, tmp_path, capsys):
    out = tmp_path / "bar.onnx"
    assert main([*common_options(content_dir, style_path), "--out", str(out), "--variant", "lite",
                 "--iterations", "1", "--temporal-weight", "0"]) == 0
    err = capsys.readouterr().err
    assert "training" in err and "1/1" in err
    assert "content=" in err and "style=" in err and "tv=" in err


def test_bad_settings_are_one_line_errors(content_dir, style_path, tmp_path, capsys):
    common = [*common_options(content_dir, style_path), "--out", str(tmp_path / "x.onnx"), "-q"]
    assert main([*common, "--iterations", "0"]) == 2
    assert capsys.readouterr().err == "error: --iterations must be at least 1\n"
    assert main([*common, "--device", "tpu"]) == 2
    assert "cannot run torch work" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists() and not (tmp_path / "x.checkpoints").exists()
