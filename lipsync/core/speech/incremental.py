"""A mouth curve for speech that arrives while the video plays (audio in a live pipe).

Audio is added as it comes; it is analysed in chunks cut in the pauses of the speech (a chunk
is at least :data:`MIN_CHUNK_SECONDS` long, and cut at its quietest point when no pause comes
within :data:`MAX_CHUNK_SECONDS`), each chunk by the audio-only analysis of
:func:`~.track.analyse_speech_curve`. A frame's mouth is final once the audio is analysed
:data:`~.parameters.CONTEXT_SECONDS` past it (:attr:`IncrementalCurve.known_until`), so the
video waits for at most a chunk and that context.

Whole-file analysis sees all the speech at once; chunked analysis can place a few phones
differently near the cuts (which lie in pauses, where the mouth rests anyway).
"""

from __future__ import annotations

import dataclasses
import math
import threading

import numpy as np

from lipsync.core.speech import parameters as P
from lipsync.core.speech.acoustics import analyse as analyse_acoustics
from lipsync.core.speech.track import MouthCurve, analyse_speech_curve
from lipsync.core.types import MOUTH_PARAMS, PhoneSegment

MIN_CHUNK_SECONDS = 1.5  # s; shorter stretches wait for more audio before being analysed
MAX_CHUNK_SECONDS = 4.0  # s; a stretch without a pause is cut at its quietest point here
MIN_CUT_PAUSE_SECONDS = 0.2  # s; the shortest pause a chunk is cut in


class IncrementalCurve:
    """A :class:`~.track.MouthCurve` built chunk by chunk from ``float32 (n,)`` mono audio at
    :data:`~.parameters.ANALYSIS_RATE` Hz (time 0 = the first sample added). :meth:`add` and
    :meth:`finish` may be called from another thread than :meth:`values`."""

    def __init__(self, fps: float) -> None:
        self.fps = float(fps)
        self._lock = threading.Lock()
        self._buffer = np.zeros(0, np.float32)
        self._start = 0  # samples: where the buffer starts
        self._phones: list[PhoneSegment] = []
        self._loud_t: list[np.ndarray] = []
        self._loud_v: list[np.ndarray] = []
        self._analysed = 0.0  # s
        self._finished = False
        self._spoken = False

    @property
    def source(self) -> str:
        return "audio" if self._spoken else "silence"

    @property
    def phones(self) -> tuple[PhoneSegment, ...]:
        with self._lock:
            return tuple(self._phones)

    @property
    def known_until(self) -> float:
        """Seconds up to which :meth:`values` is final (infinite once finished)."""
        if self._finished:
            return math.inf
        return self._analysed - P.CONTEXT_SECONDS

    def add(self, samples: np.ndarray) -> None:
        """Append audio; analyses every chunk that is complete."""
        samples = np.asarray(samples, np.float32).reshape(-1)
        self._buffer = np.concatenate([self._buffer, samples])
        rate = P.ANALYSIS_RATE
        while self._buffer.shape[0] >= MIN_CHUNK_SECONDS * rate:
            cut = _cut_point(self._buffer, force=self._buffer.shape[0] >= MAX_CHUNK_SECONDS * rate)
            if cut is None:
                return
            self._analyse(cut)

    def finish(self) -> None:
        """The audio has ended: analyse what is left."""
        if self._buffer.shape[0]:
            self._analyse(self._buffer.shape[0])
        self._finished = True

    def _analyse(self, cut: int) -> None:
        chunk, self._buffer = self._buffer[:cut], self._buffer[cut:]
        offset = self._start / P.ANALYSIS_RATE
        self._start += cut
        curve = analyse_speech_curve(chunk, P.ANALYSIS_RATE, self.fps)
        phones = [
            dataclasses.replace(p, start=p.start + offset, end=p.end + offset) for p in curve.phones
        ]
        with self._lock:
            self._phones.extend(phones)
            if curve.loudness is not None:
                self._loud_t.append(curve.loudness[0] + offset)
                self._loud_v.append(curve.loudness[1])
            self._spoken = self._spoken or curve.source != "silence"
            self._analysed = self._start / P.ANALYSIS_RATE

    def values(self, times: np.ndarray) -> np.ndarray:
        """``float32 (N, P)`` mouth parameters at ``times`` from the phones analysed so far."""
        times = np.asarray(times, np.float64).reshape(-1)
        if times.shape[0] == 0:
            return np.zeros((0, len(MOUTH_PARAMS)), np.float32)
        reach = 2 * P.CONTEXT_SECONDS
        with self._lock:
            near = tuple(
                p
                for p in self._phones
                if p.end >= times[0] - reach and p.start <= times[-1] + reach
            )
            loud = None
            if self._loud_t:
                loud = (np.concatenate(self._loud_t), np.concatenate(self._loud_v))
        return MouthCurve(near, "audio", self.fps, loud).values(times)


def _cut_point(buffer: np.ndarray, force: bool) -> int | None:
    """Where to cut ``buffer`` (samples): the middle of the last pause after the minimum
    chunk length, or, when ``force``, its quietest acoustic frame; None: wait for more."""
    acoustics = analyse_acoustics(buffer, with_formants=False)
    hop = P.HOP_SAMPLES
    first = int(MIN_CHUNK_SECONDS / P.HOP_SECONDS)
    quiet = ~acoustics.speech
    min_run = int(MIN_CUT_PAUSE_SECONDS / P.HOP_SECONDS)
    best, i, n = None, first, quiet.shape[0]
    while i < n:
        if quiet[i]:
            j = i
            while j < n and quiet[j]:
                j += 1
            if j - i >= min_run and j < n:  # a pause with speech after it
                best = (i + j) // 2
            elif j - i >= 2 * min_run:  # a pause still going on: cut early in it
                best = i + min_run
            i = j
        else:
            i += 1
    if best is None and force:
        best = first + int(np.argmin(acoustics.energy_db[first:]))
    return None if best is None else min(buffer.shape[0], best * hop)
