"""Bilabials the phone loop hears as other front consonants, found again by their spectrum.

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

Pure computation: float32 (n,) audio at :data:`~.parameters.ANALYSIS_RATE` and segments in,
segments out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lipsync.core.speech import parameters as P
from lipsync.core.speech.phonesets import is_silence
from lipsync.core.types import PhoneSegment

#: The label a recovered bilabial gets (ARPAbet, like the rest of the phone loop's output).
BILABIAL_LABEL = "B"

_MIN_SAMPLES = 32  # shorter stretches have no meaningful spectrum


def spectral_centroid(samples: np.ndarray, start: float, end: float) -> float:
    """Centroid in Hz of the Hann-windowed power spectrum of ``samples[start:end]`` (seconds);
    0.0 for a stretch too short or silent to measure."""
    rate = P.ANALYSIS_RATE
    chunk = np.asarray(samples[max(0, round(start * rate)) : max(0, round(end * rate))],
                       dtype=np.float64)  # fmt: skip
    if chunk.shape[0] < _MIN_SAMPLES:
        return 0.0
    power = np.abs(np.fft.rfft(chunk * np.hanning(chunk.shape[0]))) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return 0.0
    freqs = np.fft.rfftfreq(chunk.shape[0], 1.0 / rate)
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
