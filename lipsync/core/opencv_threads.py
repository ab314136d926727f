"""OpenCV without its own worker pool while the engine's threads run.

The engine already uses both cores of a small machine with threads of its own (tracking
beside rendering; live mode's reader, worker, painter and composer). OpenCV's pool would add
a worker per core that, after each small parallel call (a remap, a blur of a mouth region),
spins in ``sched_yield`` waiting for the next one: on the 480x270 filter run that was 700
system calls a frame and half the process's system time, CPU the engine's own threads needed.
With the pool off, each OpenCV call runs in the thread that made it; the pixels are the same.

The setting is process-wide, so it is counted: the first user turns the pool off, the last
one puts back what was there before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_LOCK = threading.Lock()
_users = 0
_before = 0


@contextlib.contextmanager
def opencv_in_callers() -> Iterator[None]:
    """Within this block, every OpenCV call runs in its caller's thread (no worker pool)."""
    import cv2  # here: lipsync.core.live imports this module, and the CLI imports it lightly

    global _users, _before
    with _LOCK:
        if _users == 0:
            _before = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _users += 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0:
                cv2.setNumThreads(_before)
