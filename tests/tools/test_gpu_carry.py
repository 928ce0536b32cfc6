"""tools/gpu_carry.py: what travels to the GPU machine (wheel tags, LZMA repacking, the int8
copy of the weights) and its checks."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import gpu_carry
from streamart.assets import weights


@pytest.mark.parametrize(
    "name",
    [
        "av-18.1.0-cp311-abi3-manylinux_2_28_x86_64.whl",
        "av-13.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl",
        "packaging-24.0-py3-none-any.whl",
    ],
)
def test_wheels_for_cpython_312_on_manylinux_x86_64_are_accepted(name):
    assert gpu_carry.wheel_problem(name) is None


@pytest.mark.parametrize(
    "name, reason",
    [
        ("av-18.1.0-cp313-abi3-manylinux_2_28_x86_64.whl", "not CPython 3.12"),
        ("av-16.1.0-cp311-cp311-manylinux_2_28_x86_64.whl", "not CPython 3.12"),
        ("av-16.1.0-cp312-cp312-macosx_11_0_arm64.whl", "not manylinux x86-64"),
        ("av-16.1.0-cp312-cp312-manylinux_2_28_aarch64.whl", "not manylinux x86-64"),
        ("av-16.1.0-cp312-cp312-manylinux_2_34_x86_64.whl", "glibc <= 2.28"),
        ("av-16.1.0.tar.gz", "not a wheel"),
    ],
)
def test_wheels_for_other_interpreters_or_platforms_are_named(name, reason):
    assert reason in gpu_carry.wheel_problem(name)


def make_wheel(folder: Path, name: str = "tinypkg", version: str = "1.0") -> Path:
    """A real, minimal pure-Python wheel (module, METADATA, WHEEL, RECORD), deflate-compressed."""
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n" + b"# padding to compress\n" * 200,
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{name}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def test_a_repacked_wheel_keeps_its_contents_and_still_installs(tmp_path):
    wheel = make_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        before = {info.filename: archive.read(info) for info in archive.infolist()}
    gpu_carry.repack(wheel)
    with zipfile.ZipFile(wheel) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_LZMA}
        assert {info.filename: archive.read(info) for info in archive.infolist()} == before
    assert gpu_carry.repack(wheel)[0] == gpu_carry.repack(wheel)[1]  # a second pass changes nothing
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
         "--disable-pip-version-check", "--target", str(target), str(wheel)],
        check=True,
    )  # fmt: skip
    assert (target / "tinypkg" / "__init__.py").read_bytes() == before["tinypkg/__init__.py"]


def test_int8_quantisation_is_within_half_a_step_per_channel():
    rng = np.random.default_rng(0)
    array = rng.normal(0, 1, (8, 4, 3, 3)).astype(np.float32) * np.arange(1, 9, dtype=np.float32)[:, None, None, None]
    array[3] = 0  # an all-zero channel stays zero
    values, scale = gpu_carry.quantise(array)
    assert values.dtype == np.int8 and scale.shape == (8,)
    restored = gpu_carry.dequantise(values, scale)
    step = scale[:, None, None, None]
    assert np.all(np.abs(restored - array) <= step / 2 + 1e-6)
    assert np.all(restored[3] == 0)


def test_weights_travel_as_int8_and_land_in_a_verified_cache(tmp_path):
    rng = np.random.default_rng(1)
    real = {
        "features.0.weight": rng.normal(0, 0.1, (16, 3, 3, 3)).astype(np.float32),
        "features.0.bias": rng.normal(0, 0.1, 16).astype(np.float32),
        "input_mean": np.array([123.68, 116.779, 103.939], np.float32),
    }
    packed = tmp_path / gpu_carry.WEIGHTS_FILE
    gpu_carry.pack_arrays(packed, {"vgg16": real}, {"vgg16": "a test"})
    gpu_carry.unpack_weights(packed, tmp_path / "cache")

    loaded = weights.load_arrays("vgg16", cache_dir=tmp_path / "cache")  # checks the sidecar's sha256
    assert set(loaded) == set(real)
    np.testing.assert_array_equal(loaded["features.0.bias"], real["features.0.bias"])  # 1-D: exact
    np.testing.assert_array_equal(loaded["input_mean"], real["input_mean"])
    weight = real["features.0.weight"]
    assert np.abs(loaded["features.0.weight"] - weight).max() <= np.abs(weight).max() / 254 + 1e-7
    assert "int8 transport copy" in weights.cache_info("vgg16", cache_dir=tmp_path / "cache")["source"]


def test_check_names_every_problem_of_a_carry_folder(tmp_path, capsys):
    make_wheel(tmp_path, "tinypkg", "1.0")
    make_wheel(tmp_path, "tinypkg", "2.0")
    (tmp_path / "bad-1.0-cp313-cp313-manylinux_2_28_x86_64.whl").write_bytes(b"not a zip")
    problems = "\n".join(gpu_carry.check(tmp_path))
    assert "2 wheels of tinypkg" in problems
    assert "not CPython 3.12" in problems and "not a readable zip" in problems
    assert "no av wheel" in problems and f"no {gpu_carry.WEIGHTS_FILE}" in problems
    assert gpu_carry.check(tmp_path / "missing") == [
        f"{tmp_path / 'missing'} does not exist: run tools/gpu_wheels.sh here first"
    ]
