"""Look at and measure style models: a contact sheet and a Gram-distance table.

    python3 tools/quality.py --models DIR --section NAME [--versus DIR2] [--sheet PNG]
        [--styles ../shared/styles] [--table docs/QUALITY.md] [--gatys-iterations 0]

The table (one row per model) replaces the part of ``--table`` between the lines
``<!-- quality:NAME -->`` and ``<!-- /quality:NAME -->`` (appended where they are missing), so the
document's own text around it stays. ``--versus DIR2`` adds, for each model with a model of
the same painting in DIR2, DIR2's mean distance and the ratio of the two (how a network
variant or a training schedule compares with another). The contact sheet has a row per model:
its painting, then what it makes of a few of the photos.

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
import shlex
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
    # A dark outline from shifted copies of the same stroke: a thicker stroke is also set
    # wider, and would not line up with the white text over it.
    for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        cv2.putText(image, text, (6 + dx, 20 + dy), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(image, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
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


def measure(models: list[Path], styles: Path, size: int, gatys_iterations: int, vgg) -> dict[Path, dict]:
    """Per model: its metadata and, per photo, the photo's, the untrained network's, the
    model's (and Gatys's) style distance to the painting."""
    photos = held_out_photos(size)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    results = {}
    for m in models:
        info = metadata(m)
        session = onnxruntime.InferenceSession(str(m), options, providers=["CPUExecutionProvider"])
        painting = imageops.load_image(styles / info["streamart.painting_file"])
        painting = imageops.resize_long_side(painting, int(info["streamart.style_size"]))
        distance = StyleDistance(vgg, painting)
        config = gatys.GatysConfig(
            content_layer="relu2_2", style_layers=STYLE_LAYERS, iterations=max(gatys_iterations, 1),
            style_scale=max(painting.shape[:2]) / size, device="cpu")
        # Control: the same architecture with random weights scrambles textures too, which
        # alone moves the Gram statistics; a trained model must do clearly better.
        torch.manual_seed(0)
        untrained = TransformerNet(info["streamart.variant"]).eval()
        rows = {}
        for name, photo in photos.items():
            with torch.no_grad():
                scrambled = to_image(untrained(to_tensor(photo)))
            rows[name] = {
                "photo": distance(photo),
                "untrained": distance(scrambled),
                "model": distance(stylize(session, photo)),
                "gatys": distance(gatys.transfer(photo, [painting], config=config)) if gatys_iterations else None,
            }
        results[m] = {"info": info, "photos": rows}
        cuts = [1 - r["model"] / r["photo"] for r in rows.values()]
        print(f"{m.name}: mean cut {100 * np.mean(cuts):.0f} % (min {100 * min(cuts):.0f} %)", flush=True)
    return results


def painting_of(result: dict) -> str:
    return result["info"]["streamart.painting_file"]


def table(results: dict[Path, dict], versus: dict[Path, dict] | None, versus_label: str) -> str:
    """One row per model: mean distances over the photos, the cut, and the comparison."""
    others = {painting_of(r): (m, r) for m, r in (versus or {}).items()}
    header = ["model", "steps", "photo", "untrained network", "model output", "cut: mean (lowest)"]
    gatys_shown = any(row["gatys"] is not None for r in results.values() for row in r["photos"].values())
    if gatys_shown:
        header.append("Gatys")
    if versus is not None:
        header += [f"{versus_label} output", f"ratio to {versus_label}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ratios = []
    for m, r in results.items():
        rows = r["photos"].values()
        mean = {key: float(np.mean([row[key] for row in rows])) for key in ("photo", "untrained", "model")}
        cuts = [1 - row["model"] / row["photo"] for row in rows]
        cells = [m.name, r["info"].get("streamart.iterations", "?"), f"{mean['photo']:.3f}",
                 f"{mean['untrained']:.3f}", f"{mean['model']:.3f}",
                 f"{100 * np.mean(cuts):.0f} % ({100 * min(cuts):.0f} %)"]
        if gatys_shown:
            cells.append(f"{np.mean([row['gatys'] for row in rows]):.3f}")
        if versus is not None:
            other = others.get(painting_of(r))
            if other is None:
                cells += ["-", "-"]
            else:
                theirs = float(np.mean([row["model"] for row in other[1]["photos"].values()]))
                ratios.append(mean["model"] / theirs)
                cells += [f"{theirs:.3f}", f"{mean['model'] / theirs:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    if ratios:
        lines.append(f"\nRatio of mean style distances, {len(ratios)} paintings: mean {np.mean(ratios):.2f}, "
                     f"highest {max(ratios):.2f} (below 1: closer to the painting than {versus_label}).")
    return "\n".join(lines)


def contact_sheet(results: dict[Path, dict], styles: Path, path: Path, side: int, columns: int) -> None:
    """A row per model: its painting, then its output on the first ``columns`` photos."""
    photos = dict(list(held_out_photos(side).items())[:columns])
    cell_h = max(p.shape[0] for p in photos.values())
    cell_w = max(p.shape[1] for p in photos.values())
    rows = [np.concatenate([np.full((cell_h, cell_w, 3), 255, np.uint8)]
                           + [tile(photo, cell_h, cell_w, name) for name, photo in photos.items()], 1)]
    for m, r in results.items():
        session = onnxruntime.InferenceSession(str(m), providers=["CPUExecutionProvider"])
        painting = imageops.load_image(styles / painting_of(r))
        cells = [tile(painting, cell_h, cell_w, r["info"]["streamart.style"])]
        cells += [tile(stylize(session, photo), cell_h, cell_w) for photo in photos.values()]
        rows.append(np.concatenate(cells, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))
    print(f"wrote {path}")


def replace_section(document: Path, name: str, text: str) -> None:
    """Put ``text`` between the document's markers of section ``name`` (added at the end if
    the document lacks them)."""
    begin, end = f"<!-- quality:{name} -->", f"<!-- /quality:{name} -->"
    current = document.read_text() if document.exists() else ""
    if begin in current and end in current:
        before, rest = current.split(begin, 1)
        after = rest.split(end, 1)[1]
    else:
        before, after = current.rstrip() + "\n\n", "\n"
    document.write_text(f"{before}{begin}\n{text}\n{end}{after}")
    print(f"wrote section {name} of {document}")


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, required=True, help="folder of .onnx models")
    parser.add_argument("--section", required=True, help="name of the table's section in --table")
    parser.add_argument("--versus", type=Path, help="folder of models to compare with, painting by painting")
    parser.add_argument("--versus-label", default="other", help="what --versus holds, for the table")
    parser.add_argument("--styles", type=Path, default=root.parent / "shared" / "styles")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet here (.jpg keeps it small; .png)")
    parser.add_argument("--sheet-columns", type=int, default=5, help="photos on the sheet")
    parser.add_argument("--sheet-size", type=int, default=192, help="long side of a cell on the sheet")
    parser.add_argument("--table", type=Path, default=root / "docs" / "QUALITY.md")
    parser.add_argument("--size", type=int, default=256, help="long side of the photos measured")
    parser.add_argument("--gatys-iterations", type=int, default=0,
                        help="L-BFGS steps of a Gatys reference per photo (0: none; slow)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = sorted(args.models.glob("*.onnx"))
    if not models:
        print(f"error: no .onnx models in {args.models}", file=sys.stderr)
        return 1
    if args.sheet:
        contact_sheet({m: {"info": metadata(m)} for m in models}, args.styles, args.sheet,
                      args.sheet_size, args.sheet_columns)
    vgg = load_vgg16(upto=STYLE_LAYERS[-1])
    results = measure(models, args.styles, args.size, args.gatys_iterations, vgg)
    versus = None
    if args.versus:
        versus = measure(sorted(args.versus.glob("*.onnx")), args.styles, args.size, 0, vgg)
    text = (f"Made by `python3 tools/quality.py {shlex.join(sys.argv[1:])}` on {len(held_out_photos(args.size))} "
            f"held-out photos at {args.size} px (style distance: lower is closer to the painting).\n\n"
            + table(results, versus, args.versus_label))
    replace_section(args.table, args.section, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
