"""Renderers (the built-in ``warp``; learned models register themselves) and compositing.

Typical use by the engine, per face track::

    from lipsync.core.render import AppearanceBuilder, get_renderer

    builder = AppearanceBuilder()
    for image, face in pass_one:              # every (frame, face) of the track
        builder.add(image, face)
    appearance = builder.build()

    renderer = get_renderer("warp")
    for image, face, target in pass_two:      # target: float32 (6,) in MOUTH_PARAMS order
        image = renderer.render(image, face, target, appearance, strength=1.0)

Frames are RGB ``uint8 (H, W, 3)``; only the lower face of ``face`` changes.
"""

from __future__ import annotations

from lipsync.core.render.appearance import AppearanceBuilder, InteriorSample, TrackAppearance
from lipsync.core.render.mouth_model import target_shape
from lipsync.core.render.registry import (
    DEFAULT_RENDERER,
    Renderer,
    RenderJob,
    get_renderer,
    register_renderer,
    renderer_names,
)
from lipsync.core.render.warp import WarpRenderer

__all__ = [
    "DEFAULT_RENDERER",
    "AppearanceBuilder",
    "InteriorSample",
    "RenderJob",
    "Renderer",
    "TrackAppearance",
    "WarpRenderer",
    "get_renderer",
    "register_renderer",
    "renderer_names",
    "target_shape",
]
