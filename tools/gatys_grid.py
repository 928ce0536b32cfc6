"""Make docs/gatys_weights_grid.png: Gatys style transfer over style/content weight ratios
(columns) and style scales (rows), at a small size so that it runs on a CPU.

    python3 tools/gatys_grid.py --style ../shared/styles/starry_night.jpg

The content picture defaults to scikit-image's "chelsea" (the test extra installs it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from streamart.art import gatys
from streamart.ops import image as imageops

LABEL_HEIGHT = 22


def label(image: np.ndarray, text: str) -> np.ndarray:
    """The image with a white strip above it carrying ``text``."""
    strip = np.full((LABEL_HEIGHT, image.shape[1], 3), 255, np.uint8)
    cv2.putText(strip, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([strip, image])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, help="content image (default: skimage chelsea)")
    parser.add_argument("--style", type=Path, default=Path("../shared/styles/starry_night.jpg"))
    parser.add_argument("--size", type=int, default=160, help="longer side in pixels")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--ratios", default="1,4,16,64", help="style_weight / content_weight")
    parser.add_argument("--style-scales", default="0.5,1,2")
    parser.add_argument("--out", type=Path, default=Path("docs/gatys_weights_grid.png"))
    args = parser.parse_args()

    if args.content is None:
        from skimage import data

        content = data.chelsea()
    else:
        content = imageops.load_image(args.content)
    content = imageops.resize_long_side(content, args.size)
    style = imageops.load_image(args.style)
    ratios = [float(value) for value in args.ratios.split(",")]
    style_scales = [float(value) for value in args.style_scales.split(",")]

    rows = []
    for style_scale in style_scales:
        # First column: the style image as the optimisation sees it at this scale.
        seen = imageops.resize_long_side(style, round(style_scale * args.size))
        canvas = np.full_like(content, 255)
        height, width = min(seen.shape[0], content.shape[0]), min(seen.shape[1], content.shape[1])
        canvas[:height, :width] = seen[:height, :width]
        cells = [label(canvas, f"style scale {style_scale:g}")]
        for ratio in ratios:
            config = gatys.GatysConfig(
                content_weight=1.0, style_weight=ratio, style_scale=style_scale,
                iterations=args.iterations,
            )  # fmt: skip
            started = time.perf_counter()
            steps: list[gatys.GatysProgress] = []
            result = gatys.transfer(content, [style], config=config, progress=steps.append)
            last = steps[-1]
            print(
                f"style scale {style_scale:g}, style/content {ratio:g}: "
                f"{time.perf_counter() - started:.0f} s, content loss {last.content_loss:.3f}, "
                f"style loss {last.style_loss:.3f}",
                flush=True,
            )
            cells.append(label(result, f"style/content = {ratio:g}"))
        rows.append(np.concatenate(cells, axis=1))
    header = label(np.concatenate([content] + [np.full_like(content, 255)] * len(ratios), 1),
                   "content")  # fmt: skip
    grid = np.concatenate([header, *rows])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
        print(f"cannot write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
