"""The fast style stage on real onnxruntime sessions of tiny test models."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from model_factory import make_style_model, reference_style

from streamart.config import StyleConfig
from streamart.core.controls import LiveControls
from streamart.core.frame import Frame
from streamart.errors import DeviceError, ModelError
from streamart.ops.image import limit_short_side
from streamart.stages import style
from streamart.stages.style import StyleStage


def picture(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (max(2, height // 8), max(2, width // 8), 3), dtype=np.uint8)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)


@pytest.mark.parametrize("height, width", [(37, 51), (64, 64), (1, 3), (17, 4)])
def test_any_frame_size_is_padded_to_the_stride_and_cropped_back(tiny_model, height, width):
    image = picture(height, width)
    stage = StyleStage(StyleConfig(model=tiny_model, device="cpu"))  # onnxruntime: float32, exact
    out = stage.process(Frame(image=image, index=0)).image
    assert out.shape == image.shape and out.dtype == np.uint8
    if height > 2 and width > 2:  # away from the border the result is the model's own output
        expected = reference_style(image)[1:-1, 1:-1]
        assert np.abs(out[1:-1, 1:-1].astype(float) - expected).max() <= 1.0


def test_limit_short_side_scales_the_shorter_side_and_never_enlarges():
    assert limit_short_side(720, 1280, 360) == (360, 640)
    assert limit_short_side(1280, 720, 360) == (640, 360)
    assert limit_short_side(200, 300, 360) == (200, 300)
    assert limit_short_side(480, 640, None) == (480, 640)


def test_working_size_runs_the_model_smaller(tiny_model):
    image = picture(120, 160)
    full = StyleStage(StyleConfig(model=tiny_model)).process(Frame(image=image, index=0)).image
    small = StyleStage(StyleConfig(model=tiny_model, size=30)).process(Frame(image=image, index=0)).image
    assert small.shape == image.shape
    # Stylized at a quarter of the size and enlarged again: close to, but not equal to, full size.
    difference = np.abs(full.astype(int) - small.astype(int)).mean()
    assert 0.5 < difference < 20


def test_strength_blends_with_the_original(tiny_model):
    image = picture(32, 32)
    frame = Frame(image=image, index=0)
    assert np.array_equal(StyleStage(StyleConfig(model=tiny_model, strength=0.0)).process(frame).image, image)
    full = StyleStage(StyleConfig(model=tiny_model)).process(frame).image.astype(float)
    half = StyleStage(StyleConfig(model=tiny_model, strength=0.5)).process(frame).image.astype(float)
    assert np.abs(half - (full + image) / 2).max() <= 1.0


def test_preserve_color_keeps_the_input_chroma(tiny_model):
    image = picture(48, 64)
    out = StyleStage(StyleConfig(model=tiny_model, preserve_color=True)).process(Frame(image=image, index=0)).image
    plain = StyleStage(StyleConfig(model=tiny_model)).process(Frame(image=image, index=0)).image
    chroma = lambda rgb: cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(int)  # noqa: E731
    luma = lambda rgb: cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., 0].astype(int)  # noqa: E731
    assert np.abs(chroma(out) - chroma(image)).mean() < np.abs(chroma(plain) - chroma(image)).mean() / 3
    assert np.abs(luma(out) - luma(plain)).mean() < 2


def test_the_stage_remembers_the_original(tiny_model):
    image = picture(16, 16)
    out = StyleStage(StyleConfig(model=tiny_model)).process(Frame(image=image, index=3, pts=30))
    assert out.original is image and out.index == 3 and out.pts == 30


def install_models(tmp_path, monkeypatch, *file_names: str) -> None:
    """Tiny style models (seeds 1, 2, ...) in a folder on the model search path."""
    folder = tmp_path / "zoo"
    folder.mkdir()
    for seed, file_name in enumerate(file_names, start=1):
        make_style_model(folder / file_name, seed=seed)
    monkeypatch.setenv("STREAMART_MODELS", str(folder))


def test_live_controls_switch_style_and_strength(tmp_path, monkeypatch):
    install_models(tmp_path, monkeypatch, "alpha.onnx", "beta.onnx")
    controls = LiveControls(["alpha", "beta"])
    stage = StyleStage(StyleConfig(model="alpha", device="cpu"), controls=controls)
    frame = Frame(image=picture(32, 32), index=0)
    first = stage.process(frame).image
    controls.next_style()
    second = stage.process(frame).image
    assert np.abs(first.astype(int) - second.astype(int)).mean() > 1
    assert np.abs(second[1:-1, 1:-1].astype(float) - reference_style(frame.image, seed=2)[1:-1, 1:-1]).max() <= 1
    controls.adjust_strength(-1.0)
    assert np.array_equal(stage.process(frame).image, frame.image)


def test_live_styles_are_each_loaded_once(tmp_path, monkeypatch):
    # Shipped files carry a variant suffix (starry_night-cpu.onnx) that style names lack.
    install_models(tmp_path, monkeypatch, "alpha-lite.onnx", "beta-lite.onnx")
    loaded = []
    real_style_model = style.StyleModel

    def counting_style_model(name, **options):
        loaded.append(name)
        return real_style_model(name, **options)

    monkeypatch.setattr(style, "StyleModel", counting_style_model)
    controls = LiveControls(["alpha", "beta"])
    stage = style.StyleStage(StyleConfig(model="alpha"), controls=controls)
    frame = Frame(image=picture(32, 32), index=0)
    for _ in range(2):  # alpha, beta, alpha, beta
        stage.process(frame)
        controls.next_style()
        stage.process(frame)
        controls.next_style()
    assert loaded == ["alpha", "beta"]


def test_a_model_that_returns_the_wrong_shape_is_reported(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["input"], ["output"], axes=[1], keepdims=1)],
        "bad",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 1, "H", "W"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "grey_out.onnx"
    onnx.save(model, str(path))
    stage = StyleStage(StyleConfig(model=path))
    with pytest.raises(ModelError, match="returned shape"):
        stage.process(Frame(image=picture(8, 8), index=0))


def test_the_model_variant_follows_the_device_really_used(tmp_path, monkeypatch):
    install_models(tmp_path, monkeypatch, "gamma-lite.onnx", "gamma-full.onnx")
    assert style.StyleModel("gamma", device="auto").name == "gamma-lite"  # auto is the CPU here
    # "auto" on an NVIDIA machine (the GPU we lack: only the device resolution is faked)
    monkeypatch.setattr(style, "is_gpu", lambda device: True)
    assert style.StyleModel("gamma", device="auto").name == "gamma-full"


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (4, 4), (3, 7), (15, 40)])
def test_frames_smaller_than_the_network_needs_are_padded_and_cropped_back(size):
    # The shipped networks mirror-pad by 4 pixels before their first convolution: a 4x4
    # frame was an onnxruntime error; now it is padded up, stylized and cropped back.
    height, width = size
    image = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    stage = StyleStage(StyleConfig(model="starry_night", size=None))
    result = stage.process(Frame(image, 0)).image
    assert result.shape == (height, width, 3)
    assert not np.array_equal(result, image)  # it was stylized


def test_a_model_that_returns_nan_is_named_on_the_first_frame(tmp_path):
    from model_factory import make_nan_model

    path = make_nan_model(tmp_path / "broken.onnx")
    stage = StyleStage(StyleConfig(model=path))
    frame = Frame(np.full((32, 48, 3), 90, np.uint8), 0)
    with pytest.raises(ModelError, match="broken.onnx returns NaN or infinite values"):
        stage.process(frame)


def test_a_frame_too_big_for_memory_is_refused_before_allocating_with_a_size_that_fits():
    # A 100,000 x 100,000 view of one pixel: no memory behind it, but a real size to check.
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (100_000, 100_000, 3))
    stage = StyleStage(StyleConfig(model="starry_night", size=None))
    with pytest.raises(
        DeviceError,
        match=r"stylizing at 100000x100000 needs about .* GiB of memory, more than is free .*--size (\d+)\)",
    ) as caught:
        stage.process(Frame(huge, 0))
    fits = int(caught.value.args[0].rsplit("--size ", 1)[1].rstrip(")"))
    free = style.available_host_memory()
    assert style.BYTES_PER_PIXEL * fits * fits + style.FIXED_BYTES < free  # the size named does fit


def test_without_finish_the_frame_stays_at_the_working_size_until_the_finish_stage(tiny_model):
    image = np.random.default_rng(2).integers(0, 256, (120, 200, 3), dtype=np.uint8)
    config = StyleConfig(model=tiny_model, size=48, strength=0.5, preserve_color=True)
    small = StyleStage(config, finish=False).process(Frame(image, 0))
    assert small.image.shape == (48, 80, 3) and small.original is image  # small, source kept
    finished = style.FinishStage(config).process(small)
    assert finished.original is image
    whole = StyleStage(config).process(Frame(image, 0))  # the same in one stage
    np.testing.assert_array_equal(finished.image, whole.image)


def test_the_finish_stage_gives_back_the_source_exactly_at_strength_zero(tiny_model):
    image = np.random.default_rng(3).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    controls = LiveControls([str(tiny_model)], strength=1.0)
    small = StyleStage(StyleConfig(model=tiny_model, size=20), finish=False).process(Frame(image, 0))
    controls.adjust_strength(-1.0)
    assert style.FinishStage(StyleConfig(size=20), controls=controls).process(small).image is image


def test_threads_cap_the_runtime(tiny_model):
    stage = StyleStage(StyleConfig(model=tiny_model, device="cpu", threads=1))  # onnxruntime
    assert stage.model.runtime.session.get_session_options().intra_op_num_threads == 1
