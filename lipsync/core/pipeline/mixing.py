"""Mixing the dub over the original: the lines laid on the timeline, the original sound
ducked under the speech (or a separated background stem used instead), loudness normalised.

Arrays in, arrays out: ``float32 (n,)`` mono at :data:`MIX_RATE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.signal import resample_poly

from lipsync.core.pipeline.loudness import DEFAULT_TARGET_LUFS, normalise
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent

MIX_RATE = 48_000  # Hz; the rate the dub and the mix are made at (the video's audio rate)
DUCK_DB = -15.0  # dB; the original under the dub
STEM_DUCK_DB = 0.0  # dB; a speech-free background stem needs no ducking
DUCK_ATTACK = 0.08  # s; the original fades down this long before the speech starts
DUCK_RELEASE = 0.35  # s; and back up this long after it ends
ENVELOPE_HOP = 0.01  # s; resolution of the ducking envelope


@dataclass(frozen=True)
class MixOptions:
    """``duck_db``: gain of the original under the dub (``None``: :data:`DUCK_DB`, or
    :data:`STEM_DUCK_DB` for a stem); ``target_lufs``: loudness of the result (``None``: keep);
    ``background_gain_db``: the original's level before ducking."""

    duck_db: float | None = None
    target_lufs: float | None = DEFAULT_TARGET_LUFS
    background_gain_db: float = 0.0


def resample(samples: np.ndarray, src_rate: int, dst_rate: int = MIX_RATE) -> np.ndarray:
    """``float32 (n,)`` at ``src_rate`` -> at ``dst_rate`` (polyphase)."""
    if src_rate == dst_rate:
        return np.asarray(samples, np.float32)
    g = np.gcd(int(src_rate), int(dst_rate))
    return resample_poly(samples, dst_rate // g, src_rate // g).astype(np.float32)


def lay_lines(length: int, lines: Iterable[tuple[int, np.ndarray]]) -> np.ndarray:
    """``float32 (length,)``: silence with each ``(offset, samples)`` line added at its sample
    offset (overhang past the end is cut; the caller reports it)."""
    out = np.zeros(max(0, int(length)), np.float32)
    for offset, samples in lines:
        start = max(0, int(offset))
        data = np.asarray(samples, np.float32)[start - int(offset) :]
        stop = min(out.shape[0], start + data.shape[0])
        if stop > start:
            out[start:stop] += data[: stop - start]
    return out


def lay_events(
    length: int, sample_rate: int, lines: Iterable[tuple[int, PhoneEvents]]
) -> PhoneEvents:
    """Phoneme events of every line on one timeline of ``length`` samples at ``sample_rate``,
    pauses (``""``) between lines, for the engine's sidecar."""
    placed = sorted(lines, key=lambda item: item[0])
    events: list[PhonemeEvent] = [PhonemeEvent("", 0)]
    texts = []
    for offset, ev in placed:
        ratio = sample_rate / ev.sample_rate
        for e in sorted(ev.events, key=lambda e: e.sample):
            pos = int(offset + round(e.sample * ratio))
            if 0 <= pos < length:
                events.append(PhonemeEvent(e.label, pos))
        end = int(offset + round(ev.num_samples * ratio))
        if 0 <= end < length:
            events.append(PhonemeEvent("", end))
        texts.append(ev.text)
    events.sort(key=lambda e: e.sample)
    lang = placed[0][1].lang if placed else ""
    return PhoneEvents(tuple(events), sample_rate, int(length), " ".join(texts), lang)


def duck_envelope(dub: np.ndarray, sample_rate: int, duck_db: float) -> np.ndarray:
    """Gain ``float32 (n,)`` for the original: 1 where the dub is silent, ``duck_db`` under
    its speech, with :data:`DUCK_ATTACK`/:data:`DUCK_RELEASE` ramps."""
    n = dub.shape[0]
    hop = max(1, int(ENVELOPE_HOP * sample_rate))
    frames = -(-n // hop)
    padded = np.pad(np.abs(dub), (0, frames * hop - n))
    active = padded.reshape(frames, hop).max(axis=1) > 1e-3
    low = 10 ** (duck_db / 20)
    attack = max(1, int(DUCK_ATTACK / ENVELOPE_HOP))
    release = max(1, int(DUCK_RELEASE / ENVELOPE_HOP))
    # distance (frames) to the nearest active frame before / after each frame
    idx = np.arange(frames)
    last = np.where(active, idx, -(10**9))
    last = np.maximum.accumulate(last)
    nxt = np.where(active, idx, 10**9)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    after = np.clip((idx - last) / release, 0, 1)  # 0 inside speech, 1 a release later
    before = np.clip((nxt - idx) / attack, 0, 1)
    amount = np.minimum(after, before)  # 0 = fully ducked, 1 = untouched
    gain = low + (1 - low) * amount
    return np.repeat(gain.astype(np.float32), hop)[:n]


def mix(
    dub: np.ndarray,
    original: np.ndarray | None,
    options: MixOptions = MixOptions(),
    stem: bool = False,
    sample_rate: int = MIX_RATE,
) -> tuple[np.ndarray, float]:
    """(the final mix ``float32 (n,)``, gain applied in dB by normalisation).

    ``original`` (the video's sound, or a background stem when ``stem``) is ducked under
    ``dub`` and added; both are cut or padded to ``dub``'s length."""
    out = dub.astype(np.float32).copy()
    if original is not None and original.size:
        bg = np.zeros_like(out)
        m = min(out.shape[0], original.shape[0])
        bg[:m] = original[:m] * 10 ** (options.background_gain_db / 20)
        duck = options.duck_db
        if duck is None:
            duck = STEM_DUCK_DB if stem else DUCK_DB
        out += bg * duck_envelope(dub, sample_rate, duck)
    gain = 0.0
    if options.target_lufs is not None:
        out, gain = normalise(out, sample_rate, options.target_lufs)
    return np.clip(out, -1.0, 1.0).astype(np.float32), gain
