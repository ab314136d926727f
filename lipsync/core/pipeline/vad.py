"""Finding the stretches of speech in audio by energy: utterances for recognisers that decode
one utterance at a time. Arrays in, (start, end) seconds out."""

from __future__ import annotations

import numpy as np

HOP_SECONDS = 0.01  # s; energy frame
SPEECH_BELOW_PEAK_DB = 35.0  # dB under the loud frames: quieter frames are pause
LOUD_PERCENTILE = 95.0  # the level "loud" is measured at
MIN_PAUSE = 0.30  # s; shorter pauses do not split an utterance
MIN_SPEECH = 0.15  # s; shorter bursts are dropped
PAD = 0.05  # s added at either end of an utterance
MAX_UTTERANCE = 20.0  # s; longer stretches are split at their quietest frame


def speech_regions(samples: np.ndarray, sample_rate: int) -> list[tuple[float, float]]:
    """(start, end) in seconds of each utterance in ``float32 (n,)`` mono audio."""
    x = np.asarray(samples, np.float64)
    hop = max(1, int(HOP_SECONDS * sample_rate))
    n = x.shape[0] // hop
    if n == 0:
        return []
    power = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)
    loud = float(np.percentile(power, LOUD_PERCENTILE))
    if loud <= 1e-10:
        return []
    active = power > loud * 10 ** (-SPEECH_BELOW_PEAK_DB / 10)
    regions: list[tuple[int, int]] = []
    k = 0
    while k < n:
        if not active[k]:
            k += 1
            continue
        start = k
        while k < n and active[k]:
            k += 1
        if regions and start - regions[-1][1] < MIN_PAUSE / HOP_SECONDS:
            regions[-1] = (regions[-1][0], k)
        else:
            regions.append((start, k))
    out: list[tuple[float, float]] = []
    for a, b in regions:
        for a2, b2 in _split_long(power, a, b):
            if (b2 - a2) * HOP_SECONDS >= MIN_SPEECH:
                out.append(
                    (max(0.0, a2 * HOP_SECONDS - PAD), min(n * HOP_SECONDS, b2 * HOP_SECONDS + PAD))
                )
    return out


def _split_long(power: np.ndarray, a: int, b: int) -> list[tuple[int, int]]:
    limit = int(MAX_UTTERANCE / HOP_SECONDS)
    if b - a <= limit:
        return [(a, b)]
    lo, hi = a + limit // 2, a + limit
    cut = lo + int(np.argmin(power[lo:hi]))
    return [(a, cut), *_split_long(power, cut, b)]
