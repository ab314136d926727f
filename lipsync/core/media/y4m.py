"""yuv4mpegpipe (y4m) streams: the header, and frames read from / written to a byte pipe.

A stream is one header line, ``YUV4MPEG2 W1920 H1080 F25:1 Ip A1:1 C420jpeg XYSCSS=420JPEG``,
then per frame a ``FRAME`` line and the raw planes (:mod:`~.pipe_frames`). The output keeps
the input's header line byte for byte, so size, rate, interlacing, aspect, colour space and
chroma siting travel through unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

from lipsync.core.errors import MediaFormatError
from lipsync.core.media.colour import CS_UNSPECIFIED, RANGE_JPEG, RANGE_MPEG, RANGE_UNSPECIFIED
from lipsync.core.media.pipe_frames import (
    PIPE_PIX_FMTS,
    bit_depth,
    frame_chunks,
    frame_from_bytes,
    frame_size,
    read_frame,
    whole_frames_before,
)
from lipsync.core.media.probe import VideoStreamInfo, new_video_info

MAGIC = b"YUV4MPEG2"
FRAME = b"FRAME"
MAX_LINE = 4096  # bytes; a header or FRAME line longer than this is not y4m

#: The C tag of the header -> pixel format (ffmpeg writes the 'p16' etc. tags with -strict -1).
COLOUR_TAGS = {
    "420jpeg": "yuv420p",
    "420paldv": "yuv420p",
    "420mpeg2": "yuv420p",
    "420": "yuv420p",
    "422": "yuv422p",
    "444": "yuv444p",
    "mono": "gray",
    "mono16": "gray16le",
    "420p10": "yuv420p10le",
    "422p10": "yuv422p10le",
    "444p10": "yuv444p10le",
    "420p12": "yuv420p12le",
    "422p12": "yuv422p12le",
    "444p12": "yuv444p12le",
    "420p16": "yuv420p16le",
    "422p16": "yuv422p16le",
    "444p16": "yuv444p16le",
}


@dataclass(frozen=True)
class Y4MHeader:
    """A parsed header line: size in px, ``rate`` in frames/s, the ``C`` tag, the pixel format,
    the colour range from ffmpeg's ``XCOLORRANGE`` extension, and the line itself."""

    width: int
    height: int
    rate: Fraction
    colour: str
    pix_fmt: str
    color_range: int
    line: bytes

    def stream_info(self) -> VideoStreamInfo:
        """The header as the engine's stream description (untagged matrix: BT.601)."""
        info = new_video_info(self.width, self.height, self.rate, self.pix_fmt)
        return dataclasses.replace(
            info,
            codec="rawvideo",
            bit_depth=bit_depth(self.pix_fmt),
            colorspace=CS_UNSPECIFIED,
            color_range=self.color_range,
            color_primaries=CS_UNSPECIFIED,
            color_trc=CS_UNSPECIFIED,
        )


def parse_header(line: bytes) -> Y4MHeader:
    """Parse the header ``line`` (with its newline); :class:`MediaFormatError` saying what is
    wrong otherwise."""
    text = line.rstrip(b"\n")
    tokens = text.split(b" ")
    if tokens[0] != MAGIC:
        start = text[:20].decode("ascii", "replace")
        raise MediaFormatError(
            f"The input is not a yuv4mpegpipe stream (it starts with {start!r}, not "
            "'YUV4MPEG2'): give ffmpeg '-f yuv4mpegpipe', or choose --format nut or raw."
        )
    fields: dict[str, str] = {}
    extensions: dict[str, str] = {}
    for token in tokens[1:]:
        if not token:
            continue
        key, value = chr(token[0]), token[1:].decode("ascii", "replace")
        if key == "X":
            name, _, ext = value.partition("=")
            extensions[name] = ext
        else:
            fields[key] = value
    try:
        width, height = int(fields["W"]), int(fields["H"])
    except (KeyError, ValueError):
        raise MediaFormatError(
            f"The yuv4mpegpipe header {text.decode('ascii', 'replace')!r} has no valid W and H "
            "(size) fields."
        ) from None
    if width <= 0 or height <= 0 or width * height > 1 << 28:
        raise MediaFormatError(f"The yuv4mpegpipe size {width}x{height} is not a picture size.")
    rate = _rate(fields.get("F", "25:1"))
    colour = fields.get("C", "420jpeg")
    if colour not in COLOUR_TAGS:
        known = ", ".join(COLOUR_TAGS)
        raise MediaFormatError(
            f"The yuv4mpegpipe colour space 'C{colour}' is not supported: use one of {known}."
        )
    ranges = {"FULL": RANGE_JPEG, "LIMITED": RANGE_MPEG}
    color_range = ranges.get(extensions.get("COLORRANGE", ""), RANGE_UNSPECIFIED)
    return Y4MHeader(width, height, rate, colour, COLOUR_TAGS[colour], color_range, line)


def _rate(value: str) -> Fraction:
    num, _, den = value.partition(":")
    try:
        rate = Fraction(int(num), int(den or 1))
    except (ValueError, ZeroDivisionError):
        raise MediaFormatError(
            f"The yuv4mpegpipe frame rate 'F{value}' is not a rate: ffmpeg writes e.g. F25:1."
        ) from None
    if rate <= 0:
        raise MediaFormatError(f"The yuv4mpegpipe frame rate 'F{value}' is not positive.")
    return rate


def read_line(stream: BinaryIO, limit: int = MAX_LINE) -> bytes:
    """One line with its newline, or what was left before the end (b"" at the end)."""
    data = bytearray()
    while len(data) < limit:
        c = stream.read(1)
        if not c:
            break
        data += c
        if c == b"\n":
            break
    return bytes(data)


