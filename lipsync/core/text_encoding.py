"""Text files as editors save them: UTF-8 with or without a byte-order mark, and UTF-16
(little or big endian) with one, the usual export of Windows subtitle tools."""

from __future__ import annotations

import codecs

from lipsync.core.errors import InputError

#: Byte-order marks and the codec that reads what follows them (longest first: the UTF-32
#: marks begin with the UTF-16 ones).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_encoding(data: bytes, default: str = "utf-8") -> str:
    """The encoding a byte-order mark at the start of ``data`` names, else ``default``. The
    mark stays in the text decoded with it (as U+FEFF), so a file can be written back as it
    was."""
    for mark, name in BOMS:
        if data.startswith(mark):
            return name
    return default


def decode_text(data: bytes, what: str) -> str:
    """``data`` as text without its byte-order mark: UTF-8 (with or without one), or UTF-16 or
    UTF-32 after one. ``what`` names the file in the one-sentence error ("The subtitle file
    'x.srt'")."""
    encoding = bom_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{what} is not UTF-8 or UTF-16 text (line {line}): save it as UTF-8."
        ) from e
    return text[1:] if text.startswith("\ufeff") else text
