"""The torch runtime helpers: image <-> tensor conversion, device choice, CUDA graphs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from streamart.errors import DeviceError
from streamart.runtimes.torch import CudaGraph, select_device, to_image, to_tensor

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_image_round_trips_through_a_tensor():
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    tensor = to_tensor(image)
    assert tensor.shape == (1, 3, 5, 7) and tensor.dtype == torch.float32
    assert tensor[0, 2, 4, 6].item() == image[4, 6, 2]
    np.testing.assert_array_equal(to_image(tensor), image)


def test_to_image_rounds_and_clamps():
    tensor = torch.tensor([-20.0, 0.4, 0.6, 254.6, 300.0]).view(1, 1, 1, 5).expand(1, 3, 1, 5)
    assert to_image(tensor)[0, :, 0].tolist() == [0, 0, 1, 255, 255]


def test_cuda_without_a_gpu_is_a_device_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert select_device("auto").type == "cpu"
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        select_device("cuda")
    with pytest.raises(DeviceError, match="use cpu or cuda"):
        select_device("tpu")


@pytest.mark.gpu
@needs_cuda
def test_cuda_graph_replays_on_new_inputs():
    weight = torch.randn(8, 3, 3, 3, device="cuda")

    def function(x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.conv2d(x, weight, padding=1).relu() * scale

    first, second = torch.randn(2, 1, 3, 16, 16, device="cuda")
    graph = CudaGraph(function, first, torch.ones(1, device="cuda"))
    for x, scale in ((second, 2.0), (first, 0.5)):
        scale = torch.tensor([scale], device="cuda")
        torch.testing.assert_close(graph(x, scale), function(x, scale))


@pytest.mark.gpu
@needs_cuda
def test_cuda_graph_results_outlive_the_next_replay():
    graph = CudaGraph(lambda x: x * 2, torch.zeros(4, device="cuda"))
    kept = graph(torch.ones(4, device="cuda"))
    graph(torch.full((4,), 5.0, device="cuda"))
    assert kept.tolist() == [2.0] * 4
