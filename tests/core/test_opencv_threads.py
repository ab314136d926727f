"""OpenCV's worker pool is off while the engine runs, and put back afterwards."""

from __future__ import annotations

import threading

import cv2
import pytest

from lipsync.core.opencv_threads import opencv_in_callers


@pytest.fixture
def pool_of_three():
    before = cv2.getNumThreads()
    cv2.setNumThreads(3)
    yield
    cv2.setNumThreads(before)


def test_pool_off_inside_and_back_after(pool_of_three):
    with opencv_in_callers():
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == 3


def test_nested_and_concurrent_users_keep_it_off_until_the_last_leaves(pool_of_three):
    inside, leave = threading.Event(), threading.Event()
    seen: list[int] = []

    def other() -> None:
        with opencv_in_callers():
            inside.set()
            leave.wait(5)
            seen.append(cv2.getNumThreads())

    thread = threading.Thread(target=other)
    with opencv_in_callers():
        thread.start()
        assert inside.wait(5)
        with opencv_in_callers():
            assert cv2.getNumThreads() == 1
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == 1  # the other thread is still inside
    leave.set()
    thread.join(5)
    assert seen == [1]
    assert cv2.getNumThreads() == 3


def test_put_back_after_an_exception(pool_of_three):
    with pytest.raises(RuntimeError), opencv_in_callers():
        raise RuntimeError("boom")
    assert cv2.getNumThreads() == 3
