"""The ``--text`` / ``--text-file`` pair shared by ``lipsync sync`` and ``lipsync-filter``."""

from __future__ import annotations

import click


def read_transcript(text: str | None, text_file: str | None) -> str | None:
    """The transcript given inline or in a UTF-8 file (never both), or None."""
    from lipsync.core.errors import InputError

    if text is not None and text_file is not None:
        raise click.UsageError("Give either --text or --text-file, not both.")
    if text_file is None:
        return text
    try:
        with open(text_file, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise InputError(f"The transcript '{text_file}' is not UTF-8 text.") from e
