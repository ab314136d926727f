"""One exception root for everything a user can get wrong or that can fail in processing.

Every error inherits :class:`LipsyncError` and, where it fits, the matching builtin, so callers
may catch either (``except FileNotFoundError`` still works for a missing input). Each class
carries the process exit code the CLI maps it to; the codes are documented in the README.

Messages are one sentence: what, where, and what to do.
"""

from __future__ import annotations

#: Exit codes of the ``lipsync`` and ``lipsync-filter`` commands.
EXIT_OK = 0
EXIT_FAILURE = 1  # processing failed (a bug, a codec failure, a model that would not run)
EXIT_USAGE = 2  # wrong options or arguments (click's own code)
EXIT_BAD_INPUT = 3  # an input or output the user gave cannot be used
EXIT_MISSING_DEPENDENCY = 4  # an optional extra or a system program is not installed
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_DOWNSTREAM_CLOSED = (
    141  # lipsync-filter: the reader of its output closed the pipe (128 + SIGPIPE)
)


class LipsyncError(Exception):
    """Root of all lipsync errors. ``str(err)`` is the one sentence shown to the user."""

    exit_code = EXIT_FAILURE


class InputError(LipsyncError, ValueError):
    """An input the user gave (a file, an option value) cannot be used."""

    exit_code = EXIT_BAD_INPUT


class MediaError(InputError):
    """A media file cannot be read as needed."""


class MediaNotFoundError(MediaError, FileNotFoundError):
    """The media path does not exist."""


class NotAFileError(MediaError, IsADirectoryError):
    """The media path is a directory or another non-file."""


class MediaFormatError(MediaError):
    """The file exists but is not media ffmpeg can read (empty, truncated, not media)."""


class NoStreamError(MediaError):
    """The file has no stream of the kind needed (no video, no audio)."""


class OutputError(InputError, OSError):
    """The output cannot be written where asked (same as an input, folder missing or read-only)."""


class NoFaceError(InputError):
    """No frame has a face that can be lip-synced."""


class SettingsError(InputError):
    """A settings file (the Resolve action's) cannot be read or holds a value that cannot be
    used. Standard library only, like this whole module: it is also raised inside Resolve's
    own Python."""


class MissingDependencyError(LipsyncError, ImportError):
    """An optional package or a system program is needed and not installed."""

    exit_code = EXIT_MISSING_DEPENDENCY


class ProcessingError(LipsyncError, RuntimeError):
    """Processing failed for a reason that is not the user's input."""

    exit_code = EXIT_FAILURE


class Interrupted(LipsyncError):
    """Ctrl-C or a stopping signal during a run that keeps what it finished (a batch): the
    message says where. ``exit_code`` is 128 + the signal (130 for Ctrl-C)."""

    exit_code = EXIT_INTERRUPTED


class BatchInterrupted(Interrupted):
    """Ctrl-C during a batch: what finished is kept in the work directory for the next run."""
