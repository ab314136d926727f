"""Pipe formats: raw picture bytes <-> frames, y4m headers, readers and writers (no files)."""

from __future__ import annotations

import io
import os
from fractions import Fraction

import pytest

from lipsync.core.errors import InputError, MediaFormatError
from lipsync.core.media.colour import RANGE_JPEG, RANGE_MPEG, RANGE_UNSPECIFIED
from lipsync.core.media.pipe_frames import (
    PIPE_PIX_FMTS,
    frame_from_bytes,
    frame_size,
    frame_to_bytes,
)
from lipsync.core.media.rawpipe import RawFormat, RawReader, RawWriter
from lipsync.core.media.y4m import Y4MReader, Y4MWriter, parse_header


@pytest.mark.parametrize("pix_fmt", sorted(PIPE_PIX_FMTS))
@pytest.mark.parametrize("size", [(7, 5), (64, 48)])
def test_picture_bytes_survive_a_frame_round_trip(pix_fmt, size):
    data = os.urandom(frame_size(*size, pix_fmt))
    frame = frame_from_bytes(data, *size, pix_fmt)
    assert (frame.width, frame.height, frame.format.name) == (*size, pix_fmt)
    assert frame_to_bytes(frame) == data


def test_frame_sizes_follow_the_chroma_layout():
    assert frame_size(64, 48, "yuv420p") == 64 * 48 * 3 // 2
    assert frame_size(7, 5, "yuv420p") == 35 + 2 * 4 * 3
    assert frame_size(64, 48, "yuv422p16le") == 2 * (64 * 48 * 2)
    assert frame_size(64, 48, "gray") == 64 * 48
    assert frame_size(64, 48, "rgb24") == 64 * 48 * 3


def test_header_fields_and_ffmpeg_extensions():
    h = parse_header(b"YUV4MPEG2 W1920 H1080 F30000:1001 It A1:1 C422p16 XYSCSS=422P16 "
                     b"XCOLORRANGE=FULL\n")  # fmt: skip
    assert (h.width, h.height, h.rate, h.pix_fmt) == (1920, 1080, Fraction(30000, 1001),
                                                      "yuv422p16le")  # fmt: skip
    assert h.color_range == RANGE_JPEG
    info = h.stream_info()
    assert info.bit_depth == 16 and info.fps == Fraction(30000, 1001)
    assert parse_header(b"YUV4MPEG2 W2 H2 XCOLORRANGE=LIMITED\n").color_range == RANGE_MPEG
    plain = parse_header(b"YUV4MPEG2 W2 H2\n")
    assert (plain.pix_fmt, plain.rate, plain.color_range) == ("yuv420p", 25, RANGE_UNSPECIFIED)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b"RIFF....\n", "not a yuv4mpegpipe stream"),
        (b"YUV4MPEG2 W64\n", "no valid W and H"),
        (b"YUV4MPEG2 W0 H5\n", "not a picture size"),
        (b"YUV4MPEG2 W4 H4 Fx:y\n", "not a rate"),
        (b"YUV4MPEG2 W4 H4 F0:1\n", "not positive"),
        (b"YUV4MPEG2 W4 H4 C411\n", "not supported"),
    ],
)
def test_bad_headers_say_what_is_wrong(line, words):
    with pytest.raises(MediaFormatError, match=words):
        parse_header(line)


def y4m(n: int, w: int = 8, h: int = 6) -> tuple[bytes, list[bytes]]:
    header = f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n".encode()
    pictures = [os.urandom(frame_size(w, h, "yuv420p")) for _ in range(n)]
    return header + b"".join(b"FRAME\n" + p for p in pictures), pictures


def test_y4m_reader_and_writer_round_trip_byte_for_byte():
    data, pictures = y4m(5)
    reader = Y4MReader(io.BytesIO(data))
    sink = io.BytesIO()
    writer = Y4MWriter(sink, reader.header)
    frames = list(reader)
    assert [i for i, _ in frames] == list(range(5))
    assert [frame_to_bytes(f) for _, f in frames] == pictures
    for _, f in frames:
        writer.write(f)
    writer.close()
    assert sink.getvalue() == data and reader.error is None


def test_y4m_cut_inside_a_frame_gives_the_whole_frames_and_the_reason():
    data, _ = y4m(5)
    reader = Y4MReader(io.BytesIO(data[:-10]))
    assert len(list(reader)) == 4
    assert "ended in the middle of frame 4" in str(reader.error)


def test_y4m_with_the_wrong_size_fails_before_the_second_frame():
    data, _ = y4m(5)
    lying = data.replace(b"W8", b"W10", 1)
    with pytest.raises(MediaFormatError, match="does not match the data"):
        list(Y4MReader(io.BytesIO(lying)))


def test_y4m_without_frames_writes_its_header_only():
    data, _ = y4m(0)
    reader = Y4MReader(io.BytesIO(data))
    sink = io.BytesIO()
    writer = Y4MWriter(sink, reader.header)
    assert list(reader) == []
    writer.close()
    assert sink.getvalue() == data


def test_raw_format_parses_the_command_line():
    fmt = RawFormat.parse("64x48", "30000/1001", "bgr24")
    assert (fmt.width, fmt.height, fmt.rate, fmt.frame_bytes) == (64, 48, Fraction(30000, 1001),
                                                                  64 * 48 * 3)  # fmt: skip
    bad = [
        ("64", "25", "rgb24"),
        ("64x48", "0", "rgb24"),
        ("64x48", "x", "rgb24"),
        ("64x48", "25", "nv12"),
        (None, "25", "rgb24"),
    ]
    for args in bad:
        with pytest.raises(InputError):
            RawFormat.parse(*args)


def test_raw_reader_and_writer_round_trip_and_report_a_partial_picture():
    fmt = RawFormat.parse("8x6", "25", "rgb24")
    pictures = [os.urandom(fmt.frame_bytes) for _ in range(3)]
    pipe = io.BufferedReader(io.BytesIO(b"".join(pictures) + b"xyz"))
    pipe.seekable = lambda: False  # a pipe: a file of this length is refused up front
    reader = RawReader(pipe, fmt)
    sink = io.BytesIO()
    writer = RawWriter(sink)
    for _, frame in reader:
        writer.write(frame)
    writer.close()
    assert sink.getvalue() == b"".join(pictures)
    assert "does not match --size 8x6" in str(reader.error)
