"""Gatys style transfer on the real VGG16, on the CPU, at tiny sizes with few iterations."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest
import torch

from streamart.art import gatys
from streamart.errors import DeviceError, InputError

# Few iterations keep the suite fast; the asserts only need the optimisation to get going
# (L-BFGS moves little in its first few steps while it learns the curvature).
# The style weight and layers are pinned: the figures below were measured with them, whatever
# the defaults.
FAST = gatys.GatysConfig(
    iterations=15,
    device="cpu",
    style_weight=5.0,
    style_layers=("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"),
    style_layer_weights=(1.0,) * 5,
)
#: bf16 against fp32 with FAST: the loss at each step, relative, and the mean pixel difference
#: of the pictures relative to the fp32 picture's from the content.
BF16_LOSS_TOLERANCE = 0.05
BF16_PICTURE_TOLERANCE = 0.5

pytestmark = pytest.mark.usefixtures("one_torch_thread")


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


def run(content=None, paintings=None, config=FAST, **options):
    """transfer() with the test images by default; returns (result, progress reports)."""
    reports: list[gatys.GatysProgress] = []
    result = gatys.transfer(
        make_content() if content is None else content,
        [make_stripes()] if paintings is None else paintings,
        config=config,
        progress=reports.append,
        **options,
    )
    return result, reports


@pytest.fixture(scope="module")
def plain():
    """One transfer with FAST (palette start), shared by several tests."""
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
    two, _ = run(paintings=[make_stripes(), make_checks()], painting_weights=[1, 0])
    assert np.array_equal(two, plain[0])
    other, _ = run(paintings=[make_stripes(), make_checks()], painting_weights=[0, 1])
    assert not np.array_equal(other, plain[0])


def test_the_names_before_0_3_still_work_and_warn(plain):
    with pytest.warns(DeprecationWarning, match=r"transfer\(styles=\) is deprecated; use paintings="):
        old = gatys.transfer(
            make_content(), config=FAST, styles=[make_stripes(), make_checks()], painting_weights=[1, 0]
        )
    assert np.array_equal(old, plain[0])
    with pytest.warns(DeprecationWarning, match=r"style_weights=\) is deprecated; use painting_weights="):
        gatys.transfer(make_content(), [make_stripes(), make_checks()], config=FAST, style_weights=[1, 0])


def test_the_palette_start_begins_in_the_paintings_colours_nearer_its_style():
    stripes = make_stripes()
    # One step at one scale; the first report measures the starting picture. On relu1_1, whose
    # Gram matrix is much about the colours, the recoloured photo is nearer the painting
    # (measured: 0.68 of the photo's loss).
    first_layer = replace(FAST, iterations=1, scales=(), style_layers=("relu1_1",), style_layer_weights=None)
    _, from_content = run(config=replace(first_layer, init="content"))
    palette, from_palette = run(config=replace(first_layer, init="palette"))
    assert from_palette[0].style_loss < 0.8 * from_content[0].style_loss
    # The warm photo's mean colour moved most of the way to the stripes' blue and yellow.
    gap = np.abs(palette.reshape(-1, 3).mean(0) - stripes.reshape(-1, 3).mean(0)).sum()
    content_gap = np.abs(make_content().reshape(-1, 3).mean(0) - stripes.reshape(-1, 3).mean(0)).sum()
    assert gap < 0.3 * content_gap
    # With the content's colours asked for, it starts from the content as it is.
    _, kept = run(config=replace(first_layer, init="palette", preserve_color="luminance"))
    assert kept[0].style_loss == pytest.approx(from_content[0].style_loss)


def test_the_stroke_layers_weigh_most_unless_weights_are_given():
    weights = gatys._layer_weights(gatys.GatysConfig(style_layers=("relu1_1", "relu2_1", "relu3_3", "relu4_1")))
    assert weights == pytest.approx([0.1, 0.4, 0.4, 0.1])
    assert gatys._layer_weights(gatys.GatysConfig(style_layers=("relu4_1",))) == [1.0]
    given = gatys.GatysConfig(style_layers=("relu1_1", "relu2_1"), style_layer_weights=(3.0, 1.0))
    assert gatys._layer_weights(given) == pytest.approx([0.75, 0.25])


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
    # Where the new lightness with the content's colour fits in RGB (no channel clipped), the
    # colour is the content's up to the YCrCb round trip through uint8.
    fits = ((kept > 0) & (kept < 255)).all(axis=-1)
    assert fits.mean() > 0.5
    kept_error = np.abs(chroma(kept) - chroma(content))[fits].mean()
    plain_error = np.abs(chroma(plain[0]) - chroma(content))[fits].mean()
    assert kept_error < 2.0
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
    assert [r.iteration for r in reports] == [1, 2, 3, 4, 5, 6]  # twice the steps at the coarser scale
    assert {r.total_iterations for r in reports} == {6}
    assert [(r.scale_index, r.size) for r in reports] == [(0, (33, 44))] * 4 + [(1, (48, 64))] * 2
    # The work done counts a coarse step as cheaper (33 x 44 against 48 x 64 pixels).
    fractions = [r.fraction for r in reports]
    work = 4 * 33 * 44 + 2 * 48 * 64
    assert fractions == pytest.approx([k * 33 * 44 / work for k in (1, 2, 3, 4)] + [(work - 48 * 64) / work, 1.0])
    assert all(r.seconds_left >= 0 for r in reports) and reports[-1].seconds_left == 0


@pytest.mark.parametrize(
    ("size", "scales", "expected"),
    [
        ((512, 683), None, [(128, 171), (256, 342), (512, 683)]),  # --size 512: a quarter, a half
        ((160, 140), None, [(80, 70), (160, 140)]),  # a quarter would be under 64 px
        ((48, 64), None, [(48, 64)]),
        ((512, 683), (), [(512, 683)]),
        ((512, 683), (300,), [(225, 300), (512, 683)]),
    ],
)
def test_the_automatic_scales_halve_the_size_down_to_64_px(size, scales, expected):
    assert gatys.scale_sizes(size, scales) == expected


def test_coarse_to_fine_reaches_a_lower_loss_than_one_scale_in_as_many_full_size_passes():
    # 20 steps at half the size (a quarter of the pixels: 5 full-size passes) and 10 at the full
    # size, against 15 at the full size alone: the same time. (In as many steps, 30 at the full
    # size, the two come out within 10 % of each other.)
    content = cv2.resize(make_content(), (128, 96), interpolation=cv2.INTER_CUBIC)
    for init in ("noise", "content"):
        config = replace(FAST, init=init)
        _, coarse_to_fine = run(content=content, config=replace(config, iterations=10, scales=(64,)))
        _, one_scale = run(content=content, config=replace(config, iterations=15, scales=()))
        assert [r.size for r in coarse_to_fine] == [(48, 64)] * 20 + [(96, 128)] * 10
        assert coarse_to_fine[-1].total_loss < 0.9 * one_scale[-1].total_loss, init


def test_the_early_stop_fires_on_a_flat_loss():
    assert gatys.flattened([5.0] * 11, tolerance=0.01)
    assert not gatys.flattened([5.0] * 10, tolerance=0.01)  # not yet STOP_WINDOW steps to compare
    assert not gatys.flattened([float(20 - k) for k in range(11)], tolerance=0.01)  # falling
    assert not gatys.flattened([5.0] * 11, tolerance=0)  # 0: never
    # Content loss alone, from the content itself: 0 from the first step on.
    flat = replace(FAST, init="content", style_weight=0, tv_weight=0, iterations=40, stop_tolerance=0.01)
    _, reports = run(config=flat)
    assert len(reports) == gatys.STOP_WINDOW + 1
    assert reports[-1].total_iterations == reports[-1].iteration and reports[-1].fraction == 1.0
    # The same with the style on: the loss keeps falling, every step runs.
    _, reports = run(config=replace(flat, style_weight=5.0, iterations=15))
    assert len(reports) == 15


def test_bf16_gives_the_fp32_picture_within_the_stated_tolerance():
    # bfloat16 keeps 8 bits of mantissa; the Gram matrices and losses stay float32. The descent
    # is the same: the loss within BF16_LOSS_TOLERANCE at every step. L-BFGS's path through a
    # non-convex loss then parts in the details, so the pictures are compared with how far
    # each moved from the content (measured: 17 grey levels apart after moving 49).
    fp32, fp32_steps = run(config=replace(FAST, precision="fp32"))
    bf16, bf16_steps = run(config=replace(FAST, precision="bf16"))
    for ours, theirs in zip(bf16_steps, fp32_steps):
        assert ours.total_loss == pytest.approx(theirs.total_loss, rel=BF16_LOSS_TOLERANCE)
    moved = np.abs(fp32.astype(int) - make_content()).mean()
    assert np.abs(bf16.astype(int) - fp32).mean() < BF16_PICTURE_TOLERANCE * moved


def test_style_grams_are_cached_by_everything_that_changes_them(monkeypatch):
    computed = []
    compute = gatys._style_grams

    def counting(vgg, style, size, layers, device, bf16):
        computed.append((size, layers, bf16))
        return compute(vgg, style, size, layers, device, bf16)

    monkeypatch.setattr(gatys, "_style_grams", counting)
    monkeypatch.setattr(gatys, "STYLE_GRAMS", gatys.GramCache(capacity=16))
    # fp32 pinned: "auto" is bf16 on a CPU with AVX512-BF16, and the bf16 change below must change it
    once = replace(FAST, iterations=1, precision="fp32")
    run(config=once)
    run(config=once)  # the same painting, size, layers, pooling and precision: no new Grams
    assert len(computed) == 1
    run(config=replace(once, content_weight=3.0))  # the style's Grams do not depend on it
    assert len(computed) == 1
    changes = [
        {"style_scale": 0.9},  # the size the painting is measured at
        {"style_layers": ("relu1_1", "relu2_1"), "style_layer_weights": None},
        {"pooling": "avg"},
        {"precision": "bf16"},
        {"preserve_color": "histogram"},  # another painting: recoloured to the content
    ]
    for count, change in enumerate(changes, start=2):
        run(config=replace(once, **change))
        assert len(computed) == count, change
    run(paintings=[make_stripes(seed=1)], config=once)  # another painting
    assert len(computed) == len(changes) + 2
    assert len(gatys.STYLE_GRAMS) == len(computed)


def test_the_gram_cache_keeps_the_most_recently_used_entries():
    cache = gatys.GramCache(capacity=2)
    made = []

    def make(key):
        return lambda: made.append(key) or {"relu1_1": torch.full((1,), float(key))}

    for key in (1, 2, 1, 3):  # 1 is used again, so 2 is the least recently used when 3 comes
        cache.get(key, make(key))
    assert made == [1, 2, 3] and len(cache) == 2
    cache.get(1, make(1))
    cache.get(2, make(2))
    assert made == [1, 2, 3, 2]


def test_the_best_picture_so_far_comes_with_an_interrupt():
    kept = []

    def interrupt_at_step_4(step):
        if step.iteration == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gatys.transfer(
            make_content(), [make_stripes()], config=FAST, progress=interrupt_at_step_4, on_interrupt=kept.append
        )
    (picture,) = kept
    assert picture.shape == make_content().shape and picture.dtype == np.uint8
    assert np.abs(picture.astype(int) - make_content()).mean() > 1  # three steps changed it


@pytest.mark.parametrize(
    ("content", "paintings", "options", "message"),
    [
        (np.zeros((20, 64, 3), np.uint8), None, {}, "at least 32 px"),
        (np.zeros((48, 64), np.uint8), None, {}, "H x W x 3"),
        (np.zeros((48, 64, 3), np.float32), None, {}, "uint8"),
        (None, [], {}, "at least one style"),
        (None, None, {"painting_weights": [1, 2]}, "one per style"),
        (None, [make_stripes(), make_checks()], {"painting_weights": [0, 0]}, "all zero"),
        (None, [make_stripes(), make_checks()], {"painting_weights": [1, -1]}, "non-negative"),
        (None, None, {"config": replace(FAST, scales=(64,))}, "not smaller"),
        (None, None, {"config": replace(FAST, scales=(16,))}, "at least 32 px"),
        (None, None, {"config": replace(FAST, style_scale=0.2)}, "--style-scale"),
        (None, [make_stripes()[:63]], {}, "style picture 1 is only 64x63 px; give one at least 64"),
        (None, [make_stripes(), np.full((80, 80, 3), 128, np.uint8)], {}, "style picture 2 is one flat colour"),
        (None, [np.full((80, 80, 3), (20, 200, 90), np.uint8)], {}, "give a painting or a drawing"),
    ],
)
def test_bad_inputs_and_sizes_give_clear_errors(content, paintings, options, message):
    with pytest.raises(InputError, match=message):
        run(content=content, paintings=paintings, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scales": (256, 128)}, "must increase"),
        ({"iterations": 0}, "at least 1"),
        ({"iterations": -5}, "at least 1"),
        ({"iterations": math.nan}, "whole number"),
        ({"iterations": math.inf}, "whole number"),
        ({"iterations": 2.5}, "whole number"),
        ({"precision": "fp16"}, "auto, fp32, bf16"),
        ({"stop_tolerance": -0.1}, "stop_tolerance"),
        ({"stop_tolerance": math.nan}, "stop_tolerance"),
        ({"optimizer": "sgd"}, "lbfgs, adam"),
        ({"style_weight": -1.0}, "non-negative"),
        ({"style_scale": 0.0}, "positive"),
        ({"style_layer_weights": (1.0,)}, "one per layer"),
    ],
)
def test_bad_settings_give_clear_errors(options, message):
    with pytest.raises(InputError, match=message):
        gatys.GatysConfig(**options)


def test_a_pencil_drawing_is_a_valid_style():
    # Grey strokes on white paper: little colour and little variation, but a texture.
    drawing = np.full((96, 96, 3), 245, np.uint8)
    for offset in range(0, 96, 9):
        cv2.line(drawing, (offset, 0), (offset // 2, 95), (90, 90, 90), 1)
    result, reports = run(paintings=[drawing], config=replace(FAST, iterations=2))
    assert result.shape == make_content().shape and len(reports) == 2


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
