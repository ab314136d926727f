"""Pictures read from a pipe straight into a frame's planes (read_frame, the y4m reader after
its first frame) are the frames frame_from_bytes makes of the same bytes, sample for sample,
padding included, whatever the pixel format, size and way the bytes arrive."""

from __future__ import annotations

import io
import os
import threading

import numpy as np
import pytest

from lipsync.core.media.pipe_frames import (
    PIPE_PIX_FMTS,
    frame_from_bytes,
    frame_size,
    frame_to_bytes,
    read_frame,
)
from lipsync.core.media.y4m import Y4MReader


def _planes(frame) -> list[bytes]:
    """Every byte of every plane, row padding included."""
    return [bytes(plane) for plane in frame.planes]


def _picture(width: int, height: int, pix_fmt: str, seed: int) -> bytes:
    return (
        np.random.default_rng(seed)
        .integers(0, 256, frame_size(width, height, pix_fmt), np.uint8)
        .tobytes()
    )


class _ReadOnly:
    """A stream with ``read`` only (like the live filter's descriptor reader), giving at
    most 1000 bytes a call."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 1000))


@pytest.mark.parametrize("pix_fmt", sorted(PIPE_PIX_FMTS))
@pytest.mark.parametrize("size", [(64, 48), (481, 271), (37, 5)])
def test_read_frame_equals_frame_from_bytes(pix_fmt, size) -> None:
    width, height = size  # odd sizes: 4:2:x chroma planes of ceil(w / 2) samples, padded rows
    data = _picture(width, height, pix_fmt, seed=width)
    want = frame_from_bytes(data, width, height, pix_fmt)
    for stream in (io.BufferedReader(io.BytesIO(data + b"rest")), _ReadOnly(data)):
        got, count = read_frame(stream, width, height, pix_fmt)
        assert count == len(data)
        assert got is not None and got.format.name == pix_fmt
        assert (got.width, got.height) == (width, height)
        assert _planes(got) == _planes(want)
        assert frame_to_bytes(got) == data


def test_read_frame_reports_a_cut_picture() -> None:
    data = _picture(64, 48, "yuv420p", seed=1)
    for cut in (0, 1, 64 * 48, 64 * 48 + 5, len(data) - 1):
        frame, count = read_frame(io.BytesIO(data[:cut]), 64, 48, "yuv420p")
        assert frame is None and count == cut


def test_y4m_pictures_through_a_real_pipe_in_small_writes(tmp_path) -> None:
    """A y4m stream written into an OS pipe a few hundred bytes at a time (short reads) reads
    back as the same pictures, and a last picture cut short ends the iteration with the
    error naming the frame and the bytes that came."""
    width, height, pix_fmt = 66, 34, "yuv422p10le"
    header = b"YUV4MPEG2 W66 H34 F25:1 Ip A1:1 C422p10 XYSCSS=422P10\n"
    pictures = [_picture(width, height, pix_fmt, seed=k) for k in range(4)]
    stream = header + b"".join(b"FRAME\n" + p for p in pictures) + b"FRAME\n" + pictures[0][:999]
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as out:
            for at in range(0, len(stream), 333):
                out.write(stream[at : at + 333])

    thread = threading.Thread(target=feed)
    thread.start()
    with os.fdopen(read_end, "rb") as source:
        reader = Y4MReader(source)
        frames = [frame for _, frame in reader]
    thread.join()
    assert [frame_to_bytes(f) for f in frames] == pictures
    for frame, picture in zip(frames, pictures, strict=True):
        assert _planes(frame) == _planes(frame_from_bytes(picture, width, height, pix_fmt))
    assert reader.error is not None
    assert "frame 4 (999 of" in str(reader.error)
