"""The FastAPI application: the page, the gallery, uploads, jobs and the live view, and
:func:`serve`, which runs it with uvicorn until Ctrl-C.

Every error the page can see is JSON ``{"error": "one line"}`` with a fitting status: 400 for
a setting, input or style streamart refuses and for a request to a name that is not the app's
(DNS rebinding: see :class:`OwnNames`), 403 for a request from a page of another site,
404 for an unknown upload or job, 408 for an upload that stalled, 409 for the result of an
unfinished job and for a new style that would replace one of the user's own unasked (with the
style's name, ``"style"``), 413 for an upload over the limit (its bytes, or the pixels of a
picture or of a video's frames), 415 for a file that is not an image or a video, 422 for a
number out of its range (every number has an upper bound) or a request the page should not
have sent, in a sentence naming the field as the page labels it, 507 when the workspace is full.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Query, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect

from .. import api
from ..art.dream_settings import PRESETS  # the preset names, as 'streamart dream' offers them
from ..config import (
    DEFAULT_DREAM_PRESET,
    DEFAULT_TEMPORAL,
    DEFAULT_WORKING_SIZE,
    LIVE_WORKING_SIZE,
    MAX_PIXELS,
    LookConfig,
    StyleConfig,
)
from ..errors import DependencyError, OutputError, StreamartError, TooManyPixelsError
from . import validation, work
from .gallery import Gallery, Style
from .hosts import OwnNames
from .jobs import Job, JobQueue, UnknownJob
from .live import LiveSession
from . import DEFAULT_MAX_UPLOAD_MB, DEFAULT_MAX_WORKSPACE_MB, DEFAULT_PORT, IDLE_SECONDS
from .uploads import (
    UPLOAD_STALL_SECONDS,
    NotMedia,
    Upload,
    Uploads,
    UnknownUpload,
    UploadStalled,
    UploadTooLarge,
    WorkspaceFull,
    display_name,
)
from .workspace import folder_size, temporary_workspace

log = logging.getLogger(__name__)

STATIC = "static"
#: Seconds the server waits for open connections (a live view) when stopping.
GRACEFUL_SHUTDOWN_SECONDS = 5
#: Seconds between two looks for uploads and results nobody uses.
TIDY_SECONDS = 60
#: The longest name the New style tab accepts (as its text field does).
MAX_STYLE_NAME = 100
#: The largest body of a request other than an upload (settings as JSON: a few hundred bytes).
MAX_REQUEST_BODY = 64 * 1024
UPLOADS_ROUTE = "/api/uploads"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: Upper bounds of the page's numbers: past them a job would run for days or need more memory
#: than a computer has (a DeepDream 10^9 pixels long), so they are refused at once. Each is
#: several times what the page offers.
MAX_WORKING_SIZE = 2160  # the shorter side of 4K video
MAX_GATYS_SIZE = 1024
MAX_GATYS_ITERATIONS = 10_000
MAX_DREAM_LONG_SIDE = 2048
MAX_START_SECONDS = 24 * 3600
MAX_PREVIEW_SECONDS = 3600

# Each field's title is its label in the page and its description its unit: a refused value
# is named as the person knows it (streamart.web.validation).


class StyleRequest(_Request):
    upload: str
    style: str | None = None  # a name from the gallery; None for the default style
    strength: float = Field(1.0, ge=0, le=1, title="Strength")
    preserve_color: bool = False
    size: int | None = Field(  # shorter side; None for the picture's own
        DEFAULT_WORKING_SIZE, ge=16, le=MAX_WORKING_SIZE, title="Working size", description="px"
    )


class VideoRequest(StyleRequest):
    temporal: float = Field(DEFAULT_TEMPORAL, ge=0, le=1, title="Against flicker")
    # With duration: a preview of that span.
    start: float | None = Field(None, ge=0, le=MAX_START_SECONDS, title="Preview from", description="s")
    duration: float | None = Field(None, gt=0, le=MAX_PREVIEW_SECONDS, title="Preview length", description="s")


def look_of(request: StyleRequest, style: Style) -> LookConfig:
    """The look a photo or video request asks for, with ``style`` (the gallery's entry of its
    ``style``) as the model, by its path as the CLI's --style gives one; a photo has no
    temporal consistency to ask for."""
    return LookConfig(
        style=StyleConfig(
            model=str(style.path), size=request.size, strength=request.strength, preserve_color=request.preserve_color
        ),
        temporal=request.temporal if isinstance(request, VideoRequest) else DEFAULT_TEMPORAL,
    )


class GatysRequest(_Request):
    upload: str
    painting: str  # the upload of the style picture
    iterations: int = Field(work.GATYS_ITERATIONS, ge=1, le=MAX_GATYS_ITERATIONS, title="Steps")
    size: int | None = Field(work.GATYS_SIZE, ge=16, le=MAX_GATYS_SIZE, title="Size", description="px")
    preserve_color: bool = False


class DreamRequest(_Request):
    upload: str
    preset: str = DEFAULT_DREAM_PRESET
    long_side: int | None = Field(
        work.DREAM_LONG_SIDE, ge=16, le=MAX_DREAM_LONG_SIDE, title="Longer side", description="px"
    )


class TrainRequest(_Request):
    upload: str  # the painting
    # None or blank: from the painting's file name
    name: str | None = Field(None, max_length=MAX_STYLE_NAME, title="Name")
    overwrite: bool = False  # replace the user's own style of that name


class HostAndOriginCheck:
    """Refuses a request for another name (the Host header: see :class:`OwnNames`), on every
    route and the WebSocket, with 400; and what changes something (uploads, jobs, the live
    view) when a page of another site asks, with 403: any web page the user has open could
    otherwise send requests to this app on 127.0.0.1. Browsers name the asking page's origin
    in every such request; tools that send none (curl, scripts) are let through."""

    def __init__(self, app, *, own: OwnNames) -> None:
        self.app = app
        self.own = own

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope["headers"])
            host = headers.get(b"host", b"").decode("latin-1")
            arrived_at = (scope.get("server") or (None,))[0]
            if not self.own.answers(host, arrived_at):
                await self._refuse(
                    scope,
                    receive,
                    send,
                    400,
                    f"refused: this app does not answer to the name '{host}'; open it at the address "
                    "'streamart ui' printed, or start it with --allowed-host NAME[:PORT] to reach it by "
                    "another name (behind a reverse proxy)",
                )
                return
            origin = headers.get(b"origin")
            changes = scope["type"] == "websocket" or scope["method"] not in ("GET", "HEAD")
            if changes and origin is not None and urlsplit(origin.decode("latin-1")).netloc != host:
                await self._refuse(scope, receive, send, 403, "refused: the request comes from a page of another site")
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope, receive, send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accepting: HTTP 403
        else:
            await JSONResponse({"error": message}, status)(scope, receive, send)


class SmallBodies:
    """Reads the body of every request but an upload (a few hundred bytes of JSON) whole,
    before the app sees it: at most :data:`MAX_REQUEST_BODY` bytes (else 413), all of it
    within ``stall_seconds`` (else 408), so that a client sending a huge body, or one that
    never ends, holds neither memory nor a connection for long. Uploads have their own limits
    (:class:`~streamart.web.uploads.Uploads`)."""

    def __init__(self, app, *, stall_seconds: float) -> None:
        self.app = app
        self.stall_seconds = stall_seconds

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] == UPLOADS_ROUTE:
            await self.app(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        deadline = time.monotonic() + self.stall_seconds
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                await _closing(408, f"the request's body did not arrive within {self.stall_seconds:g} s")(
                    scope, receive, send
                )
                return
            if message["type"] == "http.disconnect":
                return  # nobody left to answer
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > MAX_REQUEST_BODY:
                await _closing(413, f"the request's body is larger than {MAX_REQUEST_BODY} bytes")(scope, receive, send)
                return
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # the disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def _closing(status: int, message: str) -> JSONResponse:
    """An error that also closes the connection: the rest of the request is not waited for."""
    return JSONResponse({"error": message}, status, headers={"Connection": "close"})


def static_folder() -> Path:
    return Path(str(resources.files(__package__).joinpath(STATIC)))


def create_app(
    workspace: Path,
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 10**6,
    max_workspace_bytes: int = DEFAULT_MAX_WORKSPACE_MB * 10**6,
    max_pixels: int = MAX_PIXELS,
    training: Mapping[str, Any] | None = None,
    own: OwnNames = OwnNames.of("127.0.0.1", DEFAULT_PORT),
    stall_seconds: float = UPLOAD_STALL_SECONDS,
) -> FastAPI:
    """The app, keeping uploads and results in ``workspace`` (a folder the caller removes) up
    to ``max_workspace_bytes``, answering to the ``own`` names only. Uploads have at most
    ``max_upload_bytes``, and pictures and video frames ``max_pixels``. An upload whose bytes stop
    coming for ``stall_seconds`` is dropped, and so is any other request whose body takes longer.

    Files nobody uses go: a result when its job leaves the history (:data:`jobs.KEEP_FINISHED`
    newer ones, or unused for :data:`IDLE_SECONDS`); an upload when the last job that read it
    leaves, or when unused for as long (``app.state.remove_idle(now)`` checks; the app calls it
    every :data:`TIDY_SECONDS`).

    ``training``: :class:`~streamart.config.TrainingConfig` fields that replace its defaults in
    the New style tab's jobs (tests make them tiny). The page sends only the painting, the name
    and whether to replace; every other setting is TrainingConfig's default.
    """
    gallery = Gallery()
    training = dict(training or {})
    training_jobs: dict[str, Job] = {}  # by the name of the style each makes

    def room() -> int:
        return max_workspace_bytes - folder_size(workspace)

    uploads = Uploads(
        workspace / "uploads", limit=max_upload_bytes, max_pixels=max_pixels, room=room, stall_seconds=stall_seconds
    )
    results = workspace / "results"
    results.mkdir(parents=True, exist_ok=True)

    jobs: JobQueue  # below: its forget callback needs it, and it needs the callback

    def forgotten(job: Job) -> None:
        """A job left the history: its result goes, and so do its uploads that no other job reads."""
        if job.result is not None and job.result.parent == results:  # not a trained style's model
            job.result.unlink(missing_ok=True)
        for upload_id in set(job.uploads) - jobs.uploads_in_use():
            uploads.remove(upload_id)

    jobs = JobQueue(on_forget=forgotten)

    def remove_idle(now: float) -> None:
        """Let go of the jobs and uploads unused for IDLE_SECONDS before ``now`` (time.monotonic())."""
        jobs.forget_idle(now - IDLE_SECONDS)
        for upload_id in set(uploads.idle(now - IDLE_SECONDS)) - jobs.uploads_in_use():
            uploads.remove(upload_id)

    async def tidy() -> None:
        while True:
            await asyncio.sleep(TIDY_SECONDS)
            remove_idle(time.monotonic())

    def submit(job: Job) -> Job:
        if room() <= 0:  # the results of earlier jobs filled it
            raise uploads.full()
        return jobs.submit(job)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server, tidying = asyncio.create_task(jobs.serve()), asyncio.create_task(tidy())
        try:
            yield
        finally:
            tidying.cancel()
            await jobs.close(server)  # the running job stops within a moment

    app = FastAPI(title="streamart", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.jobs, app.state.uploads, app.state.gallery = jobs, uploads, gallery
    app.state.remove_idle = remove_idle
    app.add_middleware(SmallBodies, stall_seconds=stall_seconds)
    app.add_middleware(HostAndOriginCheck, own=own)  # the outermost: first to see a request

    def error(status: int, message: str, **extra: object) -> JSONResponse:
        return JSONResponse({"error": " ".join(message.split()), **extra}, status_code=status)

    @app.exception_handler(StreamartError)
    async def streamart_error(request: Request, exc: StreamartError) -> JSONResponse:
        status = {
            UploadTooLarge: 413,
            TooManyPixelsError: 413,
            NotMedia: 415,
            UnknownUpload: 404,
            UnknownJob: 404,
            work.StyleExists: 409,
            UploadStalled: 408,
            WorkspaceFull: 507,
            api.StyleNameTooLong: 422,
        }.get(type(exc), 400)
        extra = {"style": exc.name} if isinstance(exc, work.StyleExists) else {}  # the page offers to replace it
        if isinstance(exc, UploadStalled):
            return _closing(status, str(exc))
        return error(status, str(exc), **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, validation.describe(exc.errors(), request.scope.get("route")))

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(static_folder() / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=static_folder()), name="static")

    @app.get("/api/info")
    async def info() -> dict[str, object]:
        return {
            "max_upload_bytes": uploads.limit,
            "working_size": DEFAULT_WORKING_SIZE,
            "live_working_size": LIVE_WORKING_SIZE,
            "temporal": DEFAULT_TEMPORAL,
            "dream_presets": list(PRESETS),
            "live_dreams": api.live_dreams(),
            "dream_preset": DEFAULT_DREAM_PRESET,
            "dream_long_side": work.DREAM_LONG_SIDE,
            "gatys_size": work.GATYS_SIZE,
            "gatys_iterations": work.GATYS_ITERATIONS,
            "training_unavailable": work.training_unavailable(),
        }

    @app.get("/api/styles")
    async def styles() -> list[dict[str, object]]:
        return await gallery.listing()

    @app.get("/api/styles/{name}/thumbnail")
    async def thumbnail(name: str) -> Response:
        data = await gallery.thumbnail(gallery.find(name))
        if data is None:
            return error(404, f"{name} carries no thumbnail of its painting")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    @app.get("/api/styles/{name}/sample")
    async def sample(name: str) -> Response:
        data = await gallery.sample(gallery.find(name))
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    @app.post(UPLOADS_ROUTE, response_model=None)  # None: FastAPI makes no model of a Response
    async def upload(request: Request, name: str = "upload") -> dict[str, object] | Response:
        """The file is the raw request body (not a form): it streams into the workspace and is
        refused as soon as it passes the limit."""
        length = request.headers.get("content-length")
        declared = int(length) if length and length.isdigit() else None
        try:
            received = await uploads.receive(request.stream(), name, declared_size=declared)
        except ClientDisconnect:  # the page was closed or the upload cancelled: nobody to answer
            log.warning("an upload of %s was broken off by the browser", display_name(name))
            return Response(status_code=400)
        return received.as_dict()

    @app.post("/api/jobs/photo")
    async def photo(request: StyleRequest) -> dict[str, object]:
        picture = uploads.get(request.upload, "image", what="photo")
        style = gallery.find(request.style)
        look = look_of(request, style)
        return jobs.status(submit(work.photo(picture, style, look.style, results, max_pixels=max_pixels)))

    @app.post("/api/jobs/video")
    async def video(request: VideoRequest) -> dict[str, object]:
        clip = uploads.get(request.upload, "video", what="video")
        style = gallery.find(request.style)
        job = work.video(
            clip,
            style,
            look_of(request, style),
            start=request.start,
            duration=request.duration,
            results=results,
            max_pixels=max_pixels,
        )
        return jobs.status(submit(job))

    @app.post("/api/jobs/gatys")
    async def gatys(request: GatysRequest) -> dict[str, object]:
        picture = uploads.get(request.upload, "image", what="photo")
        painting = uploads.get(request.painting, "image", what="style picture")
        job = work.gatys(
            picture,
            painting,
            iterations=request.iterations,
            size=request.size,
            preserve_color=request.preserve_color,
            results=results,
            max_pixels=max_pixels,
        )
        return jobs.status(submit(job))

    @app.post("/api/jobs/dream")
    async def dream(request: DreamRequest) -> dict[str, object]:
        picture = uploads.get(request.upload, "image", what="photo")
        job = work.dream(
            picture, preset=request.preset, long_side=request.long_side, results=results, max_pixels=max_pixels
        )
        return jobs.status(submit(job))

    def new_style(painting_id: str, text: str | None) -> tuple[Upload, str, bool]:
        """The painting, the new style's name and whether it replaces one of the user's own;
        refused at once when training cannot run or the name is taken."""
        reason = work.training_unavailable()
        if reason is not None:
            raise DependencyError(reason)
        painting = uploads.get(painting_id, "image", what="painting")
        name, replaces = work.new_style_name(text, painting, gallery.styles())
        running = training_jobs.get(name)
        if running is not None and running.state in ("queued", "running"):
            raise OutputError(f"a style named '{name}' is being trained already; wait for it, or choose another name")
        return painting, name, replaces

    @app.get("/api/train/name")
    async def train_name(
        upload: str, name: str | None = Query(None, max_length=MAX_STYLE_NAME, title="Name")
    ) -> dict[str, object]:
        """What the page shows before training: the name the style would get and whether it
        would replace one of the user's own (or the one-line reason it cannot be trained)."""
        _, style, replaces = new_style(upload, name)
        return {"name": style, "replaces": replaces}

    @app.post("/api/jobs/train")
    async def train(request: TrainRequest) -> dict[str, object]:
        painting, name, replaces = new_style(request.upload, request.name)
        if replaces and not request.overwrite:
            raise work.StyleExists(name)
        job = submit(work.train(painting, name, overwrite=request.overwrite, settings=training, max_pixels=max_pixels))
        training_jobs[name] = job
        return {**jobs.status(job), "style": name}

    @app.get("/api/jobs/{job_id}")
    async def job_status(job_id: str) -> dict[str, object]:
        return jobs.status(jobs.get(job_id))

    @app.delete("/api/jobs/{job_id}")
    async def cancel(job_id: str) -> dict[str, object]:
        job = jobs.get(job_id)
        jobs.cancel(job)
        return jobs.status(job)

    @app.get("/api/jobs/{job_id}/result")
    async def result(job_id: str, download: bool = False) -> Response:
        job = jobs.get(job_id)
        if job.state != "done" or job.result is None:
            return error(409, f"this job has no result ({job.state})")
        job.last_used = time.monotonic()
        return FileResponse(
            job.result, filename=job.download_name, content_disposition_type="attachment" if download else "inline"
        )

    @app.websocket("/api/live")
    async def live(websocket: WebSocket) -> None:
        await LiveSession(websocket, gallery).serve()

    return app


