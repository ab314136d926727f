"""Renderers by name: ``get_renderer("warp")``.

A renderer is any object with a ``name`` and the :class:`Renderer` ``render`` method. The
built-in ``warp`` is registered here; other renderers (e.g. a learned model) register a factory
with :func:`register_renderer` from their own module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.warp import WarpRenderer
from lipsync.core.types import FaceObservation

DEFAULT_RENDERER = "warp"


class Renderer(Protocol):
    """Turns a frame, a face in it and a target mouth state into a changed frame."""

    name: str

    def render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        target: np.ndarray,
        appearance: TrackAppearance | None = None,
        strength: float = 1.0,
    ) -> np.ndarray:
        """RGB ``uint8 (H, W, 3)`` in and out; ``target`` ``float32 (6,)`` in MOUTH_PARAMS
        order; ``strength`` 0..1 blends from the untouched frame to the full render."""
        ...


_FACTORIES: dict[str, Callable[[], Renderer]] = {"warp": WarpRenderer}


def register_renderer(name: str, factory: Callable[[], Renderer]) -> None:
    """Make ``factory()`` available as ``get_renderer(name)`` (replaces an earlier one)."""
    _FACTORIES[name] = factory


def renderer_names() -> tuple[str, ...]:
    """The names :func:`get_renderer` knows, sorted."""
    return tuple(sorted(_FACTORIES))


def get_renderer(name: str = DEFAULT_RENDERER) -> Renderer:
    """A new renderer instance by name; :class:`InputError` naming the known ones otherwise."""
    factory = _FACTORIES.get(name)
    if factory is None:
        known = ", ".join(renderer_names())
        raise InputError(f"Unknown renderer '{name}': choose one of {known}.")
    return factory()
