"""Uploads on their own: names cleaned, the limit counted as bytes arrive, files classified,
and looked up only by the ids the server drew."""

from __future__ import annotations

import asyncio
import time

import pytest

from streamart.errors import InputError
from streamart.web.uploads import (
    NotMedia,
    Uploads,
    UnknownUpload,
    UploadStalled,
    UploadTooLarge,
    WorkspaceFull,
    display_name,
)


async def chunks(*parts: bytes):
    for part in parts:
        yield part


def receive(uploads: Uploads, *parts: bytes, name: str = "x.jpg", declared: int | None = None):
    return asyncio.run(uploads.receive(chunks(*parts), name, declared_size=declared))


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("holiday.jpg", "holiday.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Pictures\\cat.png", "cat.png"),
        ("evil\n\x00name.mp4", "evilname.mp4"),
        ("", "upload"),
        (None, "upload"),
        ("/", "upload"),
        ("a" * 300 + ".jpg", "a" * 96 + ".jpg"),
    ],
)
def test_display_names_keep_only_the_file_name(sent, shown):
    assert display_name(sent) == shown


def test_an_upload_is_stored_under_an_id_of_the_servers_own(tmp_path, photo):
    uploads = Uploads(tmp_path, limit=10**6)
    upload = receive(uploads, photo[:1000], photo[1000:], name="../../../escape/me.JPG")
    assert upload.kind == "image" and upload.size == len(photo) and upload.stem == "me"
    assert upload.path.parent.parent == tmp_path and upload.path.name == "upload.jpg"
    assert upload.path.read_bytes() == photo
    assert uploads.get(upload.id) is upload and uploads.get(upload.id, "image") is upload
    with pytest.raises(UnknownUpload):
        uploads.get("../" + upload.id)


def test_an_odd_suffix_is_not_kept(tmp_path, photo):
    upload = receive(Uploads(tmp_path, limit=10**6), photo, name="photo.j$g")
    assert upload.path.name == "upload" and upload.kind == "image"


def test_the_limit_is_checked_before_and_while_receiving(tmp_path):
    uploads = Uploads(tmp_path, limit=1000)
    with pytest.raises(UploadTooLarge, match="upload limit of 0.0 MB"):
        receive(uploads, b"x", declared=1001)
    with pytest.raises(UploadTooLarge):
        receive(uploads, b"x" * 600, b"x" * 600)
    assert list(tmp_path.iterdir()) == []  # nothing left of either


def test_what_is_not_media_is_refused_and_removed(tmp_path):
    uploads = Uploads(tmp_path, limit=1000)
    with pytest.raises(NotMedia, match="notes.txt is not an image or a video"):
        receive(uploads, b"plain text", name="notes.txt")
    with pytest.raises(NotMedia, match="empty.jpg is empty"):
        receive(uploads, name="empty.jpg")
    assert isinstance(NotMedia("x"), InputError)
    assert list(tmp_path.iterdir()) == []


def test_the_wrong_kind_is_named(tmp_path, clip):
    uploads = Uploads(tmp_path, limit=10**6)
    video = receive(uploads, clip.read_bytes(), name="clip.mp4")
    assert video.kind == "video"
    with pytest.raises(NotMedia, match="clip.mp4 is a video; the style picture must be an image"):
        uploads.get(video.id, "image", what="style picture")


async def stalling(*parts: bytes):
    """A client that sends ``parts`` and then nothing more, without closing."""
    for part in parts:
        yield part
    await asyncio.Event().wait()


async def trickling(pause: float):
    """A client that sends one byte every ``pause`` seconds, forever."""
    while True:
        await asyncio.sleep(pause)
        yield b"x"


def test_an_upload_whose_bytes_stop_coming_is_dropped(tmp_path):
    uploads = Uploads(tmp_path, limit=10**6, stall_seconds=0.2)
    with pytest.raises(UploadStalled, match="the upload stopped or slowed to a trickle"):
        asyncio.run(uploads.receive(stalling(b"x" * 1000), "slow.mp4"))
    assert list(tmp_path.iterdir()) == []


def test_an_upload_that_trickles_is_dropped_however_steady(tmp_path):
    """Each byte comes well within the stall time, but the rate stays under the minimum."""
    uploads = Uploads(tmp_path, limit=10**6, stall_seconds=0.5, min_rate=100)
    with pytest.raises(UploadStalled):
        asyncio.run(uploads.receive(trickling(0.05), "slow.mp4"))
    assert list(tmp_path.iterdir()) == []


def test_an_upload_that_does_not_fit_the_workspace_is_refused(tmp_path, photo):
    room = [len(photo) + 10]
    uploads = Uploads(tmp_path, limit=10**6, room=lambda: room[0])
    receive(uploads, photo)
    room[0] = len(photo) - 1
    with pytest.raises(WorkspaceFull, match="the app's workspace is full.* --max-workspace"):
        receive(uploads, photo[:1000], photo[1000:])
    with pytest.raises(WorkspaceFull):
        receive(uploads, b"x", declared=len(photo))
    assert len(list(tmp_path.iterdir())) == 1


def test_removed_and_idle_uploads(tmp_path, photo):
    uploads = Uploads(tmp_path, limit=10**6)
    first, second = receive(uploads, photo), receive(uploads, photo)
    assert uploads.idle(time.monotonic() + 1) == [first.id, second.id]
    assert uploads.idle(time.monotonic() - 60) == []
    uploads.remove(first.id)
    assert not first.path.exists() and second.path.exists()
    with pytest.raises(UnknownUpload):
        uploads.get(first.id)
