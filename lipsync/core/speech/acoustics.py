"""Acoustic measures of speech: loudness envelope, silence, and formant estimates.

Everything works on mono ``float32 (n,)`` audio at :data:`~.parameters.ANALYSIS_RATE` in
frames of :data:`~.parameters.HOP_SECONDS` (100 frames/s, the same grid as pocketsphinx).

- ``energy_db``: frame RMS in dBFS; ``loudness``: 0..1 relative to the clip's loud frames;
- ``speech``: boolean voice-activity mask (energy above an absolute floor *and* within
  :data:`~.parameters.SILENCE_BELOW_PEAK_DB` of the loud frames, with short clicks removed and
  short gaps kept as speech);
- ``f1``/``f2``: first two formant estimates in Hz from linear prediction (0 where unvoiced or
  silent). A high F1 means an open jaw, a low F2 rounded or back lips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lipsync.core.speech import parameters as P

BLOCK_FRAMES = 1024  # acoustic frames measured at a time (10 s of audio: about 12 MB of windows)


@dataclass(frozen=True, eq=False)
class Acoustics:
    """Per-frame measures; every array is ``(M,)`` with frame centres at ``times`` seconds."""

    times: np.ndarray
    energy_db: np.ndarray
    loudness: np.ndarray
    speech: np.ndarray
    f1: np.ndarray
    f2: np.ndarray

    def __len__(self) -> int:
        return int(self.times.shape[0])

    def at(self, name: str, times: np.ndarray) -> np.ndarray:
        """Linear interpolation of one measure at arbitrary ``times`` (seconds)."""
        values = getattr(self, name).astype(np.float64)
        if len(self) == 0:
            return np.zeros(np.shape(times), dtype=np.float64)
        return np.interp(times, self.times, values)


def _frame_count(samples: np.ndarray) -> int:
    """Acoustic frames of ``samples``: one per hop, at least one."""
    return max(1, int(np.ceil(samples.shape[0] / P.HOP_SAMPLES)))


def _windows(samples: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``float32 (len(rows), WINDOW)``: the windows of frames ``rows`` (int (k,)), centred every
    hop, zero outside the audio. Taken a block of rows at a time (:func:`_blocks`), they never
    copy the whole audio."""
    hop, win = P.HOP_SAMPLES, P.WINDOW_SAMPLES
    n = samples.shape[0]
    pos = rows[:, None] * hop - win // 2 + np.arange(win)[None, :]
    if n == 0:
        return np.zeros(pos.shape, np.float32)
    inside = (pos >= 0) & (pos < n)
    return np.where(inside, samples[np.clip(pos, 0, n - 1)], np.float32(0.0))


def _blocks(rows: np.ndarray) -> list[np.ndarray]:
    """``rows`` cut into runs of at most ``BLOCK_FRAMES`` (views): the per-frame measures are
    computed a block at a time, so the windows and their float64 copies stay the size of one
    block, whatever the audio's length."""
    return [rows[i : i + BLOCK_FRAMES] for i in range(0, rows.shape[0], BLOCK_FRAMES)]


def _remove_short_runs(mask: np.ndarray, value: bool, min_len: int) -> np.ndarray:
    """Flip runs of ``value`` shorter than ``min_len`` frames in a boolean mask."""
    out = mask.copy()
    n = out.shape[0]
    i = 0
    while i < n:
        j = i
        while j < n and out[j] == out[i]:
            j += 1
        # leading/trailing pauses are real pauses, whatever their length
        edge_pause = value is False and (i == 0 or j == n)
        if out[i] == value and j - i < min_len and not edge_pause:
            out[i:j] = not value
        i = j
    return out


def speech_mask(energy_db: np.ndarray) -> np.ndarray:
    """Voice activity per frame from frame energies in dBFS (see the module docstring)."""
    if energy_db.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    loud = float(np.percentile(energy_db, P.PEAK_PERCENTILE))
    threshold = max(P.SILENCE_FLOOR_DB, loud - P.SILENCE_BELOW_PEAK_DB)
    mask = energy_db > threshold
    mask = _remove_short_runs(mask, True, round(P.MIN_SPEECH_SECONDS / P.HOP_SECONDS))
    return _remove_short_runs(mask, False, round(P.MIN_PAUSE_SECONDS / P.HOP_SECONDS))


