"""The frozen settings objects refuse impossible values with an InputError naming the setting."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from streamart.config import (
    LIVE_WORKING_SIZE,
    CameraConfig,
    ClusterConfig,
    DreamVideoConfig,
    EncodeConfig,
    LiveConfig,
    LookConfig,
    StyleConfig,
    TrainingConfig,
    check_flow_preset,
    check_fraction,
    check_torch_device,
)
from streamart.errors import InputError


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_fractions_from_zero_to_one_pass(value):
    check_fraction("strength", value)


@pytest.mark.parametrize("value", [-0.01, 1.01, math.nan, math.inf, -math.inf])
def test_fractions_outside_zero_to_one_and_nan_are_refused(value):
    with pytest.raises(InputError, match=f"strength must be between 0 and 1, got {value}"):
        check_fraction("strength", value)


def test_style_config_defaults_and_frozen_keyword_only():
    config = StyleConfig()
    assert (config.model, config.strength, config.preserve_color, config.device) == (None, 1.0, False, "auto")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.strength = 0.5  # type: ignore[misc]  # frozen: the test makes sure that it fails
    with pytest.raises(TypeError):
        StyleConfig("starry_night")  # type: ignore[misc]  # keyword-only: the test makes sure that it fails


@pytest.mark.parametrize("strength", [math.nan, 1.5, -0.1])
def test_style_strength_out_of_range_or_nan_is_refused(strength):
    with pytest.raises(InputError, match="strength must be between 0 and 1"):
        StyleConfig(strength=strength)


def test_style_working_size_must_be_at_least_16():
    assert StyleConfig(size=16).size == 16
    assert StyleConfig(size=None).size is None  # the frame's own size
    with pytest.raises(InputError, match="working size must be at least 16 pixels, got 15"):
        StyleConfig(size=15)


def test_style_threads_must_be_at_least_one():
    assert StyleConfig(threads=1).threads == 1 and StyleConfig().threads is None
    with pytest.raises(InputError, match="threads must be at least 1, got 0"):
        StyleConfig(threads=0)


def test_cluster_config_takes_local_workers_or_an_address():
    assert ClusterConfig(workers=2).address is None
    assert ClusterConfig(address="auto").workers is None
    for options in ({}, {"workers": 2, "address": "auto"}):
        with pytest.raises(InputError, match="either a number of local workers or a cluster address"):
            ClusterConfig(**options)


@pytest.mark.parametrize("address", ["10.0.0.5:6379", "ray://head.example:10001", "[::1]:6379", "auto"])
def test_cluster_addresses_of_ray_forms_are_taken(address):
    assert ClusterConfig(address=address).address == address


@pytest.mark.parametrize("address", ["not an address", "head", "head:port", "head:0", "head:70000", ":6379", ""])
def test_a_cluster_address_of_another_form_names_the_expected_one(address):
    with pytest.raises(InputError) as error:
        ClusterConfig(address=address)
    assert str(error.value) == (
        f"cluster address {address!r} is not an address; give auto (the cluster this machine is in) "
        "or the head's HOST:PORT, such as 192.168.1.10:6379"
    )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"workers": 0}, "workers must be at least 1, got 0"),
        ({"chunk_seconds": 0}, "chunk length must be more than 0 seconds"),
        ({"chunk_seconds": math.nan}, "chunk length must be more than 0 seconds"),
        ({"warmup_frames": -1}, "must not be negative"),
        ({"retries": -1}, "must not be negative"),
    ],
)
def test_cluster_config_refuses_impossible_values(options, message):
    with pytest.raises(InputError, match=message):
        ClusterConfig(**{"workers": 2, **options})


def test_dream_video_config_checks_blend_and_flow_preset():
    assert DreamVideoConfig(blend=0.0).blend == 0.0
    with pytest.raises(InputError, match="dream blend must be between 0 and 1"):
        DreamVideoConfig(blend=math.nan)
    with pytest.raises(InputError, match="unknown flow preset 'turbo': choose one of .*ultrafast"):
        DreamVideoConfig(flow_preset="turbo")


def test_flow_presets():
    for preset in ("ultrafast", "fast", "medium"):
        check_flow_preset(preset)
    with pytest.raises(InputError, match="unknown flow preset 'Fast'"):
        check_flow_preset("Fast")


def test_live_config_needs_somewhere_to_send_frames():
    with pytest.raises(InputError, match="nothing to send the frames to: add --window, --virtual-cam and/or --record"):
        LiveConfig()
    for output in ({"window": True}, {"virtual_camera": True}, {"record": "session.mp4"}):
        assert LiveConfig(**output).camera == CameraConfig()


def test_live_config_checks_temporal_and_flow_preset():
    with pytest.raises(InputError, match="temporal must be between 0 and 1"):
        LiveConfig(window=True, look=LookConfig(temporal=2.0))
    with pytest.raises(InputError, match="unknown flow preset"):
        LiveConfig(window=True, look=LookConfig(flow_preset="slow"))


def test_live_config_takes_its_paintings_under_the_old_name_new_styles_for_one_release():
    with pytest.warns(DeprecationWarning, match=r"LiveConfig\(new_styles=\) is deprecated; use paintings="):
        old = LiveConfig(window=True, new_styles=(Path("lilies.jpg"),))
    assert old == LiveConfig(window=True, paintings=(Path("lilies.jpg"),))
    with pytest.warns(DeprecationWarning, match="LiveConfig.new_styles is deprecated; use paintings"):
        assert old.new_styles == (Path("lilies.jpg"),)


@pytest.mark.parametrize(
    "part, value",
    [("style", StyleConfig(size=240)), ("temporal", 0.2), ("flow_preset", "ultrafast"), ("dream", DreamVideoConfig())],
)
def test_live_config_takes_each_part_of_its_look_under_its_old_keyword_for_one_release(part, value):
    message = rf"LiveConfig\({part}=\) is deprecated; use look=LookConfig\({part}=\.\.\.\)"
    with pytest.warns(DeprecationWarning, match=message):
        old = LiveConfig(window=True, **{part: value})
    assert old == LiveConfig(window=True, look=dataclasses.replace(LiveConfig(window=True).look, **{part: value}))
    with pytest.warns(DeprecationWarning, match=rf"LiveConfig.{part} is deprecated; use look.{part}"):
        assert getattr(old, part) == value


def test_live_config_builds_its_look_from_several_old_keywords_on_the_live_default():
    with pytest.warns(DeprecationWarning):
        old = LiveConfig(window=True, temporal=0.2, flow_preset="ultrafast")
    assert old.look == LookConfig(style=StyleConfig(size=LIVE_WORKING_SIZE), temporal=0.2, flow_preset="ultrafast")


def test_live_config_refuses_its_look_both_whole_and_in_parts():
    with pytest.raises(TypeError, match=r"^LiveConfig\(\) got temporal= and look=; give only look=$"):
        LiveConfig(window=True, look=LookConfig(), temporal=0.2)


def test_live_config_refuses_impossible_parts_under_the_old_keywords_too():
    with pytest.warns(DeprecationWarning), pytest.raises(InputError, match="temporal must be between 0 and 1"):
        LiveConfig(window=True, temporal=2.0)


def test_live_config_works_at_a_smaller_size_than_files():
    assert LiveConfig(window=True).look.style.size < StyleConfig().size


def test_encode_config_defaults_are_a_playable_h264():
    config = EncodeConfig()
    assert (config.encoder, config.pix_fmt, config.overwrite) == ("libx264", "yuv420p", False)


def training(tmp_path: Path, **overrides) -> TrainingConfig:
    return TrainingConfig(
        painting=tmp_path / "painting.jpg", data=tmp_path / "photos", out=tmp_path / "model.onnx", **overrides
    )


def test_training_config_bounds(tmp_path):
    assert training(tmp_path, image_size=32, iterations=1, batch_size=1, variant="lite").image_size == 32
    with pytest.raises(InputError, match="--image-size must be at least 32, got 16"):
        training(tmp_path, image_size=16)
    with pytest.raises(InputError, match="--image-size must be at least 64 for the cpu variant, got 48"):
        training(tmp_path, image_size=48, variant="cpu")
    for name in ("iterations", "batch_size", "checkpoint_every", "sample_every"):
        option = "--" + name.replace("_", "-")
        with pytest.raises(InputError, match=f"^{option} must be at least 1$"):
            training(tmp_path, **{name: 0})
    for name in ("content_weight", "style_weight", "tv_weight", "temporal_weight", "learning_rate"):
        option = "--" + name.replace("_", "-")
        training(tmp_path, **{name: 0.0})  # zero turns a term off
        for bad in (-1.0, math.nan, math.inf):
            with pytest.raises(InputError, match=f"^{option} must be a finite number, not negative$"):
                training(tmp_path, **{name: bad})
    with pytest.raises(InputError, match="cannot run torch work"):
        training(tmp_path, device="tpu")


@pytest.mark.parametrize("style_size", [0, -5, 31])
def test_training_style_size_is_refused_below_32(tmp_path, style_size):
    with pytest.raises(InputError, match="--style-size must be at least 32 pixels"):
        training(tmp_path, style_size=style_size)


def test_training_takes_its_painting_under_the_old_name_style_for_one_release(tmp_path):
    with pytest.warns(DeprecationWarning, match=r"TrainingConfig\(style=\) is deprecated; use painting="):
        old = TrainingConfig(style=tmp_path / "painting.jpg", data=tmp_path / "photos", out=tmp_path / "model.onnx")
    assert old == training(tmp_path)
    with pytest.warns(DeprecationWarning, match="TrainingConfig.style is deprecated; use painting"):
        assert old.style == tmp_path / "painting.jpg"


def test_training_checkpoints_go_beside_the_output_unless_told(tmp_path):
    assert training(tmp_path).checkpoints == tmp_path / "model.checkpoints"
    assert training(tmp_path, checkpoint_dir=tmp_path / "ckpt").checkpoints == tmp_path / "ckpt"


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:0", "cuda:1", "cuda:12"])
def test_torch_devices_that_can_be_asked_for(device):
    check_torch_device(device)


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "cuda:-1", "cuda:", "cpu:0", "CUDA", "directml", ""])
def test_torch_devices_that_cannot(device):
    with pytest.raises(InputError, match=f"device {device!r} cannot run torch work; use auto, cpu, cuda or cuda:N"):
        check_torch_device(device)
