"""Public home of the exception hierarchy (defined in :mod:`lipsync.core.errors`)."""

from __future__ import annotations

from lipsync.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_MISSING_DEPENDENCY,
    EXIT_OK,
    EXIT_USAGE,
    InputError,
    LipsyncError,
    MediaError,
    MediaFormatError,
    MediaNotFoundError,
    MissingDependencyError,
    NoStreamError,
    NotAFileError,
    OutputError,
    ProcessingError,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_MISSING_DEPENDENCY",
    "EXIT_OK",
    "EXIT_USAGE",
    "InputError",
    "LipsyncError",
    "MediaError",
    "MediaFormatError",
    "MediaNotFoundError",
    "MissingDependencyError",
    "NoStreamError",
    "NotAFileError",
    "OutputError",
    "ProcessingError",
]
