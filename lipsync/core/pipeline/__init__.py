"""The video translation pipeline: recognition → speakers → translation → synthesis → time
fitting → mixing → lip sync, each stage a backend chosen by name and cached in a work
directory. Entry point: :func:`translate_video` with :class:`TranslateOptions`."""

from __future__ import annotations

from lipsync.core.pipeline.options import TranslateOptions, TranslateReport
from lipsync.core.pipeline.run import translate_video

__all__ = ["TranslateOptions", "TranslateReport", "translate_video"]
