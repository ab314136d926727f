"""Raw picture bytes (as in yuv4mpegpipe and rawvideo pipes) to PyAV frames and back.

A picture is its planes one after another, each row exactly ``width x bytes per sample`` long
(no padding); 4:2:0 / 4:2:2 chroma planes are ``ceil(width / 2)`` wide (and, for 4:2:0,
``ceil(height / 2)`` high); samples deeper than 8 bits are 16-bit little-endian.
"""

from __future__ import annotations

import av
import numpy as np

from lipsync.core.errors import InputError

#: Pixel formats a pipe can carry, with (planes' (x, y) chroma shifts, bytes per sample,
#: samples per pixel of the first plane).
PIPE_PIX_FMTS: dict[str, tuple[tuple[tuple[int, int], ...], int, int]] = {
    "gray": (((0, 0),), 1, 1),
    "gray16le": (((0, 0),), 2, 1),
    "yuv420p": (((0, 0), (1, 1), (1, 1)), 1, 1),
    "yuvj420p": (((0, 0), (1, 1), (1, 1)), 1, 1),
    "yuv422p": (((0, 0), (1, 0), (1, 0)), 1, 1),
    "yuv444p": (((0, 0), (0, 0), (0, 0)), 1, 1),
    "yuv420p16le": (((0, 0), (1, 1), (1, 1)), 2, 1),
    "yuv422p16le": (((0, 0), (1, 0), (1, 0)), 2, 1),
    "yuv444p16le": (((0, 0), (0, 0), (0, 0)), 2, 1),
    "yuv420p10le": (((0, 0), (1, 1), (1, 1)), 2, 1),
    "yuv422p10le": (((0, 0), (1, 0), (1, 0)), 2, 1),
    "yuv444p10le": (((0, 0), (0, 0), (0, 0)), 2, 1),
    "yuv420p12le": (((0, 0), (1, 1), (1, 1)), 2, 1),
    "yuv422p12le": (((0, 0), (1, 0), (1, 0)), 2, 1),
    "yuv444p12le": (((0, 0), (0, 0), (0, 0)), 2, 1),
    "rgb24": (((0, 0),), 1, 3),
    "bgr24": (((0, 0),), 1, 3),
}


def _layout(pix_fmt: str) -> tuple[tuple[tuple[int, int], ...], int, int]:
    try:
        return PIPE_PIX_FMTS[pix_fmt]
    except KeyError:
        known = ", ".join(PIPE_PIX_FMTS)
        raise InputError(
            f"The pixel format '{pix_fmt}' cannot go through a pipe: use {known}."
        ) from None


def plane_shapes(width: int, height: int, pix_fmt: str) -> list[tuple[int, int]]:
    """``(rows, bytes per row)`` of each plane of a ``width`` x ``height`` picture."""
    shifts, depth, samples = _layout(pix_fmt)
    return [
        (-(-height >> sy), -(-width >> sx) * depth * samples) for sx, sy in shifts
    ]  # ceil(x / 2**s)


def frame_size(width: int, height: int, pix_fmt: str) -> int:
    """Bytes of one picture."""
    return sum(rows * row for rows, row in plane_shapes(width, height, pix_fmt))


def bit_depth(pix_fmt: str) -> int:
    """Bits per sample of ``pix_fmt``."""
    _layout(pix_fmt)
    for bits in (10, 12, 16):
        if f"{bits}le" in pix_fmt:
            return bits
    return 8


def frame_from_bytes(data: bytes | memoryview, width: int, height: int, pix_fmt: str):
    """A new ``av.VideoFrame`` holding the picture ``data`` (exactly :func:`frame_size`
    bytes)."""
    frame = av.VideoFrame(width, height, pix_fmt)
    buf = np.frombuffer(data, np.uint8)
    at = 0
    for plane, (rows, row) in zip(frame.planes, plane_shapes(width, height, pix_fmt), strict=True):
        src = buf[at : at + rows * row].reshape(rows, row)
        at += rows * row
        if plane.line_size == row:
            plane.update(src)
        else:
            padded = np.zeros((rows, plane.line_size), np.uint8)
            padded[:, :row] = src
            plane.update(padded)
    return frame


def read_frame(stream, width: int, height: int, pix_fmt: str) -> tuple[av.VideoFrame | None, int]:
    """``(frame, bytes read)``: the next picture of ``stream`` read straight into the planes
    of a new ``av.VideoFrame`` (no intermediate copy of the picture: 3 MB at 1080p), the same
    frame :func:`frame_from_bytes` makes of those bytes (row padding zeroed); ``(None, n)``
    when the stream ended after ``n`` < :func:`frame_size` bytes."""
    frame = av.VideoFrame(width, height, pix_fmt)
    got = 0
    for plane, (rows, row) in zip(frame.planes, plane_shapes(width, height, pix_fmt), strict=True):
        memory = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:rows]
        if plane.line_size == row:
            n = _read_into(stream, memory.reshape(-1))
        else:
            part = np.empty((rows, row), np.uint8)
            n = _read_into(stream, part.reshape(-1))
            memory[:, :row] = part
            memory[:, row:] = 0
        got += n
        if n < rows * row:
            return None, got
    return frame, got


def _read_into(stream, target: np.ndarray) -> int:
    """Fill ``target`` (``uint8``, contiguous) from ``stream``; the bytes read (fewer at the
    stream's end)."""
    view = target.data.cast("B")
    size, got = view.nbytes, 0
    readinto = getattr(stream, "readinto", None)
    while got < size:
        if readinto is not None:
            n = readinto(view[got:]) or 0
        else:
            chunk = stream.read(size - got)
            n = len(chunk)
            view[got : got + n] = chunk
        if n == 0:
            break
        got += n
    return got


def frame_chunks(frame) -> list[memoryview]:
    """The picture of ``frame`` as pipe bytes (planes without padding), in pieces to write
    one after another: views of the frame's own memory where its rows are not padded."""
    pix_fmt = frame.format.name
    parts = []
    for plane, (rows, row) in zip(
        frame.planes, plane_shapes(frame.width, frame.height, pix_fmt), strict=True
    ):
        view = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:rows, :row]
        parts.append(np.ascontiguousarray(view).data.cast("B"))
    return parts


def frame_to_bytes(frame) -> bytes:
    """The picture of ``frame`` as pipe bytes (planes without padding)."""
    return b"".join(frame_chunks(frame))


def whole_frames_before(count: int) -> str:
    """The end of an error sentence about a stream that broke off after ``count`` frames."""
    if count == 0:
        return "no whole frame came before it"
    if count == 1:
        return "the whole frame before it was processed"
    return f"the {count} whole frames before it were processed"
