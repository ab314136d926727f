"""How much a piece of work allocates, for the memory tests (tracemalloc: Python and numpy)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable


def peak_allocated(work: Callable[[], object]) -> int:
    """Bytes ``work()`` allocated at its peak beyond what was allocated when it started."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before
