"""Benchmark Gatys style transfer: seconds for a square image of a given size.

    python3 tools/bench_gatys.py [--size 512] [--iterations 500] [--device cuda]
                                 [--style PAINTING] [--json FILE]

The content is scikit-image's astronaut scaled to ``--size`` x ``--size`` (as in
docs/BENCHMARKS.md), the style a painting (default ../shared/styles/starry_night.jpg beside the
checkout; any picture gives the same timing at the same size), with the default
``GatysConfig`` otherwise. The equivalent command is
``streamart image astronaut.png out.png --method gatys --style PAINTING --size full``.
Reports the whole call (weights loaded, style Gram matrices, every iteration) and the
iterations alone, timed from the first to the last step. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamart.art import gatys  # noqa: E402
from streamart.config import GatysConfig  # noqa: E402
from streamart.offline.bench import cpu_name  # noqa: E402

DEFAULT_STYLE = ROOT.parent / "shared" / "styles" / "starry_night.jpg"


def content(size: int) -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA))


def read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read the style picture {path}; give one with --style")
    return np.ascontiguousarray(image[..., ::-1])


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=512, help="content side in pixels (default 512)")
    parser.add_argument("--iterations", type=int, default=GatysConfig.iterations)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--style", type=Path, default=DEFAULT_STYLE, help="style picture")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--json", type=Path, help="append the result as one JSON line to this file")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    config = replace(GatysConfig(), iterations=args.iterations, device=args.device)
    image, style = content(args.size), read_rgb(args.style)
    steps: list[float] = []
    losses: list[float] = []

    def progress(step) -> None:
        steps.append(time.perf_counter())
        losses.append(step.total_loss)

    synchronize(args.device)
    started = time.perf_counter()
    gatys.transfer(image, [style], config=config, progress=progress)
    synchronize(args.device)
    total = time.perf_counter() - started
    iterations = (steps[-1] - steps[0]) / (len(steps) - 1) if len(steps) > 1 else float("nan")

    if args.device.startswith("cuda"):
        machine = f"{torch.cuda.get_device_name()}, torch {torch.__version__} (CUDA {torch.version.cuda})"
    else:
        machine = f"{cpu_name()}, {os.cpu_count()} logical CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ")
    print(f"Machine: {machine}  ")
    print(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}  ")
    print(f"Command: `python3 tools/bench_gatys.py {' '.join(sys.argv[1:])}`\n")
    print("| size | iterations | total s | s per iteration | final loss |")
    print("|---|---|---|---|---|")
    print(f"| {args.size}x{args.size} | {len(steps)} | {total:.2f} | {iterations:.4f} | {losses[-1]:.4f} |")
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps({
                "size": args.size, "iterations": len(steps), "total_s": total, "iteration_s": iterations,
                "final_loss": losses[-1], "device": args.device,
            }) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
