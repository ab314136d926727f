"""Excerpts of a video: exactly the frames asked for, losslessly, with a start timecode.

An excerpt is the intermediate a timeline clip is lip-synced from: its frames are the source's
frames ``first`` .. ``first + count - 1`` (display order) with their spacing kept and the first
at time 0, coded losslessly (x264 at CRF 0, the source's chroma layout and bit depth), and the
stream carries ``timecode`` so that the rendered file's own timecode is the excerpt's first
frame. Which frames to take is pure arithmetic (:func:`frame_span`, :func:`with_handles`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction

import av

from lipsync.core.errors import InputError, NoStreamError, ProcessingError
from lipsync.core.media.container import PathLike, media_error, open_input
from lipsync.core.media.probe import video_stream_info
from lipsync.core.media.writer import EncodeOptions, VideoWriter
from lipsync.core.progress import CountCallback

LOSSLESS = EncodeOptions(crf=0, preset="ultrafast", audio_mode="none", provenance=False)
SEEK_MARGIN = 2.0  # s; seek this far before the first frame wanted, then decode forward


@dataclass(frozen=True)
class FrameRange:
    """Frames ``first`` .. ``first + count - 1`` of a stream; ``lead``/``tail`` of them are
    handles before and after the frames that were asked for."""

    first: int
    count: int
    lead: int = 0
    tail: int = 0

    @property
    def end(self) -> int:
        return self.first + self.count


def frame_span(offset: float, duration: float, fps: Fraction | float) -> FrameRange:
    """The frames shown from ``offset`` s after the first frame for ``duration`` s at ``fps``
    frames/s (at least one)."""
    rate = float(fps)
    first = round(offset * rate)
    end = round((offset + duration) * rate)
    return FrameRange(first, max(1, end - first))


def with_handles(span: FrameRange, handles: int, frame_count: int) -> FrameRange:
    """``span`` widened by up to ``handles`` frames on each side, within ``frame_count``
    frames. Raises :class:`InputError` when ``span`` itself is not inside the stream."""
    if span.first < 0 or span.end > frame_count:
        raise InputError(
            f"frames {span.first}–{span.end - 1} are asked for, but the video has frames "
            f"0–{frame_count - 1}"
        )
    first = max(0, span.first - max(0, handles))
    end = min(frame_count, span.end + max(0, handles))
    return FrameRange(first, end - first, span.first - first, end - span.end)


def write_excerpt(
    src: PathLike,
    dest: PathLike,
    frames: FrameRange,
    *,
    timecode: str | None = None,
    options: EncodeOptions = LOSSLESS,
    on_progress: CountCallback | None = None,
) -> int:
    """Write frames ``frames.first`` .. ``frames.end - 1`` of the first video stream of
    ``src`` to ``dest`` (atomically; a .mov keeps the timecode as a tmcd track) and return the
    number of frames written. Decoded pictures are passed to the encoder as they are when the
    pixel formats agree (no colour conversion), else converted by swscale at the nearest depth
    the encoder holds (through 8-bit RGB before 3 December 2026: a 12-bit master lost 4 bits
    in every chunk of a batch)."""
    report = on_progress or (lambda done, total: None)
    with open_input(src, "video") as container:
        if not container.streams.video:
            raise NoStreamError(f"The file '{src}' has no video stream: give a video file.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            info = video_stream_info(container, 0)
        except av.error.FFmpegError as e:
            raise media_error(src, "video", e) from e
        meta = {k: v for k, v in info.metadata.items() if k != "timecode"}
        if timecode:
            meta["timecode"] = timecode
        out_info = dataclasses.replace(info, start_pts=0, metadata=meta)
        fps = info.fps or Fraction(25)
        tb = info.time_base
        t0 = (info.start_pts or 0) * tb
        written, base_pts = 0, None
        with VideoWriter(dest, out_info, options=options, inputs=[src]) as writer:
            for index, frame in _frames_from(container, stream, frames.first, fps, t0):
                if index >= frames.end:
                    break
                if index < frames.first:
                    continue
                pts = frame.pts if frame.pts is not None else round(index / fps / tb)
                base_pts = pts if base_pts is None else base_pts
                # in the encoder's format as decoded, else converted by swscale at depth (as
                # the ffmpeg program would; 12 bits for x264 become 10, never 8)
                writer.write_decoded(frame, pts - base_pts)
                written += 1
                report(written, frames.count)
            if written == 0:
                raise ProcessingError(
                    f"The video '{src}' has no frames {frames.first}–{frames.end - 1} to excerpt."
                )
    return written


def _frames_from(container, stream, first: int, fps: Fraction, t0: Fraction):
    """``(index, frame)`` from a keyframe at or before frame ``first`` on; ``index`` counts
    frames from the stream's first at ``fps``, from each frame's time."""
    tb = stream.time_base
    target = float(t0 + first / fps) - SEEK_MARGIN
    sought = False
    if target > 0:
        try:
            container.seek(math.floor(target / tb), stream=stream, backward=True)
            sought = True
        except av.error.FFmpegError:
            container.seek(0)
    last, count = -1, 0
    try:
        for frame in container.decode(stream):
            if frame.pts is None:
                index = count if not sought else last + 1
            else:
                index = round((frame.pts * tb - t0) * fps)
            count += 1
            if index <= last:
                continue  # a repeated time: keep the first frame shown there
            last = index
            yield index, frame
    except av.error.FFmpegError as e:
        if count == 0:
            raise media_error(container.name, "video", e) from e


def check_frame_count(path: PathLike, frames: FrameRange, written: int) -> None:
    if written != frames.count:
        raise ProcessingError(
            f"'{path}' gave {written} frames where {frames.count} were expected "
            f"(frames {frames.first}–{frames.end - 1}): the file may be damaged or variable-rate."
        )
