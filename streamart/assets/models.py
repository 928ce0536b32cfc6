"""Find style models by name or path, and dream networks by preset.

Search order for a name: the folders in ``$STREAMART_MODELS`` (separated by ``os.pathsep``),
the user's model folder (:func:`user_models_dir`: where ``streamart train`` puts new styles),
then the models shipped inside the package (``streamart.assets.zoo``). A name
without a variant (``starry_night``) picks ``starry_night.onnx`` if present, else the
variant that suits the device (``-full``, else ``-lite``, else ``-cpu`` on a GPU; ``-cpu``,
else ``-lite``, else ``-full`` on the CPU).

A dream network (:func:`dream_model_for`) is a model of the same form, told apart from a style
only by its metadata (:data:`KIND_KEY` is :data:`DREAM_KIND`); style names never pick one.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..core.deprecation import renamed_keywords
from ..core.files import describe
from ..errors import InputError, ModelError, OutputError
from ..runtimes.openvino import onnx_metadata
from .blend import blend_models, parse_blend
from .folders import cache_dir, user_models_dir

DEFAULT_STYLE = "starry_night"
#: The model metadata key of a small JPEG of the painting, base64 (what galleries show).
THUMBNAIL_KEY = "streamart.thumbnail"
#: The network variants (:mod:`streamart.nets.transformer`), as model file names end: NAME-VARIANT.onnx.
VARIANTS = ("cpu", "lite", "full")
#: The model metadata key of what a model is: a style (also where the key is missing) or a dream network.
KIND_KEY = "streamart.kind"
STYLE_KIND = "style"
DREAM_KIND = "dream"
#: A dream network's file name: dream_PRESET.onnx (the zoo's: dream_PRESET-cpu.onnx).
DREAM_PREFIX = "dream_"
#: The metadata key of the preset a dream network renders ("layer:NETWORK:LAYER" for one layer's dream).
DREAM_PRESET_KEY = "streamart.dream_preset"


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model file found in one of the search folders: a style, or a dream network."""

    name: str  # file stem, e.g. "starry_night-cpu"
    path: Path
    kind: str = STYLE_KIND  # STYLE_KIND or DREAM_KIND (model_kind)

    @property
    def style(self) -> str:
        """The style this model renders: its name without the variant, e.g. "starry_night"."""
        stem, _, variant = self.name.rpartition("-")
        return stem if variant in VARIANTS else self.name

    @property
    def variant(self) -> str | None:
        suffix = self.name.rpartition("-")[2]
        return suffix if suffix in VARIANTS else None

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    @property
    def shipped(self) -> bool:
        """Whether the model is one of those shipped with streamart."""
        return self.path.parent == shipped_dir()


#: The longest name, in UTF-8 bytes, of a style the user trains. Its model's file names add
#: up to 53 bytes to it (.NAME.onnx.streamart-partial-HOST-PID-TOKEN.onnx while it is written),
#: and file systems allow 255 bytes: a limit in characters would let 100 CJK ones (300 bytes) by.
MAX_STYLE_NAME_BYTES = 200


class StyleNameTooLong(InputError):
    """A new style's name is longer than :data:`MAX_STYLE_NAME_BYTES` in UTF-8."""


def style_name(text: str) -> str:
    """The name a new style of the user's gets from free text (what was typed, or the picture's
    file name): lower case, words joined by ``_``. :class:`InputError` when no letter or digit
    is left; :class:`StyleNameTooLong` when it takes more than :data:`MAX_STYLE_NAME_BYTES`."""
    name = "_".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
    if not name:
        raise InputError(f"'{text}' gives no style name; choose a name with letters or digits")
    size = len(name.encode())
    if size > MAX_STYLE_NAME_BYTES:
        shown = name if len(name) <= 24 else f"{name[:24]}…"
        raise StyleNameTooLong(
            f"the style name '{shown}' takes {size} bytes, but file names hold only {MAX_STYLE_NAME_BYTES} "
            f"here; choose a shorter name (up to {MAX_STYLE_NAME_BYTES} Latin letters, or about "
            f"{MAX_STYLE_NAME_BYTES // 3} Chinese, Japanese or Korean characters)"
        )
    return name


def new_style_name(text: str) -> str:
    """:func:`style_name` of ``text``, refused (:class:`OutputError`) where a shipped style
    has that name: a user's model of that name would hide it."""
    name = style_name(text)
    if any(entry.shipped and entry.style == name for entry in list_models()):
        raise OutputError(f"'{name}' is the name of a style that comes with streamart; choose another name")
    return name


@dataclass(frozen=True, slots=True)
class UserModel:
    """Where a new style of the user's goes: its ``name``, its model file ``path`` in the user's
    model folder, and the folder of its training ``checkpoints`` in the cache (so that an
    interrupted training can be resumed)."""

    name: str
    path: Path
    checkpoints: Path


