"""The torch runtime helpers: device choice, free memory, CUDA graphs."""

from __future__ import annotations

import io
import os

import pytest
import torch

from streamart.errors import DeviceError
from streamart.runtimes.torch import CudaGraph, describe_load_error, select_device

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


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


class _RunsCodeWhenUnpickled:
    def __reduce__(self):
        return (os.getcwd, ())


def refusal(data: bytes) -> Exception:
    with pytest.raises(Exception) as error:
        torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    return error.value


def test_torchs_refusals_are_told_in_one_line_that_never_advises_running_the_code():
    holding_code = io.BytesIO()
    torch.save({"model": _RunsCodeWhenUnpickled()}, holding_code)
    exc = refusal(holding_code.getvalue())
    assert "\n" in str(exc)  # what torch says runs over several lines
    assert (
        describe_load_error(exc)
        == "it holds posix.getcwd, which is not a tensor; streamart never runs code from a file"
    )
    for data in (b"not a torch file at all" * 10, b""):
        reason = describe_load_error(refusal(data))
        assert reason and "\n" not in reason and "weights_only" not in reason
