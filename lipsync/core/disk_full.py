"""A full disk (or an exhausted quota) while writing an output, as one sentence.

Writers fail deep inside libavformat, numpy or the ``wave`` module with ``OSError`` errno
``ENOSPC``/``EDQUOT``, often about a temporary name; :func:`disk_full_error` finds that error in
an exception's chain and names the folder the user chose instead.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from lipsync.core.errors import OutputError

FULL = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(OutputError):
    """The disk holding an output ran out of space (or of quota) while it was written."""


def disk_full_error(exc: BaseException, dest: str | os.PathLike[str] | None = None):
    """A :class:`DiskFullError` naming the folder of ``dest`` (else of the file the error
    names) when ``exc`` or an exception it came from is a full disk; ``None`` otherwise."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in FULL:
            return DiskFullError(_sentence(dest, e.filename))
        e = e.__cause__ or e.__context__
    return None


def _sentence(dest, filename) -> str:
    advice = "free some space or choose an output on another disk."
    if dest is not None:
        path = Path(dest)
        return (
            f"The disk is full in the folder '{path.parent}': '{path.name}' was not written "
            f"(no part of it is left there); {advice}"
        )
    if filename:
        return f"The disk is full in the folder '{Path(filename).parent}': {advice}"
    return f"The disk is full: an output could not be written; {advice}"
