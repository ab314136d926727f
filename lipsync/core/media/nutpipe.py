"""NUT pipes through PyAV: video frames in and out with every packet's timestamps, and audio
streams carried through untouched (packets copied, not re-encoded).

The output's video is rawvideo in the input's pixel format (lossless, like the frames of a
y4m pipe); the output opens with the first video frame, so an input that fails early leaves
nothing on the pipe.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import BinaryIO

import av
import numpy as np

from lipsync.core.errors import MediaFormatError, NoStreamError
from lipsync.core.media.colour import CS_UNSPECIFIED
from lipsync.core.media.pipe_frames import whole_frames_before
from lipsync.core.media.probe import VideoStreamInfo, new_video_info

AudioCallback = Callable[[av.Packet], None]


class NutReader:
    """The first video stream of a NUT byte stream. Iterating yields ``(index, frame)`` for
    each decoded frame (``frame.pts`` / ``frame.time`` as stamped); packets of audio streams go
    to ``on_audio`` as they are read. An error after some frames ends the iteration and is
    kept in :attr:`error`."""

    def __init__(
        self, stream: BinaryIO, name: str = "the input", on_audio: AudioCallback | None = None
    ) -> None:
        self.name = name
        self.on_audio = on_audio
        try:
            # read as a pipe even from a file: on a seekable input the demuxer seeks to the end
            # for its index, which fails on a cut-short file before a single frame is read
            self._container = av.open(_Forward(stream), mode="r", format="nut")
        except (av.error.FFmpegError, ValueError) as e:
            raise MediaFormatError(
                f"{name.capitalize()} is not a NUT stream ({e}): give ffmpeg '-f nut', or choose "
                "--format y4m or raw."
            ) from e
        if not self._container.streams.video:
            self._container.close()
            raise NoStreamError(f"{name.capitalize()} has no video stream.")
        self.video = self._container.streams.video[0]
        self.video.thread_type = "AUTO"
        self.audio = list(self._container.streams.audio)
        self.info = _stream_info(self.video)
        self.error: MediaFormatError | None = None

    def __iter__(self) -> Iterator[tuple[int, av.VideoFrame]]:
        index = 0
        wanted = [self.video, *self.audio]
        try:
            for packet in self._container.demux(wanted):
                if packet.stream.type == "audio":
                    if packet.dts is not None and self.on_audio is not None:
                        self.on_audio(packet)
                    continue
                for frame in packet.decode():
                    yield index, frame
                    index += 1
        except av.error.FFmpegError as e:
            self.error = MediaFormatError(
                f"{self.name.capitalize()} broke off at frame {index}, cut short or damaged "
                f"({e}); {whole_frames_before(index)}."
            )

    def close(self) -> None:
        self._container.close()


class _Forward:
    """A byte stream seen as a pipe: read only, never seeked."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)


def _stream_info(stream) -> VideoStreamInfo:
    cc = stream.codec_context
    rate = stream.average_rate or stream.base_rate or stream.guessed_rate or Fraction(25)
    pix_fmt = cc.format.name if cc.format else "yuv420p"
    info = new_video_info(cc.width, cc.height, Fraction(rate), pix_fmt)
    depth = max((c.bits for c in cc.format.components), default=8) if cc.format else 8
    return dataclasses.replace(
        info,
        codec=cc.name,
        bit_depth=depth,
        time_base=Fraction(stream.time_base),
        start_pts=stream.start_time,
        colorspace=int(cc.colorspace) if cc.colorspace else CS_UNSPECIFIED,
        color_range=int(cc.color_range),
        color_primaries=int(cc.color_primaries) or CS_UNSPECIFIED,
        color_trc=int(cc.color_trc) or CS_UNSPECIFIED,
    )


WRITE_BUFFER = 1 << 24  # bytes; the writer's I/O buffer (a 4K 4:4:4 16-bit frame is ~48 MiB)


class NutWriter:
    """Frames of ``reader``'s video (re-stamped with their own pts) and copies of its audio
    packets, as a NUT stream on ``stream``."""

    def __init__(self, stream: BinaryIO, reader: NutReader) -> None:
        self._stream = stream
        self._reader = reader
        self._out: av.container.OutputContainer | None = None
        self._pending: deque[av.Packet] = deque()  # audio read, not yet muxed
        self._audio: dict[int, av.stream.Stream] = {}
        self.frames = 0

    def _open(self) -> None:
        info = self._reader.info
        # a whole frame per write call, each packet flushed as it is muxed: through a Python
        # stream every 32 KiB chunk needs the interpreter (a live filter's worker threads
        # held a 720p frame's ~44 writes back by tens of ms), and nothing waits in a buffer
        out = av.open(
            self._stream, mode="w", format="nut", buffer_size=WRITE_BUFFER,
            options={"flush_packets": "1"},
        )  # fmt: skip
        video = out.add_stream("rawvideo", rate=info.fps)
        video.width, video.height = info.width, info.height
        video.pix_fmt = info.pix_fmt
        video.time_base = info.time_base
        cc = video.codec_context
        cc.time_base = info.time_base
        cc.colorspace, cc.color_range = info.colorspace, info.color_range
        cc.color_primaries, cc.color_trc = info.color_primaries, info.color_trc
        for source in self._reader.audio:
            self._audio[source.index] = out.add_stream_from_template(source)
        self._video = video
        self._out = out

    def audio(self, packet: av.Packet) -> None:
        """Take one audio packet to copy (its timestamps kept). Safe to call from the reading
        thread: packets are muxed by the thread that writes the video."""
        self._pending.append(packet)

    def _mux(self, packet: av.Packet) -> None:
        assert self._out is not None
        packet.stream = self._audio[packet.stream.index]
        self._out.mux(packet)

    def write(self, frame: av.VideoFrame, pts: int | None) -> None:
        """Write one video frame at ``pts`` (in the input video's time base)."""
        if self._out is None:
            self._open()
        while self._pending:
            self._mux(self._pending.popleft())
        assert self._out is not None
        frame.pts = pts
        frame.time_base = self._reader.info.time_base
        self._out.mux(self._video.encode(frame))
        self.frames += 1

    def close(self) -> None:
        if self._out is None:
            self._open()
        while self._pending:
            self._mux(self._pending.popleft())
        assert self._out is not None
        self._out.mux(self._video.encode(None))
        self._out.close()
        self._stream.flush()


def decode_audio_packet(decoder, packet: av.Packet, rate: int) -> np.ndarray:
    """``float32 (n,)`` mono samples at ``rate`` Hz from one packet (through ``decoder``, an
    ``(av codec context, av.AudioResampler)`` pair built by :func:`audio_decoder`)."""
    context, resampler = decoder
    chunks = []
    for frame in context.decode(packet):
        for out in resampler.resample(frame):
            chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, np.float32)
    return np.concatenate(chunks).astype(np.float32)


def audio_decoder(stream, rate: int):
    """A decoder for packets of the audio ``stream`` giving mono float at ``rate`` Hz."""
    context = av.CodecContext.create(stream.codec_context.name, "r")
    context.extradata = stream.codec_context.extradata
    context.sample_rate = stream.codec_context.sample_rate
    context.layout = stream.codec_context.layout
    context.format = stream.codec_context.format
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    return context, resampler
