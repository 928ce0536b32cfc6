"""The live view: the browser captures its camera (getUserMedia) and sends JPEG frames over a
WebSocket; each is stylized by an :class:`api.Stylizer` with temporal consistency and sent
back. The style, strength and temporal on/off are :class:`LiveControls` that the stylizer reads
on every frame, so a change applies to the next frame.

Latest frame only: a frame that arrives while the one before is being stylized replaces any
frame still waiting, which is dropped (and counted), so the latency stays bounded by one frame's
work however fast the camera is. The page helps by sending a frame only once the previous result
is back.

From the page: binary messages are JPEG frames; text messages are JSON settings, any of
``{"style": NAME, "strength": 0..1, "temporal": true|false, "dream": PRESET|null}``. A dream
(one of :func:`streamart.api.live_dreams`) replaces the style until it is set back to null.
To the page: for each frame a text message ``{"frame": N, "ms": server milliseconds,
"dropped": N}`` and then the stylized JPEG as a binary message; ``{"error": "one line"}`` when
something is wrong (the session goes on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import api
from ..art.dream_settings import preset
from ..assets.models import resolve_model
from ..config import (
    DEFAULT_TEMPORAL,
    LIVE_MAX_PIXELS,
    LIVE_WORKING_SIZE,
    VIDEO_DREAM_SETTINGS,
    DreamVideoConfig,
    StyleConfig,
)
from ..core.controls import LiveControls
from ..core.latest import LatestSlot
from ..errors import InputError, ModelError, StreamartError
from ..ops.image import decode_jpeg, encode_jpeg
from .gallery import Gallery

log = logging.getLogger(__name__)


class LiveSession:
    """One page's live view."""

    def __init__(self, websocket: WebSocket, gallery: Gallery) -> None:
        self.websocket = websocket
        self.gallery = gallery
        self.frames = 0
        self._latest: LatestSlot[bytes] = LatestSlot()
        self._arrived = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._stylizer: api.Stylizer | None = None
        self.style: str | None = None  # the chosen style's model path; None: the default style
        self.dream: str | None = None  # the chosen dream's preset, which replaces the style
        self.controls = self._controls()

    @property
    def dropped(self) -> int:
        """Frames a newer one replaced while the one before was stylized."""
        return self._latest.dropped

    def _controls(self, strength: float = 1.0, temporal: bool = True) -> LiveControls:
        """Controls over every style in the gallery now, on the chosen style (else the default);
        over none while dreaming: the dream's stages have their own model."""
        if self.dream is not None:
            return LiveControls((), strength=strength, temporal_enabled=temporal)
        paths = [str(style.path) for style in self.gallery.styles()]
        try:
            index = paths.index(self.style if self.style is not None else str(resolve_model(None)))
        except (ModelError, ValueError):
            index = 0
        return LiveControls(paths, model_index=index, strength=strength, temporal_enabled=temporal)

    async def serve(self) -> None:
        await self.websocket.accept()
        processing = asyncio.create_task(self._process())
        try:
            await self._receive()
        finally:
            processing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await processing  # a frame being stylized finishes first
            if self._stylizer is not None:
                self._stylizer.close()

    async def _receive(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                self._latest.put(message["bytes"])  # the server may be behind: only the newest frame is kept
                self._arrived.set()
            elif message.get("text") is not None:
                try:
                    self.apply(message["text"])
                except StreamartError as exc:
                    await self._send({"error": str(exc)})

    def apply(self, text: str) -> None:
        """Apply settings from the page (JSON); they take effect with the next frame."""
        try:
            settings = json.loads(text)
        except ValueError:
            raise InputError("live settings must be JSON") from None
        if not isinstance(settings, dict):
            raise InputError("live settings must be a JSON object")
        if "strength" in settings:
            strength = settings["strength"]
            if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength <= 1:
                raise InputError(f"strength must be a number from 0 to 1, got {strength!r}")
            self.controls.strength = float(strength)
        if "temporal" in settings:
            self.controls.temporal_enabled = bool(settings["temporal"])
        rebuild = False
        if "dream" in settings:
            dream = settings["dream"]
            if dream is not None and dream not in api.live_dreams():
                raise InputError(f"unknown dream {dream!r}; reload the page to see the dreams there are")
            rebuild = dream != self.dream
            self.dream = dream
        if "style" in settings:
            self.style = str(self.gallery.find(str(settings["style"])).path)
            # A model added since the session began, or one chosen while dreaming, is not in the controls.
            rebuild = rebuild or (self.dream is None and self.style not in self.controls.models)
        if rebuild:
            self.controls = self._controls(self.controls.strength, self.controls.temporal_enabled)
            self._stylizer = None  # rebuilt on the next frame, with the new controls
        elif "style" in settings and self.dream is None:
            self.controls.model_index = self.controls.models.index(self.style)

    async def _process(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            data = self._latest.take()
            if data is None:
                continue
            started = time.monotonic()
            try:
                result = await run_in_threadpool(self._stylize, data)
            except StreamartError as exc:
                await self._send({"error": str(exc)})
                continue
            except Exception as exc:  # a bug: keep the session, say so in one line, log the rest
                log.error("live frame failed", exc_info=exc)
                await self._send({"error": f"unexpected error, a bug in streamart ({type(exc).__name__}: {exc})"})
                continue
            self.frames += 1
            stats = {
                "frame": self.frames,
                "ms": math.ceil((time.monotonic() - started) * 1000),
                "dropped": self.dropped,
            }
            await self._send(stats, result)

    def _stylize(self, data: bytes) -> bytes:
        """One frame, in the thread pool."""
        # Measured from its header first: a frame larger than a camera sends is refused undecoded.
        image = decode_jpeg(data, max_pixels=LIVE_MAX_PIXELS, fix="as a camera sends (at most 4K)")
        stylizer = self._stylizer  # the page may change it meanwhile (a new style list)
        if stylizer is None:
            style = StyleConfig(model=self.controls.model, size=LIVE_WORKING_SIZE)
            dream = None
            if self.dream is not None:  # as `streamart webcam --dream PRESET` dreams
                dream = DreamVideoConfig(dream=preset(self.dream, **VIDEO_DREAM_SETTINGS), size=LIVE_WORKING_SIZE)
            stylizer = self._stylizer = api.Stylizer(
                style, temporal=DEFAULT_TEMPORAL, controls=self.controls, dream=dream
            )
        return encode_jpeg(stylizer(image))

    async def _send(self, message: Mapping[str, object], frame: bytes | None = None) -> None:
        async with self._send_lock:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the page has gone
                await self.websocket.send_text(json.dumps(message))
                if frame is not None:
                    await self.websocket.send_bytes(frame)
