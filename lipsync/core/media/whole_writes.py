"""A pipe output whose every ``write`` puts all its bytes out, at once.

Two things go wrong with ``sys.stdout.buffer`` as a frame pipe:

- under ``python -u`` or ``PYTHONUNBUFFERED`` it is the raw file, and a raw write to a pipe
  may take only part of the bytes when a signal (Ctrl-C) arrives while it waits: the rest of
  the frame was lost and the stream cut inside a picture;
- otherwise it is buffered, and the last few KiB of every frame waited in the buffer until
  the next frame: the reader got each frame one frame late (a live pipe's whole budget).

:class:`WholeWrites` writes straight to the raw file (after what a buffer held), and goes
on until every byte is out, waiting for a non-blocking pipe to take more.
"""

from __future__ import annotations

import io
import select
from typing import BinaryIO


class WholeWrites(io.RawIOBase):
    """``stream`` (a binary output) written unbuffered, each write whole (see the module)."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        raw = getattr(stream, "raw", None)
        if isinstance(stream, io.BufferedWriter) and raw is not None:
            stream.flush()  # what the buffer held goes first
            self._out = raw
        else:
            self._out = stream

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            count = self._out.write(view)
            if count is None:  # a non-blocking pipe is full: wait until it takes more
                select.select([], [self._out.fileno()], [])
                continue
            view = view[count:]
        return total

    def flush(self) -> None:
        if not getattr(self._out, "closed", False):  # the caller may have closed theirs
            self._out.flush()

    def seekable(self) -> bool:
        return self._out.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._out.seek(offset, whence)

    def tell(self) -> int:
        return self._out.tell()

    def fileno(self) -> int:
        return self._out.fileno()

    def isatty(self) -> bool:
        return self._out.isatty()


def whole_writes(stream: BinaryIO) -> BinaryIO:
    """``stream`` wrapped in :class:`WholeWrites` (once)."""
    if isinstance(stream, WholeWrites):
        return stream
    return WholeWrites(stream)  # type: ignore[return-value]
