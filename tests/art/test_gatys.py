"""Gatys style transfer on the real VGG16, on the CPU, at tiny sizes with few iterations."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
import torch

from streamart.art import gatys
from streamart.errors import DeviceError, InputError

# Few iterations keep the suite fast; the asserts only need the optimisation to get going
# (L-BFGS moves little in its first few steps while it learns the curvature).
FAST = gatys.GatysConfig(iterations=15, device="cpu")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """On a small CPU shared with other processes, torch's worker threads wait on each other;
    one thread is faster there and these images are tiny anyway."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_content() -> np.ndarray:
    """48 x 64 warm picture: orange-red gradient, a dark disc and a pale rectangle."""
    rows, cols = np.mgrid[0:48, 0:64]
    image = np.stack([200 + cols // 2, 60 + rows, 30 + 0 * rows], axis=-1).astype(np.uint8)
    cv2.circle(image, (20, 24), 12, (40, 20, 20), -1)
    cv2.rectangle(image, (38, 8), (58, 30), (250, 220, 180), -1)
    return image


def make_stripes(seed: int = 0) -> np.ndarray:
    """64 x 64 cool texture: blue and yellow diagonal stripes with noise."""
    rows, cols = np.mgrid[0:64, 0:64]
    stripe = ((rows + cols) // 6) % 2 == 0
    image = np.where(stripe[..., None], [30, 60, 220], [240, 220, 40]).astype(np.float64)
    image += np.random.default_rng(seed).normal(0, 20, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def make_checks() -> np.ndarray:
    """64 x 64 green and white checkerboard."""
    rows, cols = np.mgrid[0:64, 0:64]
    check = (rows // 8 + cols // 8) % 2 == 0
    return np.where(check[..., None], [20, 160, 60], [250, 250, 250]).astype(np.uint8)


def chroma(image: np.ndarray) -> np.ndarray:
    """The Cr and Cb channels as floats."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(np.float64)


def run(content=None, styles=None, config=FAST, **options):
    """transfer() with the test images by default; returns (result, progress reports)."""
    reports: list[gatys.GatysProgress] = []
    result = gatys.transfer(
        make_content() if content is None else content,
        [make_stripes()] if styles is None else styles,
        config=config,
        progress=reports.append,
        **options,
    )
    return result, reports


@pytest.fixture(scope="module")
def plain():
    """One transfer with the default settings (content start), shared by several tests."""
    return run()


def test_result_is_rgb_uint8_of_the_content_size_and_differs_from_it(plain):
    result, _ = plain
    content = make_content()
    assert result.dtype == np.uint8 and result.shape == content.shape
    assert np.abs(result.astype(int) - content).mean() > 5  # the style did change it


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_loss_falls(optimizer):
    config = replace(FAST, optimizer=optimizer, init="noise")
    _, reports = run(config=config)
    assert [r.iteration for r in reports] == list(range(1, 16))
    first, last = reports[0], reports[-1]
    assert last.total_loss < 0.7 * first.total_loss
    assert last.style_loss < first.style_loss


def test_style_weights_one_and_zero_equal_the_first_style_alone(plain):
    two, _ = run(styles=[make_stripes(), make_checks()], style_weights=[1, 0])
    assert np.array_equal(two, plain[0])
    other, _ = run(styles=[make_stripes(), make_checks()], style_weights=[0, 1])
    assert not np.array_equal(other, plain[0])


def test_same_seed_repeats_and_another_seed_differs():
    config = replace(FAST, init="noise", iterations=3)
    first, _ = run(config=config)
    again, _ = run(config=config)
    other, _ = run(config=replace(config, seed=1))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_preserve_color_luminance_keeps_the_content_chroma(plain):
    content = make_content()
    kept, _ = run(config=replace(FAST, preserve_color="luminance"))
    kept_error = np.abs(chroma(kept) - chroma(content)).mean()
    plain_error = np.abs(chroma(plain[0]) - chroma(content)).mean()
    assert kept_error < 2.0  # YCrCb round trip through uint8 only
    assert plain_error > 4 * kept_error  # without it the style's colours came in
    # The texture still comes from the transfer: the luminance differs from the content's.
    luma = cv2.cvtColor(kept, cv2.COLOR_RGB2YCrCb)[..., 0].astype(int)
    content_luma = cv2.cvtColor(content, cv2.COLOR_RGB2YCrCb)[..., 0].astype(int)
    assert np.abs(luma - content_luma).mean() > 3


def test_preserve_color_histogram_brings_the_colours_closer_to_the_content(plain):
    content = make_content()
    matched, _ = run(config=replace(FAST, preserve_color="histogram"))
    mean_chroma = chroma(content).mean(axis=(0, 1))
    matched_gap = np.abs(chroma(matched).mean(axis=(0, 1)) - mean_chroma).sum()
    plain_gap = np.abs(chroma(plain[0]).mean(axis=(0, 1)) - mean_chroma).sum()
    assert matched_gap < 0.5 * plain_gap


def test_coarse_to_fine_reports_every_scale_and_ends_at_the_content_size():
    config = replace(FAST, scales=(44,), iterations=2, style_scale=0.8)
    result, reports = run(config=config)
    assert result.shape == make_content().shape
    assert [r.iteration for r in reports] == [1, 2, 3, 4]
    assert {r.total_iterations for r in reports} == {4}
    assert [(r.scale_index, r.size) for r in reports] == [
        (0, (33, 44)), (0, (33, 44)), (1, (48, 64)), (1, (48, 64))
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "styles", "options", "message"),
    [
        (np.zeros((20, 64, 3), np.uint8), None, {}, "at least 32 px"),
        (np.zeros((48, 64), np.uint8), None, {}, "H x W x 3"),
        (np.zeros((48, 64, 3), np.float32), None, {}, "uint8"),
        (None, [], {}, "at least one style"),
        (None, None, {"style_weights": [1, 2]}, "one per style"),
        (None, [make_stripes(), make_checks()], {"style_weights": [0, 0]}, "all zero"),
        (None, [make_stripes(), make_checks()], {"style_weights": [1, -1]}, "non-negative"),
        (None, None, {"config": replace(FAST, scales=(64,))}, "not smaller"),
        (None, None, {"config": replace(FAST, scales=(16,))}, "at least 32 px"),
        (None, None, {"config": replace(FAST, style_scale=0.2)}, "--style-scale"),
    ],
)
def test_bad_inputs_and_sizes_give_clear_errors(content, styles, options, message):
    with pytest.raises(InputError, match=message):
        run(content=content, styles=styles, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scales": (256, 128)}, "must increase"),
        ({"iterations": 0}, "at least 1"),
        ({"optimizer": "sgd"}, "lbfgs, adam"),
        ({"style_weight": -1.0}, "non-negative"),
        ({"style_scale": 0.0}, "positive"),
        ({"style_layer_weights": (1.0,)}, "one per layer"),
    ],
)
def test_bad_settings_give_clear_errors(options, message):
    with pytest.raises(InputError, match=message):
        gatys.GatysConfig(**options)


def test_an_unknown_layer_is_refused_before_any_work():
    with pytest.raises(InputError, match="unknown VGG16 layer 'relu9_9'"):
        run(config=replace(FAST, content_layer="relu9_9"))


def test_an_absurd_size_is_refused_before_allocating():
    # A 100,000 x 100,000 view of one pixel: no memory behind it, but a real size to check.
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (100_000, 100_000, 3))
    with pytest.raises(DeviceError, match="smaller"):
        run(content=huge)


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the GPU we lack
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        run(config=replace(FAST, device="cuda"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_result_is_close_to_the_cpu_result(plain):
    on_gpu, _ = run(config=replace(FAST, device="cuda"))
    assert np.abs(on_gpu.astype(int) - plain[0]).mean() < 2
