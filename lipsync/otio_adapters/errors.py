"""Errors of the OTIO integration: ours and OTIO's at once.

Each inherits :class:`~lipsync.core.errors.InputError` (so the CLI prints one sentence and
exits with the bad-input code) and OTIO's ``OTIOError`` (so ``otioconvert`` and other OTIO
callers catch it as they catch any adapter's error).
"""

from __future__ import annotations

from opentimelineio.exceptions import OTIOError

from lipsync.core.errors import InputError


class TimelineError(InputError, OTIOError):
    """A timeline cannot be read or written, or lacks what was asked for (a track, a clip)."""


class SrtError(TimelineError):
    """A SubRip file is malformed, or a timeline's markers cannot be written as SubRip."""
