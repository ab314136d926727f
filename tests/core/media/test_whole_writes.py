"""WholeWrites: every byte of a frame out, at once, through real pipes and real signals."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

import numpy as np

from lipsync.core.media.whole_writes import WholeWrites, whole_writes


def _drain(fd: int, into: bytearray, pause: float = 0.0) -> threading.Thread:
    def run() -> None:
        while part := os.read(fd, 1 << 14):
            into.extend(part)
            if pause:
                time.sleep(pause)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _payload(size: int) -> bytes:
    return np.random.default_rng(7).integers(0, 256, size, dtype=np.uint8).tobytes()


def test_a_raw_pipe_interrupted_by_signals_gets_every_byte():
    # a raw (unbuffered) write to a full pipe returns part of its bytes when a signal with a
    # handler arrives while it waits: what stdout is under python -u or PYTHONUNBUFFERED
    data = _payload(3 << 20)
    read_fd, write_fd = os.pipe()
    received = bytearray()
    reader = _drain(read_fd, received, pause=0.002)  # slower than the writer: the pipe fills
    alarms = []
    previous = signal.signal(signal.SIGALRM, lambda *_: alarms.append(1))
    signal.setitimer(signal.ITIMER_REAL, 0.005, 0.005)
    try:
        with open(write_fd, "wb", buffering=0) as raw:
            assert WholeWrites(raw).write(data) == len(data)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    reader.join(30)
    os.close(read_fd)
    assert alarms  # the writes were interrupted
    assert bytes(received) == data


def test_a_non_blocking_pipe_waits_instead_of_losing_bytes():
    data = _payload(1 << 20)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    received = bytearray()
    reader = _drain(read_fd, received, pause=0.001)
    with open(write_fd, "wb", buffering=0) as raw:
        assert raw.write(data) < len(data)  # the raw file alone gives up when the pipe is full
        sent = WholeWrites(raw)
        assert sent.write(data) == len(data)
    reader.join(30)
    os.close(read_fd)
    assert bytes(received).endswith(data)


def test_a_buffered_output_holds_nothing_back():
    # a buffered stdout kept each frame's last KiB until the next frame: a frame late
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    with open(write_fd, "wb") as buffered:  # io.BufferedWriter
        assert isinstance(buffered, io.BufferedWriter)
        buffered.write(b"head")  # held in its buffer, goes out first
        out = whole_writes(buffered)
        assert whole_writes(out) is out
        frame = _payload(20_000)
        out.write(frame)
        assert os.read(read_fd, 1 << 16) == b"head" + frame  # all there, with no flush
    os.close(read_fd)


def test_an_in_memory_stream_is_written_and_left_open():
    target = io.BytesIO()
    out = whole_writes(target)
    out.write(b"abc")
    out.write(memoryview(np.arange(4, dtype=np.uint16)))
    out.close()
    assert not target.closed
    assert target.getvalue() == b"abc" + np.arange(4, dtype=np.uint16).tobytes()


def test_a_wrapper_outliving_its_stream_closes_quietly():
    target = io.BytesIO()
    out = whole_writes(target)
    out.write(b"frame")
    target.close()  # the caller closed theirs first
    out.close()  # nothing left to flush, and no error at exit or collection
    assert out.closed
