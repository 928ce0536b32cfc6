"""The corpus fetcher, against a local archive: real .deb files (ar + tar.xz) made here and
served over HTTP on the loopback interface."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from corpus_factory import make_archive, make_deb, photo, sources

from streamart.errors import WeightsError
from streamart.offline.corpus import (
    CorpusSources,
    Package,
    corpus_ready,
    default_sources,
    ensure_corpus,
    fetch_corpus,
    held_out_photos,
    sources_from_json,
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive"))


@pytest.fixture(scope="module")
def server(archive) -> Iterator[str]:
    """The archive served over HTTP on 127.0.0.1; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(archive), **kwargs)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join()


def test_a_fetch_downloads_checks_and_keeps_only_the_chosen_photos(archive, server, tmp_path, caplog):
    folder = tmp_path / "corpus"
    progress = []
    entries = fetch_corpus(folder, sources=sources(archive, (server,)), progress=lambda *step: progress.append(step))
    kept = sorted(path.name for path in folder.glob("*.jpg"))
    assert kept == [f"wallpapers-photo{i}.jpg" for i in range(3)]  # not the held-out one, not the PNG
    assert [path.name for path in held_out_photos(folder)] == ["wallpapers-photo3.jpg"]
    for path in (*folder.glob("*.jpg"), *held_out_photos(folder)):
        image = cv2.imread(str(path))
        assert max(image.shape[:2]) == 768  # bounded: 1000 x 600 became 768 x 461
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["packages"] == ["wallpapers 1.0"] and len(manifest["images"]) == len(entries) == 4
    assert "has no usr/share/backgrounds/gone.jpg" in caplog.text
    assert progress[-1][1] == progress[-1][2] > 0  # the whole package came down
    assert corpus_ready(folder, sources=sources(archive, (server,)))
    assert not list(tmp_path.glob("**/*.deb"))  # the package itself is not kept


def test_a_mirror_without_the_package_is_skipped(archive, server, tmp_path):
    entries = fetch_corpus(tmp_path / "corpus", sources=sources(archive, (server + "nothing-here/", server)))
    assert len(entries) == 4


def test_a_package_that_does_not_match_its_checksum_is_refused(archive, server, tmp_path):
    with pytest.raises(
        WeightsError, match=r"does not match its sha256\); fetch wallpapers_1.0_all.deb elsewhere .*--from"
    ):
        fetch_corpus(tmp_path / "corpus", sources=sources(archive, (server,), sha256="0" * 64))
    assert not corpus_ready(tmp_path / "corpus", sources=sources(archive, (server,)))


def test_offline_a_downloaded_package_is_used_instead(archive, tmp_path):
    unreachable = ("http://127.0.0.1:9/",)  # nothing listens on the discard port
    deb = archive / "pool" / "wallpapers_1.0_all.deb"
    entries = fetch_corpus(tmp_path / "corpus", sources=sources(archive, unreachable), debs=[deb])
    assert len(entries) == 4


def test_an_unreachable_archive_names_the_way_out(archive, tmp_path):
    with pytest.raises(WeightsError, match="cannot download wallpapers 1.0 .*127.0.0.1:9.*--data"):
        fetch_corpus(tmp_path / "corpus", sources=sources(archive, ("http://127.0.0.1:9/",)))


def test_training_fetches_on_first_use_only(archive, server, tmp_path, monkeypatch):
    import streamart.offline.corpus as corpus

    fetched = []
    monkeypatch.setattr(corpus, "default_sources", lambda: sources(archive, (server,)))
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    original = corpus.fetch_corpus
    monkeypatch.setattr(corpus, "fetch_corpus", lambda folder: fetched.append(folder) or original(folder))
    folder = ensure_corpus()
    assert folder == tmp_path / "cache" / "corpus" and len(list(folder.glob("*.jpg"))) == 3
    assert ensure_corpus() == folder and len(fetched) == 1  # the second time: already there


def test_the_shipped_sources_are_pinned():
    shipped = default_sources()
    assert shipped.mirrors[0] == "https://deb.debian.org/debian/"
    for package in shipped.packages:
        assert len(package.sha256) == 64 and package.size > 0 and package.file.startswith("pool/")
        assert not set(package.photos) & set(package.held_out)
    assert sum(len(package.held_out) for package in shipped.packages) >= 5


def test_photos_in_a_folder_named_images_keep_their_own_names(tmp_path):
    # A Python package's data (sklearn/datasets/images/china.jpg) is not a Plasma wallpaper
    # (NAME/contents/images/1920x1080.jpg), named by its folder: two such photos must not
    # land on one file.
    files = {
        "usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg": photo(1),
        "usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg": photo(2),
        "usr/share/wallpapers/Kite/contents/images/1920x1080.jpg": photo(3),
    }
    deb = make_deb(tmp_path / "data_1.0_all.deb", files)
    package = Package(
        name="data",
        version="1.0",
        file="pool/data_1.0_all.deb",
        size=deb.stat().st_size,
        sha256=hashlib.sha256(deb.read_bytes()).hexdigest(),
        photos=tuple(files),
        held_out=(),
    )
    unreachable = ("http://127.0.0.1:9/",)
    entries = fetch_corpus(tmp_path / "corpus", sources=CorpusSources(unreachable, (package,)), debs=[deb])
    assert sorted(entry.file for entry in entries) == ["data-Kite.jpg", "data-china.jpg", "data-flower.jpg"]


def test_sources_are_read_from_any_file_written_like_corpus_json(tmp_path):
    text = json.dumps({"about": "a note", "mirrors": ["https://example.invalid/"], "packages": [{
        "name": "p", "version": "1", "file": "pool/p.deb", "size": 3, "sha256": "0" * 64,
        "photos": ["a.jpg"], "held_out": [],
    }]})  # fmt: skip
    read = sources_from_json(text)
    assert read.mirrors == ("https://example.invalid/",)
    assert read.packages[0].photos == ("a.jpg",) and read.packages[0].name == "p"
