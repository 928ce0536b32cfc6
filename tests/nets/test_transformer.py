"""The style network: sizes, output range, and the lite variant's cost."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from streamart.assets import models
from streamart.nets.transformer import STRIDE, VARIANTS, TransformerNet, UpConv, multiply_adds_per_pixel


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("height, width", [(52, 52), (56, 76), (64, 60)])  # over the cpu margin
def test_output_keeps_the_input_size_for_multiples_of_the_stride(variant, height, width):
    assert height % STRIDE == 0 and width % STRIDE == 0
    model = TransformerNet(variant).eval()
    with torch.no_grad():
        output = model(torch.rand(2, 3, height, width) * 255)
    assert output.shape == (2, 3, height, width)
    assert output.min() >= 0 and output.max() <= 255


def test_output_stays_within_0_255_even_when_pushed_far_outside():
    model = TransformerNet("lite")
    image = torch.rand(1, 3, 32, 32) * 255
    with torch.no_grad():
        for bias, bound in ((50.0, 255.0), (-50.0, 0.0)):
            model.decoder[-1][1].bias.fill_(bias)
            output = model(image)
            assert output.min() >= 0 and output.max() <= 255
            assert torch.allclose(output, torch.full_like(output, bound), atol=1e-3)


def test_multiply_add_count_of_a_single_convolution():
    conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    assert multiply_adds_per_pixel(conv, size=16) == 3 * 8 * 3 * 3


def test_lite_needs_at_least_4x_fewer_multiply_adds_per_pixel():
    full = multiply_adds_per_pixel(TransformerNet("full"))
    lite = multiply_adds_per_pixel(TransformerNet("lite"))
    assert full / lite >= 4
    # Checked against the network description: the full net costs about 154k per pixel.
    assert 140_000 < full < 170_000


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="lite"):
        TransformerNet("huge")


def test_the_cpu_variant_costs_under_a_third_of_lite_at_640x360_margin_included():
    lite = multiply_adds_per_pixel(TransformerNet("lite"))
    assert multiply_adds_per_pixel(TransformerNet("cpu")) < lite / 3


def test_model_file_names_know_every_network_variant():
    # streamart.assets.models reads variants from file names without importing torch.
    assert set(models.VARIANTS) == set(VARIANTS)


def test_upconv_is_exactly_nearest_upsampling_then_a_zero_padded_3x3_convolution():
    torch.manual_seed(0)
    up = UpConv(5, 4).double()
    with torch.no_grad():
        up.bias.normal_()
    x = torch.randn(2, 5, 7, 9, dtype=torch.float64)
    expected = nn.functional.conv2d(
        nn.functional.interpolate(x, scale_factor=2, mode="nearest"), up.weight, up.bias, padding=1
    )
    assert torch.allclose(up(x), expected, atol=1e-12)
    assert torch.allclose(up.fused()(x), expected, atol=1e-12)


def test_gradients_reach_the_upconv_kernel():
    up = UpConv(3, 2)
    up(torch.randn(1, 3, 4, 4)).square().sum().backward()
    assert up.weight.grad is not None and up.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("variant", ["lite", "cpu"])
def test_the_export_copy_computes_the_same_and_leaves_the_model_alone(variant):
    torch.manual_seed(1)
    model = TransformerNet(variant).train()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    exported = model.for_export()
    assert model.training and not exported.training
    assert not any(isinstance(m, UpConv) for m in exported.modules())
    image = torch.rand(1, 3, 60, 76) * 255  # larger than the cpu variant's margin
    with torch.no_grad():
        assert torch.allclose(exported(image), model.eval()(image), atol=1e-3)