def _lpc(frames: np.ndarray, order: int) -> np.ndarray:
    """Linear-prediction coefficients ``float64 (M, order + 1)`` (a[0] = 1) by Levinson."""
    m = frames.shape[0]
    spec = np.fft.rfft(frames, n=2 * frames.shape[1], axis=1)
    r = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, : order + 1]
    r[:, 0] = r[:, 0] * (1.0 + 1e-6) + 1e-12  # white-noise correction keeps it stable
    a = np.zeros((m, order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = r[:, i] + np.einsum("mj,mj->m", a[:, 1:i], r[:, i - 1 : 0 : -1])
        k = -acc / err
        a_prev = a[:, 1:i].copy()
        a[:, 1:i] = a_prev + k[:, None] * a_prev[:, ::-1]
        a[:, i] = k
        err = err * (1.0 - k * k)
    return a


def _formants(a: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """F1, F2 in Hz from LPC polynomials (M, order + 1): the two lowest peaks between
    :data:`~.parameters.FORMANT_MIN_HZ` and :data:`~.parameters.FORMANT_MAX_HZ` of the LPC
    envelope ``1 / |A(f)|`` on an :data:`~.parameters.FORMANT_FFT`-point grid, refined by
    parabolic interpolation (0 where there is no such peak). Picking envelope peaks gives the
    same values as the roots of ``A`` (within about 10 Hz) at a tenth of the cost."""
    m, n_fft = a.shape[0], P.FORMANT_FFT
    env = -np.log(np.abs(np.fft.rfft(a, n_fft, axis=1)) + 1e-12)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)[1:-1]
    mid, left, right = env[:, 1:-1], env[:, :-2], env[:, 2:]
    peak = (mid > left) & (mid >= right) & (freqs > P.FORMANT_MIN_HZ) & (freqs < P.FORMANT_MAX_HZ)
    order = np.argsort(~peak, axis=1, kind="stable")  # peaks first, lowest frequency first
    count = peak.sum(axis=1)
    rows = np.arange(m)

    def refined(rank: int) -> np.ndarray:
        k = order[:, rank]
        y0, y1, y2 = left[rows, k], mid[rows, k], right[rows, k]
        curve = y0 - 2.0 * y1 + y2
        shift = 0.5 * (y0 - y2) / np.where(np.abs(curve) > 1e-12, curve, -1e-12)
        hz = (k + 1 + np.clip(shift, -1.0, 1.0)) * rate / n_fft
        return np.where(count > rank, hz, 0.0)

    return refined(0), refined(1)


def analyse(samples: np.ndarray, with_formants: bool = True) -> Acoustics:
    """Measure mono ``float32 (n,)`` audio at :data:`~.parameters.ANALYSIS_RATE`."""
    x = np.asarray(samples, dtype=np.float32)
    m = _frame_count(x)
    times = (np.arange(m) * P.HOP_SAMPLES) / P.ANALYSIS_RATE
    rms = np.zeros(m)
    for rows in _blocks(np.arange(m)):
        block = _windows(x, rows).astype(np.float64)
        rms[rows] = np.sqrt(np.mean(block**2, axis=1))
    energy_db = 20.0 * np.log10(np.maximum(rms, 1e-7))
    speech = speech_mask(energy_db)
    loud = float(np.percentile(energy_db, P.PEAK_PERCENTILE)) if m else 0.0
    loudness = np.clip((energy_db - (loud - P.SILENCE_BELOW_PEAK_DB)) / P.SILENCE_BELOW_PEAK_DB,
                       0.0, 1.0)  # fmt: skip
    smooth = max(1, round(P.ENERGY_SMOOTH_SECONDS / P.HOP_SECONDS))
    if smooth > 1 and m:
        # "full" cut to "same"'s place: "same" gives the kernel's length when the audio has
        # fewer frames than the kernel
        full = np.convolve(loudness, np.ones(smooth) / smooth, mode="full")
        loudness = full[(smooth - 1) // 2 : (smooth - 1) // 2 + m]
    loudness = np.where(speech, loudness, 0.0)
    f1 = np.zeros(m)
    f2 = np.zeros(m)
    if with_formants and m and speech.any():
        window = np.hamming(P.WINDOW_SAMPLES)[None, :]
        for idx in _blocks(np.flatnonzero(speech)):
            fr = _windows(x, idx).astype(np.float64)
            fr = np.concatenate([fr[:, :1], fr[:, 1:] - P.PRE_EMPHASIS * fr[:, :-1]], axis=1)
            fr *= window
            f1[idx], f2[idx] = _formants(_lpc(fr, P.LPC_ORDER), P.ANALYSIS_RATE)
    return Acoustics(
        times=times.astype(np.float64),
        energy_db=energy_db.astype(np.float32),
        loudness=loudness.astype(np.float32),
        speech=speech,
        f1=f1.astype(np.float32),
        f2=f2.astype(np.float32),
    )
