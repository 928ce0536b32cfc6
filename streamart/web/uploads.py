"""Uploaded files: streamed into the app's temporary workspace while their bytes are counted
against the size limit, then classified as an image or a video.

The page sends a file as the raw request body, with its name in the query. The name is for
display and download names only: every upload is stored under an id the server draws, and
jobs name uploads by that id, so no path from the page is ever opened.
"""

from __future__ import annotations

import re
import secrets
import shutil
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.concurrency import run_in_threadpool

from ..config import MAX_PIXELS
from ..errors import InputError
from .media import MediaKind, media_kind

#: File types the page suggests; any file OpenCV or FFmpeg reads is accepted.
WHAT_FITS = "a photo (JPEG, PNG, WebP, ...) or a video (MP4, MOV, WebM, MKV, ...)"
ARTICLE = {"image": "an image", "video": "a video"}


class UploadTooLarge(InputError):
    """An upload over the size limit (HTTP 413)."""


class NotMedia(InputError):
    """An upload that is neither an image nor a video (HTTP 415)."""


class UnknownUpload(InputError):
    """An upload id the server does not know (HTTP 404)."""


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    name: str  # the browser's file name, cleaned: for messages and download names only
    path: Path
    kind: MediaKind
    size: int

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem or "upload"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "size": self.size}


def display_name(name: str | None) -> str:
    """The file name the browser sent, without folders or control characters, at most 100
    characters; "upload" when nothing is left."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[-100:] or "upload"


def megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB" if size >= 10**6 else f"{size / 1e6:.1f} MB"


class Uploads:
    """The uploads of one app run, in ``folder`` (inside the app's temporary workspace), each
of at most ``limit`` bytes and, a picture or a video's frames, ``max_pixels`` pixels."""

    def __init__(self, folder: Path, *, limit: int, max_pixels: int = MAX_PIXELS) -> None:
        self.folder = folder
        self.limit = limit
        self.max_pixels = max_pixels
        self._uploads: dict[str, Upload] = {}

    def too_large(self, size: int) -> UploadTooLarge:
        return UploadTooLarge(
            f"the file is larger than this app's upload limit of {megabytes(self.limit)}; "
            f"choose a smaller file, or start the app with a higher 'streamart ui --max-upload'"
        )

    async def receive(self, chunks: AsyncIterator[bytes], name: str | None, *, declared_size: int | None = None) -> Upload:
        """Store a file arriving as ``chunks``, refusing it as soon as it passes the limit
        (or at once when ``declared_size``, the Content-Length, does)."""
        if declared_size is not None and declared_size > self.limit:
            raise self.too_large(declared_size)
        name = display_name(name)
        upload_id = secrets.token_hex(8)
        suffix = PurePosixPath(name).suffix.lower()
        folder = self.folder / upload_id
        folder.mkdir(parents=True)
        # The suffix helps FFmpeg and OpenCV recognise the file; only a plain one is kept.
        path = folder / ("upload" + (suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""))
        size = 0
        try:
            with open(path, "wb") as file:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.limit:
                        raise self.too_large(size)
                    file.write(chunk)  # local disk, a chunk at a time: quick enough for the loop
            if size == 0:
                raise NotMedia(f"{name} is empty; choose {WHAT_FITS}")
            kind = await run_in_threadpool(media_kind, path, max_pixels=self.max_pixels, name=name)
            if kind is None:
                raise NotMedia(f"{name} is not an image or a video that streamart can read; choose {WHAT_FITS}")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        upload = Upload(id=upload_id, name=name, path=path, kind=kind, size=size)
        self._uploads[upload_id] = upload
        return upload

    def get(self, upload_id: str, kind: MediaKind | None = None, *, what: str = "file") -> Upload:
        """The upload with this id (of this kind, when given)."""
        upload = self._uploads.get(upload_id)
        if upload is None:
            raise UnknownUpload(f"the {what} is no longer on the server (was it restarted?); upload it again")
        if kind is not None and upload.kind != kind:
            raise NotMedia(f"{upload.name} is {ARTICLE[upload.kind]}; the {what} must be {ARTICLE[kind]}")
        return upload
