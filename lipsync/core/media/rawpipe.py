"""rawvideo pipes: pictures back to back, with no header; size, rate and pixel format are
given by the user (``--size WxH --rate R --pix-fmt F``) and hold on both sides."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

from lipsync.core.errors import InputError, MediaFormatError
from lipsync.core.media.colour import CS_UNSPECIFIED, RANGE_JPEG, RANGE_UNSPECIFIED
from lipsync.core.media.pipe_frames import (
    PIPE_PIX_FMTS,
    bit_depth,
    frame_chunks,
    frame_from_bytes,
    frame_size,
    whole_frames_before,
)
from lipsync.core.media.probe import VideoStreamInfo, new_video_info
from lipsync.core.media.y4m import read_exact

#: Every pixel format a pipe can carry (odd sizes included: chroma rounds up, as in ffmpeg).
RAW_PIX_FMTS = tuple(PIPE_PIX_FMTS)


@dataclass(frozen=True)
class RawFormat:
    """``width`` x ``height`` px pictures in ``pix_fmt`` at ``rate`` frames/s."""

    width: int
    height: int
    rate: Fraction
    pix_fmt: str

    @classmethod
    def parse(cls, size: str | None, rate: str | None, pix_fmt: str | None) -> RawFormat:
        """From the command line's strings; :class:`InputError` naming the bad one."""
        if size is None or rate is None or pix_fmt is None:
            raise InputError(
                "Raw video needs --size WxH, --rate R and --pix-fmt (e.g. yuv420p, yuv422p10le, "
                "rgb24), the same as ffmpeg's '-f rawvideo' options."
            )
        match = re.fullmatch(r"(\d+)x(\d+)", size.strip())
        if not match or int(match[1]) <= 0 or int(match[2]) <= 0:
            raise InputError(f"--size {size!r} is not a size: give WIDTHxHEIGHT, e.g. 1280x720.")
        try:
            value = Fraction(rate.strip().replace(":", "/"))
        except (ValueError, ZeroDivisionError):
            raise InputError(
                f"--rate {rate!r} is not a frame rate: give e.g. 25 or 30000/1001."
            ) from None
        if value <= 0:
            raise InputError(f"--rate {rate!r} is not positive.")
        if pix_fmt not in RAW_PIX_FMTS:
            raise InputError(f"--pix-fmt {pix_fmt!r} is not one of {', '.join(RAW_PIX_FMTS)}.")
        return cls(int(match[1]), int(match[2]), value, pix_fmt)

    def describe(self) -> str:
        """The options as given: ``--size WxH --pix-fmt F``."""
        return f"--size {self.width}x{self.height} --pix-fmt {self.pix_fmt}"

    @property
    def frame_bytes(self) -> int:
        return frame_size(self.width, self.height, self.pix_fmt)

    def stream_info(self) -> VideoStreamInfo:
        info = new_video_info(self.width, self.height, self.rate, self.pix_fmt)
        rgb = self.pix_fmt in ("rgb24", "bgr24")
        return dataclasses.replace(
            info,
            codec="rawvideo",
            bit_depth=bit_depth(self.pix_fmt),
            colorspace=CS_UNSPECIFIED,
            color_range=RANGE_JPEG if rgb else RANGE_UNSPECIFIED,
            color_primaries=CS_UNSPECIFIED,
            color_trc=CS_UNSPECIFIED,
        )


class RawReader:
    """Pictures of a raw byte stream; iterating yields ``(index, av.VideoFrame)``.

    Raw data has no markers, so a wrong ``--size`` or ``--pix-fmt`` shows only as data that
    does not divide into pictures. From a file (a seekable input) its length is checked when
    the reader is made, before any frame is read. From a pipe each picture is held until the
    next one is complete or the stream ends: a stream that ends inside the second picture
    raises before the first goes out; one that ends inside a later picture stops the iteration
    and leaves the reason in :attr:`error`, after the whole ones.
    """

    def __init__(self, stream: BinaryIO, fmt: RawFormat, name: str = "the input") -> None:
        self._stream = stream
        self.format = fmt
        self.name = name
        self.info = fmt.stream_info()
        self.error: MediaFormatError | None = None
        #: The same problem, told for a caller that wrote none of the frames before it.
        self.refusal: MediaFormatError | None = None
        left = _bytes_left(stream)
        if left is not None and left % fmt.frame_bytes:
            raise MediaFormatError(
                f"{name.capitalize()} is {left} bytes, not a whole number of "
                f"{fmt.frame_bytes}-byte pictures: the data does not match {fmt.describe()}, or "
                "it was cut short; nothing was written."
            )

    def __iter__(self) -> Iterator[tuple[int, object]]:
        f = self.format
        size = f.frame_bytes
        held: bytes | None = None  # the last whole picture: out once the next one is whole
        whole = 0
        while True:
            data = read_exact(self._stream, size)
            if len(data) == size:
                if held is not None:
                    yield whole - 1, frame_from_bytes(held, f.width, f.height, f.pix_fmt)
                held, whole = data, whole + 1
                continue
            if data:  # the stream ended inside a picture
                what = (
                    f"{self.name.capitalize()} ended in the middle of frame {whole} "
                    f"({len(data)} of {size} bytes): the data does not match {f.describe()}, "
                    "or the input was cut short"
                )
                self.refusal = MediaFormatError(f"{what}; nothing was written.")
                if whole <= 1:  # nothing has gone out yet: keep it that way
                    raise self.refusal
                self.error = MediaFormatError(f"{what}; {whole_frames_before(whole)}.")
            if held is not None:
                yield whole - 1, frame_from_bytes(held, f.width, f.height, f.pix_fmt)
            return


def _bytes_left(stream: BinaryIO) -> int | None:
    """Bytes between the position of ``stream`` and its end when it is a seekable file, else
    None (a pipe)."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(here)
    except (OSError, ValueError, AttributeError):
        return None
    return end - here


class RawWriter:
    """Writes pictures back to back."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.frames = 0

    def write(self, frame) -> None:
        for chunk in frame_chunks(frame):
            self._stream.write(chunk)
        self.frames += 1

    def close(self) -> None:
        self._stream.flush()
