"""What spreading work over Ray adds, piece by piece (a measurement, not a test; docs/SCALING.md).

    python3 tools/bench_scaling.py CLIP [--size 160] [--repeats 5]
    python3 tools/bench_scaling.py CLIP --flicker OUT_SPLIT [--single OUT_SINGLE]

The first form prints, on a local Ray runtime with 2 CPUs:
- start-up: ``ray.init`` until the first task's result is back, and ``ray.shutdown``;
- scheduling: the round trip of an empty task (median of 50, one after another);
- moving a chunk: a task returning N MB, minus the empty round trip, for 4, 16 and 64 MB
  (on one machine the object store is shared memory; between machines the network adds to it);
- a chunk's own start-up in a worker (no Ray): a chunk of one frame (opening the file,
  loading the model, starting and finishing the encoder, one frame) against the whole of
  CLIP as one chunk, per frame, in turn in this process.

The second form measures flicker at the seams: the warping error (``streamart eval flicker``)
of the frame pairs that straddle a seam of OUT_SPLIT (made from CLIP with ``--workers`` and
``--chunk-seconds``), against the pairs away from seams; with ``--single`` also of the single
run at the same pairs, as a control.
"""

from __future__ import annotations

import argparse
import functools
import logging
import statistics
import time
from pathlib import Path

import numpy as np

from streamart import StyleConfig, api
from streamart.config import EncodeConfig
from streamart.distributed.chunking import Chunk, index_keyframes, plan_chunks
from streamart.distributed.workers import stylize_chunk
from streamart.offline.evaluation import video_flicker


def _empty() -> None:
    return None


def _payload(megabytes: int) -> bytes:
    return bytes(megabytes << 20)


def ray_figures(repeats: int) -> None:
    import ray

    started = time.perf_counter()
    ray.init("local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    empty, payload = ray.remote(_empty), ray.remote(_payload)
    ray.get(empty.remote())
    print(f"start-up (init to first result): {time.perf_counter() - started:.2f} s")
    trips = []
    for _ in range(50):
        started = time.perf_counter()
        ray.get(empty.remote())
        trips.append(time.perf_counter() - started)
    trip = statistics.median(trips)
    print(f"empty task round trip: median {trip * 1000:.1f} ms (min {min(trips) * 1000:.1f})")
    for megabytes in (4, 16, 64):
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            ray.get(payload.remote(megabytes))
            times.append(time.perf_counter() - started - trip)
        seconds = statistics.median(times)
        print(
            f"a {megabytes} MB result: {seconds * 1000:.1f} ms beyond the round trip ({megabytes / seconds:.0f} MB/s)"
        )
    started = time.perf_counter()
    ray.shutdown()
    print(f"shutdown: {time.perf_counter() - started:.2f} s")


def chunk_figures(clip: Path, size: int, repeats: int) -> None:
    index = index_keyframes(clip)
    stages = functools.partial(api.build_style_stages, StyleConfig(size=size, threads=1))
    whole = plan_chunks(index, seconds=1e9, warmup_frames=0)[0]
    start, second = index.frame_times[:2]
    one = Chunk(number=0, warmup=start, start=start, end=second, frames=1)
    times: dict[int, list[float]] = {whole.frames: [], 1: []}
    for _ in range(repeats):  # in turn, so that the machine's load hits both alike
        for chunk in (whole, one):
            started = time.perf_counter()
            stylize_chunk(clip, chunk, index.start, stages, EncodeConfig(), clip.suffix)
            times[chunk.frames].append(time.perf_counter() - started)
    single, frames = statistics.median(times[1]), statistics.median(times[whole.frames])
    print(
        f"a chunk of one frame: {single * 1000:.0f} ms (open and seek the file, load the model, start and "
        f"finish the encoder, one frame); a chunk of {whole.frames}: {frames / whole.frames * 1000:.1f} ms "
        f"a frame (medians of {repeats}, in turn)"
    )


def seam_flicker(clip: Path, split: Path, single: Path | None, chunk_seconds: float) -> None:
    index = index_keyframes(clip)
    plan = plan_chunks(index, seconds=chunk_seconds, warmup_frames=0)
    # pair i is (frame i, frame i + 1): a seam's pair ends at the chunk's first frame
    seams = {index.frame_times.index(chunk.start) - 1 for chunk in plan[1:]}
    for name, path in (("split", split), ("single", single)):
        if path is None:
            continue
        errors = np.array(video_flicker(clip, path).output_errors)
        at = np.nanmean(errors[sorted(seams)])
        away = np.nanmean(np.delete(errors, sorted(seams)))
        print(f"{name}: warping error at {len(seams)} seams {at:.3e}, away {away:.3e}, ratio {at / away:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--flicker", type=Path, metavar="OUT_SPLIT")
    parser.add_argument("--single", type=Path, metavar="OUT_SINGLE")
    parser.add_argument("--chunk-seconds", type=float, default=1.0)
    args = parser.parse_args()
    if args.flicker is not None:
        seam_flicker(args.clip, args.flicker, args.single, args.chunk_seconds)
        return
    ray_figures(args.repeats)
    chunk_figures(args.clip, args.size, args.repeats)


if __name__ == "__main__":
    main()
