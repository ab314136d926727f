"""lipsync: offline lip-sync for translated and dubbed video.

The library API (see :mod:`lipsync.api`)::

    import lipsync

    report = lipsync.sync("talk.mp4", "talk_es.wav", "talk_es.mp4",
                          lipsync.SyncOptions(renderer="warp", lang="es"),
                          on_progress=lambda stage, done, total: print(stage, done, total))

``sync``, ``translate``, ``render_timeline``, ``batch`` and ``filter_pipe`` with their
options and reports; errors are :class:`lipsync.errors.LipsyncError` subclasses.
``import lipsync`` is light: each name is imported on first use, and neither torch nor
onnxruntime is imported until a backend that needs it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first access).
_PUBLIC: dict[str, str] = {
    "sync": "lipsync.api",
    "LipSyncEngine": "lipsync.core.engine",  # many runs with one set of options
    "translate": "lipsync.api",
    "render_timeline": "lipsync.api",
    "batch": "lipsync.api",
    "filter_pipe": "lipsync.api",
    "ProgressCallback": "lipsync.core.progress",
    "SyncOptions": "lipsync.core.sync_options",
    "SyncReport": "lipsync.core.sync_options",
    "SelectionOptions": "lipsync.core.selection",
    "EncodeOptions": "lipsync.core.media",
    "TranslateOptions": "lipsync.core.pipeline.options",
    "MixOptions": "lipsync.core.pipeline.mixing",
    "RenderOptions": "lipsync.otio_adapters.render",
    "BatchOptions": "lipsync.core.batch.runner",
    "load_job_file": "lipsync.core.batch.jobfile",
    "renderer_names": "lipsync.core.render.registry",
    "LipsyncError": "lipsync.errors",
}

__all__ = [
    "BatchOptions",
    "EncodeOptions",
    "LipSyncEngine",
    "LipsyncError",
    "MixOptions",
    "ProgressCallback",
    "RenderOptions",
    "SelectionOptions",
    "SyncOptions",
    "SyncReport",
    "TranslateOptions",
    "__version__",
    "batch",
    "filter_pipe",
    "load_job_file",
    "render_timeline",
    "renderer_names",
    "sync",
    "translate",
]  # the test checks it against _PUBLIC

if TYPE_CHECKING:
    from lipsync.api import batch, filter_pipe, render_timeline, sync, translate
    from lipsync.core.batch.jobfile import load_job_file
    from lipsync.core.batch.runner import BatchOptions
    from lipsync.core.engine import LipSyncEngine
    from lipsync.core.media import EncodeOptions
    from lipsync.core.pipeline.mixing import MixOptions
    from lipsync.core.pipeline.options import TranslateOptions
    from lipsync.core.progress import ProgressCallback
    from lipsync.core.render.registry import renderer_names
    from lipsync.core.selection import SelectionOptions
    from lipsync.core.sync_options import SyncOptions, SyncReport
    from lipsync.errors import LipsyncError
    from lipsync.otio_adapters.render import RenderOptions


def __getattr__(name: str) -> object:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'lipsync' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
