"""The filter loop: frames from a byte pipe, through the engine's stream, to a byte pipe.

The same :class:`~lipsync.core.sync_stream.SyncStream` as ``lipsync sync`` runs here, so a
clip piped through the filter gets exactly the pixels ``lipsync sync`` gives it. Frames leave
in order after the engine's lookahead; memory stays that of the lookahead window.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import signal
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lipsync.core.engine import (
    InFrame,
    LipSyncEngine,
    ProgressCallback,
    SyncOptions,
    decoded_frames,
    no_face_message,
)
from lipsync.core.errors import InputError
from lipsync.core.face.tracking_process import warm_up
from lipsync.core.live import LATE, LiveStream
from lipsync.core.media import VideoStreamInfo
from lipsync.core.media.colour import CS_BT709, CS_BT2020_NCL, CS_SMPTE170M, CS_UNSPECIFIED
from lipsync.core.media.pipe_buffer import widen
from lipsync.core.media.rawpipe import RawFormat, RawReader, RawWriter
from lipsync.core.media.whole_writes import whole_writes
from lipsync.core.media.y4m import Y4MReader, Y4MWriter
from lipsync.core.streaming import prefetch
from lipsync.core.sync_stream import tracking_backend

log = logging.getLogger("lipsync")

FORMATS = ("y4m", "nut", "raw")
MATRICES = {"bt601": CS_SMPTE170M, "bt709": CS_BT709, "bt2020": CS_BT2020_NCL}


@dataclass(frozen=True)
class FilterResult:
    """What a filter run did: frames in and out, lip-synced, and untouched by reason."""

    frames: int
    rendered: int
    passed_through: dict[str, int] = field(default_factory=dict)
    mouth_source: str = ""
    warnings: tuple[str, ...] = ()


def run_filter(
    source: BinaryIO,
    sink: BinaryIO,
    options: SyncOptions,
    *,
    fmt: str = "y4m",
    audio: str | Path | None = None,
    audio_from_stream: bool = False,
    raw: RawFormat | None = None,
    colorspace: str | None = None,
    on_progress: ProgressCallback | None = None,
    live: float | None = None,
    audio_url: str | None = None,
) -> FilterResult:
    """Lip-sync the frames on ``source`` to the speech in ``audio`` (a file), in the NUT
    input's own audio stream, or arriving at ``audio_url`` (a FIFO, a network stream: see
    :mod:`.audio_url`), writing frames in the same format to ``sink``. ``colorspace``
    ("bt601", "bt709", "bt2020") is the YUV matrix when the stream does not say it. ``live``:
    seconds from each frame's arrival to its leaving (see :mod:`lipsync.core.live`; the NUT
    input's own audio is then analysed with a short look-ahead and leaves with its frames).

    Raises :class:`~lipsync.core.errors.MediaFormatError` for a malformed input before
    anything is written, and after all whole frames for an input that breaks off.
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown pipe format '{fmt}': choose one of {', '.join(FORMATS)}.")
    if audio_from_stream and fmt != "nut":
        raise InputError("--audio-from-stream needs --format nut (the only format with audio).")
    if (audio is not None) + audio_from_stream + (audio_url is not None) != 1:
        raise InputError(
            "Give the speech one way: --audio FILE, --audio-url URL (a FIFO or a stream), or "
            "--audio-from-stream (NUT only)."
        )
    if live is not None and not live > 0:
        raise InputError(f"--live needs a delay above 0 seconds, not {live:g}.")
    if live is None:
        # the face tracker's own process starts, and loads its models, while the speech is
        # analysed
        warm_up(tracking_backend())
        # the processes on either side need not wait for each frame (see pipe_buffer); not in
        # live mode, where a frame's delay counts from its arrival here: none may queue unseen
        widen(source)
        widen(sink)
    engine = LipSyncEngine(options)
    sink = whole_writes(sink)
    if live is not None:
        source = _unbuffered(source)
    if fmt == "nut":
        return _run_nut(
            source, sink, engine, audio, audio_from_stream, colorspace, on_progress, live, audio_url
        )
    if fmt == "raw":
        if raw is None:
            raise InputError("Raw video needs its --size, --rate and --pix-fmt.")
        reader: RawReader | Y4MReader = RawReader(source, raw)
        writer: RawWriter | Y4MWriter = RawWriter(sink)
    else:
        reader = Y4MReader(source)
        writer = Y4MWriter(sink, reader.header)
    info = reader.info = with_matrix(reader.info, colorspace)
    stream, feed = _open_stream(engine, info, audio, audio_url, on_progress, live)
    # read in the engine's tracking thread: a reading thread of its own saved nothing (a y4m
    # read waits without the GIL anyway) and its queue hand-overs cost 0.8 CPU-s per 500
    # frames at 480x270, in a filter bound by the GIL
    frames = (InFrame(i, frame) for i, frame in reader)
    outs = stream.run(frames) if live is None else LiveStream(stream, live).run(frames)
    try:
        with whole_frames() as writing:
            for out in outs:
                refusal = reader.refusal if isinstance(reader, RawReader) else None
                if refusal is not None and writer.frames == 0:
                    # raw data that ends inside a picture before any frame went out: the size
                    # or pixel format does not match the data (a cut-short stream is rarer)
                    raise refusal
                with writing:
                    writer.write(out.coded(info))
            writer.close()
    finally:
        if feed is not None:
            feed.close()
    return _finish(stream, reader.error, live)


def _open_stream(engine, info, audio, audio_url, on_progress, live):
    """(the engine's stream driven by the speech file ``audio`` or the input ``audio_url``,
    the feed reading the latter or None)."""
    if audio_url is None:
        return engine.open_stream(info, audio, on_progress), None
    from lipsync.integrations.ffmpeg.audio_url import stream_with_audio_url

    return stream_with_audio_url(engine, info, audio_url, on_progress, live)


