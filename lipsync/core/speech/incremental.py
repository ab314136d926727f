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
import sys
import threading
from typing import Any

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
        spread = P.AUDIO_OPEN_SPREAD_SECONDS
        return MouthCurve(near, "audio", self.fps, loud, open_spread=spread).values(times)


def _sounds(samples: np.ndarray) -> bool:
    """Whether any 10 ms of float32 (n,) ``samples`` is louder than
    :data:`~.parameters.SILENCE_FLOOR_DB` (a pause before the speech is not it)."""
    from lipsync.core.speech.sphinx import hop_powers

    power = hop_powers(samples)
    return bool(power.shape[0]) and bool(10.0 * np.log10(power.max() + 1e-20) > P.SILENCE_FLOOR_DB)


def _mean_decoder() -> Any:
    """A pocketsphinx decoder that measures the cepstral mean of an utterance and does little
    else: the phone loop's front end and model, scored every 20th frame in a narrow beam (its
    mean is the phone loop's to the last digit, at a seventh of the cost)."""
    from lipsync.core.speech.sphinx import decoder_settings, pocketsphinx

    decoder = pocketsphinx().Decoder(
        lm=None,
        dict=None,
        beam=1e-10,
        pbeam=1e-10,
        lw=1.0,
        **decoder_settings(20, 1, P.PHONE_LOOP_DITHER),
    )
    decoder.add_allphone_file("means", None)
    decoder.activate_search("means")
    return decoder


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


LIVE_WINDOW_SECONDS = 1.2  # s of the newest audio analysed at each step (live)
LIVE_STEP_SECONDS = 0.04  # s of new audio between two analyses (live; 0.2 s left frames up to
# 0.1 s past the analysed audio: 16 of 28 /p b m/ closed on the espeak acceptance, 0.08: 23;
# 0.04, one frame at 25 fps, since the decoder hears each sample once: a frame's speech is
# known sooner, so that it can be waited for within the live delay)
LIVE_EDGE_SECONDS = 0.4  # s at a window's start whose phones the window before knew better
LIVE_LOOKAHEAD_SECONDS = 0.1  # s of audio past a frame needed before its mouth is final
# (opening / closure r against the whole file's on an espeak paragraph, taken as soon as known:
# 0.04 s 0.73 / 0.67, 0.06 s 0.74 / 0.68, 0.08 s 0.78 / 0.73, 0.1 s 0.79 / 0.74; on six real
# recordings, the aperture's r against the whole file's, mean 0.57 at 0.04 s, 0.68 at 0.08 s,
# 0.74 at 0.1 s, 0.75 at 0.12 s, 0.78 at 0.16 s: issue 21 allows about 0.1 s)
#: the live curve's spread of ``open``: as offline, out to the look-ahead on each side
_LIVE_SPREAD = {"open_spread": P.AUDIO_OPEN_SPREAD_SECONDS, "open_reach": LIVE_LOOKAHEAD_SECONDS}
LIVE_KEEP_SECONDS = 20.0  # s of phones kept behind the newest audio (memory, the level's span)
LIVE_GAIN_SECONDS = 1.0  # s of new audio between two estimates of the open gain (each
# evaluates the kept phones' curve: ~10 ms, every 0.08 s step was 0.12 s of CPU per s)


