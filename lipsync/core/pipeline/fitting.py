"""Fitting each synthesised line to its time slot, in a fixed order of preference.

1. Re-synthesise at the voice's own faster rate (the TTS engine speaks faster, naturally), up
   to :data:`MAX_NATIVE_RATE` times its base rate.
2. Trim the silence the synthesiser leaves before and after the speech.
3. Borrow part of the following pause (at most :data:`BORROW_FRACTION` of it, always leaving
   :data:`MIN_PAUSE` before the next line).
4. Time-stretch the speech (WSOLA, pitch kept): up to :data:`TARGET_STRETCH` is accepted,
   up to :data:`MAX_STRETCH` with a warning, never beyond.
5. A line still too long is placed stretched by :data:`MAX_STRETCH`, overrunning its slot, and
   reported with the factor it would need: never silently dropped, sped up or truncated.

Pure: the synthesiser is a callable ``synthesize(rate_factor) -> SpeechAudio``; audio is arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lipsync.core.pipeline.stretch import scale_events, wsola
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent
from lipsync.core.speech.track import SpeechAudio

MAX_NATIVE_RATE = 1.25  # x the voice's base rate; faster native speech starts to sound rushed
TARGET_STRETCH = 1.15  # accepted time-stretch factor (inaudible on most speech)
MAX_STRETCH = 1.3  # never stretched beyond this
BORROW_FRACTION = 0.8  # of the pause after a line, at most, may be used by the line
MIN_PAUSE = 0.12  # s; always left before the next line
SILENCE_BELOW_PEAK_DB = 40.0  # dB; quieter 10 ms frames at either end count as silence
TRIM_KEEP = 0.02  # s of silence kept at either end after trimming
RATE_TOLERANCE = 0.02  # relative; a take within this of the slot counts as fitting

# statuses, in order of how much was done to the line
FITS = "fits"
RESYNTHESISED = "resynthesised"
BORROWED = "borrowed"
STRETCHED = "stretched"
STRETCHED_OVER_TARGET = "stretched_over_target"
TOO_LONG = "too_long"


@dataclass(frozen=True)
class FitReport:
    """What was done to one line. Times in seconds; factors are speed-ups (>1 = faster)."""

    slot: float  # the line's own slot
    pause_after: float  # the pause that follows the slot
    natural: float  # duration as first synthesised, silence trimmed
    native_rate: float  # the rate factor the line was finally synthesised at
    borrowed: float  # seconds taken from the following pause
    stretch: float  # the time-stretch factor applied
    duration: float  # final duration
    needed: float  # overall speed-up the line needs to fit its slot plus the borrowable pause
    overrun: float  # seconds past the slot plus the borrowable pause (0 when it fits)
    status: str

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def borrowable(pause_after: float) -> float:
    """Seconds of the following pause a line may use."""
    return max(0.0, min(pause_after * BORROW_FRACTION, pause_after - MIN_PAUSE))


def trim_silence(take: SpeechAudio) -> SpeechAudio:
    """``take`` without the silence at its ends (quieter than :data:`SILENCE_BELOW_PEAK_DB`
    under its loudest 10 ms, keeping :data:`TRIM_KEEP`); events move with the audio."""
    x = take.samples
    hop = max(1, take.sample_rate // 100)
    n = x.shape[0] // hop
    if n == 0:
        return take
    rms = np.sqrt(np.mean(x[: n * hop].astype(np.float64).reshape(n, hop) ** 2, axis=1))
    peak = float(rms.max())
    if peak <= 0:
        return take
    loud = np.flatnonzero(rms >= peak * 10 ** (-SILENCE_BELOW_PEAK_DB / 20))
    keep = int(TRIM_KEEP * take.sample_rate)
    start = max(0, int(loud[0]) * hop - keep)
    stop = min(x.shape[0], (int(loud[-1]) + 1) * hop + keep)
    return SpeechAudio(x[start:stop].copy(), take.sample_rate, cut_events(take.events, start, stop))


def cut_events(events: PhoneEvents | None, start: int, stop: int) -> PhoneEvents | None:
    """``events`` of samples ``[start, stop)`` only, counted from ``start``; the phoneme
    sounding at ``start`` keeps sounding from 0."""
    if events is None:
        return None
    kept: list[PhonemeEvent] = []
    for e in sorted(events.events, key=lambda e: e.sample):
        pos = e.sample - start
        if pos <= 0:
            kept = [PhonemeEvent(e.label, 0)]
        elif e.sample < stop:
            kept.append(PhonemeEvent(e.label, pos))
    return PhoneEvents(tuple(kept), events.sample_rate, stop - start, events.text, events.lang)


def stretch_take(take: SpeechAudio, length: int) -> SpeechAudio:
    """``take`` time-stretched (pitch kept) to exactly ``length`` samples."""
    samples = wsola(take.samples, length, take.sample_rate)
    events = scale_events(take.events, length) if take.events is not None else None
    return SpeechAudio(samples, take.sample_rate, events)


def fit_line(
    synthesize: Callable[[float], SpeechAudio],
    slot: float,
    pause_after: float,
    can_change_rate: bool = True,
) -> tuple[SpeechAudio, FitReport]:
    """Fit one line to ``slot`` seconds followed by ``pause_after`` seconds of pause (see the
    module docstring for the order). ``synthesize(rate_factor)`` speaks the line at
    ``rate_factor`` times the voice's base rate; ``can_change_rate=False`` skips step 1 (for
    synthesisers without a rate control)."""
    slot = max(0.0, slot)
    take = trim_silence(synthesize(1.0))
    natural = take.duration
    rate = 1.0
    if natural > slot * (1 + RATE_TOLERANCE) and can_change_rate and slot > 0:
        # the rate control is not exactly proportional: aim, then correct once
        for _ in range(2):
            want = min(MAX_NATIVE_RATE, rate * take.duration / slot)
            if want <= rate * (1 + RATE_TOLERANCE):
                break
            rate = want
            take = trim_silence(synthesize(rate))
            if take.duration <= slot or rate >= MAX_NATIVE_RATE:
                break
    room = slot + borrowable(pause_after)
    rate_sr = take.sample_rate
    if take.duration <= slot * (1 + RATE_TOLERANCE):
        status = RESYNTHESISED if rate > 1.0 else FITS
        return take, _report(slot, pause_after, natural, rate, 0.0, 1.0, take, room, status)
    if take.duration <= room:
        borrowed = take.duration - slot
        return take, _report(slot, pause_after, natural, rate, borrowed, 1.0, take, room, BORROWED)
    factor = take.duration / room if room > 0 else math.inf
    if factor <= MAX_STRETCH:
        length = round(room * rate_sr)
        status = STRETCHED if factor <= TARGET_STRETCH else STRETCHED_OVER_TARGET
    else:
        length = round(take.samples.shape[0] / MAX_STRETCH)
        status = TOO_LONG
    stretched = stretch_take(take, length)
    applied = take.samples.shape[0] / max(1, length)
    borrowed = min(stretched.duration, room) - slot
    report = _report(
        slot, pause_after, natural, rate, max(0.0, borrowed), applied, stretched, room, status
    )
    return stretched, report


def _report(slot, pause, natural, rate, borrowed, stretch, take, room, status) -> FitReport:
    needed = natural / room if room > 0 else math.inf
    return FitReport(
        slot=slot,
        pause_after=pause,
        natural=natural,
        native_rate=rate,
        borrowed=borrowed,
        stretch=stretch,
        duration=take.duration,
        needed=max(1.0, needed) if math.isfinite(needed) else needed,
        overrun=max(0.0, take.duration - room),
        status=status,
    )


def summary(reports: list[tuple[int, FitReport]]) -> list[str]:
    """Warning sentences for lines stretched past :data:`TARGET_STRETCH` or too long."""
    lines = []
    for index, r in reports:
        if r.status == TOO_LONG:
            lines.append(
                f"line {index} is too long for its slot: it needs {r.needed:.2f}x and is "
                f"placed at {r.stretch:.2f}x, running {r.overrun:.2f} s past its slot; "
                "shorten its translation."
            )
        elif r.status == STRETCHED_OVER_TARGET:
            lines.append(
                f"line {index} is sped up {r.stretch:.2f}x (over {TARGET_STRETCH}x): it may "
                "sound rushed; consider a shorter translation."
            )
    return lines
