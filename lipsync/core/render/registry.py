"""Renderers by name: ``get_renderer("warp")``, ``get_renderer("wav2lip", model="w.onnx")``.

A renderer is any object with a ``name`` and the :class:`Renderer` ``render`` method. Optional
extras the engine uses when present:

- ``prepare(speech, sample_rate, fps)``: called once before the first frame with the whole
  speech, ``float32 (n,)`` mono at ``sample_rate`` Hz (16 kHz), time 0 = the first frame;
- ``render_batch(jobs)``: renders a list of :class:`RenderJob` at once (``batch_size`` of them
  at most) and returns the new images in the same order;
- ``bounds(face)``: ``(x0, y0, x1, y1)`` px of the frame the renderer reads and may change
  (default: the lower face, see ``lipsync.core.engine.lower_face_bounds``).

The built-in ``warp`` is registered here; other renderers register a factory with
:func:`register_renderer`, or are listed in ``_LAZY`` so that their heavy imports wait until
they are asked for. A factory is called with the ``model`` path (``None`` when not given).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lipsync.core.constants import DEFAULT_RENDERER
from lipsync.core.errors import InputError
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.warp import WarpRenderer
from lipsync.core.types import FaceObservation


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


@dataclass(frozen=True, eq=False)
class RenderJob:
    """One face of one frame to render, for ``render_batch``.

    ``image``: RGB ``uint8 (H, W, 3)`` (the region given by ``bounds``, with ``face`` in its
    coordinates); ``target``: ``float32 (6,)`` mouth state; ``index``: frame number from 0;
    ``time``: seconds from the first frame; ``fps``: the video's nominal frame rate.
    """

    image: np.ndarray
    face: FaceObservation
    target: np.ndarray
    appearance: TrackAppearance | None
    strength: float
    index: int
    time: float
    fps: float


Factory = Callable[["str | None"], Renderer]


def _warp(model: str | None) -> Renderer:
    if model is not None:
        raise InputError("The warp renderer uses no model: leave out --model.")
    return WarpRenderer()


_FACTORIES: dict[str, Factory] = {"warp": _warp}
# name -> "module:function" of a factory, imported when the renderer is asked for
_LAZY: dict[str, str] = {
    "wav2lip": "lipsync.core.render.wav2lip:create_renderer",
    "musetalk": "lipsync.core.render.musetalk:create_renderer",
    "exemplar": "lipsync.core.render.exemplar:create_renderer",
    "auto": "lipsync.core.render.exemplar:create_auto_renderer",
}


def register_renderer(name: str, factory: Factory) -> None:
    """Make ``factory(model)`` available as ``get_renderer(name)`` (replaces an earlier one)."""
    _FACTORIES[name] = factory


def renderer_names() -> tuple[str, ...]:
    """The names :func:`get_renderer` knows, sorted."""
    return tuple(sorted({*_FACTORIES, *_LAZY}))


def get_renderer(name: str = DEFAULT_RENDERER, model: str | None = None) -> Renderer:
    """A new renderer instance by name, with its ``model`` file if it needs one;
    :class:`InputError` naming the known ones otherwise."""
    factory = _FACTORIES.get(name)
    if factory is None and name in _LAZY:
        module, function = _LAZY[name].split(":")
        factory = getattr(importlib.import_module(module), function)
    if factory is None:
        known = ", ".join(renderer_names())
        raise InputError(f"Unknown renderer '{name}': choose one of {known}.")
    return factory(model)