class LiveCurve:
    """A :class:`~.track.MouthCurve` for live speech with a short look-ahead: every
    :data:`LIVE_STEP_SECONDS` of new ``float32 (n,)`` mono audio at
    :data:`~.parameters.ANALYSIS_RATE` Hz (time 0 = the first sample), the newest
    :data:`LIVE_WINDOW_SECONDS` are analysed again and replace what the previous window said
    after :data:`LIVE_EDGE_SECONDS` from its start. A frame's mouth is final once
    :data:`LIVE_LOOKAHEAD_SECONDS` of audio past it have been analysed (:attr:`known_until`).
    Its ``open`` is spread over time as the offline analysis's is
    (:data:`~.parameters.AUDIO_OPEN_SPREAD_SECONDS`), but only as far as that look-ahead
    reaches on either side (the whole spread would need 0.2 s of audio past each frame).

    ``background=True`` analyses in a process of its own (a live pipe: :meth:`add` never
    waits; a slow step skips to the newest window; the phone recogniser holds Python's
    interpreter lock while it decodes, so in a thread it stalled the frames' tracking and
    rendering for ~45 ms at a time: see :mod:`.live_process`), except in a bundled app
    (``sys.frozen``: ``sys.executable`` is the app, not a Python to start); else :meth:`add`
    analyses at once (deterministic). :meth:`values` may be called from any thread.
    """

    def __init__(self, fps: float, background: bool = False) -> None:
        self.fps = float(fps)
        self._lock = threading.Condition()
        self._audio = np.zeros(0, np.float32)  # the newest window's worth of samples
        self._total = 0  # samples added
        self._done = 0  # samples covered by the last analysis
        self._phones: list[PhoneSegment] = []
        self._loud = (np.zeros(0), np.zeros(0))
        self._gain = 1.0
        self._gained = -math.inf  # s of audio at the last open-gain estimate
        self._finished = False
        self._closed = False
        self._spoken = False
        self._remote: Any = None
        self._recogniser: StreamingPhones | None = None
        self._pending: list[np.ndarray] = []  # samples added, not yet decoded
        if background and not getattr(sys, "frozen", False):  # a bundled app: no Python to start
            from lipsync.core.speech.live_process import RemoteAnalysis

            self._remote = RemoteAnalysis(self)

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
        return self._done / P.ANALYSIS_RATE - LIVE_LOOKAHEAD_SECONDS

    def add(self, samples: np.ndarray) -> None:
        """Append audio (analysed at once, or woken in the background)."""
        samples = np.asarray(samples, np.float32).reshape(-1)
        if self._remote is not None:
            self._remote.add(samples)
            return
        self._append(samples)
        if self._due():
            self._step()

    def _append(self, samples: np.ndarray) -> None:
        keep = int(LIVE_WINDOW_SECONDS * P.ANALYSIS_RATE)
        with self._lock:
            self._audio = np.concatenate([self._audio, samples])[-keep:]
            self._total += samples.shape[0]
        self._pending.append(samples)  # decoded at the next step

    def finish(self) -> None:
        """The audio has ended: analyse its last window (stop the background process)."""
        if self._remote is not None:
            self._remote.finish()
        elif self._done < self._total:
            self._step(final=True)
        self._finished = True

    def _due(self) -> bool:
        return self._total - self._done >= LIVE_STEP_SECONDS * P.ANALYSIS_RATE

    def snapshot(self) -> tuple:
        """What :meth:`values` reads, to hand to another process (:meth:`restore`)."""
        with self._lock:
            return (self._phones, self._loud, self._gain, self._done, self._spoken)

    def restore(self, state: tuple) -> None:
        """Take a :meth:`snapshot` of the analysing process."""
        phones, loud, gain, done, spoken = state
        with self._lock:
            self._phones, self._loud, self._gain = phones, loud, gain
            self._done, self._spoken = done, spoken
            self._total = max(self._total, done)

    def _step(self, final: bool = False, regain: bool = True) -> None:
        """Decode the audio added since the last step; read the newest window's phones and
        merge them in (``final``: the audio has ended); then, unless ``regain`` is False (the
        caller does it after publishing the step: :meth:`regain`), the open gain."""
        with self._lock:
            audio, end = self._audio, self._total
        if self._recogniser is None:
            self._recogniser = StreamingPhones()
        if self._pending:
            self._recogniser.hear(np.concatenate(self._pending), audio)
            self._pending = []
        if final:
            self._recogniser.end()
        start = (end - audio.shape[0]) / P.ANALYSIS_RATE
        acoustics = analyse_acoustics(audio, with_formants=False)
        phones = self._recogniser.phones(audio, start, acoustics)
        edge = start + LIVE_EDGE_SECONDS if start > 0 else start
        new = [
            dataclasses.replace(p, start=max(p.start + start, edge), end=p.end + start)
            for p in phones
            if p.end + start > edge
        ]
        times = acoustics.times + start
        with self._lock:
            old = [
                p if p.end <= edge else dataclasses.replace(p, end=edge)
                for p in self._phones
                if p.start < edge and p.end > end / P.ANALYSIS_RATE - LIVE_KEEP_SECONDS
            ]
            self._phones = old + new
            old_t, old_v = self._loud
            kept = (old_t < edge) & (old_t > times[-1] - LIVE_KEEP_SECONDS) if times.size else None
            if kept is not None:
                self._loud = (
                    np.concatenate([old_t[kept], times[times >= edge]]),
                    np.concatenate([old_v[kept], acoustics.loudness[times >= edge]]),
                )
            self._spoken = self._spoken or bool(new)
            self._done = max(self._done, end)
        if regain:
            self.regain()

    def regain(self) -> bool:
        """Estimate the open gain again from the phones kept, when
        :data:`LIVE_GAIN_SECONDS` of audio have been analysed since the last estimate
        (~10 ms); True when it did."""
        from lipsync.core.speech.track import levelled

        with self._lock:
            now = self._done / P.ANALYSIS_RATE
            if now - self._gained < LIVE_GAIN_SECONDS or not self._phones:
                return False
            # the level of the phones kept, on a clock starting at the first of them (the
            # level is measured from time 0: on the stream's clock its cost would grow with
            # the stream's length)
            t0 = self._phones[0].start
            phones = tuple(
                dataclasses.replace(p, start=p.start - t0, end=p.end - t0) for p in self._phones
            )
            loud = (self._loud[0] - t0, self._loud[1])
            curve = MouthCurve(phones, "audio", self.fps, loud, **_LIVE_SPREAD)
            self._gained = now
        self._gain = levelled(curve).open_gain
        return True

    def values(self, times: np.ndarray) -> np.ndarray:
        """``float32 (N, P)`` mouth parameters at ``times`` from the speech analysed so far."""
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
            loud = self._loud
        return MouthCurve(near, "audio", self.fps, loud, self._gain, **_LIVE_SPREAD).values(times)


