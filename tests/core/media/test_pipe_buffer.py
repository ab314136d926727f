"""Wider pipes: a pipe grows to the wanted size (or the system's maximum), its data unchanged;
anything that is not a pipe is left alone."""

from __future__ import annotations

import io
import os
import sys
import threading

import pytest

from lipsync.core.media.pipe_buffer import WANTED, _system_max, widen

linux = pytest.mark.skipif(sys.platform != "linux", reason="pipe sizes are Linux's")


@linux
def test_a_pipe_grows_and_carries_the_same_bytes():
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb") as writer:
        size = widen(writer)
        assert size >= min(WANTED, _system_max()) > 64 * 1024
        assert widen(reader) == size  # the same pipe, seen from its other end
        data = os.urandom(3 * size + 12345)
        # a whole buffer's worth goes in without a reader (a 64 KiB pipe would block here)
        os.write(writer.fileno(), data[: size // 2])
        sender = threading.Thread(target=lambda: (writer.write(data[size // 2 :]), writer.close()))
        sender.start()
        got = reader.read()
        sender.join()
    assert got == data


@linux
def test_a_pipe_is_never_shrunk():
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb"):
        before = widen(reader)
        assert widen(reader, wanted=4096) == before


def test_files_and_buffers_are_left_alone(tmp_path):
    with open(tmp_path / "frames.y4m", "wb") as file:
        assert widen(file) == 0
    assert widen(io.BytesIO(b"YUV4MPEG2")) == 0
