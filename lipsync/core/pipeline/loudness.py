"""Loudness per EBU R128 / ITU-R BS.1770-4: K-weighting, gated integrated loudness, and
normalisation to a target. Arrays in, arrays out (``float32 (n,)`` mono at a named rate).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

DEFAULT_TARGET_LUFS = -23.0  # LUFS; EBU R128 programme loudness
TRUE_PEAK_CEILING_DB = -1.0  # dBFS; sample peaks are kept under this after normalising
BLOCK_SECONDS = 0.4  # s; gating block (BS.1770)
BLOCK_OVERLAP = 0.75  # fraction of a block shared with the next
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SILENT_LUFS = -math.inf


def k_weighting(sample_rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two biquads of BS.1770's K-weighting (high shelf, then high pass) as (b, a) pairs,
    derived for ``sample_rate`` Hz from the standard's analogue prototypes."""
    # stage 1: high shelf (+4 dB above ~1.5 kHz)
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = np.array(
        [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    )
    shelf_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    # stage 2: high pass (RLB weighting, ~38 Hz)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    hp_b = np.array([1.0, -2.0, 1.0])
    hp_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    return [(shelf_b, shelf_a), (hp_b, hp_a)]


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of mono ``samples`` (−inf for silence or < one block)."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    for b, a in k_weighting(sample_rate):
        x = lfilter(b, a, x)
    block = int(BLOCK_SECONDS * sample_rate)
    step = max(1, int(block * (1 - BLOCK_OVERLAP)))
    if x.shape[0] < block:
        return SILENT_LUFS
    sq = np.concatenate([[0.0], np.cumsum(x * x)])
    starts = np.arange(0, x.shape[0] - block + 1, step)
    power = (sq[starts + block] - sq[starts]) / block
    with np.errstate(divide="ignore"):
        lufs = -0.691 + 10 * np.log10(power)
    kept = power[lufs > ABSOLUTE_GATE_LUFS]
    if kept.size == 0:
        return SILENT_LUFS
    relative = -0.691 + 10 * np.log10(kept.mean()) + RELATIVE_GATE_LU
    with np.errstate(divide="ignore"):
        kept = kept[-0.691 + 10 * np.log10(kept) > relative]
    if kept.size == 0:
        return SILENT_LUFS
    return float(-0.691 + 10 * np.log10(kept.mean()))


def normalise(
    samples: np.ndarray,
    sample_rate: int,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    ceiling_db: float = TRUE_PEAK_CEILING_DB,
) -> tuple[np.ndarray, float]:
    """(``samples`` scaled to ``target_lufs``, the gain applied in dB). The gain is lowered
    where needed so that sample peaks stay under ``ceiling_db`` dBFS; silence is returned
    unchanged."""
    x = np.asarray(samples, dtype=np.float32)
    measured = integrated_loudness(x, sample_rate)
    if not math.isfinite(measured):
        return x.copy(), 0.0
    gain_db = target_lufs - measured
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak > 0:
        gain_db = min(gain_db, ceiling_db - 20 * math.log10(peak))
    return (x * 10 ** (gain_db / 20)).astype(np.float32), float(gain_db)
