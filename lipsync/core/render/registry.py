"""Renderers by name: ``get_renderer("warp")``, ``get_renderer("wav2lip", model="w.onnx")``.

A renderer is any object with a ``name`` and the :class:`Renderer` ``render`` method. The
optional capabilities the engine uses when present (``render_batch``/``batch_size``,
``prepare``, ``bounds``, ``uses_exemplars``) are protocols in :mod:`lipsync.core.protocols`,
where :class:`Renderer` is defined (re-exported here).

The built-in ``warp`` is registered here; other renderers register a factory with
:func:`register_renderer`, or are listed in ``_LAZY`` so that their heavy imports wait until
they are asked for. A factory is called with the ``model`` path (``None`` when not given).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lipsync.core.constants import DEFAULT_RENDERER
from lipsync.core.errors import InputError
from lipsync.core.protocols import Renderer
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.warp import WarpRenderer
from lipsync.core.types import FaceObservation


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
