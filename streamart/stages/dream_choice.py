"""How a video or live dream is made: gradient ascent on every frame
(:class:`~streamart.stages.dream.DreamStage`: torch, live on a GPU), or the preset's dream
network, a small ONNX network distilled from the ascent that runs as a style does (the style
stage and the temporal blend: live on a CPU, with the ``cpu`` extra alone).

The rule is :func:`choose_dream_network`. This module imports no torch: on the network's path
nothing may.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..art.dream_settings import PRESETS, DreamConfig, preset
from ..assets.models import dream_model_for
from ..errors import DependencyError, InputError


def network_presets(config: DreamConfig) -> tuple[str, ...]:
    """The names a dream network of ``config``'s objective goes by (its model's
    ``streamart.dream_preset``): the preset whose objective it is (network, layers, class),
    then, for one layer's dream, ``layer:NETWORK:LAYER``. Empty for a guide or channels: no
    network is trained for those. The per-frame work (octaves, steps, ...) does not count."""
    if config.guide is not None or config.channels:
        return ()
    names = [name for name in PRESETS if _objective(preset(name)) == _objective(config)]
    if config.class_index is None and len(config.objective_layers) == 1:
        names.append(f"layer:{config.network}:{config.objective_layers[0]}")
    return tuple(names)


def _objective(config: DreamConfig) -> tuple[object, ...]:
    return config.network, config.objective_layers, config.channels, config.class_index


def presets_with_networks() -> list[str]:
    """The presets that have a dream network installed."""
    return [name for name in PRESETS if dream_model_for(name) is not None]


def torch_installed() -> bool:
    """Whether torch can be imported here (found without importing it)."""
    return importlib.util.find_spec("torch") is not None


def ascent_has_cuda(device: str) -> bool:
    """Whether the ascent would run on a CUDA GPU: ``device`` (the dream's torch device) leaves
    it the choice (auto) or names CUDA, and torch is installed and sees a GPU. No torch, no
    CUDA: torch is imported only where it is installed."""
    if not (device == "auto" or device.startswith("cuda")) or not torch_installed():
        return False
    import torch

    return bool(torch.cuda.is_available())


def choose_dream_network(config: DreamConfig, method: str, *, cuda_available: bool) -> Path | None:
    """The dream network that makes the dream ``config``, or None where the ascent makes it.

    ``method`` (:data:`~streamart.config.DREAM_METHODS`): "net" takes the network of
    ``config``'s objective (:func:`network_presets`), and is an :class:`InputError` that lists
    the presets that have one where there is none; "ascent" takes the ascent; "auto" takes the
    network where there is one and ``cuda_available`` is False (on a GPU the ascent itself
    runs live), else the ascent. Where the ascent is taken and torch is missing: a
    :class:`DependencyError` that says which dreams run without it.
    """
    names = network_presets(config)
    network = None
    if method != "ascent":
        network = next((path for path in map(dream_model_for, names) if path is not None), None)
    what = f"the dream {names[0]!r}" if names else "a dream with a guide or channels"
    if method == "net" and network is None:
        have = presets_with_networks()
        raise InputError(
            f"no dream network for {what} (--dream-method net); presets with one: "
            f"{', '.join(have) if have else 'none installed'}; or use --dream-method ascent"
        )
    if network is not None and (method == "net" or not cuda_available):
        return network
    if not torch_installed():
        have = presets_with_networks()
        raise DependencyError(
            f"{what} is made by gradient ascent, which needs torch: pip install 'streamart[torch]'; "
            f"the dreams that run without it are those with a network: {', '.join(have) if have else 'none installed'}"
        )
    return None
