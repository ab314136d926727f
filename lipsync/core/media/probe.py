"""What is in a media file: streams, sizes, rates, counts (``lipsync probe``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from lipsync.core.media.container import PathLike, media_error, open_input
from lipsync.core.media.orientation import display_size


@dataclass(frozen=True)
class VideoStreamInfo:
    """One video stream. ``width``/``height`` are as displayed (after rotation); the coded
    picture is ``coded_width`` x ``coded_height``. ``fps`` is the average rate in frames/s,
    ``time_base`` the unit of ``pts`` in seconds, ``start_pts`` the first frame's pts."""

    index: int
    codec: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int  # degrees counter-clockwise, as in the display matrix
    pix_fmt: str
    bit_depth: int
    fps: Fraction
    time_base: Fraction
    start_pts: int | None
    frame_count: int
    duration: float | None  # seconds
    variable_rate: bool  # the average rate differs from the stream's base rate
    colorspace: int
    color_range: int
    color_primaries: int
    color_trc: int
    metadata: dict[str, str]


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream: ``sample_rate`` in Hz, ``duration`` in seconds."""

    index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str
    duration: float | None
    metadata: dict[str, str]


@dataclass(frozen=True)
class MediaInfo:
    """A probed file: its container format, duration (s), streams and container tags."""

    path: str
    format_name: str
    duration: float | None
    video: tuple[VideoStreamInfo, ...]
    audio: tuple[AudioStreamInfo, ...]
    metadata: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (fractions as strings like "30000/1001", plus float rates)."""

        def conv(obj: Any) -> Any:
            if isinstance(obj, Fraction):
                return f"{obj.numerator}/{obj.denominator}"
            if isinstance(obj, dict):
                return {k: conv(v) for k, v in obj.items()}
            if isinstance(obj, list | tuple):
                return [conv(v) for v in obj]
            return obj

        data = conv(asdict(self))
        for v, info in zip(data["video"], self.video, strict=True):
            v["fps_float"] = float(info.fps)
        return data


def probe(path: PathLike) -> MediaInfo:
    """Probe ``path``. Counts packets when the container does not state a frame count, and
    decodes the first video frame to read its rotation and colour tags."""
    with open_input(path) as container:
        try:
            video = tuple(_video_info(container, s) for s in container.streams.video)
            audio = tuple(_audio_info(s) for s in container.streams.audio)
        except av.error.FFmpegError as e:
            raise media_error(path, "input", e) from e
        duration = container.duration / av.time_base if container.duration else None
        return MediaInfo(
            path=str(Path(path)),
            format_name=container.format.name,
            duration=duration,
            video=video,
            audio=audio,
            metadata=dict(container.metadata),
        )


def video_stream_info(container: av.container.InputContainer, index: int = 0) -> VideoStreamInfo:
    """Info on the ``index``-th video stream of an open container (rewinds it afterwards)."""
    return _video_info(container, container.streams.video[index])


def _video_info(container: av.container.InputContainer, stream: av.video.stream.VideoStream):
    cc = stream.codec_context
    first = _first_frame(container, stream)
    rotation = int(first.rotation) if first is not None else 0
    coded_w = first.width if first is not None else cc.width
    coded_h = first.height if first is not None else cc.height
    width, height = display_size(coded_w, coded_h, rotation)
    fmt = first.format if first is not None else cc.format
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = Fraction(rate) if rate else Fraction(0)
    base = Fraction(stream.base_rate) if stream.base_rate else fps
    frame_count = stream.frames or _count_packets(container, stream)
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / av.time_base
    return VideoStreamInfo(
        index=stream.index,
        codec=cc.name,
        width=width,
        height=height,
        coded_width=coded_w,
        coded_height=coded_h,
        rotation=rotation,
        pix_fmt=fmt.name if fmt is not None else "unknown",
        bit_depth=_bit_depth(fmt),
        fps=fps,
        time_base=Fraction(stream.time_base) if stream.time_base else Fraction(1, 90000),
        start_pts=first.pts if first is not None else stream.start_time,
        frame_count=frame_count,
        duration=duration,
        variable_rate=bool(fps and base and fps != base),
        colorspace=int(first.colorspace) if first is not None else 2,
        color_range=int(first.color_range) if first is not None else 0,
        color_primaries=int(first.color_primaries) if first is not None else 2,
        color_trc=int(first.color_trc) if first is not None else 2,
        metadata=dict(stream.metadata),
    )


def _audio_info(stream: av.audio.stream.AudioStream) -> AudioStreamInfo:
    cc = stream.codec_context
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    return AudioStreamInfo(
        index=stream.index,
        codec=cc.name,
        sample_rate=cc.sample_rate,
        channels=cc.channels,
        layout=cc.layout.name,
        duration=duration,
        metadata=dict(stream.metadata),
    )


def _first_frame(container, stream) -> av.VideoFrame | None:
    try:
        for frame in container.decode(stream):
            return frame
        return None
    finally:
        container.seek(0)


def _count_packets(container, stream) -> int:
    n = 0
    try:
        for packet in container.demux(stream):
            if packet.size:
                n += 1
    finally:
        container.seek(0)
    return n


def _bit_depth(fmt: av.VideoFormat | None) -> int:
    if fmt is None or not fmt.components:
        return 8
    return max(c.bits for c in fmt.components)


def new_video_info(
    width: int, height: int, fps: Fraction, pix_fmt: str = "yuv420p"
) -> VideoStreamInfo:
    """Stream info for writing a new video made in code: ``width`` x ``height`` px at ``fps``
    frames/s, time base 1/fps (frame ``i`` has pts ``i``), BT.709 tags, no rotation."""
    fps = Fraction(fps)
    return VideoStreamInfo(
        index=0,
        codec="h264",
        width=width,
        height=height,
        coded_width=width,
        coded_height=height,
        rotation=0,
        pix_fmt=pix_fmt,
        bit_depth=8,
        fps=fps,
        time_base=1 / fps,
        start_pts=0,
        frame_count=0,
        duration=None,
        variable_rate=False,
        colorspace=1,
        color_range=1,
        color_primaries=1,
        color_trc=1,
        metadata={},
    )


def frame_times(path: PathLike, stream_index: int = 0) -> tuple[float, ...]:
    """Presentation times in seconds of every frame of a video stream, in display order, read
    from the packets without decoding (cheap: no pixel is touched)."""
    with open_input(path) as container:
        if len(container.streams.video) <= stream_index:
            return ()
        stream = container.streams.video[stream_index]
        tb = stream.time_base
        try:
            pts = [p.pts for p in container.demux(stream) if p.size and p.pts is not None]
        except av.error.FFmpegError as e:
            raise media_error(path, "video", e) from e
    return tuple(float(p * tb) for p in sorted(pts))
