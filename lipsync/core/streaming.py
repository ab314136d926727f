"""Bounded read-ahead for frame streams (a leaf module: standard library only).

Decoding (PyAV) and inference (onnxruntime) release the GIL, so decoding the next frames in a
thread while the current one is tracked or rendered uses a second core. The queue holds at
most ``depth`` items, so memory stays that of a few frames.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
DEFAULT_DEPTH = 4  # items decoded ahead
_DONE = object()


def prefetch(items: Iterable[T], depth: int = DEFAULT_DEPTH) -> Iterator[T]:
    """Yield ``items`` in order while a thread produces up to ``depth`` ahead.

    An exception in the producer is raised in the consumer at the same position. When the
    consumer stops early (break, exception, garbage collection), the producer stops too.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as e:  # handed to the consumer
            failure.append(e)
        put(_DONE)

    thread = threading.Thread(target=produce, name="lipsync-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                if failure:
                    raise failure[0]
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=5)
