"""Benchmark a style model alone: frames per second per frame size and runtime.

    python3 tools/bench_style.py [--style NAME|MODEL.onnx] [--sizes 1280x720 1920x1080]
                                 [--runtime auto|onnxruntime|torch] [--device cuda]
                                 [--precision fp16|fp32] [--frames 100] [--json FILE]

Two runtimes run the same ONNX file:

- ``onnxruntime``: streamart's own ``OnnxModel`` on the provider ``--device`` names (CUDA needs
  onnxruntime-gpu), fed a float32 frame from host memory and returning one, as the style
  stage does.
- ``torch``: the model's weights (its ONNX initializers, which carry the training network's
  parameter names) loaded into ``streamart.nets.transformer.TransformerNet``; nothing is
  exported anew. On CUDA it runs channels-last under fp16 autocast (instance norm stays in
  fp32, as in the fp16 ONNX model), with cuDNN autotuning, eagerly and replayed as a CUDA
  graph (``streamart.runtimes.torch.CudaGraph``). It reports the network alone on a frame
  already on the device, and frame in to frame out (host uint8 to host uint8, copies included).

``auto`` takes onnxruntime when it offers the device's provider, else torch. Before timing,
each runtime's output is compared with onnxruntime's on the CPU at a small size. The first
frames are warm-up and not timed. Prints a Markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamart.assets.models import resolve_model
from streamart.offline.bench import cpu_name

WARMUP_FRAMES = 5
CHECK_SIZE = (96, 64)  # width, height of the agreement check


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def test_frame(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A smooth colour picture (gradients and noise), RGB uint8 H x W x 3."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([255 * xs / width, 255 * ys / height, 128 + 100 * np.sin(xs / 17 + ys / 23)], -1)
    return np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)


def to_batch(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image.transpose(2, 0, 1)[None].astype(np.float32))


# --- runtimes ---------------------------------------------------------------------------------


class OnnxRuntimeRunner:
    name = "onnxruntime"

    def __init__(self, path: Path, device: str, precision: str) -> None:
        from streamart.runtimes.onnx import OnnxModel

        self.model = OnnxModel(path, device=device)
        self.label = f"onnxruntime {_version('onnxruntime')}, {self.model.providers[0]}"

    def run(self, image: np.ndarray) -> np.ndarray:
        return self.model.run(to_batch(image))[0]

    def frame_to_frame(self, image: np.ndarray) -> np.ndarray:
        output = self.run(image)
        return np.clip(output.transpose(1, 2, 0) + 0.5, 0, 255).astype(np.uint8)


class TorchRunner:
    name = "torch"

    def __init__(self, path: Path, device: str, precision: str, cuda_graph: bool = False) -> None:
        import torch

        from streamart.runtimes.torch import select_device

        self.torch = torch
        self.device = select_device(device)
        self.cuda = self.device.type == "cuda"
        self.net = load_torch_model(path).to(self.device).eval()
        self.autocast = precision == "fp16"
        if self.autocast and not self.cuda:
            raise SystemExit("--precision fp16 needs CUDA here; use fp32 on the CPU")
        if self.cuda:
            torch.backends.cudnn.benchmark = True
            self.net = self.net.to(memory_format=torch.channels_last)
        self.graphs: dict[tuple[int, ...], object] = {}
        self.cuda_graph = cuda_graph and self.cuda
        mode = ", CUDA graph" if self.cuda_graph else ", eager" if self.cuda else ""
        self.label = f"torch {torch.__version__}, {precision}{mode}"

    def network(self, x):
        """RGB float 0..255 N x 3 x H x W on the device in and out."""
        torch = self.torch
        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16, enabled=self.autocast):
            return self.net(x).float()

    def device_run(self, x):
        if not self.cuda_graph:
            return self.network(x)
        key = tuple(x.shape)
        if key not in self.graphs:
            from streamart.runtimes.torch import CudaGraph

            self.graphs[key] = CudaGraph(self.network, x)
        return self.graphs[key](x)

    def to_device(self, image: np.ndarray):
        torch = self.torch
        x = torch.from_numpy(image)
        if self.cuda:
            x = x.pin_memory().to(self.device, non_blocking=True)
        x = x.permute(2, 0, 1)[None].float()
        return x.contiguous(memory_format=torch.channels_last) if self.cuda else x.contiguous()

    def run(self, image: np.ndarray) -> np.ndarray:
        return self.device_run(self.to_device(image))[0].cpu().numpy()

    def frame_to_frame(self, image: np.ndarray) -> np.ndarray:
        y = self.device_run(self.to_device(image))[0]
        return (y + 0.5).clamp(0, 255).to(self.torch.uint8).permute(1, 2, 0).cpu().numpy()

    def synchronize(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()


def load_torch_model(path: Path):
    """A TransformerNet with the weights of the ONNX model at ``path`` (float32)."""
    import onnx
    import torch
    from onnx import numpy_helper

    from streamart.nets.transformer import TransformerNet

    model = onnx.load(str(path))
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    # The exported form: a CPU-first network's upsampling convolutions are stored fused.
    net = TransformerNet(metadata.get("streamart.variant", "full")).for_export()
    wanted = net.state_dict()
    state = {
        init.name: torch.from_numpy(numpy_helper.to_array(init).astype(np.float32))
        for init in model.graph.initializer
        if init.name in wanted
    }
    missing = sorted(set(wanted) - set(state))
    if missing:
        raise SystemExit(
            f"{path} does not carry TransformerNet's parameters {missing[:4]}...; "
            "it was not exported by streamart, so only onnxruntime can run it"
        )
    net.load_state_dict(state, strict=True)
    return net


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in (package, f"{package}-gpu"):
        try:
            return version(name)
        except PackageNotFoundError:
            pass
    return "?"


def onnxruntime_has(device: str) -> bool:
    try:
        from streamart.runtimes.onnx import available_devices
    except ImportError:
        return False
    try:
        return device.split(":")[0] in available_devices()
    except Exception:  # noqa: BLE001 - onnxruntime missing: streamart raises its own error
        return False


# --- measuring --------------------------------------------------------------------------------


def agreement(runner, path: Path) -> float | None:
    """Mean absolute difference (0..255) between ``runner`` and onnxruntime on the CPU, or None
    without onnxruntime."""
    try:
        reference = OnnxRuntimeRunner(path, "cpu", "fp32")
    except Exception:  # noqa: BLE001 - any failure means no reference (say, onnxruntime missing)
        return None
    image = test_frame(*CHECK_SIZE, seed=1)
    return float(np.abs(runner.run(image).astype(np.float64) - reference.run(image)).mean())


def measure(runner, size: tuple[int, int], frames: int) -> dict[str, float]:
    """Mean ms per frame: frame to frame (host uint8 in and out) and, for torch, the network
    alone on a device-resident frame (timed over all frames, one synchronisation)."""
    width, height = size
    images = [test_frame(width, height, seed) for seed in range(4)]
    sync = getattr(runner, "synchronize", lambda: None)
    for index in range(WARMUP_FRAMES):
        runner.frame_to_frame(images[index % 4])
    sync()
    started = time.perf_counter()
    for index in range(frames):
        runner.frame_to_frame(images[index % 4])
    sync()
    result = {"frame_ms": (time.perf_counter() - started) / frames * 1e3}
    if isinstance(runner, TorchRunner):
        inputs = [runner.to_device(image) for image in images]
        sync()
        started = time.perf_counter()
        for index in range(frames):
            runner.device_run(inputs[index % 4])
        sync()
        result["network_ms"] = (time.perf_counter() - started) / frames * 1e3
    return result


def machine(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return f"{torch.cuda.get_device_name()}, torch {torch.__version__} (CUDA {torch.version.cuda})"
    return f"{cpu_name()}, {os.cpu_count()} logical CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--style", help="style name or ONNX model (default: the default style)")
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=[(1280, 720), (1920, 1080)], metavar="WxH")
    parser.add_argument("--runtime", choices=["auto", "onnxruntime", "torch"], default="auto")
    parser.add_argument("--device", default="cuda", help="cuda or cpu (onnxruntime: any of its devices)")
    parser.add_argument("--precision", choices=["fp16", "fp32"], default="fp16", help="torch only (default fp16)")
    parser.add_argument("--frames", type=int, default=100, help="timed frames per size")
    parser.add_argument("--no-cuda-graph", action="store_true", help="torch on CUDA: eager only")
    parser.add_argument(
        "--threads",
        type=int,
        help="torch CPU threads (default: torch's choice; on a busy machine 1 thread can be far faster)",
    )
    parser.add_argument("--json", type=Path, help="append one JSON line per result to this file")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    path = resolve_model(args.style, gpu=args.device.startswith("cuda"))
    runtime = args.runtime
    if runtime == "auto":
        runtime = "onnxruntime" if onnxruntime_has(args.device) else "torch"
    if runtime == "onnxruntime":
        runners = [OnnxRuntimeRunner(path, args.device, args.precision)]
    else:
        graphs = [False] + ([True] if args.device.startswith("cuda") and not args.no_cuda_graph else [])
        runners = [TorchRunner(path, args.device, args.precision, graph) for graph in graphs]

    print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ")
    print(f"Machine: {machine(args.device)}  ")
    print(f"Load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}  ")
    print(f"Command: `python3 tools/bench_style.py {' '.join(sys.argv[1:])}`  ")
    print(f"Model: {path.name}\n")
    print("| runtime | size | frame to frame ms | fps | network alone ms | fps | vs onnxruntime CPU |")
    print("|---|---|---|---|---|---|---|")
    for runner in runners:
        difference = agreement(runner, path)
        for width, height in args.sizes:
            result = measure(runner, (width, height), args.frames)
            network = result.get("network_ms")
            row = {
                "runtime": runner.label, "size": f"{width}x{height}", "model": path.name,
                "device": args.device, **result, "mean_abs_difference": difference,
            }  # fmt: skip
            print(
                f"| {runner.label} | {width}x{height} | {result['frame_ms']:.2f} | {1e3 / result['frame_ms']:.1f} "
                f"| {'' if network is None else f'{network:.2f}'} | {'' if network is None else f'{1e3 / network:.1f}'} "
                f"| {'' if difference is None else f'{difference:.2f} grey levels'} |",
                flush=True,
            )
            if args.json:
                with open(args.json, "a") as out:
                    out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