LIVE_WINDOW_SAMPLES = int(LIVE_WINDOW_SECONDS * P.ANALYSIS_RATE)
LIVE_UTTERANCE_SECONDS = 6.0  # s after which the decoder's utterance ends at its next pause
LIVE_PRIME_SECONDS = (0.5, 1.0, 2.0, 3.0)  # s of the first utterance, from its first sound
# (louder than :data:`~.parameters.SILENCE_FLOOR_DB`), at which its cepstral mean is taken from
# what was heard and the utterance decoded again with it
LIVE_UTTERANCE_MAX_SECONDS = 15.0  # s after which it ends whatever it hears (each step's
# backtrace covers the whole utterance)


class StreamingPhones:
    """pocketsphinx's phone loop decoding the audio once, as it arrives (the utterance ends in
    a pause after :data:`LIVE_UTTERANCE_SECONDS`); each step reads the best path so far. It
    replaced decoding the newest 1.2 s window again at every 0.08 s step (15 times each
    sample: 0.6 s of CPU per s of speech, now ~0.04). Phones are cleaned with the acoustics
    of the window as :func:`~.phone_loop.recognise_phones` cleans them.

    Decoding as it arrives starts from the model's prior cepstral mean, far from most voices.
    So after :data:`LIVE_PRIME_SECONDS` of sound the mean is taken from the sound heard so far
    (as whole-file decoding takes it from the whole file) and the newest window decoded again
    with it (:meth:`_prime`)."""

    def __init__(self) -> None:
        from lipsync.core.speech.phone_loop import _PhoneLoop
        from lipsync.core.speech.sphinx import start_fresh

        self.decoder = _PhoneLoop().decoder  # its own: the shared one serves whole files
        start_fresh(self.decoder)
        self._means = _mean_decoder()
        self._rng = np.random.default_rng(P.RECOGNISER_FLOOR_SEED)
        self._heard = 0  # samples decoded
        self._utterance = 0  # samples: where the decoder's utterance started
        self._before: list[PhoneSegment] = []  # raw phones of the utterances before (recent)
        self._ended = False
        self._pcm: list[bytes] | None = []  # what the decoder heard from the first sound on,
        # until its mean is primed
        self._primes = list(LIVE_PRIME_SECONDS)
        self._flat, self._steps = 0, 0  # steps between samples heard: exactly zero, all
        self._last = np.zeros(0, np.float32)  # the last sample heard (from the first sound)

    def hear(self, samples: np.ndarray, window: np.ndarray) -> None:
        """Decode ``float32 (n,)`` new samples (``window``: the newest audio, them included,
        sets the recognisers' noise floor as :func:`~.sphinx.with_noise_floor` does)."""
        from lipsync.core.speech.phone_loop import first_nonzero, flat_steps, floor_below_peak_db
        from lipsync.core.speech.sphinx import floor_sd, to_pcm

        samples = np.asarray(samples, np.float32).reshape(-1)
        begun = self._last.shape[0] > 0
        start = 0 if begun else first_nonzero(samples)
        if start is not None:  # counted from the first sound (see digital_quiet)
            joined = np.concatenate([self._last, samples[start:]])
            self._flat += flat_steps(joined)
            self._steps += joined.shape[0] - 1
            self._last = joined[-1:]
        x = samples
        sd = floor_sd(np.asarray(window, np.float32), floor_below_peak_db(self.quiet))
        if sd > 0.0:
            x = (x + sd * self._rng.standard_normal(x.shape[0])).astype(np.float32)
        pcm = to_pcm(x)
        self.decoder.process_raw(pcm, full_utt=False)
        self._heard += x.shape[0]
        length = (self._heard - self._utterance) / P.ANALYSIS_RATE
        if self._pcm is not None and (self._pcm or _sounds(samples)):
            self._pcm.append(pcm)
            sounding = sum(len(b) for b in self._pcm) // 2 / P.ANALYSIS_RATE
            if sounding >= self._primes[0]:
                self._prime()
        if length >= LIVE_UTTERANCE_MAX_SECONDS or (
            length >= LIVE_UTTERANCE_SECONDS and self._in_pause()
        ):
            self._restart()

    @property
    def quiet(self) -> bool:
        """Whether the speech heard so far is :func:`~.phone_loop.digital_quiet` (all of it
        from its first sound: a window is too short to tell)."""
        return self._steps > 0 and self._flat / self._steps >= P.LABIAL_MIN_FLAT_SHARE

    def _raw(self) -> list[PhoneSegment]:
        """The current utterance's best path, on the stream's clock (s)."""
        from lipsync.core.speech.phonesets import SILENCE, is_silence
        from lipsync.core.speech.sphinx import frame_time

        offset = self._utterance / P.ANALYSIS_RATE
        out = []
        for seg in self.decoder.seg() or ():  # None before its first frame
            label = SILENCE if is_silence(seg.word) else seg.word
            ascore = float(seg.ascore)
            confidence = float(np.clip(ascore, 0.0, 1.0)) if np.isfinite(ascore) else 0.5
            start, end = frame_time(int(seg.start_frame)), frame_time(int(seg.end_frame) + 1)
            out.append(PhoneSegment(label, start + offset, end + offset, confidence, "audio"))
        return out

    def _in_pause(self) -> bool:
        from lipsync.core.speech.phonesets import is_silence

        raw = self._raw()
        last = raw[-1] if raw else None
        return last is not None and is_silence(last.label) and last.end - last.start >= 0.2

    def _prime(self) -> None:
        """Take the cepstral mean from the sound heard so far and decode the newest window
        again with it, as an utterance of its own (the phones before it stay as they were).

        The mean is the one pocketsphinx takes for a whole utterance (the sound in one
        piece), measured by a second decoder that does little else (a tenth of the phone
        loop's cost). The decoder's own running mean weighs the prior as 500 frames: primed
        with it after 1 and 3 s, the live curve's r against the real speakers of
        bench/live_true_mouth.py was 0.54 and 0.37, against the whole file's 0.64 and 0.42
        (0.61 and 0.40 with this mean; all under the noise floor then used for recordings,
        :data:`~.parameters.RECOGNISER_FLOOR_BELOW_PEAK_DB`). Only the newest window is
        decoded again: the phones before it are final in :class:`LiveCurve` (decoding all that
        was heard again stalled the analysis for up to 0.25 s, and the frames waiting for their
        speech with it)."""
        from lipsync.core.speech.sphinx import start_fresh

        assert self._pcm is not None
        heard = b"".join(self._pcm)
        start_fresh(self._means)
        self._means.process_raw(heard, full_utt=True)
        self._means.end_utt()
        n = min(self._heard - self._utterance, LIVE_WINDOW_SAMPLES, len(heard) // 2)
        recent = heard[len(heard) - 2 * n :]
        start = self._heard - len(recent) // 2
        self._keep(start)
        self.decoder.end_utt()
        self.decoder.set_cmn(self._means.get_cmn())
        self.decoder.start_utt()
        self._utterance = start
        self.decoder.process_raw(recent, full_utt=False)
        self._primes.pop(0)
        if not self._primes:
            self._pcm = None

    def _keep(self, cut: int) -> None:
        """Keep the current utterance's phones before ``cut`` (samples) with those before."""
        at = cut / P.ANALYSIS_RATE
        now = self._heard / P.ANALYSIS_RATE
        kept = [
            p if p.end <= at else dataclasses.replace(p, end=at)
            for p in self._raw()
            if p.start < at
        ]
        self._before = [p for p in self._before + kept if p.end > now - 2 * LIVE_WINDOW_SECONDS]

    def _restart(self) -> None:
        """End the utterance here (its phones kept) and start the next one."""
        if self._pcm:  # a short first sound: decoded again with its own mean, the last time
            self._prime()  # (with no sound yet, the mean is still to be taken)
            self._pcm = None
        self.decoder.get_cmn(True)
        self.decoder.end_utt()
        self._keep(self._heard)
        self._utterance = self._heard
        if not self._ended:
            self.decoder.start_utt()

    def end(self) -> None:
        """The audio has ended: the utterance's last phones are final."""
        self._ended = True
        self._restart()

    def phones(self, window: np.ndarray, start: float, acoustics) -> tuple[PhoneSegment, ...]:
        """The phones of ``window`` (the newest audio, from ``start`` s on the stream's clock)
        on the window's own clock, made with its ``acoustics`` as the whole file's are
        (:func:`~.phone_loop.tidy`)."""
        from lipsync.core.speech.phone_loop import tidy

        if not acoustics.speech.any():
            return ()
        raw = self._before + ([] if self._ended else self._raw())
        end = start + window.shape[0] / P.ANALYSIS_RATE
        segments = [
            dataclasses.replace(p, start=max(p.start, start) - start, end=min(p.end, end) - start)
            for p in raw
            if p.end > start and p.start < end
        ]
        return tidy(segments, window, acoustics, self.quiet)