def _run_nut(
    source, sink, engine, audio, audio_from_stream, colorspace, on_progress, live, audio_url=None
) -> FilterResult:
    from lipsync.core.media.nutpipe import NutReader, NutWriter

    reader = NutReader(source)
    if colorspace is not None or reader.info.colorspace == CS_UNSPECIFIED:
        reader.info = with_matrix(reader.info, colorspace)
    writer = NutWriter(sink, reader)
    held = HeldAudio(writer) if live is not None else None
    reader.on_audio = copy = writer.audio if held is None else held.take
    info = reader.info
    feed = None
    if audio_from_stream:
        from lipsync.integrations.ffmpeg.stream_audio import stream_with_own_audio

        stream, frames = stream_with_own_audio(engine, reader, copy, on_progress, live)
    else:
        stream, feed = _open_stream(engine, info, audio, audio_url, on_progress, live)
        frames = decoded_frames(reader, reader.info)
    outs = stream.run(prefetch(frames)) if live is None else LiveStream(stream, live).run(frames)
    try:
        with whole_frames() as writing:
            for out in outs:
                with writing:
                    if held is not None:
                        held.release(out.time + 0.5 / stream.fps)  # centred on the frame
                    writer.write(out.coded(info), out.pts)
            if held is not None:
                held.release(math.inf)
            writer.close()
    finally:
        reader.close()
        if feed is not None:
            feed.close()
    return _finish(stream, reader.error, live)


class _FdReader:
    """Reads of a file descriptor with no buffer lock: a live filter's reading thread may be
    left blocked in one at exit (Ctrl-C) without Python's shutdown aborting on that lock."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while part := os.read(self.fd, 1 << 20):
                parts.append(part)
            return b"".join(parts)
        parts, left = [], size
        while left > 0:
            part = os.read(self.fd, left)
            if not part:
                break
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def readable(self) -> bool:
        return True


def _unbuffered(source: BinaryIO) -> BinaryIO:
    """``source`` read straight from its descriptor when it has one (the caller has read
    nothing through its buffer: the filter reads its input from the start)."""
    try:
        fd = source.fileno()
    except (AttributeError, OSError, ValueError):
        return source
    return _FdReader(fd)  # type: ignore[return-value]


class HeldAudio:
    """Live NUT: audio packets held back until the video frame of their time leaves, so the
    sound is delayed exactly as the picture is (packets in the order they came)."""

    def __init__(self, writer) -> None:
        self.writer = writer
        self.forward = writer.audio  # where a packet goes when released
        self._held: deque = deque()
        self._lock = threading.Lock()

    def take(self, packet) -> None:
        """Hold one packet (from the reading thread)."""
        with self._lock:
            self._held.append(packet)

    def release(self, until: float) -> None:
        """Pass on every held packet that starts before ``until`` s (stream time)."""
        with self._lock:
            while self._held:
                packet = self._held[0]
                if packet.pts is not None and float(packet.pts * packet.time_base) >= until:
                    break
                self.forward(self._held.popleft())


class _FrameGuard:
    """``with guard:`` around one frame's write: a Ctrl-C arriving inside waits until the
    frame is out; outside, it interrupts at once (e.g. while waiting for input)."""

    def __init__(self) -> None:
        self.writing = False
        self.pending = False

    def __enter__(self) -> None:
        self.writing = True

    def __exit__(self, kind, value, tb) -> None:
        self.writing = False
        if self.pending and kind is None:
            raise KeyboardInterrupt

    def on_interrupt(self, signum: int, frame: object) -> None:
        if self.writing:
            self.pending = True
        else:
            raise KeyboardInterrupt


@contextlib.contextmanager
def whole_frames() -> Iterator[contextlib.AbstractContextManager]:
    """Ctrl-C (SIGINT) stops the filter between frames, never inside one (main thread only;
    elsewhere the guard does nothing)."""
    guard = _FrameGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    previous = signal.signal(signal.SIGINT, guard.on_interrupt)
    try:
        yield guard
    finally:
        signal.signal(signal.SIGINT, previous)


def with_matrix(info: VideoStreamInfo, colorspace: str | None) -> VideoStreamInfo:
    """``info`` with the YUV matrix named ``colorspace`` (unchanged when None)."""
    if colorspace is None:
        return info
    try:
        value = MATRICES[colorspace]
    except KeyError:
        known = ", ".join(MATRICES)
        raise InputError(f"Unknown colour space '{colorspace}': choose one of {known}.") from None
    return dataclasses.replace(info, colorspace=value)


def _finish(stream, error, live: float | None = None) -> FilterResult:
    warnings = []
    if stream.frames and stream.rendered == 0:
        warnings.append(nothing_synced_message(stream.counts, stream.frames, live))
        log.warning("%s", warnings[-1])
    if error is not None:
        raise error
    return FilterResult(
        stream.frames, stream.rendered, dict(stream.counts), stream.curve.source, tuple(warnings)
    )


def nothing_synced_message(counts: dict[str, int], frames: int, live: float | None) -> str:
    """One sentence for a run that lip-synced no frame: frames that were late (live) are said
    to be late, not to have no face."""
    late = counts.get(LATE, 0)
    if not late:
        return no_face_message("the input", counts) + " It passed untouched."
    others = {reason: n for reason, n in counts.items() if reason != LATE}
    rest = ""
    if others:
        detail = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(others.items()))
        rest = f" The other {sum(others.values())} had no face that can be lip-synced ({detail})."
    return (
        f"No frame was lip-synced: {late} of {frames} could not be finished within the live "
        f"delay of {live or 0:g} s and passed untouched (give a longer --live-delay, a smaller "
        f"picture, or a less busy machine).{rest}"
    )