def new_user_model(text: str) -> UserModel:
    """The place of a new style of the user's named from ``text`` (:func:`new_style_name`: a
    shipped style's name is refused), its model folder created."""
    name = new_style_name(text)
    folder = user_models_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the model folder {folder} ({describe(exc)})") from None
    return UserModel(name, folder / f"{name}.onnx", cache_dir() / "training" / name)


def shipped_dir() -> Path:
    """The folder of the models shipped with streamart."""
    return Path(str(resources.files("streamart.assets.zoo")))


def shipped_base(variant: str) -> Path | None:
    """The base network shipped for a network variant (what quick training fine-tunes from:
    :mod:`streamart.offline.meta`), or None where there is none."""
    path = Path(str(resources.files("streamart.assets"))) / "base" / f"{variant}.pt"
    return path if path.is_file() else None


def search_folders() -> list[Path]:
    """The folders searched for models, in order."""
    folders = [Path(p).expanduser() for p in os.environ.get("STREAMART_MODELS", "").split(os.pathsep) if p]
    if user_models_dir() not in folders:
        folders.append(user_models_dir())
    folders.append(shipped_dir())
    return folders


def model_kind(path: str | os.PathLike) -> str:
    """What the model at ``path`` is, from its metadata: :data:`DREAM_KIND` for a dream
    network, else :data:`STYLE_KIND` (a model without the key is a style). :class:`ModelError`
    when the file is not an ONNX model."""
    return model_metadata(path).get(KIND_KEY, STYLE_KIND)


def model_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The metadata of the ONNX model at ``path``, read once per version of the file (listing
    the models reads every file's)."""
    stat = Path(path).stat()
    return dict(_metadata(Path(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def _metadata(path: Path, mtime_ns: int, size: int) -> dict[str, str]:
    """:func:`onnx_metadata`, cached by the file's modification time and size."""
    return onnx_metadata(path)


def _kind_or_style(path: Path) -> str:
    """:func:`model_kind`, or a style where the file cannot be read: it is listed as before, and
    its error shows where it is used."""
    try:
        return model_kind(path)
    except ModelError:
        return STYLE_KIND


def _found(kind: str) -> list[ModelEntry]:
    """The models of ``kind`` in the search folders, in search order (a folder's sorted by
    file name), each name in its first folder only."""
    found: dict[str, ModelEntry] = {}
    for folder in search_folders():
        if folder.is_dir():
            for path in sorted(folder.glob("*.onnx")):
                if path.stem not in found:
                    found[path.stem] = ModelEntry(path.stem, path, _kind_or_style(path))
    return [entry for entry in found.values() if entry.kind == kind]


def list_models(kind: str = STYLE_KIND) -> list[ModelEntry]:
    """Every model of ``kind`` (styles unless told otherwise) found, first occurrence of a
    name winning, sorted by name."""
    return sorted(_found(kind), key=lambda entry: entry.name)


def dream_model_for(preset: str) -> Path | None:
    """The dream network of ``preset`` (a preset name, or "layer:NETWORK:LAYER"), by its
    metadata, searched as styles are; None where there is none."""
    for entry in _found(DREAM_KIND):
        if model_metadata(entry.path).get(DREAM_PRESET_KEY) == preset:
            return entry.path
    return None


@renamed_keywords(style="model")
def resolve_model(model: str | os.PathLike | None, *, gpu: bool = False) -> Path:
    """The model file for ``model`` as :class:`~streamart.config.StyleConfig` takes it: a style
    name, a path, a blend (``a:0.6,b:0.4``: see :mod:`streamart.assets.blend`) or None (the
    default style)."""
    if model is None:
        model = DEFAULT_STYLE
    text = os.fspath(model)
    blend = parse_blend(text) if not Path(text).is_file() else None
    if blend is not None:
        names, weights = zip(*blend)
        return blend_models([resolve_model(name, gpu=gpu) for name in names], weights)
    if text.endswith(".onnx") or os.sep in text or Path(text).is_file():
        path = Path(text).expanduser()
        if not path.is_file():
            raise ModelError(f"style model {path} does not exist; run 'streamart models' to list the shipped ones")
        return path
    by_name = {entry.name: entry for entry in list_models()}
    # The biggest network where there is a GPU to run it; the CPU-first one where there is not.
    preferred = ("full", "lite", "cpu") if gpu else ("cpu", "lite", "full")
    for candidate in (text, *(f"{text}-{variant}" for variant in preferred)):
        if candidate in by_name:
            return by_name[candidate].path
    if any(text in (entry.name, entry.style) for entry in list_models(DREAM_KIND)):
        raise ModelError(
            f"'{text}' is a dream network, not a style; dream with --dream PRESET ('streamart models' lists "
            "the dreams), or give the model's path to run it as a style"
        )
    # Each style once, by the name --style takes; the file names add nothing but noise.
    styles = sorted({entry.style for entry in by_name.values()})
    available = ", ".join(styles) if styles else "none installed"
    raise ModelError(
        f"unknown style '{text}'; available: {available}; or give a path to an .onnx file "
        "('streamart models' lists them with their files)"
    )
