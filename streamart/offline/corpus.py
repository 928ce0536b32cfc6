"""Assemble a training corpus of real photos from registry packages.

There is no COCO here, so the content images come from packages that ship photographs:
scikit-image's sample data (PyPI) and Debian's desktop wallpaper packages (``apt-get download``
+ ``dpkg -x``, so nothing is installed system-wide). Most wallpapers are vector or abstract art,
which teaches a style network little about real scenes, so only files picked by eye as
photographs are taken (:data:`DEBIAN_PHOTOS`). Each image is scaled down to a bounded size and
written as JPEG; ``manifest.json`` records the package name and version and the original path
of every image.

Any folder of images works for training; this module only builds a reproducible default.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..assets.weights import cache_dir
from ..errors import DependencyError, InputError, OutputError
from ..ops import image as imageops

log = logging.getLogger(__name__)

#: Photographs (looked at one by one) in Debian wallpaper packages, as paths inside the package.
#: gnome-backgrounds 43 and ukui-wallpapers were looked at too: they hold no photographs.
DEBIAN_PHOTOS: dict[str, tuple[str, ...]] = {
    "mate-backgrounds": tuple(
        f"usr/share/backgrounds/mate/nature/{name}.jpg"
        for name in ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird",
                     "RainDrops", "Storm", "TwoWings", "Wood", "YellowFlower")
    ),
    "plasma-workspace-wallpapers": tuple(
        f"usr/share/wallpapers/{name}/contents/images/2560x1600.jpg"
        for name in ("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow",
                     "FallenLeaf", "Grey", "Kite", "OneStandsOut", "Path", "summer_1am")
    ),
    "lomiri-wallpapers-20.04": (
        "usr/share/backgrounds/Infinite-Sea_by_Aury88.jpg",
        "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg",
    ),
}

#: scikit-image sample files that are colour photos (not microscopy, charts, text or
#: synthetic patterns) ...
SKIMAGE_PHOTOS = ("motorcycle_left.png", "brick.png", "grass.png", "gravel.png")
#: ... except these, kept out of the corpus so that quality checks use unseen photos.
SKIMAGE_HELD_OUT = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg")


@dataclass(frozen=True)
class CorpusEntry:
    """One image of the corpus and where it came from."""

    file: str
    package: str
    version: str
    source_path: str
    width: int
    height: int


def default_corpus_dir() -> Path:
    """``corpus`` in the user cache folder (:func:`streamart.weights.cache_dir`)."""
    return cache_dir() / "corpus"


def _write_jpeg(image: np.ndarray, path: Path, max_side: int) -> tuple[int, int]:
    import cv2

    if max(image.shape[:2]) > max_side:
        image = imageops.resize_long_side(image, max_side)
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                       [cv2.IMWRITE_JPEG_QUALITY, 92]):
        raise OutputError(f"cannot write {path}: check that the folder is writable")
    return image.shape[1], image.shape[0]


def _debian_images(package: str, photos: Sequence[str],
                   workdir: Path) -> tuple[str, Path, list[Path]]:
    """Download and unpack one Debian package; return its version, tree and chosen photos."""
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise DependencyError("apt-get and dpkg are needed for Debian packages: use --no-debian")
    download = workdir / "debs"
    download.mkdir(exist_ok=True)
    result = subprocess.run(["apt-get", "download", package], cwd=download,
                            capture_output=True, text=True)
    debs = sorted(download.glob(f"{package}_*.deb"))
    if result.returncode != 0 or not debs:
        raise InputError(f"apt-get download {package} failed ({result.stderr.strip()}): "
                         "run 'apt-get update' first, or leave the package out")
    version = subprocess.run(["dpkg-deb", "-f", str(debs[0]), "Version"],
                             capture_output=True, text=True, check=True).stdout.strip()
    tree = workdir / package
    subprocess.run(["dpkg", "-x", str(debs[0]), str(tree)], check=True)
    files = [tree / photo for photo in photos]
    for missing in (f for f in files if not f.is_file()):
        log.warning("%s %s has no %s any more", package, version, missing.relative_to(tree))
    return version, tree, [f for f in files if f.is_file()]


def _skimage_images() -> tuple[str, Path, list[Path]]:
    try:
        import skimage
    except ImportError:
        raise DependencyError("scikit-image is not installed: pip install scikit-image, "
                              "or use --no-skimage") from None
    data = Path(skimage.__file__).parent / "data"
    photos = [data / name for name in SKIMAGE_PHOTOS if (data / name).exists()]
    return skimage.__version__, data, photos


def _sources(debian_photos: Mapping[str, Sequence[str]], use_skimage: bool,
             workdir: Path) -> Iterator[tuple[str, str, Path, list[Path]]]:
    if use_skimage:
        yield ("scikit-image (PyPI)", *_skimage_images())
    for package, photos in debian_photos.items():
        yield (f"{package} (Debian)", *_debian_images(package, photos, workdir))


def build_corpus(out_dir: Path, *,
                 debian_photos: Mapping[str, Sequence[str]] = DEBIAN_PHOTOS,
                 use_skimage: bool = True, max_side: int = 768,
                 min_side: int = 256) -> list[CorpusEntry]:
    """Fill ``out_dir`` with photos from registry packages and write ``manifest.json``.

    ``debian_photos`` maps a Debian package to the photo paths to take from it. Images smaller
    than ``min_side`` on their short side are skipped; byte-identical duplicates are kept once.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: list[CorpusEntry] = []
    seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="streamart-corpus-") as tmp:
        for package, version, root, files in _sources(debian_photos, use_skimage, Path(tmp)):
            kept = 0
            for path in files:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                try:
                    image = imageops.load_image(path)
                except InputError:
                    continue  # not a picture OpenCV can decode
                if min(image.shape[:2]) < min_side:
                    continue
                # Plasma wallpapers are named by their folder, the file by its resolution.
                label = path.parents[2].name if path.parent.name == "images" else path.stem
                name = f"{len(entries):04d}_{label[:40]}.jpg"
                width, height = _write_jpeg(image, out_dir / name, max_side)
                entries.append(CorpusEntry(name, package, version, str(path.relative_to(root)),
                                           width, height))
                kept += 1
            log.warning("%s %s: kept %d of %d images", package, version, kept, len(files))
    manifest = {"images": [asdict(e) for e in entries],
                "packages": sorted({f"{e.package} {e.version}" for e in entries})}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return entries
