"""``--audio-from-stream``: the NUT input's own audio drives the mouth as it arrives.

The audio packets are copied to the output and also decoded to 16 kHz mono for an
:class:`~lipsync.core.speech.incremental.IncrementalCurve`; the engine holds frames back until
the speech around them has been analysed (a few seconds at most).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import av
import numpy as np

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.engine import (
    InFrame,
    LipSyncEngine,
    ProgressCallback,
    SyncStream,
    decoded_frames,
)
from lipsync.core.errors import InputError, NoStreamError
from lipsync.core.media.nutpipe import NutReader, audio_decoder, decode_audio_packet
from lipsync.core.speech import parameters as SP
from lipsync.core.speech.incremental import IncrementalCurve, LiveCurve
from lipsync.core.streaming import prefetch


class _Aligned:
    """The curve on the video's clock: ``shift`` s from the first frame to the first audio
    sample (unknown until both have been seen: nothing is final before)."""

    def __init__(self, curve: IncrementalCurve | LiveCurve) -> None:
        self.curve = curve
        self.video_start: float | None = None
        self.audio_start: float | None = None

    @property
    def _shift(self) -> float | None:
        if self.video_start is None or self.audio_start is None:
            return None
        return self.video_start - self.audio_start

    @property
    def source(self) -> str:
        return self.curve.source

    @property
    def known_until(self) -> float:
        shift = self._shift
        return -math.inf if shift is None else self.curve.known_until - shift

    def values(self, times: np.ndarray) -> np.ndarray:
        return self.curve.values(np.asarray(times, np.float64) + (self._shift or 0.0))


def stream_with_own_audio(
    engine: LipSyncEngine,
    reader: NutReader,
    copy: Callable[[av.Packet], None],
    on_progress: ProgressCallback | None,
    live: float | None = None,
) -> tuple[SyncStream, Iterator[InFrame]]:
    """The engine's stream driven by ``reader``'s first audio stream, and its frames (read
    ahead in a thread unless ``live``, which reads them itself). Every audio packet is handed
    to ``copy`` (the writer) too. ``live``: the speech is analysed with a short look-ahead
    (:class:`~lipsync.core.speech.incremental.LiveCurve`) in a thread of its own."""
    if not reader.audio:
        raise NoStreamError(
            "--audio-from-stream: the NUT input has no audio stream; map one in (ffmpeg "
            "'-map 1:a') or give the speech with --audio FILE."
        )
    if hasattr(engine.renderer, "prepare"):
        raise InputError(
            f"The {engine.renderer.name} renderer reads the whole speech before the first "
            "frame: give the speech with --audio FILE."
        )
    if engine.options.text:
        raise InputError("--text needs the speech as a file: give it with --audio FILE.")
    source = reader.audio[0]
    fps = float(reader.info.fps or DEFAULT_FPS)
    curve = _Aligned(IncrementalCurve(fps) if live is None else LiveCurve(fps, background=True))
    decoder = audio_decoder(source, SP.ANALYSIS_RATE)

    def on_audio(packet) -> None:
        copy(packet)
        if packet.stream.index != source.index:
            return
        if curve.audio_start is None and packet.pts is not None:
            curve.audio_start = float(packet.pts * packet.time_base)
        curve.curve.add(decode_audio_packet(decoder, packet, SP.ANALYSIS_RATE))

    reader.on_audio = on_audio
    stream = SyncStream(engine.renderer, engine.options, reader.info, curve, None, on_progress)

    def frames() -> Iterator[InFrame]:
        for item in decoded_frames(reader, reader.info):
            if curve.video_start is None:
                curve.video_start = item.time
            yield item
        if curve.audio_start is None:
            curve.audio_start = curve.video_start or 0.0
        curve.curve.finish()

    return stream, frames() if live is not None else prefetch(frames())
