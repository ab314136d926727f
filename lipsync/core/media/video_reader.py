"""Decoding video into RGB frames with their exact timestamps."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from lipsync.core.errors import NoStreamError
from lipsync.core.media.container import PathLike, media_error, open_input
from lipsync.core.media.convert import frame_to_rgb
from lipsync.core.media.probe import VideoStreamInfo, video_stream_info

log = logging.getLogger("lipsync")


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded frame.

    ``image`` is ``uint8 (H, W, 3)`` RGB, upright (display rotation applied); ``pts`` is in
    units of ``time_base`` seconds exactly as stored in the file (``None`` if the file has none);
    ``time`` is the presentation time in seconds; ``index`` counts frames from 0 in decode
    output order.
    """

    index: int
    pts: int | None
    time_base: Fraction
    time: float
    image: np.ndarray


class VideoReader:
    """Iterate the frames of one video stream. Use as a context manager::

    with VideoReader("in.mp4") as reader:
        print(reader.info.width, reader.info.fps)
        for frame in reader:
            ...
    """

    def __init__(self, path: PathLike, stream_index: int = 0) -> None:
        self.path = Path(path)
        self._container = open_input(self.path)
        try:
            if len(self._container.streams.video) <= stream_index:
                raise NoStreamError(
                    f"The file '{self.path}' has no video stream"
                    + (f" number {stream_index}" if stream_index else "")
                    + ": give a video file."
                )
            self._stream = self._container.streams.video[stream_index]
            self._stream.thread_type = "AUTO"  # before probing opens the decoder
            try:
                self.info: VideoStreamInfo = video_stream_info(self._container, stream_index)
            except av.error.FFmpegError as e:
                raise media_error(self.path, "video", e) from e
        except BaseException:
            self._container.close()
            raise

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def __iter__(self) -> Iterator[VideoFrame]:
        time_base = self.info.time_base
        frame_step = 1 / self.info.fps if self.info.fps else Fraction(0)
        for index, frame in self.iter_decoded():
            pts = frame.pts
            time = float(pts * time_base if pts is not None else index * frame_step)
            image = self.to_rgb(frame)
            yield VideoFrame(index=index, pts=pts, time_base=time_base, time=time, image=image)

    def iter_decoded(self) -> Iterator[tuple[int, av.VideoFrame]]:
        """``(index, frame)`` for every decoded frame, as PyAV gives it (no conversion): for
        changing regions of frames (:mod:`lipsync.core.media.patch`)."""
        index = 0
        try:
            for frame in self._container.decode(self._stream):
                yield index, frame
                index += 1
        except av.error.FFmpegError as e:
            if index == 0:
                raise media_error(self.path, "video", e) from e
            # A damaged tail: keep every frame decoded so far and say where it stopped.
            log.warning("'%s': decoding stopped after %d frames (%s)", self.path, index, e)

    def to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        """The frame as upright ``uint8 (H, W, 3)`` RGB, converted with the stream's matrix."""
        return frame_to_rgb(frame, self.info)


def open_video(path: PathLike, stream_index: int = 0) -> VideoReader:
    """Open the video stream ``stream_index`` of ``path`` for frame iteration."""
    return VideoReader(path, stream_index)


def iter_frames(path: PathLike, stream_index: int = 0) -> Iterator[VideoFrame]:
    """Yield the frames of ``path`` (a convenience over :class:`VideoReader`)."""
    with VideoReader(path, stream_index) as reader:
        yield from reader
