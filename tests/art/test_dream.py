"""The DeepDream core with the real ImageNet networks, on small synthetic pictures."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from streamart.art.dream import Dreamer, dream, octave_sizes, roll
from streamart.art.dream_settings import DreamConfig
from streamart.errors import DeviceError, InputError
from streamart.ops.tensor import to_tensor


def picture(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """RGB uint8: colour ramps, a bright disc and a dark bar, plus mild noise, so the network
    sees edges, blobs and texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    disc = ((x - 0.6 * width) ** 2 + (y - 0.4 * height) ** 2 < (0.2 * height) ** 2) * 120.0
    bar = (np.abs(x - 0.25 * width) < 0.06 * width) * -80.0
    image = np.stack([60 + 120 * x / width + disc, 60 + 120 * y / height + bar, 140 - disc / 2 + bar], axis=-1)
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference in grey levels."""
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def test_objective_rises_over_steps():
    dreamer = Dreamer(DreamConfig(layers=("relu3_3",), octaves=1, jitter=0, seed=0))
    x = to_tensor(picture())
    with torch.no_grad():
        values = [dreamer.objective(x).item()]
    for _ in range(5):
        x = dreamer.step(x, torch.zeros(2, dtype=torch.int64))
        with torch.no_grad():
            values.append(dreamer.objective(x).item())
    assert all(later > earlier for earlier, later in zip(values, values[1:])), values
    assert values[-1] > 1.5 * values[0], values


@pytest.mark.parametrize("shift", [(0, 0), (3, -5), (-7, 11), (40, -90)])
def test_roll_by_a_tensor_matches_torch_roll(shift):
    x = torch.arange(2 * 3 * 9 * 13, dtype=torch.float32).reshape(2, 3, 9, 13)
    expected = torch.roll(x, shift, dims=(2, 3))
    assert torch.equal(roll(x, torch.tensor(shift)), expected)


def test_jitter_is_taken_back_from_the_gradient():
    # The step sees a rolled image, but its change must land where the features are: with
    # smoothing off, a step with any jitter equals the step without (rolling is exact and a
    # conv net without padding effects at the rolled-in seam is nearly shift-equivariant),
    # so compare away from the borders.
    dreamer = Dreamer(DreamConfig(layers=("relu2_2",), octaves=1, smoothing=0, seed=0))
    x = to_tensor(picture(64, 64))
    still = dreamer.step(x, torch.tensor([0, 0])) - x
    jittered = dreamer.step(x, torch.tensor([8, -8])) - x
    inner = (slice(None), slice(None), slice(16, -16), slice(16, -16))
    agreement = torch.nn.functional.cosine_similarity(still[inner].flatten(), jittered[inner].flatten(), dim=0)
    assert agreement > 0.95, agreement


@pytest.mark.slow
def test_class_objective_raises_the_class_probability():
    # EfficientNet-Lite0's logit for "tiger cat" (282): dreaming must make the classifier
    # itself more confident that the picture shows one.
    config = DreamConfig(network="efficientnet_lite0", class_index=282, octaves=1, steps=4, seed=0)
    image = picture(64, 64)
    out = dream(image, config=config)
    network = Dreamer(config).network
    with torch.no_grad():
        before = network(to_tensor(image)).softmax(dim=1)[0, 282].item()
        after = network(to_tensor(out)).softmax(dim=1)[0, 282].item()
    assert after > 2 * before, (before, after)


def test_channel_objective_amplifies_that_channel_most():
    image = picture()
    whole = dream(image, config=DreamConfig(layers=("relu3_3",), octaves=1, steps=4, seed=0))
    channel = dream(image, config=DreamConfig(layers=("relu3_3",), channels=(7,), octaves=1, steps=4, seed=0))
    network = Dreamer(DreamConfig(layers=("relu3_3",))).network
    with torch.no_grad():
        energy = {
            name: network(to_tensor(out), layers=["relu3_3"])["relu3_3"][0, 7].square().mean().item()
            for name, out in (("whole", whole), ("channel", channel))
        }
    assert energy["channel"] > energy["whole"], energy


def test_guide_pulls_features_towards_the_guide():
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::8] = (255, 40, 40)
    stripes[:, 1::8] = (255, 40, 40)
    config = DreamConfig(layers=("relu3_1",), guide=stripes, octaves=1, steps=4, jitter=0, seed=0)
    dreamer = Dreamer(config)
    image = picture()
    out = dreamer.dream(image)
    with torch.no_grad():
        before = dreamer.objective(to_tensor(image)).item()
        after = dreamer.objective(to_tensor(out)).item()
    assert after > 1.1 * before, (before, after)


@pytest.mark.slow
def test_different_layers_give_different_dreams():
    image = picture()
    shallow = dream(image, config=DreamConfig(layers=("relu2_2",), octaves=1, steps=4, seed=0))
    deep = dream(image, config=DreamConfig(layers=("relu4_3",), octaves=1, steps=4, seed=0))
    # Both changed the picture, and they differ from each other by about as much as each
    # differs from the input, with changes that hardly correlate: not the same structures.
    assert changed(shallow, image) > 2 and changed(deep, image) > 2
    assert changed(shallow, deep) > 0.5 * min(changed(shallow, image), changed(deep, image))
    shallow_change = shallow.astype(np.float32) - image
    deep_change = deep.astype(np.float32) - image
    assert np.corrcoef(shallow_change.ravel(), deep_change.ravel())[0, 1] < 0.5


def test_octave_sizes_end_at_the_input_and_skip_tiny_ones():
    sizes = octave_sizes((101, 67), octaves=4, scale=1.4)
    assert sizes[-1] == (101, 67)
    assert sizes == sorted(sizes)
    assert len(sizes) == 3  # 67 / 1.4**3 = 24 pixels: too small, dropped
    assert octave_sizes((20, 30), octaves=3, scale=1.5) == [(20, 30)]


@pytest.mark.slow
def test_octaves_handle_odd_sizes():
    image = picture(67, 101)
    one = dream(image, config=DreamConfig(layers=("relu3_3",), octaves=1, steps=2, seed=0))
    three = dream(image, config=DreamConfig(layers=("relu3_3",), octaves=3, octave_scale=1.4, steps=2, seed=0))
    assert three.shape == image.shape == one.shape
    assert three.dtype == np.uint8
    # The smaller octaves added structure of their own.
    assert changed(three, one) > 1


def test_seed_makes_a_run_repeatable():
    image = picture()
    config = DreamConfig(layers=("relu3_3",), octaves=2, steps=2, seed=5)
    first = dream(image, config=config)
    again = dream(image, config=config)
    other = dream(image, config=config.replace(seed=6))
    np.testing.assert_array_equal(first, again)
    assert changed(first, other) > 0.1


def test_progress_counts_every_step():
    calls = []
    dream(
        picture(),
        config=DreamConfig(layers=("relu2_2",), octaves=2, octave_scale=1.3, steps=2, seed=0),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_missing_channel_and_tiny_image_are_input_errors():
    with pytest.raises(InputError, match="relu1_1 has 64 channels"):
        dream(picture(), config=DreamConfig(layers=("relu1_1",), channels=(64,), octaves=1, steps=1))
    with pytest.raises(InputError, match="at least 16 pixels"):
        dream(picture(10, 40), config=DreamConfig(octaves=1, steps=1))


def test_an_image_too_big_for_memory_is_refused_with_a_size_that_fits():
    # A 100,000 x 100,000 view of one pixel: no memory behind it, but a real size to check.
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (100_000, 100_000, 3))
    dreamer = Dreamer(DreamConfig(octaves=1, steps=1))
    with pytest.raises(DeviceError, match=r"dreaming at 100000x100000 needs about .* GiB") as refused:
        dreamer.dream(huge)
    width, height = map(int, re.search(r"dream at (\d+)x(\d+) or less", str(refused.value)).groups())
    assert 100 < width == height < 100_000
    dreamer.check_memory(height, width)  # the suggested size passes


@pytest.mark.parametrize("device", ["tpu", "meta"])
def test_unusable_device_is_a_device_error(device):
    with pytest.raises(DeviceError, match=f"{device}.*use cpu or cuda"):
        Dreamer(DreamConfig(device=device))


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(
    "settings",
    [
        dict(layers=("relu4_3",)),
        dict(layers=("relu3_3",), channels=(3, 40)),
        dict(layers=("relu3_1",), guide=picture(64, 64, seed=9)),
        dict(network="efficientnet_lite0", layers=("block10",)),
        dict(network="efficientnet_lite0", class_index=282),
    ],
)
def test_cuda_graph_ascent_matches_the_eager_one(settings):
    config = DreamConfig(**settings, octaves=2, steps=3, seed=3, device="cuda")
    eager, graphed = Dreamer(config), Dreamer(config, cuda_graph=True)
    for seed in (0, 1):  # the second frame replays the graph on a new image and new jitter
        x = to_tensor(picture(96, 128, seed=seed), "cuda")
        expected, result = eager.run(x), graphed.run(x)
        change = (expected - x).abs().mean()
        assert change > 1  # it dreamt
        # bf16 convolutions may pick other algorithms run to run: equal up to rounding noise
        assert (result - expected).abs().mean() < 0.05 * change
    assert len(graphed._graphs) == 1


@pytest.mark.gpu
@needs_cuda
def test_ascent_queues_all_steps_without_waiting_for_the_gpu():
    dreamer = Dreamer(DreamConfig(layers=("relu4_3",), channels=(5,), octaves=2, steps=4, seed=0, device="cuda"))
    x = to_tensor(picture(), "cuda")
    dreamer.run(x)  # first run: lazy initialisation may synchronise
    torch.cuda.set_sync_debug_mode("error")
    try:
        dreamer.run(x)
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.gpu
@needs_cuda
def test_a_failed_capture_falls_back_to_the_eager_ascent(monkeypatch, caplog):
    def refuse(*args):
        raise RuntimeError("operation not permitted when stream is capturing")

    monkeypatch.setattr("streamart.art.dream.CudaGraph", refuse)
    config = DreamConfig(layers=("relu3_3",), octaves=1, steps=2, seed=1, device="cuda")
    x = to_tensor(picture(), "cuda")
    result = Dreamer(config, cuda_graph=True).run(x)
    expected = Dreamer(config).run(x)
    assert "dreaming without graphs" in caplog.text
    assert (result - expected).abs().mean() < 0.05 * (expected - x).abs().mean()
