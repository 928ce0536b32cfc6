"""`streamart dream` end to end, and the dream options shared with `video` and `webcam`."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import pytest

from streamart.cli import main
from streamart.cli.dream import add_dream_arguments, dream_config_from_args, dream_stages_from_args
from streamart.errors import InputError
from streamart.stages.dream import DreamStage
from streamart.stages.temporal import FlowStage


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
    args = ["dream", str(photo), str(out), "--preset", "patterns", "--octaves", "1", "--steps", "2",
            "--size", "64", "--seed", "1"]
    assert main(args) == 0
    result = cv2.imread(str(out))
    assert result.shape == (48, 64, 3)  # --size: the longer side
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


def video_parser() -> argparse.ArgumentParser:
    """What `streamart video` provides besides the dream options: --size, --device and
    --flow-preset."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--flow-preset", default="fast")
    add_dream_arguments(parser, video=True)
    return parser


def test_video_options_build_per_frame_settings():
    args = video_parser().parse_args(["--dream", "eyes", "--steps", "3", "--device", "cpu"])
    config = dream_config_from_args(args, video=True)
    assert config.objective_layers == ("relu4_1",)  # the preset's objective
    assert (config.octaves, config.steps) == (1, 3)  # video defaults, then explicit options
    args = video_parser().parse_args(["--dream", "--class", "967"])
    config = dream_config_from_args(args, video=True)
    assert (config.network, config.class_index, config.device) == ("efficientnet_lite0", 967, "cpu")
    assert video_parser().parse_args([]).dream is None  # off unless asked for


@pytest.mark.parametrize(
    ("options", "network", "layers"),
    [
        ([], "efficientnet_lite0", ("block10",)),  # the live default, creatures
        (["--layer", "relu3_3"], "vgg16", ("relu3_3",)),
        (["--layer", "block5", "--layer", "block8"], "efficientnet_lite0", ("block5", "block8")),
    ],
)
def test_video_dream_picks_the_network_that_has_the_layers(options, network, layers):
    config = dream_config_from_args(video_parser().parse_args(["--dream", *options]), video=True)
    assert (config.network, config.objective_layers) == (network, layers)


def test_layers_of_no_single_network_are_an_input_error():
    args = video_parser().parse_args(["--dream", "--layer", "relu3_3", "--layer", "block5"])
    with pytest.raises(InputError, match="no network has all of the layers relu3_3, block5: vgg16 has .*block15"):
        dream_config_from_args(args, video=True)


def test_video_options_build_the_stages():
    args = video_parser().parse_args(["--dream", "--size", "32", "--dream-blend", "0.5", "--flow-preset", "medium"])
    flow, stage = dream_stages_from_args(args)
    assert isinstance(flow, FlowStage) and isinstance(stage, DreamStage)
    assert flow.preset == "medium"
    assert (stage.blend, stage.working_size) == (0.5, 32)
    args = video_parser().parse_args(["--dream", "--dream-blend", "0"])
    (stage,) = dream_stages_from_args(args)  # no history to warp: no flow needed
    assert stage.blend == 0
