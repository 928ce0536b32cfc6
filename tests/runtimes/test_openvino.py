"""OpenVINO behind the image-model interface (streamart/runtimes/openvino.py), and the choice of
runtime (streamart/runtimes/__init__.py). Skipped where the openvino package is missing; CI
installs it with the cpu extra, so they run there."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from model_factory import reference_style
from onnx import TensorProto, helper, numpy_helper

from streamart.errors import ModelError
from streamart.runtimes import is_gpu, open_model
from streamart.runtimes.onnx import OnnxModel

openvino = pytest.importorskip("openvino")

from streamart.runtimes.openvino import OpenVinoModel, cpu_has_bf16  # noqa: E402


def batch(seed: int = 0, height: int = 32, width: int = 48) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((1, 3, height, width)) * 255).astype(np.float32)


def test_float32_matches_onnxruntime(tiny_model):
    image = batch()
    result = OpenVinoModel(tiny_model, precision="f32").run(image)
    expected = OnnxModel(tiny_model, device="cpu").run(image)
    assert result.shape == expected.shape and result.dtype == np.float32
    assert np.abs(result - expected).max() < 1e-3


def test_bfloat16_agrees_with_float32_within_a_grey_level(tiny_model):
    if not cpu_has_bf16():
        pytest.skip("this CPU has no bfloat16 (AVX512-BF16 or AMX); OpenVINO computes in float32 here")
    image = batch(1)
    fast = OpenVinoModel(tiny_model, precision="bf16").run(image)
    exact = OpenVinoModel(tiny_model, precision="f32").run(image)
    difference = np.abs(fast - exact)
    assert difference.mean() < 0.5 and difference.max() < 3
    reference = reference_style(image[0].transpose(1, 2, 0))
    assert np.abs(fast[0].transpose(1, 2, 0)[1:-1, 1:-1] - reference[1:-1, 1:-1]).mean() < 0.5


def test_auto_precision_is_bfloat16_where_the_cpu_has_it(tiny_model):
    assert OpenVinoModel(tiny_model).precision == ("bf16" if cpu_has_bf16() else "f32")


def test_the_interface_of_an_image_model(tiny_model):
    model = OpenVinoModel(tiny_model)
    assert model.device == "openvino"
    assert model.input_shape == ["?", 3, "?", "?"] and model.input_type == "tensor(float)"
    assert model.metadata["streamart.stride"] == "4"  # read from the ONNX file


def test_each_input_shape_is_compiled_once_and_kept(tiny_model):
    model = OpenVinoModel(tiny_model)
    for size in ((32, 48), (64, 64), (32, 48)):
        model.run(batch(height=size[0], width=size[1]))
    assert sorted(model._compiled) == [(1, 3, 32, 48), (1, 3, 64, 64)]


def test_a_file_that_is_not_a_model_is_a_model_error(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="is not an ONNX model"):
        OpenVinoModel(junk)


def test_auto_on_a_cpu_picks_openvino_and_cpu_keeps_onnxruntime(tiny_model):
    assert open_model(tiny_model, device="auto").device == "openvino"
    assert open_model(tiny_model, device="openvino").device == "openvino"
    assert open_model(tiny_model, device="cpu").device == "cpu"
    assert not is_gpu("auto") and not is_gpu("openvino")


def test_a_model_openvino_cannot_run_falls_back_to_onnxruntime(tmp_path, caplog):
    # A valid model whose Reshape hard-codes its 32 x 32 input: onnxruntime runs it, OpenVINO
    # cannot reshape it to the probe's size.
    shape = numpy_helper.from_array(np.array([1, 3, 32, 32], np.int64), "shape")
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["input", "shape"], ["output"])],
        "fixed",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 32, 32])],
        [shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "fixed.onnx"
    onnx.save(model, str(path))
    chosen = open_model(path, device="auto")
    assert chosen.device == "cpu"
    assert "OpenVINO cannot run fixed.onnx" in caplog.text and "using onnxruntime's CPU provider" in caplog.text


def test_asking_for_openvino_without_the_package_names_the_install(tiny_model):
    code = (
        "import sys; sys.modules['openvino'] = None\n"  # as if it were not installed
        "from streamart.runtimes import open_model\n"
        f"open_model({str(tiny_model)!r}, device='openvino')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "DependencyError: --device openvino needs the openvino package: pip install openvino" in result.stderr


def test_ctrl_c_after_openvino_work_on_the_main_thread_is_a_keyboard_interrupt_not_a_crash():
    # OpenVINO 2026.4 leaves the thread that compiles a network a signal stack it does not
    # keep valid; a signal handled on it later crashed the process (exit -11, reliably after
    # this benchmark, which compiles and drops networks on the main thread) until the stack
    # was given back.
    code = (
        "import os, signal\n"
        "from streamart.config import LookConfig, StyleConfig\n"
        "from streamart.offline.bench import benchmark\n"
        "benchmark(look=LookConfig(style=StyleConfig(size=32)), width=64, height=48, frames=4)\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    signal.sigtimedwait([], 0)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted cleanly')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "interrupted cleanly"


def test_a_file_that_is_not_onnx_never_reaches_openvinos_frontends(tmp_path, capfd):
    # Text that TensorFlow's text-format frontend tries to parse, printing its errors to fd 2.
    text = tmp_path / "notes.onnx"
    text.write_text("hello: world\nnot a model\n")
    with pytest.raises(ModelError, match=r"notes.onnx is not an ONNX model \(DecodeError\)"):
        OpenVinoModel(text)
    assert capfd.readouterr().err == ""
    import cv2

    cv2.imwrite(str(tmp_path / "in.png"), np.zeros((16, 16, 3), np.uint8))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamart",
            "image",
            str(tmp_path / "in.png"),
            str(tmp_path / "out.png"),
            "--style",
            str(text),
            "--device",
            "openvino",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error:"), result.stderr
    assert "is not a usable ONNX model" in result.stderr
