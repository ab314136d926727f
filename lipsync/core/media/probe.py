"""What is in a media file: streams, sizes, rates, counts (``lipsync probe``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from lipsync.core.errors import MediaFormatError
from lipsync.core.media.container import PathLike, media_error, open_input
from lipsync.core.media.hdr import HdrMetadata, from_side_data
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
    #: "progressive", or interlaced as ffprobe's field_order names it: "tt" or "tb" (top
    #: field first), "bb" or "bt" (bottom field first)
    field_order: str = "progressive"
    #: the shape of a coded pixel, width over height (anamorphic footage: HDV's 1440x1080 at
    #: 4/3, PAL DV 16:9 at 64/45); 1 for square pixels or where the file does not say
    sample_aspect: Fraction = Fraction(1)
    #: HDR10 static metadata (mastering display, content light levels), as its first frame
    #: carries it; None when there is none
    hdr: HdrMetadata | None = None

    @property
    def interlaced(self) -> bool:
        return self.field_order != "progressive"

    @property
    def top_field_first(self) -> bool:
        """Of an interlaced stream: whether its top field is the earlier one in time."""
        return top_field_first(self.field_order)


def top_field_first(field_order: str) -> bool:
    """Whether a stream of ``field_order`` (ffprobe's name) shows its top field first. "tb"
    and "bt" are, by their names, coded one way and shown the other, but ffmpeg itself writes
    an H.264 or ProRes frame of interleaved fields as "tb" when its top field comes first and
    "bt" when its bottom one does: read as ffmpeg writes them."""
    return field_order in ("tt", "tb")


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
        field_order=FIELD_ORDERS.get(int(cc.field_order or 0), "progressive"),
        sample_aspect=_sample_aspect(stream),
        hdr=_hdr(first),
    )


def _hdr(frame: av.VideoFrame | None) -> HdrMetadata | None:
    """The HDR10 static metadata ``frame`` carries as side data (None: none, or no frame)."""
    if frame is None:
        return None
    found = {sd.type: bytes(sd) for sd in frame.side_data}
    return from_side_data(
        found.get(av.sidedata.sidedata.Type.MASTERING_DISPLAY_METADATA),
        found.get(av.sidedata.sidedata.Type.CONTENT_LIGHT_LEVEL),
    )


def _sample_aspect(stream: av.video.stream.VideoStream) -> Fraction:
    """The stream's sample aspect ratio (the container's, else the codec's), 1 when unknown."""
    for value in (stream.sample_aspect_ratio, stream.codec_context.sample_aspect_ratio):
        if value and value > 0:
            return Fraction(value)
    return Fraction(1)


#: libavcodec's AVFieldOrder codes of interlaced streams and ffprobe's names for them (0 is
#: unknown and 1 progressive: both read as progressive)
FIELD_ORDERS = {2: "tt", 3: "bb", 4: "tb", 5: "bt"}


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


class TruncatedMediaError(MediaFormatError):
    """A video stream stops before the end its container declares (a cut copy or download)."""


@dataclass(frozen=True)
class Truncation:
    """A video stream that stops before its declared end. Times in seconds of the stream's
    clock; ``found_end`` is the end of the last whole packet (None when none could be read
    near the declared end and the stream could not be read from the start either)."""

    path: str
    declared_end: float
    found_end: float | None
    start: float

    @property
    def found_duration(self) -> float:
        """Seconds of picture that are really there."""
        return max(0.0, (self.found_end or self.start) - self.start)

    def sentence(self, command: str = "sync") -> str:
        """One sentence: what is wrong with which file, and what to do in ``command`` (the
        lipsync command that refused it: only ``sync`` has ``--allow-truncated``; the others
        are told how to keep the part that is there as a whole file)."""
        declared = self.declared_end - self.start
        if command == "sync":
            how = "lip-sync the part that is there with `lipsync sync --allow-truncated`"
        else:
            how = f"keep the part that is there with `{self.keep_command()}` and give that file"
        return (
            f"The video file '{self.path}' is truncated: its pictures stop at "
            f"{self.found_duration:.2f} s but its container says {declared:.2f} s (a cut copy "
            f"or download): copy or export it again, or {how}."
        )

    def keep_command(self) -> str:
        """An ffmpeg command line that copies the whole part of the file (no re-encoding)
        to ``<stem>_whole<suffix>`` beside it."""
        import shlex

        src = Path(self.path)
        dest = src.with_name(f"{src.stem}_whole{src.suffix}")
        seconds = f"{self.found_duration:.2f}"
        return shlex.join(["ffmpeg", "-i", str(src), "-t", seconds, "-c", "copy", str(dest)])


TAIL_SECONDS = 2.0  # s; how far before the declared end the truncation check starts reading


def find_truncation(path: PathLike, stream_index: int = 0) -> Truncation | None:
    """Whether the ``stream_index``-th video stream of ``path`` stops before the end its
    container declares (an MP4 whose index lists frames past the end of the data, a Matroska
    whose DURATION tag is longer than its clusters). Reads only the last seconds of packets
    (no decoding) when the container can seek; ``None`` for a whole file, or when the
    container declares no end to compare with (MPEG-TS, pipes)."""
    with open_input(path) as container:
        if len(container.streams.video) <= stream_index:
            return None
        stream = container.streams.video[stream_index]
        tb = stream.time_base
        start = float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0
        declared = _declared_end(stream, start)
        if declared is None:
            return None
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        frame = 1 / float(rate) if rate else 0.04
        found, exact = _last_packet_end(container, stream, declared - TAIL_SECONDS)
    if found is not None and found >= declared - _tolerance(frame, exact):
        return None
    with open_input(path) as container:  # the real end, read from the start, for the sentence
        found, exact = _last_packet_end(container, container.streams.video[stream_index], None)
    if found is not None and found >= declared - _tolerance(frame, exact):
        return None
    return Truncation(str(Path(path)), declared, found, start)


def _declared_end(stream: av.video.stream.VideoStream, start: float) -> float | None:
    """The end the container states for ``stream`` (s): its duration (MP4, MOV) or the
    Matroska DURATION tag (taken as the shorter of an end and a length, never over-read)."""
    if stream.duration is not None and stream.time_base is not None and stream.frames:
        return start + float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    if not tag:
        return None
    try:
        hours, minutes, seconds = tag.strip().split(":")
        length = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
    return min(length, start + length) if length > 0 else None


def _last_packet_end(container, stream, seek_to: float | None) -> tuple[float | None, bool]:
    """The end (s) of the last packet of ``stream`` read from ``seek_to`` seconds (from the
    start when None), and whether that end came from a stated packet duration. A read error
    ends the search where it happens (a damaged tail counts as missing)."""
    tb = stream.time_base
    end: float | None = None
    exact = False
    try:
        if seek_to is not None and seek_to > 0:
            container.seek(int(seek_to / tb), stream=stream, backward=True, any_frame=False)
        for packet in container.demux(stream):
            stamp = packet.pts if packet.pts is not None else packet.dts
            if not packet.size or stamp is None:
                continue
            here = float((stamp + (packet.duration or 0)) * tb)
            if end is None or here > end:
                end, exact = here, bool(packet.duration)
    except av.error.FFmpegError:
        pass
    return end, exact


def _tolerance(frame: float, exact: bool) -> float:
    """How far (s) the last packet may end before the declared end: half a frame when its
    duration is stated, a frame and a half when it is not (its duration is then unknown)."""
    return (0.5 if exact else 1.5) * frame + 1e-3
