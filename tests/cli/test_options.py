"""Options shared by several subcommands (streamart/cli/options.py): parsed into the configs
the API takes."""

from __future__ import annotations

import argparse
import logging

import pytest

from streamart.cli import build_parser
from streamart.cli.options import (
    add_dream_arguments,
    cluster_config,
    add_encode_arguments,
    add_output_arguments,
    dream_config,
    dream_video_config,
    encode_config,
    size_or_full,
    style_config,
)
from streamart.config import DEFAULT_DREAM_BLEND, VIDEO_DREAM_SETTINGS, ClusterConfig, EncodeConfig
from streamart.errors import InputError
from streamart.ops.flow import DEFAULT_FLOW_PRESET

POSITIONALS = {"video": ["in.mp4", "out.mp4"], "webcam": []}


def parse(command: str, *options: str) -> argparse.Namespace:
    return build_parser().parse_args([command, *POSITIONALS[command], *options])


@pytest.mark.parametrize("command", ["video", "webcam"])
def test_flow_preset_is_parsed_with_its_default(command):
    assert parse(command).flow_preset == DEFAULT_FLOW_PRESET
    assert parse(command, "--flow-preset", "ultrafast").flow_preset == "ultrafast"


@pytest.mark.parametrize("command", ["video", "webcam"])
def test_unknown_flow_preset_is_refused(command, capsys):
    with pytest.raises(SystemExit) as caught:
        parse(command, "--flow-preset", "slow")
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'slow'" in err and "ultrafast" in err


def test_style_options_become_a_style_config():
    config = style_config(
        parse(
            "video",
            "--style",
            "the_scream",
            "--size",
            "full",
            "--strength",
            "0.3",
            "--preserve-color",
            "--device",
            "cpu",
        )
    )
    assert (config.model, config.size, config.strength, config.preserve_color, config.device) == (
        "the_scream",
        None,
        0.3,
        True,
        "cpu",
    )
    assert style_config(parse("webcam")).size == 360  # the live default
    assert style_config(parse("video")).size == 480


def test_size_or_full_refuses_tiny_sizes():
    assert size_or_full("full") is None and size_or_full("16") == 16
    with pytest.raises(argparse.ArgumentTypeError, match="at least 16"):
        size_or_full("8")


def encode_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_encode_arguments(parser)
    add_output_arguments(parser)
    return parser


def test_encode_options_default_to_the_encode_config():
    assert encode_config(encode_parser().parse_args([])) == EncodeConfig()
    config = encode_config(encode_parser().parse_args(["--encoder-preset", "veryfast", "--crf", "23", "-y"]))
    assert (config.preset, config.crf, config.overwrite) == ("veryfast", 23, True)


def test_the_old_preset_option_still_works_with_a_deprecation_warning(caplog):
    with caplog.at_level(logging.WARNING):
        config = encode_config(encode_parser().parse_args(["--preset", "slow"]))
    assert config.preset == "slow"
    assert "--preset is deprecated" in caplog.text and "--encoder-preset" in caplog.text


def dream_parser() -> argparse.ArgumentParser:
    """What `streamart video` provides besides the dream options: --size, --device and
    --flow-preset."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--flow-preset", default="fast")
    add_dream_arguments(parser, video=True)
    return parser


def test_video_dream_options_build_per_frame_settings():
    config = dream_config(dream_parser().parse_args(["--dream", "eyes", "--steps", "3", "--device", "cpu"]), video=True)
    assert config.objective_layers == ("relu4_1",)  # the preset's objective
    assert (config.octaves, config.steps, config.device) == (VIDEO_DREAM_SETTINGS["octaves"], 3, "cpu")
    config = dream_config(dream_parser().parse_args(["--dream", "--class", "967"]), video=True)
    assert (config.network, config.class_index) == ("efficientnet_lite0", 967)
    assert dream_parser().parse_args([]).dream is None  # off unless asked for


@pytest.mark.parametrize(
    ("options", "network", "layers"),
    [
        ([], "efficientnet_lite0", ("block10",)),  # the live default, creatures
        (["--layer", "relu3_3"], "vgg16", ("relu3_3",)),
        (["--layer", "block5", "--layer", "block8"], "efficientnet_lite0", ("block5", "block8")),
    ],
)
def test_video_dream_picks_the_network_that_has_the_layers(options, network, layers):
    config = dream_config(dream_parser().parse_args(["--dream", *options]), video=True)
    assert (config.network, config.objective_layers) == (network, layers)


def test_layers_of_no_single_network_are_an_input_error():
    args = dream_parser().parse_args(["--dream", "--layer", "relu3_3", "--layer", "block5"])
    with pytest.raises(InputError, match="no network has all of the layers relu3_3, block5: vgg16 has .*block15"):
        dream_config(args, video=True)


def test_video_dream_options_become_a_dream_video_config():
    args = dream_parser().parse_args(["--dream", "--size", "32", "--dream-blend", "0.5", "--flow-preset", "medium"])
    config = dream_video_config(args)
    assert (config.blend, config.size, config.flow_preset) == (0.5, 32, "medium")
    assert dream_video_config(dream_parser().parse_args(["--dream"])).blend == DEFAULT_DREAM_BLEND


def test_scaling_options_become_a_cluster_config(capsys):
    assert cluster_config(parse("video")) is None  # one process, as before
    assert cluster_config(parse("video", "--workers", "3")) == ClusterConfig(workers=3)
    assert cluster_config(parse("video", "--cluster", "auto", "--chunk-seconds", "12", "--warmup-frames", "8")) == (
        ClusterConfig(address="auto", chunk_seconds=12, warmup_frames=8)
    )
    with pytest.raises(SystemExit):
        parse("video", "--workers", "2", "--cluster", "auto")
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_device_help_names_every_device_the_runtimes_take():
    from streamart.cli.options import add_style_arguments
    from streamart.runtimes.onnx import DEVICE_PROVIDERS

    parser = argparse.ArgumentParser()
    add_style_arguments(parser, temporal=False)
    device = next(action for action in parser._actions if action.dest == "device")
    named = set(device.help.replace(",", " ").split())
    assert {"auto", "openvino", *DEVICE_PROVIDERS} <= named
