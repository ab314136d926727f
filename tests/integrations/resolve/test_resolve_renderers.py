"""The Resolve action offers the library's renderers, with the library's default (its modules
run inside Resolve's own Python and cannot import the registry, so they name them)."""

from __future__ import annotations

import inspect

from lipsync.core.constants import DEFAULT_RENDERER
from lipsync.core.render.registry import renderer_names
from lipsync.integrations.resolve import command, settings


def test_the_dialog_offers_every_registered_renderer():
    assert set(settings.RENDERERS) == set(renderer_names())


def test_the_defaults_are_the_librarys():
    assert settings.Settings().renderer == DEFAULT_RENDERER
    defaults = {
        name: p.default
        for name, p in inspect.signature(command.render_args).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    assert defaults.get("renderer") == DEFAULT_RENDERER
