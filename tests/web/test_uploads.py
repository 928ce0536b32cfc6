"""Uploads on their own: names cleaned, the limit counted as bytes arrive, files classified,
and looked up only by the ids the server drew."""

from __future__ import annotations

import asyncio

import pytest

from streamart.errors import InputError
from streamart.web.uploads import NotMedia, Uploads, UnknownUpload, UploadTooLarge, display_name


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
