"""Uploaded files: streamed into the app's temporary workspace while their bytes are counted
against the size limit, then classified as an image or a video.

The page sends a file as the raw request body, with its name in the query. The name is for
display and download names only: every upload is stored under an id the server draws, and
jobs name uploads by that id, so no path from the page is ever opened.

Bounded: an upload over the size limit, or one that would fill the workspace past its quota,
is refused as soon as its bytes say so; one whose bytes stop coming, or trickle (slower than
:data:`MIN_UPLOAD_RATE` on average), is dropped, so that stalled clients hold neither a
connection nor a file for long.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.concurrency import run_in_threadpool

from ..config import MAX_PIXELS
from ..errors import InputError
from . import IDLE_SECONDS
from .media import MediaKind, media_kind

#: File types the page suggests; any file OpenCV or FFmpeg reads is accepted.
WHAT_FITS = "a photo (JPEG, PNG, WebP, ...) or a video (MP4, MOV, WebM, MKV, ...)"
ARTICLE = {"image": "an image", "video": "a video"}
#: An upload is dropped when no bytes come for this long (seconds) ...
UPLOAD_STALL_SECONDS = 30.0
#: ... or when, after that long, it averages fewer bytes a second than this (0.4 Mbit/s: the
#: default limit of 500 MB then takes at most about 3 hours).
MIN_UPLOAD_RATE = 50_000


class UploadTooLarge(InputError):
    """An upload over the size limit (HTTP 413)."""


class UploadStalled(InputError):
    """An upload whose bytes stopped coming or came too slowly (HTTP 408)."""


class WorkspaceFull(InputError):
    """An upload that does not fit into what is left of the workspace's quota (HTTP 507)."""


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
    """The uploads of one app run, in ``folder`` (inside the app's temporary workspace).
    Each has at most ``limit`` bytes and, a picture or a video's frames, ``max_pixels`` pixels.
    ``room`` says how many bytes the workspace has left (its quota less what it holds);
    ``stall_seconds`` and ``min_rate`` bound how slowly an upload may arrive."""

    def __init__(
        self,
        folder: Path,
        *,
        limit: int,
        max_pixels: int = MAX_PIXELS,
        room: Callable[[], int] | None = None,
        stall_seconds: float = UPLOAD_STALL_SECONDS,
        min_rate: float = MIN_UPLOAD_RATE,
    ) -> None:
        self.folder = folder
        self.limit = limit
        self.max_pixels = max_pixels
        self.room = room
        self.stall_seconds = stall_seconds
        self.min_rate = min_rate
        self._uploads: dict[str, Upload] = {}
        self._last_used: dict[str, float] = {}  # by id: when uploaded or last given to a job

    def too_large(self, size: int) -> UploadTooLarge:
        return UploadTooLarge(
            f"the file is larger than this app's upload limit of {megabytes(self.limit)}; "
            f"choose a smaller file, or start the app with a higher 'streamart ui --max-upload'"
        )

    async def receive(
        self, chunks: AsyncIterator[bytes], name: str | None, *, declared_size: int | None = None
    ) -> Upload:
        """Store a file arriving as ``chunks``, refusing it as soon as it passes the limit or
        the room left (or at once when ``declared_size``, the Content-Length, does), and
        dropping it when its bytes stall."""
        if declared_size is not None and declared_size > self.limit:
            raise self.too_large(declared_size)
        room = self.room() if self.room is not None else None
        if room is not None and declared_size is not None and declared_size > room:
            raise self.full()
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
                async for chunk in self._in_time(chunks):
                    size += len(chunk)
                    if size > self.limit:
                        raise self.too_large(size)
                    if room is not None and size > room:
                        raise self.full()
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
        self._last_used[upload_id] = time.monotonic()
        return upload

    async def _in_time(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """``chunks``, each within ``stall_seconds`` and at ``min_rate`` on average once the
        upload has run ``stall_seconds``; else :class:`UploadStalled`."""
        started, size = time.monotonic(), 0
        iterator = aiter(chunks)
        while True:
            # The latest time the next bytes may come: soon, and without falling below the rate.
            deadline = min(time.monotonic(), started + size / self.min_rate) + self.stall_seconds
            try:
                chunk = await asyncio.wait_for(anext(iterator), max(0.0, deadline - time.monotonic()))
            except StopAsyncIteration:
                return
            except asyncio.TimeoutError:
                raise UploadStalled(
                    f"the upload stopped or slowed to a trickle (nothing for {self.stall_seconds:g} s, or under "
                    f"{self.min_rate / 1000:g} kB/s on average); try again on a steadier connection"
                ) from None
            size += len(chunk)
            yield chunk

    def full(self) -> WorkspaceFull:
        return WorkspaceFull(
            "the app's workspace is full: its uploads and results take up its quota; wait until unused ones "
            f"are removed (after {IDLE_SECONDS // 60} minutes), or restart the app with a higher "
            "'streamart ui --max-workspace'"
        )

    def remove(self, upload_id: str) -> None:
        """Delete an upload (its id is then unknown)."""
        upload = self._uploads.pop(upload_id, None)
        self._last_used.pop(upload_id, None)
        if upload is not None:
            shutil.rmtree(upload.path.parent, ignore_errors=True)

    def idle(self, before: float) -> list[str]:
        """The ids of the uploads last used before time ``before`` (time.monotonic())."""
        return [upload_id for upload_id, used in self._last_used.items() if used < before]

    def get(self, upload_id: str, kind: MediaKind | None = None, *, what: str = "file") -> Upload:
        """The upload with this id (of this kind, when given)."""
        upload = self._uploads.get(upload_id)
        if upload is None:
            raise UnknownUpload(
                f"the {what} is no longer on the server (unused for {IDLE_SECONDS // 60} minutes, or the app was "
                "restarted); upload it again"
            )
        if kind is not None and upload.kind != kind:
            raise NotMedia(f"{upload.name} is {ARTICLE[upload.kind]}; the {what} must be {ARTICLE[kind]}")
        self._last_used[upload_id] = time.monotonic()
        return upload
