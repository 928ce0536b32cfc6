"""The FastAPI application: the page, the gallery, uploads, jobs and the live view, and
:func:`serve`, which runs it with uvicorn until Ctrl-C.

Every error the page can see is JSON ``{"error": "one line"}`` with a fitting status: 400 for
a setting, input or style streamart refuses, 403 for a request from a page of another site,
404 for an unknown upload or job, 409 for the result of an unfinished job and for a new style
that would replace one of the user's own unasked (with the style's name, ``"style"``), 413 for
an upload over the limit (its bytes, or the pixels of a picture or of a video's frames), 415 for
a file that is not an image or a video, 422 for a request the page should not have sent.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Query, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from ..art.dream import PRESETS  # the preset names, as 'streamart dream' offers them
from ..config import (
    DEFAULT_DREAM_PRESET, DEFAULT_TEMPORAL, DEFAULT_WORKING_SIZE, LIVE_WORKING_SIZE, MAX_PIXELS, StyleConfig,
)
from ..errors import DependencyError, OutputError, StreamartError, TooManyPixelsError
from . import work
from .gallery import Gallery
from .jobs import Job, JobQueue, UnknownJob
from .live import LiveSession
from . import DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT
from .uploads import NotMedia, Upload, Uploads, UnknownUpload, UploadTooLarge

STATIC = "static"
#: Seconds the server waits for open connections (a live view) when stopping.
GRACEFUL_SHUTDOWN_SECONDS = 5
#: The longest name the New style tab accepts (as its text field does).
MAX_STYLE_NAME = 100


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StyleRequest(_Request):
    upload: str
    style: str | None = None  # a name from the gallery; None for the default style
    strength: float = Field(1.0, ge=0, le=1)
    preserve_color: bool = False
    size: int | None = Field(DEFAULT_WORKING_SIZE, ge=16)  # shorter side; None for the picture's own


class VideoRequest(StyleRequest):
    temporal: float = Field(DEFAULT_TEMPORAL, ge=0, le=1)
    start: float | None = Field(None, ge=0)  # with duration: a preview of that span (seconds)
    duration: float | None = Field(None, gt=0)


class GatysRequest(_Request):
    upload: str
    painting: str  # the upload of the style picture
    iterations: int = Field(work.GATYS_ITERATIONS, ge=1, le=10_000)
    size: int | None = Field(work.GATYS_SIZE, ge=16)
    preserve_color: bool = False


class DreamRequest(_Request):
    upload: str
    preset: str = DEFAULT_DREAM_PRESET
    long_side: int | None = Field(work.DREAM_LONG_SIDE, ge=16)


class TrainRequest(_Request):
    upload: str  # the painting
    name: str | None = Field(None, max_length=MAX_STYLE_NAME)  # None or blank: from the painting's file name
    overwrite: bool = False  # replace the user's own style of that name


class SameOrigin:
    """Refuses what changes something (uploads, jobs, the live view) when a page of another
    site asks: any web page the user has open could otherwise send requests to this app on
    127.0.0.1. Browsers name the asking page's origin in every such request; tools that send
    none (curl, scripts) are let through."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" or (scope["type"] == "http" and scope["method"] not in ("GET", "HEAD")):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            if origin is not None and urlsplit(origin.decode("latin-1")).netloc != headers.get(b"host", b"").decode("latin-1"):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})  # before accepting: HTTP 403
                else:
                    response = JSONResponse({"error": "refused: the request comes from a page of another site"}, 403)
                    await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def static_folder() -> Path:
    return Path(str(resources.files(__package__).joinpath(STATIC)))