def is_local(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (0 picks a free port), or a one-line error."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        return socket.create_server(address, family=family)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StreamartError(f"cannot listen on {host}:{port}: {reason}; choose another --port or --host") from None


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host).is_unspecified:
        host = "127.0.0.1" if sock.family == socket.AF_INET else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 10**6,
    max_workspace_bytes: int = DEFAULT_MAX_WORKSPACE_MB * 10**6,
    allowed_hosts: Iterable[str] = (),
    max_pixels: int = MAX_PIXELS,
    on_ready: Callable[[str], None] | None = None,
    training: Mapping[str, Any] | None = None,
) -> None:
    """Run the app until Ctrl-C (or SIGTERM), then stop the running job and remove every
    upload and result (what a killed run left is removed at the start: see
    :mod:`~streamart.web.workspace`). It answers to the names of :class:`OwnNames` and
    ``allowed_hosts`` (``NAME[:PORT]``). ``on_ready`` gets the page's address once the socket listens (the
    browser may connect from then on); ``max_pixels`` and ``training`` are :func:`create_app`'s."""
    import uvicorn

    sock = listen(host, port)
    with sock, temporary_workspace() as folder:
        own = OwnNames.of(host, sock.getsockname()[1], allowed_hosts)
        app = create_app(
            folder,
            max_upload_bytes=max_upload_bytes,
            max_workspace_bytes=max_workspace_bytes,
            max_pixels=max_pixels,
            training=training,
            own=own,
        )
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        if on_ready is not None:
            on_ready(url_of(sock))
        uvicorn.Server(config).run(sockets=[sock])
