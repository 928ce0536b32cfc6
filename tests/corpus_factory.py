"""Corpus sources for tests: real Debian packages (ar + tar.xz, as dpkg-deb builds them) with
generated photos, in a local archive folder."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import cv2
import numpy as np

from streamart.offline.corpus import CorpusSources, Package


def photo(seed: int, height: int = 600, width: int = 1000) -> bytes:
    """A JPEG 'photo': smooth colour noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (height // 50, width // 50, 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    return cv2.imencode(".jpg", image)[1].tobytes()


def make_deb(path: Path, files: dict[str, bytes]) -> Path:
    """A Debian package as dpkg-deb builds one: an ar archive of debian-binary, control.tar.xz
    and data.tar.xz, the files under ./ in the data archive."""

    def tar_xz(entries: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
            for name, data in entries.items():
                info = tarfile.TarInfo(f"./{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    members = [
        ("debian-binary", b"2.0\n"),
        ("control.tar.xz", tar_xz({"control": b"Package: test\n"})),
        ("data.tar.xz", tar_xz(files)),
    ]
    with open(path, "wb") as deb:
        deb.write(b"!<arch>\n")
        for name, data in members:
            header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
            deb.write(header + data + (b"\n" if len(data) % 2 else b""))
    return path


def make_archive(root: Path) -> Path:
    """An archive folder with one package in its pool: four photos and a tiny PNG."""
    (root / "pool").mkdir(parents=True)
    files = {f"usr/share/backgrounds/photo{i}.jpg": photo(i) for i in range(4)}
    files["usr/share/backgrounds/tiny.png"] = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    make_deb(root / "pool" / "wallpapers_1.0_all.deb", files)
    return root


def sources(archive: Path, mirrors: tuple[str, ...], *, sha256: str | None = None) -> CorpusSources:
    deb = archive / "pool" / "wallpapers_1.0_all.deb"
    package = Package(
        name="wallpapers",
        version="1.0",
        file="pool/wallpapers_1.0_all.deb",
        size=deb.stat().st_size,
        sha256=sha256 or hashlib.sha256(deb.read_bytes()).hexdigest(),
        photos=tuple(f"usr/share/backgrounds/photo{i}.jpg" for i in range(3)) + ("usr/share/backgrounds/gone.jpg",),
        held_out=("usr/share/backgrounds/photo3.jpg",),
    )
    return CorpusSources(mirrors, (package,))
