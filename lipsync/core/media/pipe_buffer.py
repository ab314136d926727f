"""Wider pipes for a filter between two processes (Linux; elsewhere nothing changes).

A Linux pipe holds 64 KiB by default: a third of one 480x270 frame, a fiftieth of a 1080p one.
Between ``ffmpeg | lipsync-filter | ffmpeg`` that keeps the three processes in lockstep: the
decoder can never be a frame ahead of the filter, nor the filter a frame ahead of the encoder,
so on a busy machine each waits for the other to be scheduled at every frame. Up to the
system's limit (``/proc/sys/fs/pipe-max-size``, 1 MiB by default, for any user) the pipe's
buffer can be made bigger from either end; the data and its order are the pipe's as before.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

MAX_SIZE_FILE = "/proc/sys/fs/pipe-max-size"
WANTED = 1 << 20  # bytes: 5 frames of 480x270 4:2:0, a third of a 1080p frame


def widen(stream: BinaryIO, wanted: int = WANTED) -> int:
    """Make the pipe behind ``stream`` hold ``wanted`` bytes (or the system's maximum, if
    less); the pipe's size afterwards, or 0 when ``stream`` is not a pipe (a file, a
    terminal, an in-memory buffer) or the system does not let it be changed."""
    try:
        import fcntl

        fd = stream.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return 0
        current = fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
        size = min(wanted, _system_max())
        if size > current:
            return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
        return current
    except (AttributeError, ImportError, OSError, ValueError):  # not Linux, not a real file
        return 0


def _system_max() -> int:
    try:
        with open(MAX_SIZE_FILE) as file:
            return int(file.read().strip())
    except (OSError, ValueError):
        return WANTED
