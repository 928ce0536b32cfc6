"""onnxruntime behind OnnxModel: device names, a real session on a tiny model, one-line errors."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
from model_factory import make_style_model, make_two_input_model, reference_style

from streamart.errors import DeviceError, ModelError
from streamart.runtimes.onnx import (
    DEVICE_PROVIDERS,
    OnnxModel,
    available_devices,
    resolve_device,
)


def unavailable_devices() -> list[str]:
    return [device for device in DEVICE_PROVIDERS if device not in available_devices()]


def test_available_devices_are_what_this_onnxruntime_build_has():
    available = available_devices()
    assert "cpu" in available  # every build has the CPU provider
    providers = set(onnxruntime.get_available_providers())
    assert all(DEVICE_PROVIDERS[name] in providers for name in available)  # nothing it lacks
    names = {provider: name for name, provider in DEVICE_PROVIDERS.items()}
    assert {names[p] for p in providers if p in names} == set(available)  # nothing left out
    assert len(set(available)) == len(available)


def test_auto_picks_an_available_device_and_never_tensorrt():
    chosen = resolve_device("auto")
    assert chosen in available_devices() and chosen != "tensorrt"
    if available_devices() == ["cpu"]:
        assert chosen == "cpu"
    if "cuda" in available_devices():
        assert chosen == "cuda"  # the fastest comes first


def test_an_available_device_resolves_to_itself():
    for device in available_devices():
        assert resolve_device(device) == device


def test_an_unknown_device_names_the_choices():
    with pytest.raises(
        DeviceError, match="unknown device 'gpu'; choose auto, openvino or one of: cuda, .*cpu"
    ) as error:
        resolve_device("gpu")
    assert error.value.exit_code == 5 and isinstance(error.value, RuntimeError)


def test_an_unavailable_device_lists_what_is_available():
    missing = unavailable_devices()
    assert missing  # no build has every provider (DirectML is Windows-only, CoreML macOS-only)
    for device in missing:
        with pytest.raises(DeviceError, match=f"device '{device}' is not available in this onnxruntime build") as error:
            resolve_device(device)
        assert f"(available: {', '.join(available_devices())})" in str(error.value)
        if device in ("cuda", "tensorrt"):
            assert "pip install 'streamart[gpu]'" in str(error.value)


def test_a_model_on_an_unavailable_device_is_a_device_error(tiny_model):
    with pytest.raises(DeviceError, match="is not available"):
        OnnxModel(tiny_model, device=unavailable_devices()[0])
    with pytest.raises(DeviceError, match="unknown device"):
        OnnxModel(tiny_model, device="quantum")


def test_the_tiny_model_runs_and_computes_what_it_should(tiny_model):
    model = OnnxModel(tiny_model, device="cpu", threads=1)
    assert (model.device, model.providers) == ("cpu", ["CPUExecutionProvider"])
    assert (model.input_name, model.output_name) == ("input", "output")
    assert model.input_shape == ["N", 3, "H", "W"] and model.input_type == "tensor(float)"
    assert model.metadata == {"streamart.stride": "4"}
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (12, 20, 3)).astype(np.float32)
    batch = np.ascontiguousarray(image.transpose(2, 0, 1)[None])
    out = model.run(batch)
    assert out.shape == (1, 3, 12, 20) and out.dtype == np.float32
    np.testing.assert_allclose(out[0].transpose(1, 2, 0), reference_style(image), atol=1e-3)


def test_auto_device_builds_a_working_session(tiny_model):
    model = OnnxModel(tiny_model)
    assert model.device == resolve_device("auto")
    assert model.providers[0] == DEVICE_PROVIDERS[model.device] and model.providers[-1] == "CPUExecutionProvider"
    assert model.run(np.zeros((2, 3, 8, 8), np.float32)).shape == (2, 3, 8, 8)


def test_a_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match=f"model file not found: {tmp_path / 'nope.onnx'}"):
        OnnxModel(tmp_path / "nope.onnx")


def test_a_file_that_is_not_onnx_is_a_one_line_model_error(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("these are my notes\nand more notes\n")
    with pytest.raises(ModelError) as error:
        OnnxModel(path, device="cpu")
    message = str(error.value)
    assert message.startswith(f"{path} is not a usable ONNX model: ")
    assert "\n" not in message and len(message) < 500
    assert error.value.__cause__ is None and error.value.__suppress_context__  # no onnxruntime traceback


def test_a_model_with_two_inputs_is_refused(tmp_path):
    path = make_two_input_model(tmp_path / "adder.onnx")
    onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])  # a valid model...
    with pytest.raises(ModelError, match="adder.onnx has 2 inputs; a style model has exactly one") as error:
        OnnxModel(path, device="cpu")  # ...but not a style model
    assert "\n" not in str(error.value)


def test_models_are_independent_sessions(tmp_path):
    first = OnnxModel(make_style_model(tmp_path / "a.onnx", seed=0), device="cpu")
    second = OnnxModel(make_style_model(tmp_path / "b.onnx", seed=1), device="cpu")
    batch = np.full((1, 3, 8, 8), 100.0, np.float32)
    batch[0, 0] = 200.0
    assert not np.allclose(first.run(batch), second.run(batch))
