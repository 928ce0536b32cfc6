"""The styles the page shows: every model that :func:`~streamart.assets.models.list_models`
finds (the shipped ones and the user's own, through ``$STREAMART_MODELS``), each with a
thumbnail of its painting when the model carries one (metadata ``streamart.thumbnail``: a
base64 JPEG) and a sample output: the bundled demo photo stylized by that model.

Thumbnails and samples are made once per model file (its path and modification time) and
kept for the app's run. The models are listed afresh on every request, so a model dropped into
the folder appears on the next reload.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from .. import api
from ..assets.models import THUMBNAIL_KEY, list_models, resolve_model
from ..config import StyleConfig
from ..errors import ModelError, StreamartError
from ..ops.image import decode_jpeg, encode_jpeg

log = logging.getLogger(__name__)

#: The photo every sample output is made from: scikit-image's "astronaut" (Eileen Collins,
#: NASA, public domain), 256 x 256.
DEMO_PHOTO = "static/demo.jpg"


@dataclass(frozen=True, slots=True)
class Style:
    name: str  # the model's file name without .onnx, as 'streamart models' lists it
    style: str  # without the variant
    variant: str | None
    path: Path
    own: bool  # found outside the shipped models

    def as_dict(self, *, default: bool, thumbnail: bool) -> dict[str, object]:
        # The browser keeps pictures for an hour: a model replaced under the same name (a style
        # trained again) must get new addresses, so they carry the file's modification time.
        version = self.path.stat().st_mtime_ns
        return {
            "name": self.name,
            "style": self.style,
            "title": self.style.replace("_", " "),
            "variant": self.variant,
            "own": self.own,
            "default": default,
            "thumbnail": f"/api/styles/{self.name}/thumbnail?v={version}" if thumbnail else None,
            "sample": f"/api/styles/{self.name}/sample?v={version}",
        }


def demo_photo() -> bytes:
    return resources.files(__package__).joinpath(DEMO_PHOTO).read_bytes()


class Gallery:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, Path, int], bytes | None] = {}
        self._lock = asyncio.Lock()  # one model loads at a time; a second request waits for the first

    def styles(self) -> list[Style]:
        return [
            Style(entry.name, entry.style, entry.variant, entry.path, own=not entry.shipped) for entry in list_models()
        ]

    async def listing(self) -> list[dict[str, object]]:
        """What the page's gallery shows, in order (reads each model's thumbnail once)."""
        try:
            default = resolve_model(None)
        except ModelError:
            default = None
        return [
            style.as_dict(default=style.path == default, thumbnail=await self.thumbnail(style) is not None)
            for style in self.styles()
        ]

    def find(self, name: str | None) -> Style:
        """The style of that name (None: the default style); only names the gallery lists
        are accepted, never a path."""
        if name is None:
            name = resolve_model(None).stem
        for style in self.styles():
            if style.name == name:
                return style
        raise ModelError(f"unknown style {name!r}; reload the page to see the styles there are")

    async def thumbnail(self, style: Style) -> bytes | None:
        """The painting's thumbnail (JPEG bytes), or None when the model has none."""
        return await self._cached("thumbnail", style, _thumbnail)

    async def sample(self, style: Style) -> bytes:
        """The demo photo stylized by this model (JPEG bytes). Raises the model's error."""
        sample = await self._cached("sample", style, _sample)
        assert sample is not None
        return sample

    async def _cached(self, what: str, style: Style, make) -> bytes | None:
        key = (what, style.path, style.path.stat().st_mtime_ns)
        async with self._lock:
            if key not in self._cache:
                self._cache[key] = await run_in_threadpool(make, style.path)
            return self._cache[key]


def _thumbnail(path: Path) -> bytes | None:
    try:
        encoded = api.style_metadata(path).get(THUMBNAIL_KEY)
    except StreamartError as exc:
        log.warning("no thumbnail for %s: %s", path.name, exc)
        return None
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        log.warning("%s: metadata %s is not base64; no thumbnail shown", path.name, THUMBNAIL_KEY)
        return None


def _sample(path: Path) -> bytes:
    with api.Stylizer(StyleConfig(model=path, size=None)) as stylize:
        return encode_jpeg(stylize(decode_jpeg(demo_photo())))
