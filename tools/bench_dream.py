"""Benchmark the DeepDream video stage: frames per second per resolution and step count.

    python3 tools/bench_dream.py --preset dogs --sizes 320x240 160x120 --steps 1 2 4

Feeds a synthetic panning clip through the DreamStage one frame at a time and times it, and,
separately, the motion estimate that the stage makes for each frame (its "flow" share). The
first frames are warm-up and not timed. Prints a
Markdown table for docs/BENCHMARKS.md, with the machine and the command (``--json FILE`` also
appends one JSON line per row, which tools/gpu_check.sh collects).
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

from streamart.art.dream_settings import PRESETS, preset
from streamart.core.frame import Frame
from streamart.offline.bench import cpu_name
from streamart.ops.flow import MotionEstimator
from streamart.stages.dream import DreamStage

WARMUP_FRAMES = 2


def panning_clip(width: int, height: int, frames: int, speed: int = 3) -> list[np.ndarray]:
    """Smooth colour noise seen by a camera panning right by ``speed`` pixels per frame."""
    import cv2

    rng = np.random.default_rng(0)
    wide = rng.uniform(0, 255, (height, width + speed * frames, 3)).astype(np.float32)
    wide = cv2.normalize(cv2.GaussianBlur(wide, (0, 0), 4), None, 20, 235, cv2.NORM_MINMAX).astype(np.uint8)
    return [np.ascontiguousarray(wide[:, speed * t : speed * t + width]) for t in range(frames)]


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def measure(
    name: str,
    size: tuple[int, int],
    steps: int,
    frames: int,
    device: str,
    working_size: int | None,
    cuda_graph: bool,
) -> dict[str, float]:
    """Mean seconds per frame of the motion estimate alone and of the dream stage (which makes
    the same estimate) (wall clock), and the dream's process CPU seconds per frame (all
    threads), which other jobs on a shared machine disturb less than the wall clock."""
    width, height = size
    config = preset(name, octaves=1, steps=steps, seed=0, device=device)
    flow, dream = MotionEstimator(), DreamStage(config, size=working_size, cuda_graph=cuda_graph)
    flow_time = dream_time = dream_cpu = 0.0
    for index, image in enumerate(panning_clip(width, height, WARMUP_FRAMES + frames)):
        started = time.perf_counter()
        flow.estimate(image)
        flowed, cpu_before = time.perf_counter(), time.process_time()
        dream.process(Frame(image=image, index=index))
        synchronize(device)
        done, cpu_after = time.perf_counter(), time.process_time()
        if index >= WARMUP_FRAMES:
            flow_time += flowed - started
            dream_time += done - flowed
            dream_cpu += cpu_after - cpu_before
    return {"flow": flow_time / frames, "dream": dream_time / frames, "dream_cpu": dream_cpu / frames}


def machine(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name()}, torch {torch.__version__}"
    return f"{cpu_name()}, {os.cpu_count()} logical CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads)"


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=PRESETS, nargs="+", default=["dogs"])
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=[(320, 240)], metavar="WxH")
    parser.add_argument("--steps", type=int, nargs="+", default=[2])
    parser.add_argument("--frames", type=int, default=8, help="timed frames per setting")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--working-size", type=int, metavar="PX", help="dream at this shorter side")
    parser.add_argument(
        "--no-cuda-graph",
        action="store_true",
        help="run the ascent eagerly on CUDA (default: captured once as a CUDA graph per size)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="torch CPU threads (default: torch's choice); on a busy machine 1 thread can beat "
        "several, whose OpenMP workers spin while they wait for each other",
    )
    parser.add_argument("--json", type=Path, help="also append one JSON line per result to this file")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ")
    print(f"Machine: {machine(args.device)}  ")
    print(f"Load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}  ")
    print(f"Command: `python3 tools/bench_dream.py {' '.join(sys.argv[1:])}`\n")
    if args.working_size:
        print(f"Working size: shorter side {args.working_size} px\n")
    print("| preset (layer) | size | steps | dream ms | dream CPU s | of which flow ms | dream fps |")
    print("|---|---|---|---|---|---|---|")
    for name in args.preset:
        layer = (preset(name).objective_layers or (f"class {preset(name).class_index}",))[0]
        for width, height in args.sizes:
            for steps in args.steps:
                result = measure(
                    name,
                    (width, height),
                    steps,
                    args.frames,
                    args.device,
                    args.working_size,
                    not args.no_cuda_graph,
                )
                print(
                    f"| {name} ({layer}) | {width}x{height} | {steps} | {result['dream'] * 1e3:.0f} | "
                    f"{result['dream_cpu']:.2f} | "
                    f"{result['flow'] * 1e3:.1f} | {1 / result['dream']:.2f} |",
                    flush=True,
                )
                if args.json:
                    with open(args.json, "a") as out:
                        out.write(json.dumps({
                            "preset": name, "layer": layer, "size": f"{width}x{height}", "steps": steps,
                            "device": args.device, "cuda_graph": not args.no_cuda_graph,
                            "dream_ms": result["dream"] * 1e3, "flow_ms": result["flow"] * 1e3,
                            "dream_cpu_s": result["dream_cpu"], "fps": 1 / result["dream"],
                        }) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
