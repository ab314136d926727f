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
    """Pictures of a raw byte stream; iterating yields ``(index, av.VideoFrame)``. A stream
    that ends inside a picture stops the iteration and leaves the reason in :attr:`error`."""

    def __init__(self, stream: BinaryIO, fmt: RawFormat, name: str = "the input") -> None:
        self._stream = stream
        self.format = fmt
        self.name = name
        self.info = fmt.stream_info()
        self.error: MediaFormatError | None = None

    def __iter__(self) -> Iterator[tuple[int, object]]:
        f = self.format
        size = f.frame_bytes
        index = 0
        while True:
            data = read_exact(self._stream, size)
            if not data:
                return
            if len(data) < size:
                self.error = MediaFormatError(
                    f"{self.name.capitalize()} ended in the middle of frame {index} "
                    f"({len(data)} of {size} bytes): the data does not match --size "
                    f"{f.width}x{f.height} --pix-fmt {f.pix_fmt}, or the input was cut short."
                )
                return
            yield index, frame_from_bytes(data, f.width, f.height, f.pix_fmt)
            index += 1


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
