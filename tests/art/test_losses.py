"""The image losses shared by training and Gatys: the Gram matrix and total variation."""

from __future__ import annotations

import pytest
import torch

from streamart.art.losses import gram_matrix, total_variation


def test_gram_matrix_of_constant_channels():
    # Channel i is the constant v_i everywhere: G[i, j] = sum(v_i v_j) / (C H W) = v_i v_j / C.
    values = torch.tensor([1.0, 2.0, -3.0])
    features = values[None, :, None, None].expand(1, 3, 4, 5)
    expected = torch.outer(values, values) / 3
    torch.testing.assert_close(gram_matrix(features), expected[None])


def test_gram_matrix_by_hand():
    features = torch.tensor([[[[1.0, 0.0]], [[2.0, 3.0]]]])  # N=1, C=2, H=1, W=2
    # <c0, c0> = 1, <c0, c1> = 2, <c1, c1> = 13; divided by C*H*W = 4.
    torch.testing.assert_close(gram_matrix(features), torch.tensor([[[0.25, 0.5], [0.5, 3.25]]]))


def test_gram_matrix_shape_symmetry_and_one_per_image():
    features = torch.randn(2, 5, 6, 7, generator=torch.Generator().manual_seed(0))
    gram = gram_matrix(features)
    assert gram.shape == (2, 5, 5)
    torch.testing.assert_close(gram, gram.transpose(1, 2))
    torch.testing.assert_close(gram[1], gram_matrix(features[1:])[0])
    assert torch.all(torch.linalg.eigvalsh(gram) > -1e-5)  # a Gram matrix is positive semi-definite


def test_gram_matrix_ignores_where_features_fire():
    features = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(1))
    shuffled = features.flatten(2)[..., torch.randperm(64, generator=torch.Generator().manual_seed(2))]
    torch.testing.assert_close(gram_matrix(shuffled.reshape(1, 4, 8, 8)), gram_matrix(features))
    torch.testing.assert_close(gram_matrix(features.flip(-1)), gram_matrix(features))


def test_gram_matrix_is_float32_for_half_features_and_differentiable():
    features = torch.randn(1, 3, 4, 4, generator=torch.Generator().manual_seed(3))
    half = gram_matrix(features.to(torch.bfloat16))
    assert half.dtype == torch.float32
    torch.testing.assert_close(half, gram_matrix(features), atol=0.05, rtol=0.05)
    leaf = features.clone().requires_grad_()
    gram_matrix(leaf).sum().backward()
    assert leaf.grad is not None and leaf.grad.abs().sum() > 0


def test_total_variation_of_a_flat_image_is_zero():
    assert total_variation(torch.full((2, 3, 8, 8), 77.0)).item() == 0


def test_total_variation_of_ramps_by_hand():
    ramp = torch.arange(6.0).repeat(1, 1, 4, 1)  # every row 0..5: horizontal steps of 1
    assert total_variation(ramp).item() == pytest.approx(1.0)
    assert total_variation(ramp * 3).item() == pytest.approx(9.0)  # squared differences
    assert total_variation(ramp.transpose(-1, -2)).item() == pytest.approx(1.0)  # vertical
    checkerboard = (torch.arange(5)[:, None] + torch.arange(5)[None, :]) % 2
    assert total_variation(checkerboard[None, None].float()).item() == pytest.approx(2.0)  # 1 + 1


def test_total_variation_punishes_noise_more_than_smooth_change():
    generator = torch.Generator().manual_seed(4)
    smooth = torch.linspace(0, 255, 32).repeat(1, 3, 32, 1)
    noisy = smooth + torch.randn(smooth.shape, generator=generator) * 20
    assert total_variation(noisy) > 10 * total_variation(smooth)


def test_total_variation_is_differentiable():
    image = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(5)).requires_grad_()
    total_variation(image).backward()
    assert image.grad is not None and image.grad.abs().sum() > 0
