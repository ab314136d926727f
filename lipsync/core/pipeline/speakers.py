"""Who speaks each line: per-segment voice features, and clustering them into N speakers.

Arrays in, arrays out: audio is ``float32 (n,)`` mono at a named rate. A segment's voice is
described by the mean and spread of its MFCCs plus its median pitch; speakers are found by
average-linkage agglomerative clustering on standardised features (deterministic, no
training). Labels are ``S1``, ``S2`` … in order of first appearance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.fft import dct

from lipsync.core.pipeline.segments import Segment, renumber

FRAME_SECONDS = 0.025  # s; analysis window
HOP_SECONDS = 0.010  # s
MEL_BANDS = 26
MFCC_COUNT = 13
F0_MIN = 60.0  # Hz; lowest voice pitch searched
F0_MAX = 400.0  # Hz; highest
VOICING_THRESHOLD = 0.45  # normalised autocorrelation peak above which a frame is voiced
F0_WINDOW_SECONDS = 0.040  # s; long enough for two periods of F0_MIN... nearly
PITCH_WEIGHT = 3.0  # the pitch feature counts as this many MFCC dimensions


def _frames(x: np.ndarray, sample_rate: int, frame_s: float, hop_s: float) -> np.ndarray:
    win, hop = int(frame_s * sample_rate), int(hop_s * sample_rate)
    if x.shape[0] < win:
        x = np.pad(x, (0, win - x.shape[0]))
    n = 1 + (x.shape[0] - win) // hop
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    return x[idx]


def _mel_filters(sample_rate: int, n_fft: int) -> np.ndarray:
    def hz_to_mel(f):
        return 2595 * np.log10(1 + f / 700)

    mels = np.linspace(hz_to_mel(60.0), hz_to_mel(sample_rate / 2), MEL_BANDS + 2)
    hz = 700 * (10 ** (mels / 2595) - 1)
    bins = np.floor((n_fft + 1) * hz / sample_rate).astype(int)
    fb = np.zeros((MEL_BANDS, n_fft // 2 + 1))
    for m in range(1, MEL_BANDS + 1):
        lo, c, hi = bins[m - 1], bins[m], bins[m + 1]
        for k in range(lo, c):
            fb[m - 1, k] = (k - lo) / max(1, c - lo)
        for k in range(c, hi):
            fb[m - 1, k] = (hi - k) / max(1, hi - c)
    return fb


def mfcc(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``float64 (frames, MFCC_COUNT)`` cepstra of the louder half of the frames."""
    frames = _frames(np.asarray(samples, np.float64), sample_rate, FRAME_SECONDS, HOP_SECONDS)
    n_fft = 1 << (frames.shape[1] - 1).bit_length()
    spec = np.abs(np.fft.rfft(frames * np.hamming(frames.shape[1]), n_fft)) ** 2
    energy = spec.sum(axis=1)
    loud = energy >= np.median(energy)
    mel = np.log(spec[loud] @ _mel_filters(sample_rate, n_fft).T + 1e-10)
    return dct(mel, type=2, norm="ortho", axis=1)[:, :MFCC_COUNT]


def median_f0(samples: np.ndarray, sample_rate: int) -> float:
    """Median pitch (Hz) of the voiced frames (normalised autocorrelation), 0 if none."""
    x = np.asarray(samples, np.float64)
    frames = _frames(x, sample_rate, F0_WINDOW_SECONDS, HOP_SECONDS)
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = (frames**2).sum(axis=1)
    keep = energy > 0.1 * np.median(energy[energy > 0]) if (energy > 0).any() else energy > 0
    frames = frames[keep]
    if frames.shape[0] == 0:
        return 0.0
    lag_min, lag_max = int(sample_rate / F0_MAX), int(sample_rate / F0_MIN)
    n = frames.shape[1]
    spec = np.fft.rfft(frames, 2 * n)
    ac = np.fft.irfft(np.abs(spec) ** 2)[:, : lag_max + 1]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    ac = ac * (n / np.maximum(n - np.arange(ac.shape[1]), 1))  # unbias
    lag_max = min(lag_max, ac.shape[1] - 1)
    window = ac[:, lag_min : lag_max + 1]
    best = np.argmax(window, axis=1)
    peak = window[np.arange(window.shape[0]), best]
    voiced = peak > VOICING_THRESHOLD
    if not voiced.any():
        return 0.0
    return float(np.median(sample_rate / (best[voiced] + lag_min)))


def voice_features(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``float64 (2 * MFCC_COUNT + 1,)``: MFCC means and deviations (the first, loudness,
    left out), and log median pitch."""
    c = mfcc(samples, sample_rate)[:, 1:]
    f0 = median_f0(samples, sample_rate)
    pitch = np.log(f0) if f0 > 0 else np.log(150.0)
    return np.concatenate([c.mean(axis=0), c.std(axis=0), [pitch]])


def cluster(features: np.ndarray, n: int) -> np.ndarray:
    """Cluster labels ``int (m,)`` in 0..n-1 for ``features`` ``(m, d)``: average-linkage
    agglomerative clustering on standardised features; labels numbered by first appearance."""
    m = features.shape[0]
    if m == 0:
        return np.zeros(0, int)
    n = max(1, min(n, m))
    f = np.asarray(features, np.float64)
    sd = f.std(axis=0)
    z = (f - f.mean(axis=0)) / np.where(sd > 1e-9, sd, 1.0)
    z[:, -1] *= np.sqrt(PITCH_WEIGHT)
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    groups: list[list[int]] = [[k] for k in range(m)]
    while len(groups) > n:
        best, pair = np.inf, (0, 1)
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                d = dist[np.ix_(groups[a], groups[b])].mean()
                if d < best:
                    best, pair = d, (a, b)
        a, b = pair
        groups[a] = groups[a] + groups[b]
        del groups[b]
    labels = np.zeros(m, int)
    for g, members in enumerate(groups):
        labels[members] = g
    order: dict[int, int] = {}
    for lab in labels:
        order.setdefault(int(lab), len(order))
    return np.array([order[int(lab)] for lab in labels])


def label_speakers(
    segments: Sequence[Segment], samples: np.ndarray, sample_rate: int, n: int
) -> tuple[Segment, ...]:
    """``segments`` with speakers ``S1``..``Sn`` from clustering their voices in ``samples``."""
    if not segments:
        return ()
    feats = []
    for seg in segments:
        a, b = int(seg.start * sample_rate), int(seg.end * sample_rate)
        feats.append(voice_features(samples[a:b], sample_rate))
    labels = cluster(np.stack(feats), n)
    return renumber(s.with_(speaker=f"S{lab + 1}") for s, lab in zip(segments, labels, strict=True))


def speaker_pitch(
    segments: Sequence[Segment], samples: np.ndarray, sample_rate: int
) -> dict[str, float]:
    """Median pitch (Hz) of each speaker over all their segments (0 when unvoiced)."""
    out: dict[str, float] = {}
    by: dict[str, list[np.ndarray]] = {}
    for seg in segments:
        a, b = int(seg.start * sample_rate), int(seg.end * sample_rate)
        by.setdefault(seg.speaker, []).append(samples[a:b])
    for speaker, parts in by.items():
        out[speaker] = median_f0(np.concatenate(parts), sample_rate) if parts else 0.0
    return out
