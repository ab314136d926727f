"""Read-ahead keeps order, hands over errors, and stops when the consumer stops."""

from __future__ import annotations

import threading
import time

import pytest

from lipsync.core.streaming import prefetch


def test_order_and_completeness():
    assert list(prefetch(range(1000), depth=3)) == list(range(1000))
    assert list(prefetch([])) == []


def test_producer_error_reaches_the_consumer_in_place():
    def items():
        yield 1
        yield 2
        raise ValueError("damaged frame")

    seen = []
    with pytest.raises(ValueError, match="damaged frame"):
        for item in prefetch(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_early_stop_stops_the_producer_and_bounds_read_ahead():
    produced = []

    def items():
        for i in range(10_000):
            produced.append(i)
            yield i

    for item in prefetch(items(), depth=2):
        if item == 5:
            break
    time.sleep(0.3)
    assert len(produced) <= 5 + 1 + 2 + 1  # consumed, the one in hand, the queue, one pending
    assert not any(t.name == "lipsync-prefetch" and t.is_alive() for t in threading.enumerate())
