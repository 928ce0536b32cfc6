"""Benchmark Gatys style transfer: quality and time for photo and painting pairs, bf16 and fp32.

    python3 tools/bench_gatys.py [EXAMPLES] [--size 512] [--pairs tubingen:the_scream,...]
                                 [--precisions fp32,bf16] [--reference-passes 50]
                                 [--sheet sheet.jpg] [--json FILE] [--device cpu]

EXAMPLES is a folder with neural-style's examples: ``inputs/`` (photos and paintings) and
``outputs/`` (its published results), as in the jcjohnson/neural-style repository's
``examples`` folder (``git --git-dir=REPO archive HEAD examples | tar -x``). The images are
not part of streamart. Without it the one pair is scikit-image's astronaut and ``--style``
(default ../shared/styles/starry_night.jpg beside the checkout), for timing alone.

Each pair runs as ``streamart image PHOTO out.png --method gatys --style PAINTING --size SIZE``
does, with the default ``GatysConfig`` and each of ``--precisions``. For each it prints:

- the style ratio and the content distance (:mod:`streamart.offline.likeness`, the measure the
  quality tool uses) of our output and of neural-style's published one for the same pair;
- the seconds of the whole call, and the time of 500 plain float32 VGG16 forward and backward
  passes at the same size (``--reference-passes`` of them timed in the same run, scaled to 500),
  and their ratio: the issue's speed target is a ratio of at most 0.25.

``--sheet`` saves a side-by-side picture: photo, painting, ours, neural-style's; one row a pair.
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
from streamart.nets.vgg import LAYER_INDEX, load_vgg16  # noqa: E402
from streamart.offline.bench import cpu_name  # noqa: E402
from streamart.offline.likeness import LikenessMeasure  # noqa: E402
from streamart.ops.image import limit_short_side, load_image, resize  # noqa: E402

#: photo : painting, the file names in neural-style's examples/inputs; its published output for
#: the pair is examples/outputs/<photo>_<output>.png.
PAIRS = {
    "tubingen:the_scream": "tubingen_scream",
    "tubingen:starry_night": "tubingen_starry",
    "tubingen:shipwreck": "tubingen_shipwreck",
    "tubingen:seated-nude": "tubingen_seated_nude",
    "golden_gate:escher_sphere": "golden_gate_escher",
    "golden_gate:frida_kahlo": "golden_gate_kahlo",
    "golden_gate:woman-with-hat-matisse": "golden_gate_matisse",
    "golden_gate:the_scream": "golden_gate_scream",
    "hoovertowernight:the_scream": None,  # no published output: held out
}
DEFAULT_PAIRS = ",".join(PAIRS)
DEFAULT_STYLE = ROOT.parent / "shared" / "styles" / "starry_night.jpg"
SHEET_HEIGHT = 256


def cases(args: argparse.Namespace):
    """(name, photo, painting, neural-style's output or None) for each pair asked for."""
    if args.examples is None:
        from skimage import data

        yield "astronaut:" + args.style.stem, data.astronaut(), load_image(args.style), None
        return
    precisions = args.precisions.split(",")
    config = replace(GatysConfig(), device=args.device)
    if args.iterations:
        config = replace(config, iterations=args.iterations)
    if args.outputs:
        args.outputs.mkdir(parents=True, exist_ok=True)
    vgg = load_vgg16(upto="relu4_3")
    rows, sheet = [], []
    for pair, photo, painting, theirs in cases(args):
        content = resize(photo, *limit_short_side(*photo.shape[:2], args.size))
        measure = LikenessMeasure(painting, vgg)
        if theirs is not None:
            theirs_likeness = measure.measure(theirs, photo)
        reference = reference_seconds(content.shape[:2], args.reference_passes, args.device)
        pictures = [photo, painting]
        for precision in precisions:
            steps = []
            synchronize(args.device)
            started = time.perf_counter()
            ours = gatys.transfer(
                content, [painting], config=replace(config, precision=precision), progress=steps.append
            )
            synchronize(args.device)
            seconds = time.perf_counter() - started
            likeness = measure.measure(ours, photo)
            pictures.append(ours)
            if args.outputs:
                cv2.imwrite(str(args.outputs / f"{pair.replace(':', '_')}_{precision}.png"), ours[..., ::-1])
            row = {
                "pair": pair, "size": f"{content.shape[1]}x{content.shape[0]}", "precision": precision,
                "style_ratio": likeness.style_ratio, "content_distance": likeness.content_distance,
                "ns_style_ratio": theirs_likeness.style_ratio if theirs is not None else None,
                "ns_content_distance": theirs_likeness.content_distance if theirs is not None else None,
                "seconds": seconds, "steps": len(steps), "reference_500_s": reference, "time_ratio": seconds / reference,
            }  # fmt: skip
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            if args.json:
                with open(args.json, "a") as out:
                    out.write(json.dumps(row) + "\n")
        if theirs is not None:
            pictures.append(theirs)
        sheet.append(sheet_row(pictures))

    if args.device.startswith("cuda"):
        machine = f"{torch.cuda.get_device_name()}, torch {torch.__version__} (CUDA {torch.version.cuda})"
    else:
        machine = f"{cpu_name()}, {os.cpu_count()} logical CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ")
    print(f"Machine: {machine}  ")
    print(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}  ")
    print(f"Command: `python3 tools/bench_gatys.py {' '.join(sys.argv[1:])}`\n")
    print("| pair | size | precision | style ratio (neural-style) | content distance (neural-style) | steps | s | 500-pass s | time ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        theirs_style = f" ({row['ns_style_ratio']:.3f})" if row["ns_style_ratio"] is not None else ""
        theirs_content = f" ({row['ns_content_distance']:.2f})" if row["ns_content_distance"] is not None else ""
        print(
            f"| {row['pair']} | {row['size']} | {row['precision']} | {row['style_ratio']:.3f}{theirs_style} | "
            f"{row['content_distance']:.2f}{theirs_content} | {row['steps']} | {row['seconds']:.0f} | "
            f"{row['reference_500_s']:.0f} | {row['time_ratio']:.2f} |"
        )
    if args.sheet:
        width = max(row.shape[1] for row in sheet)
        padded = [np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)), constant_values=255) for row in sheet]
        cv2.imwrite(str(args.sheet), np.concatenate(padded)[..., ::-1])


if __name__ == "__main__":
    main()
