"""OTIO adapter ``srt``: SubRip subtitles to and from OTIO markers.

    otioconvert -i film.es.srt -o film.es.otio
    otioconvert -i film.es.otio -o film.es.srt         # the same bytes as the original
    otioconvert -i film.srt -o film.otio -a language=es -a encoding=cp1252

OTIO loads this file by its path under its own module name, so it holds no state: the work is
done in :mod:`lipsync.otio_adapters.subtitles`. Reading gives a timeline whose top-level stack
holds one marker per cue; writing takes the subtitle markers of a timeline, track, stack or clip.
"""

from __future__ import annotations

from pathlib import Path

from lipsync.otio_adapters.subtitles import (
    format_srt,
    language_from_path,
    parse_srt,
    srt_from_otio,
    timeline_from_srt,
    with_encoding,
)


def read_from_file(filepath, language=None, encoding="utf-8"):
    """Read a ``.srt`` file (bytes kept exactly); the language defaults to the one in a name
    like ``film.es.srt``."""
    from lipsync.otio_adapters.errors import SrtError

    path = Path(filepath)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SrtError(f"The subtitles '{path}' cannot be read ({e.strerror}).") from e
    lang = language or language_from_path(path)
    doc = parse_srt(data, f"'{path}'", language=lang, encoding=encoding)
    name = path.stem
    if language_from_path(path) and "." in name:
        name = name.rsplit(".", 1)[0]
    return timeline_from_srt(doc, name)


def read_from_string(input_str, language=None):
    """Read SubRip text."""
    return timeline_from_srt(parse_srt(input_str, "given as text", language=language))


def write_to_string(input_otio):
    """The SubRip text of ``input_otio``'s subtitle markers (line endings as stored)."""
    doc = srt_from_otio(input_otio)
    return format_srt(with_encoding(doc, "utf-8")).decode("utf-8")


def write_to_file(input_otio, filepath, encoding=None):
    """Write the subtitle markers of ``input_otio`` as SubRip, atomically, with the line
    endings, byte-order mark and encoding the cues were read with."""
    from lipsync.core.media.atomic import atomic_output

    data = format_srt(with_encoding(srt_from_otio(input_otio), encoding))
    if not data:  # no cues: an empty file (the atomic writer refuses empty outputs)
        Path(filepath).write_bytes(data)
        return filepath
    with atomic_output(filepath) as tmp:
        tmp.write_bytes(data)
    return filepath
