"""Live controls: the settings a person changes while a live pipeline runs.

The window sink changes them from its hotkeys (in the sink's thread); the stages read them
once per frame (in their own threads). Reads of single attributes are atomic in Python, so
stages read plain attributes without locking; every change takes the lock so that two
read-modify-write updates never interleave.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from .deprecation import renamed_attribute, renamed_keywords

STRENGTH_STEP = 0.1
#: The next style's share in each step of :meth:`LiveControls.cycle_blend` (0: the style alone).
BLEND_SHARES = (0.0, 0.25, 0.5, 0.75)


@renamed_keywords(style_names="models", style_index="model_index")
class LiveControls:
    """Thread-safe live settings shared by the window sink and the stages.

    ``models`` are the styles to switch between, each as :class:`~streamart.config.StyleConfig`'s
    ``model`` takes it: a style name or a model file's path.

    Fields the stages read each frame:

    - ``model_index``: which of ``models`` the style stage applies (0-based), and
      ``blend_step``: how much of the next one is blended into it (see :meth:`cycle_blend`);
      :attr:`model` says both as one model, a name, a path or a blend such as ``a:0.75,b:0.25``.
    - ``strength``: 0.0 (original frame) .. 1.0 (fully stylized); the style stage blends.
    - ``temporal_enabled``: whether the temporal-consistency stage blends with the previous
      output (False: it passes frames through and forgets its state).

    Fields only the window sink reads: ``split_view`` (left half original, right half
    stylized), ``overlay`` (fps and latency text) and ``notice`` (a line of news, such as the
    progress of a style being learnt, or None).
    """

    def __init__(
        self,
        models: Sequence[str] = (),
        *,
        model_index: int = 0,
        strength: float = 1.0,
        temporal_enabled: bool = True,
        split_view: bool = False,
        overlay: bool = True,
    ) -> None:
        self.models = tuple(models)
        if self.models and not 0 <= model_index < len(self.models):
            raise ValueError(f"model_index {model_index} is out of range for {len(self.models)} styles")
        self.model_index = model_index
        self.blend_step = 0
        self.strength = _clamp_strength(strength)
        self.temporal_enabled = temporal_enabled
        self.split_view = split_view
        self.overlay = overlay
        self.notice: str | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str | None:
        """The current model (as in ``models``, or a blend of it and the next one), or None
        when there are no models."""
        if not self.models:
            return None
        current = self.models[self.model_index]
        share = BLEND_SHARES[self.blend_step]
        if share == 0.0:
            return current
        following = self.models[(self.model_index + 1) % len(self.models)]
        return f"{current}:{1 - share:g},{following}:{share:g}"

    # The old names, for one release.
    style_names = renamed_attribute("style_names", "models")
    style_index = renamed_attribute("style_index", "model_index")
    style_name = renamed_attribute("style_name", "model")

    @renamed_keywords(name="model")
    def add_style(self, model: str) -> None:
        """Add a style's model (one learnt during the session, say) and switch to it."""
        with self._lock:
            self.models = (*self.models, model)
            self.model_index = len(self.models) - 1
            self.blend_step = 0

    def cycle_blend(self) -> None:
        """Blend the next style into the current one, a quarter more each time (a true blend
        of the networks' weights: the styles must be of one family), then start again from the
        current style alone. Does nothing with fewer than two styles."""
        with self._lock:
            if len(self.models) > 1:
                self.blend_step = (self.blend_step + 1) % len(BLEND_SHARES)

    def next_style(self) -> None:
        """Switch to the next style (wrapping around)."""
        self._step_style(+1)

    def prev_style(self) -> None:
        """Switch to the previous style (wrapping around)."""
        self._step_style(-1)

    def adjust_strength(self, delta: float) -> None:
        """Change the strength by ``delta``, kept within 0..1."""
        with self._lock:
            self.strength = _clamp_strength(self.strength + delta)

    def toggle_temporal(self) -> None:
        """Turn temporal consistency on or off."""
        with self._lock:
            self.temporal_enabled = not self.temporal_enabled

    def toggle_split_view(self) -> None:
        """Turn the before/after split view on or off."""
        with self._lock:
            self.split_view = not self.split_view

    def toggle_overlay(self) -> None:
        """Turn the fps/latency overlay on or off."""
        with self._lock:
            self.overlay = not self.overlay

    def _step_style(self, step: int) -> None:
        with self._lock:
            if self.models:
                self.model_index = (self.model_index + step) % len(self.models)
                self.blend_step = 0


def _clamp_strength(value: float) -> float:
    # Rounded so that ten steps of 0.1 land exactly on 0.0 and 1.0 again.
    return round(min(1.0, max(0.0, value)), 6)
