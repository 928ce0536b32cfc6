"""Benchmark Gatys style transfer: quality and time for photo and painting pairs, bf16 and fp32.

    python3 tools/bench_gatys.py [EXAMPLES] [--size 512] [--pairs tubingen:the_scream,...]
                                 [--precisions fp32,bf16] [--reference-passes 50] [--style-weight W]
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
    "golden_gate:seated-nude": "golden_gate_seated",
    "golden_gate:starry_night": "golden_gate_starry",
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
    inputs, published = args.examples / "inputs", args.examples / "outputs"
    for pair in args.pairs.split(","):
        photo, painting = pair.split(":")
        theirs = load_image(find(published, PAIRS[pair])) if PAIRS.get(pair) else None
        yield pair, load_image(find(inputs, photo)), load_image(find(inputs, painting)), theirs


def find(folder: Path, stem: str) -> Path:
    """``folder/stem`` with whatever picture extension it has."""
    for extension in (".jpg", ".png", ".jpeg"):
        if (folder / f"{stem}{extension}").exists():
            return folder / f"{stem}{extension}"
    raise SystemExit(f"{folder / stem}.jpg not found: give neural-style's examples folder")


def reference_seconds(size: tuple[int, int], passes: int, device: str) -> float:
    """Seconds of 500 plain float32 VGG16 forward and backward passes (NCHW, up to the default's
    deepest layer) at ``size``, from ``passes`` timed ones."""
    import torch

    defaults = GatysConfig()
    deepest = max((defaults.content_layer, *defaults.style_layers), key=LAYER_INDEX.__getitem__)
    vgg = load_vgg16(device=device, upto=deepest)
    image = (torch.rand(1, 3, *size, device=device) * 255).requires_grad_(True)

    def one_pass() -> None:
        image.grad = None
        vgg(image, [deepest])[deepest].sum().backward()

    one_pass()  # the first pass sets the kernels up
    synchronize(device)
    started = time.perf_counter()
    for _ in range(passes):
        one_pass()
    synchronize(device)
    return (time.perf_counter() - started) * 500 / passes


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def sheet_row(pictures: list[np.ndarray]) -> np.ndarray:
    """The pictures side by side at :data:`SHEET_HEIGHT` px high."""
    scaled = [
        cv2.resize(p, (round(p.shape[1] * SHEET_HEIGHT / p.shape[0]), SHEET_HEIGHT), interpolation=cv2.INTER_AREA)
        for p in pictures
    ]
    return np.concatenate(scaled, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("examples", type=Path, nargs="?", help="neural-style's examples folder (inputs/, outputs/)")
    parser.add_argument("--style", type=Path, default=DEFAULT_STYLE, help="the painting without EXAMPLES")
    parser.add_argument("--size", type=int, default=512, help="the photo's shorter side, as --size (default 512)")
    parser.add_argument("--pairs", default=DEFAULT_PAIRS, help=f"photo:painting,... (default: {DEFAULT_PAIRS})")
    parser.add_argument("--precisions", default="fp32,bf16", help="comma-separated, of fp32, bf16 (default both)")
    parser.add_argument("--iterations", type=int, help="GatysConfig.iterations (default: the default's)")
    parser.add_argument("--style-weight", type=float, help="GatysConfig.style_weight (default: the default's)")
    parser.add_argument("--reference-passes", type=int, default=50, help="passes timed for the 500-pass reference")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--sheet", type=Path, help="save the side-by-side sheet here (JPEG or PNG)")
    parser.add_argument("--outputs", type=Path, help="save our outputs in this folder")
    parser.add_argument("--json", type=Path, help="append each result as one JSON line to this file")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    precisions = args.precisions.split(",")
    config = replace(GatysConfig(), device=args.device)
    if args.iterations:
        config = replace(config, iterations=args.iterations)
    if args.style_weight is not None:
        config = replace(config, style_weight=args.style_weight)
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
    print(
        "| pair | size | precision | style ratio (neural-style) | content distance (neural-style) | steps | s | 500-pass s | time ratio |"
    )
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
