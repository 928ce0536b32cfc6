"""The local web app (``streamart ui``): a style gallery, photos, videos and the browser's camera
live, and new styles trained from the user's pictures, on one hand-written page served with
FastAPI.

Above the API, like the CLI: it calls :mod:`streamart.api` with the configs of
:mod:`streamart.config` and nothing below them. The parts:

- ``app.py``: the FastAPI application, its routes and its lifetime (a temporary workspace
  removed at exit), and the check of every request's Host and Origin;
- ``hosts.py``: the names the app answers to (against DNS rebinding);
- ``workspace.py``: the temporary folder of uploads and results (what killed runs left
  is removed at the next start);
- ``uploads.py``: uploaded files, streamed into the workspace under a size limit and a quota,
  dropped when they stall;
- ``media.py``: what an uploaded file is (image, video or neither), whether a video has sound, JPEG in and out;
- ``gallery.py``: the styles with their painting thumbnails and sample outputs, cached;
- ``jobs.py``: the job queue (one job at a time, progress, cancel, one-line errors);
- ``work.py``: what each kind of job does, one API call each (a new style's name checked first);
- ``validation.py``: a refused request (HTTP 422) in the page's words: the field's label and range;
- ``live.py``: the browser camera's frames over a WebSocket, latest frame only;
- ``static/``: the page (HTML, plain JavaScript, CSS; no build step, no CDN) and the demo photo.

Threads: none of its own (streamart's threads live in core/runner.py and core/gui_thread.py).
Blocking API calls run in the framework's thread pool (``starlette.concurrency.run_in_threadpool``);
everything else is asyncio.
"""

#: Default of ``streamart ui --port``.
DEFAULT_PORT = 7860
#: Default of ``streamart ui --max-upload``, in MB (10^6 bytes): a few minutes of phone video.
DEFAULT_MAX_UPLOAD_MB = 500
#: Default of ``streamart ui --max-workspace``, in MB: the uploads and results kept at once (ten
#: of the largest uploads, or their results).
DEFAULT_MAX_WORKSPACE_MB = 5000
#: An upload or a finished job's result that nobody used for this long is removed (seconds).
IDLE_SECONDS = 3600
