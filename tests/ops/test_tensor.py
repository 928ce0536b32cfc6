"""Tensors in the image convention: conversion, resize and warp on the device (CPU here)."""

from __future__ import annotations

import numpy as np
import torch

from streamart.ops.flow import warp
from streamart.ops.tensor import grid_tensor, resize, to_image, to_tensor
from streamart.ops.tensor import warp as warp_tensor


def test_image_round_trips_through_a_tensor():
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    tensor = to_tensor(image)
    assert tensor.shape == (1, 3, 5, 7) and tensor.dtype == torch.float32
    assert tensor[0, 2, 4, 6].item() == image[4, 6, 2]
    np.testing.assert_array_equal(to_image(tensor), image)


def test_to_image_rounds_and_clamps():
    tensor = torch.tensor([-20.0, 0.4, 0.6, 254.6, 300.0]).view(1, 1, 1, 5).expand(1, 3, 1, 5)
    assert to_image(tensor)[0, :, 0].tolist() == [0, 0, 1, 255, 255]


def test_resize_takes_height_and_width_and_leaves_a_same_size_tensor_alone():
    ramp = torch.linspace(0, 255, 30)
    x = (ramp[None, :] + ramp[:20, None]).expand(1, 3, 20, 30) / 2
    assert resize(x, 20, 30) is x
    small = resize(x, 10, 15)
    assert small.shape == (1, 3, 10, 15)
    # On a smooth ramp a 2x shrink is close to the mean of each 2x2 block.
    blocks = x.reshape(1, 3, 10, 2, 15, 2).mean(dim=(3, 5))
    assert (small - blocks)[..., 1:-1, 1:-1].abs().max() < 1


def test_grid_tensor_puts_channels_first():
    values = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    tensor = grid_tensor(values, "cpu")
    assert tensor.shape == (1, 3, 2, 4) and tensor[0, 2, 1, 3].item() == values[1, 3, 2]
    assert grid_tensor(values[..., 0], "cpu").shape == (1, 1, 2, 4)


def test_device_warp_matches_the_flow_modules_warp():
    # A smooth flow on a coarser grid than the image, as the motion estimate delivers it.
    image = np.random.default_rng(1).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    y, x = np.mgrid[0:12, 0:16].astype(np.float32)
    flow = np.stack([3 * np.sin(y / 4) - 2, 2 * np.cos(x / 5) + 1.5], axis=-1)
    expected = warp(image, flow).astype(np.float32)
    result = to_image(warp_tensor(to_tensor(image), grid_tensor(flow, "cpu"))).astype(np.float32)
    assert np.abs(expected - image).mean() > 10  # the flow does move things
    assert np.abs(result - expected).max() <= 1  # rounding apart, the same pixels
