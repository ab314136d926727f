"""Public home of the exception hierarchy: every error lipsync raises, under one root.

Every class inherits :class:`LipsyncError` (and, where it fits, the matching builtin) and
carries the exit code the commands map it to. The classes of :mod:`lipsync.core.errors` are
imported here at once (standard library only); those defined beside the code that raises them
(OTIO, preflight, batch templates, truncated media, full disks, the Resolve action) are
imported when first asked for, so ``import lipsync.errors`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lipsync.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_DOWNSTREAM_CLOSED,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_MISSING_DEPENDENCY,
    EXIT_OK,
    EXIT_USAGE,
    BatchInterrupted,
    InputError,
    Interrupted,
    LipsyncError,
    MediaError,
    MediaFormatError,
    MediaNotFoundError,
    MissingDependencyError,
    NoFaceError,
    NoStreamError,
    NotAFileError,
    OutputError,
    ProcessingError,
    SettingsError,
)

#: Error classes defined beside the code that raises them -> their module (imported lazily).
_ELSEWHERE: dict[str, str] = {
    "ActionError": "lipsync.integrations.resolve.bridge",
    "DiskFullError": "lipsync.core.disk_full",
    "PreflightError": "lipsync.core.quality.preflight",
    "SrtError": "lipsync.otio_adapters.errors",
    "TemplateError": "lipsync.core.batch.templates",
    "TimelineError": "lipsync.otio_adapters.errors",
    "TruncatedMediaError": "lipsync.core.media.probe",
}

if TYPE_CHECKING:
    from lipsync.core.batch.templates import TemplateError
    from lipsync.core.disk_full import DiskFullError
    from lipsync.core.media.probe import TruncatedMediaError
    from lipsync.core.quality.preflight import PreflightError
    from lipsync.integrations.resolve.bridge import ActionError
    from lipsync.otio_adapters.errors import SrtError, TimelineError


def __getattr__(name: str) -> object:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'lipsync.errors' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_DOWNSTREAM_CLOSED",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_MISSING_DEPENDENCY",
    "EXIT_OK",
    "EXIT_USAGE",
    "ActionError",
    "BatchInterrupted",
    "DiskFullError",
    "InputError",
    "Interrupted",
    "LipsyncError",
    "MediaError",
    "MediaFormatError",
    "MediaNotFoundError",
    "MissingDependencyError",
    "NoFaceError",
    "NoStreamError",
    "NotAFileError",
    "OutputError",
    "PreflightError",
    "ProcessingError",
    "SettingsError",
    "SrtError",
    "TemplateError",
    "TimelineError",
    "TruncatedMediaError",
]