def create_app(
    workspace: Path, *, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 10**6, max_pixels: int = MAX_PIXELS,
    training: Mapping[str, object] | None = None,
) -> FastAPI:
    """The app, keeping uploads and results in ``workspace`` (a folder the caller removes).
    Uploads have at most ``max_upload_bytes``, and pictures and video frames ``max_pixels``.

    ``training``: :class:`~streamart.config.TrainingConfig` fields that replace its defaults in
    the New style tab's jobs (tests make them tiny). The page sends only the painting, the name
    and whether to replace; every other setting is TrainingConfig's default.
    """
    gallery = Gallery()
    jobs = JobQueue()
    training = dict(training or {})
    training_jobs: dict[str, Job] = {}  # by the name of the style each makes
    uploads = Uploads(workspace / "uploads", limit=max_upload_bytes, max_pixels=max_pixels)
    results = workspace / "results"
    results.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = asyncio.create_task(jobs.serve())
        try:
            yield
        finally:
            await jobs.close(server)  # the running job stops within a moment

    app = FastAPI(title="streamart", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.jobs, app.state.uploads, app.state.gallery = jobs, uploads, gallery
    app.add_middleware(SameOrigin)

    def error(status: int, message: str, **extra: object) -> JSONResponse:
        return JSONResponse({"error": " ".join(message.split()), **extra}, status_code=status)

    @app.exception_handler(StreamartError)
    async def streamart_error(request: Request, exc: StreamartError) -> JSONResponse:
        status = {
            UploadTooLarge: 413, TooManyPixelsError: 413, NotMedia: 415, UnknownUpload: 404, UnknownJob: 404,
            work.StyleExists: 409,
        }.get(type(exc), 400)
        extra = {"style": exc.name} if isinstance(exc, work.StyleExists) else {}  # the page offers to replace it
        return error(status, str(exc), **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return error(422, f"{where}: {first.get('msg', 'invalid')}")

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

    @app.post("/api/uploads")
    async def upload(request: Request, name: str = "upload") -> dict[str, object]:
        """The file is the raw request body (not a form): it streams into the workspace and is
        refused as soon as it passes the limit."""
        length = request.headers.get("content-length")
        declared = int(length) if length and length.isdigit() else None
        received = await uploads.receive(request.stream(), name, declared_size=declared)
        return received.as_dict()

    def style_of(request: StyleRequest):
        style = gallery.find(request.style)
        config = StyleConfig(model=style.path, size=request.size, strength=request.strength,
                             preserve_color=request.preserve_color)
        return style, config

    @app.post("/api/jobs/photo")
    async def photo(request: StyleRequest) -> dict[str, object]:
        picture = uploads.get(request.upload, "image", what="photo")
        style, config = style_of(request)
        return jobs.status(jobs.submit(work.photo(picture, style, config, results, max_pixels=max_pixels)))

    @app.post("/api/jobs/video")
    async def video(request: VideoRequest) -> dict[str, object]:
        clip = uploads.get(request.upload, "video", what="video")
        style, config = style_of(request)
        job = work.video(clip, style, config, temporal=request.temporal, start=request.start,
                         duration=request.duration, results=results, max_pixels=max_pixels)
        return jobs.status(jobs.submit(job))

    @app.post("/api/jobs/gatys")
    async def gatys(request: GatysRequest) -> dict[str, object]:
        picture = uploads.get(request.upload, "image", what="photo")
        painting = uploads.get(request.painting, "image", what="style picture")
        job = work.gatys(picture, painting, iterations=request.iterations, size=request.size,
                         preserve_color=request.preserve_color, results=results, max_pixels=max_pixels)
        return jobs.status(jobs.submit(job))

    @app.post("/api/jobs/dream")
    async def dream(request: DreamRequest) -> dict[str, object]:
        picture = uploads.get(request.upload, "image", what="photo")
        job = work.dream(
            picture, preset=request.preset, long_side=request.long_side, results=results, max_pixels=max_pixels
        )
        return jobs.status(jobs.submit(job))

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
    async def train_name(upload: str, name: str | None = Query(None, max_length=MAX_STYLE_NAME)) -> dict[str, object]:
        """What the page shows before training: the name the style would get and whether it
        would replace one of the user's own (or the one-line reason it cannot be trained)."""
        _, style, replaces = new_style(upload, name)
        return {"name": style, "replaces": replaces}

    @app.post("/api/jobs/train")
    async def train(request: TrainRequest) -> dict[str, object]:
        painting, name, replaces = new_style(request.upload, request.name)
        if replaces and not request.overwrite:
            raise work.StyleExists(name)
        job = jobs.submit(
            work.train(painting, name, overwrite=request.overwrite, settings=training, max_pixels=max_pixels)
        )
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
    *, host: str = "127.0.0.1", port: int = DEFAULT_PORT, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 10**6,
    max_pixels: int = MAX_PIXELS, on_ready: Callable[[str], None] | None = None,
    training: Mapping[str, object] | None = None,
) -> None:
    """Run the app until Ctrl-C (or SIGTERM), then stop the running job and remove every
    upload and result. ``on_ready`` gets the page's address once the socket listens (the
    browser may connect from then on); ``max_pixels`` and ``training`` are :func:`create_app`'s."""
    import uvicorn

    sock = listen(host, port)
    with sock, tempfile.TemporaryDirectory(prefix="streamart-ui-", ignore_cleanup_errors=True) as workspace:
        app = create_app(Path(workspace), max_upload_bytes=max_upload_bytes, max_pixels=max_pixels, training=training)
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        if on_ready is not None:
            on_ready(url_of(sock))
        uvicorn.Server(config).run(sockets=[sock])
