"""`streamart train`: a short real training run (real VGG16) writes a working model and a
checkpoint; resuming with another network size is a one-line error."""

from __future__ import annotations

import base64
import subprocess
import sys

import cv2
import numpy as np
import onnx
import onnxruntime
import pytest
from model_factory import make_checkpoint_holding_code

from streamart.assets.folders import user_models_dir
from streamart.assets.models import THUMBNAIL_KEY, resolve_model
from streamart.cli import main
from streamart.offline.training import THUMBNAIL_SIDE
from streamart.ops.image import decode_jpeg, load_image


def common_options(content_dir, style_path) -> list[str]:
    return [
        "train",
        "--style",
        str(style_path),
        "--data",
        str(content_dir),
        "--from-scratch",
        "--image-size",
        "64",
        "--batch-size",
        "1",
        "--threads",
        "1",
    ]


def test_cli_trains_and_refuses_to_resume_with_the_wrong_variant(content_dir, style_path, tmp_path, capsys):
    out = tmp_path / "cli.onnx"
    common = [*common_options(content_dir, style_path), "--quiet"]
    assert (
        main(
            [
                *common,
                "--out",
                str(out),
                "--variant",
                "lite",
                "--iterations",
                "2",
                "--name",
                "Stripes",
                "--licence",
                "CC0",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == f"wrote {out}\n"
    checkpoint = tmp_path / "cli.checkpoints" / "last.pt"
    assert checkpoint.is_file()
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    result = session.run(None, {"input": np.full((1, 3, 32, 48), 128, np.float32)})[0]
    assert result.shape == (1, 3, 32, 48)
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["streamart.style"] == "Stripes" and props["licence"] == "CC0"
    assert props["streamart.variant"] == "lite" and props["streamart.iterations"] == "2"
    # The painting rides along as a small JPEG, for galleries: the same picture, scaled down.
    thumbnail = decode_jpeg(base64.b64decode(props[THUMBNAIL_KEY]))
    painting = load_image(style_path)
    assert max(thumbnail.shape[:2]) == min(THUMBNAIL_SIDE, max(painting.shape[:2]))
    small = cv2.resize(painting, thumbnail.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(small.mean((0, 1)) - thumbnail.mean((0, 1))).max() < 6  # its colours
    assert np.corrcoef(small.ravel(), thumbnail.ravel())[0, 1] > 0.9  # its pattern (JPEG rings at stripes)

    assert (
        main([*common, "--out", str(out), "--variant", "full", "--iterations", "3", "-y", "--resume", str(checkpoint)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "--variant lite" in err


def test_the_progress_bar_shows_the_iterations_and_losses(content_dir, style_path, tmp_path, capsys):
    out = tmp_path / "bar.onnx"
    assert (
        main(
            [
                *common_options(content_dir, style_path),
                "--out",
                str(out),
                "--variant",
                "lite",
                "--iterations",
                "1",
                "--temporal-weight",
                "0",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "training" in err and "1/1" in err
    assert "content=" in err and "style=" in err and "tv=" in err


def test_bad_settings_are_one_line_errors(content_dir, style_path, tmp_path, capsys):
    common = [*common_options(content_dir, style_path), "--out", str(tmp_path / "x.onnx"), "-q"]
    assert main([*common, "--iterations", "0"]) == 2
    assert capsys.readouterr().err == "error: --iterations must be at least 1\n"
    assert main([*common, "--device", "tpu"]) == 2
    assert "cannot run torch work" in capsys.readouterr().err
    assert main([*common, "--style-layer-weights", "1,1,1"]) == 2
    assert capsys.readouterr().err.startswith("error: --style-layer-weights needs 4 finite weights")
    with pytest.raises(SystemExit) as exit_:
        main([*common, "--style-layer-weights", "1,a,1,1"])
    assert exit_.value.code == 2 and "expected comma-separated numbers" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists() and not (tmp_path / "x.checkpoints").exists()


def quick(content_dir, picture, base, *extra: str) -> list[str]:
    return [
        "train",
        "--style",
        str(picture),
        "--data",
        str(content_dir),
        "--init",
        str(base),
        "--variant",
        "lite",
        "--image-size",
        "32",
        "--batch-size",
        "1",
        "--iterations",
        "1",
        "--threads",
        "1",
        "-q",
        *extra,
    ]


def test_without_out_the_style_goes_to_the_model_folder_under_its_name(
    content_dir, style_path, meta_base, tmp_path, capsys
):
    picture = tmp_path / "My Painting.png"
    picture.write_bytes(style_path.read_bytes())
    assert main(quick(content_dir, picture, meta_base)) == 0
    model = user_models_dir() / "my_painting.onnx"
    assert capsys.readouterr().out == f"wrote {model}\n"
    assert resolve_model("my_painting") == model  # --style my_painting finds it
    assert not (user_models_dir() / "my_painting.checkpoints").exists()  # checkpoints live in the cache
    assert main(quick(content_dir, picture, meta_base)) == 3  # never replaced without -y
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(quick(content_dir, picture, meta_base, "-y")) == 0


def test_a_shipped_styles_name_is_refused(content_dir, style_path, meta_base, capsys):
    assert main(quick(content_dir, style_path, meta_base, "--name", "Starry Night")) == 3
    assert capsys.readouterr().err == (
        "error: 'starry_night' is the name of a style that comes with streamart; choose another name\n"
    )


def test_a_name_too_long_in_bytes_is_refused_in_one_line(content_dir, style_path, meta_base, capsys):
    assert main(quick(content_dir, style_path, meta_base, "--name", "梵" * 100)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the style name '" + "梵" * 24 + "…' takes 300 bytes") and err.count("\n") == 1
    assert "File name too long" not in err


def test_resuming_from_a_checkpoint_holding_code_is_one_line(content_dir, style_path, tmp_path):
    marker = tmp_path / "code-ran"
    evil = tmp_path / "evil.pt"
    make_checkpoint_holding_code(evil, marker)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamart",
            *common_options(content_dir, style_path),
            "--out",
            str(tmp_path / "m.onnx"),
            "--iterations",
            "1",
            "--resume",
            str(evil),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 4
    assert (
        result.stderr == f"error: {evil} is not a readable checkpoint: it holds posix.mkdir, which is not a tensor; "
        "streamart never runs code from a file\n"
    )
    assert not marker.exists()


def test_training_onto_a_full_disk_is_exit_3_naming_the_folder(content_dir, style_path, tmp_path, full_folder):
    checkpoints = full_folder / "checkpoints"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamart",
            *common_options(content_dir, style_path),
            "--out",
            str(tmp_path / "m.onnx"),
            "--iterations",
            "1",
            "--checkpoint-dir",
            str(checkpoints),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr == (
        f"error: cannot write {checkpoints / 'last.pt'}: no space left in {checkpoints}; "
        "free some space there or choose another folder\n"
    )
    assert not (tmp_path / "m.onnx").exists()


def dream_options(content_dir, tmp_path) -> list[str]:
    """A tiny dream: the swirls layer, one octave of two steps, on two 64 px crops a photo."""
    return [
        "train",
        "--data",
        str(content_dir),
        "--teacher-cache",
        str(tmp_path / "teacher"),
        "--teacher-octaves",
        "1",
        "--teacher-steps",
        "2",
        "--crops-per-photo",
        "2",
        "--image-size",
        "64",
        "--batch-size",
        "2",
        "--threads",
        "1",
        "--device",
        "cpu",
        "-q",
    ]


def test_cli_distils_a_dream_and_says_how_long_first(content_dir, tmp_path, capsys):
    out = tmp_path / "my_dream.onnx"
    assert (
        main([*dream_options(content_dir, tmp_path), "--dream", "swirls", "--out", str(out), "--iterations", "2"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("distilling the swirls dream: about ") and "4 crops" in lines[0]
    assert lines[-1] == f"wrote {out}"
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["streamart.kind"] == "dream" and props["streamart.dream_preset"] == "swirls"


def test_cli_puts_a_dream_in_the_model_folder_by_default(content_dir, tmp_path, capsys):
    options = [*dream_options(content_dir, tmp_path), "--dream", "swirls", "--layer", "block4", "--iterations", "1"]
    assert main(options) == 0
    model = user_models_dir() / "dream_block4.onnx"
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {model}"
    props = {p.key: p.value for p in onnx.load(str(model)).metadata_props}
    assert props["streamart.dream_preset"] == "layer:efficientnet_lite0:block4"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dream", "nightmares"], "error: unknown dream preset 'nightmares': use one of dogs, patterns"),
        (["--dream", "creatures", "--style", "painting.png"], "error: --style and --dream train different models"),
        ([], "error: give --style PICTURE (a new style) or --dream PRESET"),
        (["--dream", "creatures", "--layer", "relu9_9"], "error: no network has all of the layers relu9_9:"),
        (["--dream", "creatures", "--content-weight", "3"], "error: --content-weight is for a style"),
        (["--dream", "creatures", "--teacher-steps", "0"], "error: --teacher-steps must be at least 1"),
    ],
)
def test_bad_dream_options_are_one_line_errors(content_dir, tmp_path, capsys, options, message):
    assert main([*dream_options(content_dir, tmp_path), "--out", str(tmp_path / "x.onnx"), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "x.onnx").exists() and not (tmp_path / "teacher").exists()


def test_dream_options_are_refused_with_a_style(content_dir, style_path, tmp_path, capsys):
    options = [*common_options(content_dir, style_path), "--out", str(tmp_path / "x.onnx"), "--layer", "block3"]
    assert main(options) == 2
    assert capsys.readouterr().err == "error: --layer is for a dream network: use it with --dream, not --style\n"
    assert not (tmp_path / "x.onnx").exists()
