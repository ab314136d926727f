"""Bilabials the phone loop misses, found again by their spectrum.

pocketsphinx's free phone loop places lip and teeth consonants poorly: on espeak-ng speech in
four languages it heard 28 of 34 /p/ as /TH/, /F/ or /DH/ (the weak, diffuse burst of a /p/
sounds like a dental fricative to it), and on read English (LibriVox) it heard most /m b/ as
/V/. For lips that is the costly mistake: a missed closure is the error viewers notice.

The cue that tells them apart is where the energy lies. A true /f v θ ð/ is frication noise
spread up to 8 kHz; a bilabial's closure, burst and nasal murmur put nearly all of it low (the
"diffuse-falling" burst of labials, Blumstein & Stevens 1979). So a /V F TH DH/ from the loop
whose power spectrum has its centroid below :data:`~.parameters.LABIAL_CENTROID_HZ` is taken
for a bilabial, unless a pause follows it (phrase-final breath and fade-outs are low too, and a
bilabial closure is made to release into speech).

A phrase that starts with closed lips (/m b p/ after a pause) is often heard by the loop as a
vowel or a glide. Its head is then low in frequency and clearly quieter than the vowel it opens
into, where a vowel starts at full strength and /s t k/ start high: such a head becomes a
bilabial too (:func:`close_onsets`).

The loop's own /F V/ are mostly wrong, and a labiodental contact lifts the lower lip to the
upper teeth: a wrong one shuts a mouth that is open. On the espeak-ng sentences of
bench/speech_accuracy.py 5 of its 22 labiodental frames lay within a frame of a true /f v/ (and
it found 26 % of the true ones); on the true-mouth clips of bench/real_faces.py the contacts
fell where the speakers' mouths were open (the target's r against the real mouth 0.47 and 0.35
with them, 0.64 and 0.42 without). So they are taken for the other weak fricatives /θ ð/
(:func:`hedge_labiodentals`), whose mouth is a little open with the teeth showing, with no
contact. With a transcript (alignment) /f v/ come from the words and keep their contact.

Pure computation: float32 (n,) audio at :data:`~.parameters.ANALYSIS_RATE` and segments in,
segments out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lipsync.core.speech import parameters as P
from lipsync.core.speech.phonesets import is_silence
from lipsync.core.speech.visemes import is_bilabial
from lipsync.core.types import PhoneSegment

#: The label a recovered bilabial gets (ARPAbet, like the rest of the phone loop's output).
BILABIAL_LABEL = "B"
#: What the phone loop's labiodentals are taken for (see the module docstring).
UNSURE_LABIODENTALS = {"F": "TH", "V": "DH"}

_MIN_SAMPLES = 32  # shorter stretches have no meaningful spectrum


def _stretch(samples: np.ndarray, start: float, end: float) -> np.ndarray:
    """float64 copy of ``samples`` from ``start`` to ``end`` seconds (clipped to the audio)."""
    rate = P.ANALYSIS_RATE
    return np.asarray(samples[max(0, round(start * rate)) : max(0, round(end * rate))],
                      dtype=np.float64)  # fmt: skip


def spectral_centroid(samples: np.ndarray, start: float, end: float) -> float:
    """Centroid in Hz of the Hann-windowed power spectrum of ``samples[start:end]`` (seconds);
    0.0 for a stretch too short or silent to measure."""
    chunk = _stretch(samples, start, end)
    if chunk.shape[0] < _MIN_SAMPLES:
        return 0.0
    power = np.abs(np.fft.rfft(chunk * np.hanning(chunk.shape[0]))) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return 0.0
    freqs = np.fft.rfftfreq(chunk.shape[0], 1.0 / P.ANALYSIS_RATE)
    return float((power * freqs).sum() / total)


def recover_bilabials(
    segments: Sequence[PhoneSegment], samples: np.ndarray
) -> tuple[PhoneSegment, ...]:
    """``segments`` with each ambiguous front consonant (see module) that sounds like a bilabial
    relabelled :data:`BILABIAL_LABEL`; everything else unchanged."""
    out = []
    for k, seg in enumerate(segments):
        following = segments[k + 1].label if k + 1 < len(segments) else None
        if (
            seg.label in P.LABIAL_AMBIGUOUS
            and following is not None
            and not is_silence(following)
            and spectral_centroid(samples, seg.start, seg.end) < P.LABIAL_CENTROID_HZ
        ):
            seg = PhoneSegment(BILABIAL_LABEL, seg.start, seg.end, seg.confidence, seg.source)
        out.append(seg)
    return tuple(out)


def _energy_db(samples: np.ndarray, start: float, end: float) -> float:
    chunk = _stretch(samples, start, end)
    if chunk.shape[0] == 0:
        return -120.0
    return float(10.0 * np.log10(np.mean(chunk * chunk) + 1e-12))


def phrase_onsets(speech: np.ndarray, times: np.ndarray) -> list[float]:
    """Times (s) where phrases start: the first speech frame of ``speech`` (bool (M,), one per
    frame at ``times``), and every later one after at least
    :data:`~.parameters.ONSET_PAUSE_SECONDS` of pause."""
    mask = np.asarray(speech, dtype=bool)
    previous = np.concatenate([[False], mask[:-1]])
    following = np.concatenate([mask[1:], [False]])
    starts, ends = np.flatnonzero(mask & ~previous), np.flatnonzero(mask & ~following)
    pause = round(P.ONSET_PAUSE_SECONDS / P.HOP_SECONDS)
    return [
        float(times[k])
        for n, k in enumerate(starts)
        if n == 0 or k - ends[n - 1] - 1 >= pause  # ends[n - 1]: the end of the run before
    ]


def is_bilabial_onset(samples: np.ndarray, onset: float) -> bool:
    """Whether speech starting at ``onset`` (s) starts with lips closed: its first
    :data:`~.parameters.ONSET_SECONDS` are low in frequency (a nasal murmur or a labial burst)
    and at least :data:`~.parameters.ONSET_RISE_DB` quieter than what follows (the vowel the
    lips open into); a vowel starts at full strength, an /s t k/ starts high."""
    head = onset + P.ONSET_SECONDS
    centroid = spectral_centroid(samples, onset, head)
    if not 0.0 < centroid < P.LABIAL_CENTROID_HZ:
        return False
    rise = _energy_db(samples, head, head + P.ONSET_FOLLOW_SECONDS)
    return rise - _energy_db(samples, onset, head) >= P.ONSET_RISE_DB


def close_onsets(
    segments: Sequence[PhoneSegment], samples: np.ndarray, onsets: Sequence[float]
) -> tuple[PhoneSegment, ...]:
    """``segments`` with a bilabial over the first :data:`~.parameters.ONSET_SECONDS` of each
    phrase onset in ``onsets`` that :func:`is_bilabial_onset` and that has no bilabial yet
    within :data:`~.parameters.ONSET_SECONDS` of it (the segments it overlaps are trimmed)."""
    out = list(segments)
    for onset in onsets:
        end = onset + P.ONSET_SECONDS
        near = any(
            is_bilabial(s.label)
            for s in out
            if s.end > onset - P.ONSET_SECONDS and s.start < end + P.ONSET_SECONDS
        )
        if near or not is_bilabial_onset(samples, onset):
            continue
        source = out[0].source if out else ""
        trimmed: list[PhoneSegment] = []
        for s in out:
            if s.end <= onset or s.start >= end:
                trimmed.append(s)
                continue
            if s.start < onset:
                trimmed.append(PhoneSegment(s.label, s.start, onset, s.confidence, s.source))
            if s.end > end:
                trimmed.append(PhoneSegment(s.label, end, s.end, s.confidence, s.source))
        trimmed.append(PhoneSegment(BILABIAL_LABEL, onset, end, 0.5, source))
        out = sorted(trimmed, key=lambda s: (s.start, s.end))
    return tuple(out)


def hedge_labiodentals(segments: Sequence[PhoneSegment]) -> tuple[PhoneSegment, ...]:
    """``segments`` (the phone loop's) with each /F V/ relabelled as in
    :data:`UNSURE_LABIODENTALS`; everything else unchanged."""
    return tuple(
        PhoneSegment(UNSURE_LABIODENTALS[s.label], s.start, s.end, s.confidence, s.source)
        if s.label in UNSURE_LABIODENTALS
        else s
        for s in segments
    )