def read_exact(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes, or fewer when the stream ends first."""
    chunks, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def ffmpeg_cut_size(width: int, height: int, pix_fmt: str) -> int | None:
    """Bytes of a picture as ffmpeg's yuv4mpegpipe muxer writes it when that differs from
    :func:`~.pipe_frames.frame_size`, else None. The muxer rounds a chroma row's *bytes* up
    (``ceil(2 * width / 2**sx)``) instead of its samples, so at odd widths and more than 8 bits
    the last chroma sample of every row loses its high byte."""
    shifts, depth, _ = PIPE_PIX_FMTS[pix_fmt]
    if len(shifts) < 2 or depth == 1:
        return None
    luma_row = width * depth
    cut = height * luma_row
    for sx, sy in shifts[1:]:
        cut += -(-height >> sy) * -(-luma_row >> sx)
    exact = frame_size(width, height, pix_fmt)
    return cut if cut != exact else None


class Y4MReader:
    """Frames of a y4m byte stream (a pipe). Iterating yields ``(index, av.VideoFrame)``.

    A stream that ends inside a frame, or whose data stops looking like frames after the
    second one, ends the iteration quietly and leaves the reason in :attr:`error`, so every
    whole frame before it can still go out; when the second frame is already out of step
    (the header's size does not match the data) the error is raised at once.
    """

    def __init__(self, stream: BinaryIO, name: str = "the input") -> None:
        self._stream = stream
        self.name = name
        line = read_line(stream)
        if not line:
            raise MediaFormatError(f"{name.capitalize()} is empty: no yuv4mpegpipe header came.")
        if not line.endswith(b"\n"):
            raise MediaFormatError(
                f"{name.capitalize()} has no complete yuv4mpegpipe header line "
                f"(got {len(line)} bytes)."
            )
        self.header = h = parse_header(line)
        self.info = self.header.stream_info()
        self.frame_bytes = frame_size(self.header.width, self.header.height, self.header.pix_fmt)
        self._cut_bytes = ffmpeg_cut_size(self.header.width, self.header.height, h.pix_fmt)
        #: Why the stream stopped early (after the frames already given), if it did.
        self.error: MediaFormatError | None = None

    def __iter__(self) -> Iterator[tuple[int, object]]:
        h = self.header
        index = 0
        while True:
            tag = read_line(self._stream)
            if not tag:
                return
            if not tag.startswith(FRAME) or not tag.endswith(b"\n"):
                problem = MediaFormatError(
                    f"{self.name.capitalize()} is out of step at frame {index}: no FRAME "
                    f"marker where a {h.width}x{h.height} {h.pix_fmt} picture should end; the "
                    "header's size or colour space does not match the data."
                )
                if not tag.endswith(b"\n") and tag.startswith(FRAME[: len(tag)]):
                    problem = self._truncated(index, len(tag))
                if index <= 1:
                    raise problem
                self.error = problem
                return
            if index == 0:  # the first picture's bytes are looked at (a cut row layout)
                data = read_exact(self._stream, self.frame_bytes)
                self._refuse_cut_rows(data)
                got = len(data)
                whole = got == self.frame_bytes
                frame = frame_from_bytes(data, h.width, h.height, h.pix_fmt) if whole else None
            else:
                frame, got = read_frame(self._stream, h.width, h.height, h.pix_fmt)
            if got < self.frame_bytes:
                self.error = self._truncated(index, got)
                return
            yield index, frame
            index += 1

    def _refuse_cut_rows(self, data: bytes) -> None:
        """Refuse a stream written in the layout of ffmpeg's y4m muxer for odd widths deeper
        than 8 bits (see :func:`ffmpeg_cut_size`): its pictures have lost a byte per chroma
        row, which no reader can restore."""
        cut = self._cut_bytes
        if cut is None:
            return
        if len(data) == cut or data[cut : cut + len(FRAME)] == FRAME:
            h = self.header
            raise MediaFormatError(
                f"{self.name.capitalize()} has {h.width}x{h.height} {h.pix_fmt} pictures of "
                f"{cut} bytes, not {self.frame_bytes}: ffmpeg's yuv4mpegpipe muxer cuts the "
                "last chroma sample of every row at odd widths above 8 bits (ffmpeg cannot "
                "read them back either); pipe with '-f nut' (--format nut) or '-f rawvideo' "
                "(--format raw), or scale to an even width."
            )

    def _truncated(self, index: int, got: int) -> MediaFormatError:
        return MediaFormatError(
            f"{self.name.capitalize()} ended in the middle of frame {index} ({got} of "
            f"{self.frame_bytes} bytes); {whole_frames_before(index)}."
        )


class Y4MWriter:
    """Writes frames to a byte stream under ``header`` (the input's own header line), which
    goes out with the first frame (or on :meth:`close` when there are none)."""

    def __init__(self, stream: BinaryIO, header: Y4MHeader) -> None:
        self._stream = stream
        self.header = header
        self._started = False
        self.frames = 0

    def write(self, frame) -> None:
        """Write one frame (an ``av.VideoFrame`` of the header's size and pixel format)."""
        head = b"" if self._started else self.header.line
        self._stream.write(head + FRAME + b"\n")
        for chunk in frame_chunks(frame):  # no copy of the picture on the way out
            self._stream.write(chunk)
        self._started = True
        self.frames += 1

    def close(self) -> None:
        if not self._started:
            self._stream.write(self.header.line)
            self._started = True
        self._stream.flush()
