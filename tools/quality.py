"""Look at and measure the shipped style models: a contact sheet and a Gram-distance table.

    python3 tools/quality.py [--models models] [--styles ../shared/styles] \
        [--sheet docs/contact_sheet.png] [--table docs/QUALITY.md] [--gatys-iterations 60]

The photos are scikit-image samples kept out of the training corpus
(SKIMAGE_HELD_OUT below, and the corpus's held-out photos). For every model and photo the style distance to the
painting is measured for the photo itself, the model's output (run by onnxruntime from the
shipped .onnx file) and a Gatys-style optimisation (streamart.gatys) that minimises the same
Gram losses directly, a slow reference that the fast model tries to approximate in one pass.

As a control, the same network architecture with random weights is measured too: scrambling
a photo's texture alone moves its Gram statistics, so a trained model must do clearly better.

Style distance: for each of the VGG16 layers relu1_2, relu2_2, relu3_3, relu4_3 the squared
Frobenius distance between the image's and the painting's Gram matrices, divided by the
painting's squared Gram norm; the mean over the layers. 0 means the same texture statistics.
The painting is scaled to the model's training style size (metadata streamart.style_size),
the scale it was trained to reproduce, and the photos to --size on their long side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import onnx  # noqa: E402
import onnxruntime  # noqa: E402
import torch  # noqa: E402

from streamart.art import gatys  # noqa: E402
from streamart.art.losses import gram_matrix  # noqa: E402
from streamart.nets.transformer import TransformerNet  # noqa: E402
from streamart.nets.vgg import load_vgg16  # noqa: E402
from streamart.offline.corpus import held_out_photos as held_out_corpus_photos  # noqa: E402
from streamart.offline.training import STYLE_LAYERS  # noqa: E402
from streamart.ops import image as imageops  # noqa: E402
from streamart.ops.tensor import to_image, to_tensor  # noqa: E402


#: scikit-image's colour photos of a portrait, an animal, a still life and a building site.
SKIMAGE_HELD_OUT = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg")


def held_out_photos(size: int) -> dict[str, np.ndarray]:
    """Photos no model trained on: scikit-image's four, and those the corpus fetch holds out
    (a bridge landscape, mountains, an interior, a sunset, a dog at a window)."""
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    paths = [folder / name for name in SKIMAGE_HELD_OUT] + held_out_corpus_photos()
    photos = {}
    for path in paths:
        image = imageops.load_image(path)
        height, width = imageops.fit_long_side(*image.shape[:2], size)
        name = path.stem.split("-")[-1].split("_by_")[0]
        photos[name] = imageops.resize(image, height // 4 * 4, width // 4 * 4)
    return photos


def stylize(session: onnxruntime.InferenceSession, image: np.ndarray) -> np.ndarray:
    batch = image.transpose(2, 0, 1)[None].astype(np.float32)
    output = session.run(["output"], {"input": batch})[0][0]
    return np.clip(output.transpose(1, 2, 0), 0, 255).round().astype(np.uint8)


class StyleDistance:
    """Relative Gram distance of images to one painting (see the module docstring)."""

    def __init__(self, vgg, painting: np.ndarray):
        self.vgg = vgg
        self.target = self._grams(painting)

    def _grams(self, image: np.ndarray) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            features = self.vgg(to_tensor(image), STYLE_LAYERS)
        return {name: gram_matrix(f)[0] for name, f in features.items()}

    def __call__(self, image: np.ndarray) -> float:
        grams = self._grams(image)
        return float(np.mean([
            ((grams[name] - target).pow(2).sum() / target.pow(2).sum()).item()
            for name, target in self.target.items()
        ]))


def metadata(path: Path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}


def label(image: np.ndarray, text: str) -> np.ndarray:
    image = image.copy()
    cv2.putText(image, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1,
                cv2.LINE_AA)
    return image


def tile(image: np.ndarray, height: int, width: int, text: str | None = None) -> np.ndarray:
    """Fit ``image`` into height x width (keeping its aspect ratio) on a white background,
    with ``text`` written in its top left corner."""
    scale = min(height / image.shape[0], width / image.shape[1])
    h, w = round(image.shape[0] * scale), round(image.shape[1] * scale)
    image = imageops.resize(image, h, w)
    if text:
        image = label(image, text)
    canvas = np.full((height, width, 3), 255, np.uint8)
    top, left = (height - h) // 2, (width - w) // 2
    canvas[top:top + h, left:left + w] = image
    return canvas


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=root / "models")
    parser.add_argument("--styles", type=Path, default=root.parent / "shared" / "styles")
    parser.add_argument("--sheet", type=Path, default=root / "docs" / "contact_sheet.png")
    parser.add_argument("--table", type=Path, default=root / "docs" / "QUALITY.md")
    parser.add_argument("--size", type=int, default=256, help="long side of the photos measured")
    parser.add_argument("--sheet-size", type=int, default=384, help="long side on the sheet")
    parser.add_argument("--gatys-iterations", type=int, default=60,
                        help="L-BFGS steps of the Gatys reference (0: skip it)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    models = sorted(args.models.glob("*.onnx"))
    if not models:
        print(f"error: no .onnx models in {args.models}", file=sys.stderr)
        return 1
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    sessions = {m: onnxruntime.InferenceSession(str(m), options,
                                                providers=["CPUExecutionProvider"])
                for m in models}
    info = {m: metadata(m) for m in models}

    # Contact sheet: paintings across the top, one row per photo.
    sheet_photos = held_out_photos(args.sheet_size)
    cell_h = max(p.shape[0] for p in sheet_photos.values())
    cell_w = max(p.shape[1] for p in sheet_photos.values())
    header = [np.full((cell_h, cell_w, 3), 255, np.uint8)]
    for m in models:
        painting = imageops.load_image(args.styles / info[m]["streamart.painting_file"])
        header.append(tile(painting, cell_h, cell_w, info[m]["streamart.style"]))
    rows = [np.concatenate(header, 1)]
    for name, photo in sheet_photos.items():
        cells = [tile(photo, cell_h, cell_w, name)]
        cells += [tile(stylize(sessions[m], photo), cell_h, cell_w) for m in models]
        rows.append(np.concatenate(cells, 1))
    args.sheet.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.sheet), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))
    print(f"wrote {args.sheet}")

    # Gram distances.
    vgg = load_vgg16(upto=STYLE_LAYERS[-1])
    photos = held_out_photos(args.size)
    lines = [
        "| model | photo | photo | untrained network | model output | Gatys optimisation | "
        "model cuts the photo's distance by |",
        "|---|---|---|---|---|---|---|",
    ]
    summary = []
    for m in models:
        painting = imageops.load_image(args.styles / info[m]["streamart.painting_file"])
        painting = imageops.resize_long_side(painting, int(info[m]["streamart.style_size"]))
        distance = StyleDistance(vgg, painting)
        config = gatys.GatysConfig(
            content_layer="relu2_2", style_layers=STYLE_LAYERS, iterations=max(args.gatys_iterations, 1),
            style_scale=max(painting.shape[:2]) / args.size, device="cpu")
        # Control: the same architecture with random weights scrambles textures too, which
        # alone moves the Gram statistics; a trained model must do clearly better.
        torch.manual_seed(0)
        untrained = TransformerNet(info[m]["streamart.variant"]).eval()
        cuts = []
        for name, photo in photos.items():
            d_photo = distance(photo)
            with torch.no_grad():
                d_untrained = distance(to_image(untrained(to_tensor(photo))))
            d_model = distance(stylize(sessions[m], photo))
            gatys_text = "-"  # --gatys-iterations 0 skips the slow reference
            if args.gatys_iterations:
                gatys_text = f"{distance(gatys.transfer(photo, [painting], config=config)):.3f}"
            cuts.append(1 - d_model / d_photo)
            lines.append(f"| {m.name} | {name} | {d_photo:.3f} | {d_untrained:.3f} "
                         f"| {d_model:.3f} | {gatys_text} "
                         f"| {100 * (1 - d_model / d_photo):.0f} % |")
            print(lines[-1], flush=True)
        summary.append(f"| {m.name} | {100 * np.mean(cuts):.0f} % |")
    table = "\n".join(lines)
    args.table.write_text(
        "# Quality of the shipped style models\n\n"
        "Made by `python3 tools/quality.py` (see its docstring for the exact definitions).\n\n"
        "![contact sheet](contact_sheet.png)\n\n"
        f"Style distance (relative Gram distance to the painting, VGG16 {', '.join(STYLE_LAYERS)};"
        f" lower is closer), photos scaled to {args.size} px on the long side, Gatys: "
        f"{args.gatys_iterations} L-BFGS steps on the same layers, starting from the photo.\n\n"
        f"{table}\n\n| model | mean cut of the photo's distance |\n|---|---|\n"
        + "\n".join(summary) + "\n")
    print(f"wrote {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
