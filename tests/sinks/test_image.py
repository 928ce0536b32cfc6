"""ImageSink: one frame to PNG/JPEG, temporary name, clear refusals."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from media_factory import pattern_frame

from streamart.core.frame import Frame
from streamart.errors import OutputError
from streamart.sinks.image import ImageSink


def read_rgb(path) -> np.ndarray:
    return cv2.imread(str(path))[..., ::-1]


def test_png_is_exact_and_jpeg_close(tmp_path):
    image = pattern_frame(4, 33, 25)
    for name in ("out.png", "out.jpg"):
        with ImageSink(tmp_path / name) as sink:
            sink.write(Frame(image, 0))
    np.testing.assert_array_equal(read_rgb(tmp_path / "out.png"), image)
    assert np.abs(read_rgb(tmp_path / "out.jpg").astype(int) - image).mean() < 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jpg", "out.png"]


def test_second_frame_is_refused_and_nothing_is_left(tmp_path):
    with pytest.raises(OutputError, match="one picture"):
        with ImageSink(tmp_path / "out.png") as sink:
            sink.write(Frame(pattern_frame(0, 8, 8), 0))
            sink.write(Frame(pattern_frame(1, 8, 8), 1))
    assert list(tmp_path.iterdir()) == []


def test_existing_output_needs_overwrite(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="--overwrite"):
        ImageSink(path)
    assert path.read_bytes() == b"keep me"
    with ImageSink(path, overwrite=True) as sink:
        sink.write(Frame(pattern_frame(0, 8, 8), 0))
    np.testing.assert_array_equal(read_rgb(path), pattern_frame(0, 8, 8))


def test_unknown_extension_and_unwritable_folder(tmp_path, unwritable_dir):
    with pytest.raises(OutputError, match=r"\.png or \.jpg"):
        ImageSink(tmp_path / "out.xyz")
    with pytest.raises(OutputError, match="cannot write to folder"):
        ImageSink(unwritable_dir / "out.png")


def test_a_full_disk_is_described_not_none(tmp_path):
    # A file-size limit makes the write fail part-way, as a full disk does (a real OS limit,
    # in a child process, so that this test process keeps its own).
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))\n"
        "import numpy as np\n"
        "from streamart.core.frame import Frame\n"
        "from streamart.sinks.image import ImageSink\n"
        "image = np.random.default_rng(0).integers(0, 256, (400, 400, 3), dtype=np.uint8)\n"
        "try:\n"
        "    with ImageSink(sys.argv[1]) as sink:\n"
        "        sink.write(Frame(image, 0))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = tmp_path / "out.png"
    result = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, check=True)
    assert result.stdout.startswith(f"OutputError cannot write {out} (")
    assert "(None)" not in result.stdout and "check free disk space" in result.stdout
    assert list(tmp_path.iterdir()) == []  # nothing half-written left
