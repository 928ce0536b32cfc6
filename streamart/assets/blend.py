"""Style blends: ``starry_night:0.6,the_scream:0.4`` as one model whose weights interpolate the
models' weights.

Interpolating the weights of two networks gives a network that paints in a true mixture of
both styles, not a cross-fade of two pictures, but only when the networks are close in weight
space: fine-tuned from one starting point (the quick-training base, see
:mod:`streamart.offline.training`), which each such model records in its metadata
(``streamart.base``). Models of different families are refused by name.

A blend is written once to the cache (``<cache>/blends``, named by the models' checksums and
the weights) and used like any model file, by any runtime.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..core.files import OutputFile
from ..errors import InputError, ModelError, require
from ..runtimes.onnx import OnnxModel
from .folders import cache_dir

#: The metadata key naming the starting point a model was fine-tuned from.
BASE_KEY = "streamart.base"
_PART = re.compile(r"^(?P<name>.+):(?P<weight>[^:]+)$")


def parse_blend(spec: str) -> list[tuple[str, float]] | None:
    """``"a:0.6,b:0.4"`` as [("a", 0.6), ("b", 0.4)]; None when ``spec`` is not a blend (one
    name or path without a weight). Weights must be finite and not negative, not all zero;
    they are scaled to sum to 1."""
    parts = [part.strip() for part in spec.split(",")]
    matches = [match for match in map(_PART.match, parts) if match is not None and _is_number(match["weight"])]
    if len(parts) == 1 and not matches:
        return None  # a plain name, or a path with a drive letter (C:\\...)
    if len(matches) < len(parts):  # a part that is no NAME:WEIGHT
        raise InputError(
            f"cannot read the style blend {spec!r}: write NAME:WEIGHT,NAME:WEIGHT (e.g. starry_night:0.6,the_scream:0.4)"
        )
    weights = [float(match["weight"]) for match in matches]
    if any(not (math.isfinite(w) and w >= 0) for w in weights) or sum(weights) == 0:
        raise InputError(f"the weights of the style blend {spec!r} must be 0 or more, and not all 0")
    return [(match["name"], weight / sum(weights)) for match, weight in zip(matches, weights)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def blend_models(paths: Sequence[Path], weights: Sequence[float]) -> Path:
    """The model whose every weight is ``sum(weights[i] * model_i's)``, as a file (cached).
    A weight of 1 for one model gives that model's own file."""
    if len(paths) != len(weights):
        raise ValueError("one weight per model")
    for path, weight in zip(paths, weights):
        if weight == 1.0:
            return Path(path)
    for path in paths:  # each checked as a single model is (its external data in its folder, ...)
        OnnxModel(path, device="cpu", threads=1)
    onnx = require("onnx", "cpu")
    from onnx import numpy_helper

    digest = hashlib.sha256()
    for path, weight in zip(paths, weights):
        digest.update(Path(path).read_bytes())
        digest.update(f"{weight:.6f}".encode())
    target = cache_dir() / "blends" / f"{digest.hexdigest()[:16]}.onnx"
    if target.is_file():
        return target
    models = [onnx.load(os.fspath(path)) for path in paths]
    _check_family(paths, models)
    blended = models[0]
    tensors = [{init.name: numpy_helper.to_array(init) for init in model.graph.initializer} for model in models]
    for initializer in blended.graph.initializer:
        values = [tensor[initializer.name] for tensor in tensors]
        if not np.issubdtype(values[0].dtype, np.floating):
            continue  # shapes and indices, the same in every member of a family
        mixed = sum(
            (weight * value.astype(np.float64) for weight, value in zip(weights, values)), np.zeros(values[0].shape)
        )
        initializer.CopyFrom(numpy_helper.from_array(mixed.astype(values[0].dtype), initializer.name))
    names = [Path(path).stem for path in paths]
    props = {prop.key: prop.value for prop in blended.metadata_props}
    props["streamart.style"] = "+".join(f"{name}:{weight:.2f}" for name, weight in zip(names, weights))
    onnx.helper.set_model_props(blended, props)
    target.parent.mkdir(parents=True, exist_ok=True)
    output = OutputFile(target, overwrite=True)
    try:
        onnx.save(blended, os.fspath(output.temporary))
    except BaseException:
        output.discard()
        raise
    return output.commit()


def _check_family(paths: Sequence[Path], models: list) -> None:
    """Refuse, naming them, models that were not fine-tuned from one starting point or do not
    share one architecture."""
    bases = [{prop.key: prop.value for prop in model.metadata_props}.get(BASE_KEY) for model in models]
    names = ", ".join(Path(path).stem for path in paths)
    if None in bases or len(set(bases)) > 1:
        described = "; ".join(f"{Path(path).stem}: {base or 'none'}" for path, base in zip(paths, bases))
        raise ModelError(
            f"{names} cannot be blended: blends need models fine-tuned from one starting point "
            f"(their {BASE_KEY}: {described}); train new styles with 'streamart train', which starts "
            "every one from the shipped base"
        )
    shapes = [{init.name: tuple(init.dims) for init in model.graph.initializer} for model in models]
    if any(shape != shapes[0] for shape in shapes[1:]):
        raise ModelError(f"{names} cannot be blended: their networks differ in shape")
