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


def test_the_codecs_are_the_librarys_that_a_mov_holds():
    from lipsync.core.constants import VIDEO_CODECS
    from lipsync.core.errors import SettingsError

    assert set(settings.CODECS) == set(VIDEO_CODECS) - {"ffv1"}
    assert settings.Settings().codec == "h264"
    assert settings.from_json({"codec": "prores"}, "x").codec == "prores"
    for bad in ("ffv1", "dnxhd", 1):
        try:
            settings.from_json({"codec": bad}, "the settings")
        except SettingsError as e:
            assert "codec" in str(e) and "h264, prores" in str(e)
        else:
            raise AssertionError(f"{bad!r} was taken")
