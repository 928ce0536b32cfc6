"""The style network: sizes, output range, and the lite variant's cost."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from streamart.nets.transformer import STRIDE, TransformerNet, multiply_adds_per_pixel


@pytest.mark.parametrize("variant", ["full", "lite"])
@pytest.mark.parametrize("height, width", [(32, 32), (36, 52), (64, 40)])
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
