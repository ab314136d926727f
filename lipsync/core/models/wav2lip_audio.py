"""Wav2Lip's audio features: the mel spectrogram it was trained on, and its per-frame windows.

A faithful numpy port of ``audio.melspectrogram`` with Wav2Lip's ``hparams`` (no librosa at
run time). The original ran on librosa 0.7, whose STFT pads the signal by reflection; so does
this one (librosa 0.10 changed its default to zeros, which shifts the first and last frames).
"""

from __future__ import annotations

import numpy as np

from lipsync.core.constants import SPEECH_SAMPLE_RATE

SAMPLE_RATE = SPEECH_SAMPLE_RATE  # Hz, 16 kHz mono
PREEMPHASIS = 0.97  # y[n] = x[n] - 0.97 x[n-1]
N_FFT = 800  # samples per STFT frame (50 ms)
HOP = 200  # samples between STFT frames (12.5 ms)
WINDOW = 800  # samples of the Hann window (= N_FFT)
MEL_BANDS = 80
FMIN = 55.0  # Hz, lowest mel band edge
FMAX = 7600.0  # Hz, highest mel band edge
MIN_LEVEL_DB = -100.0  # dB; amplitudes are floored at 10 ** (-100 / 20) = 1e-5
REF_LEVEL_DB = 20.0  # dB subtracted after the conversion
MAX_ABS_VALUE = 4.0  # features are normalised symmetrically to [-4, 4]
MEL_FPS = SAMPLE_RATE / HOP  # 80 mel frames per second
MEL_STEP = 16  # mel frames per window the generator sees (0.2 s)
SILENCE = -MAX_ABS_VALUE  # the feature value of digital silence

_CHUNK_FRAMES = 2048  # STFT frames computed at a time (bounded memory for long speech)


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default, ``htk=False``): linear to 1 kHz, then log."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    mels = f / f_sp
    log_part = f >= min_log_hz
    mels[log_part] = min_log_mel + np.log(f[log_part] / min_log_hz) / logstep
    return mels


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    freqs = f_sp * m
    log_part = m >= min_log_mel
    freqs[log_part] = min_log_hz * np.exp(logstep * (m[log_part] - min_log_mel))
    return freqs


def mel_basis() -> np.ndarray:
    """``float64 (80, 401)``: triangular Slaney mel filters, area-normalised, 55–7600 Hz."""
    fft_freqs = np.linspace(0.0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([FMIN]))[0],
                                   _hz_to_mel(np.array([FMAX]))[0], MEL_BANDS + 2))  # fmt: skip
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights


_BASIS = mel_basis().astype(np.float32)
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW)).astype(np.float32)


def melspectrogram(wav: np.ndarray) -> np.ndarray:
    """Wav2Lip's features of 16 kHz mono speech ``wav`` (``float (n,)``, in [-1, 1]).

    Returns ``float32 (80, 1 + n // 200)``: 80 mel frames per second, frame ``k`` centred on
    sample ``200 k``, values in [-4, 4] (-4 is silence). Non-finite samples count as silence.
    """
    x = np.nan_to_num(np.asarray(wav, dtype=np.float64).reshape(-1), nan=0.0, posinf=0.0,
                      neginf=0.0)  # fmt: skip
    n_frames = 1 + x.shape[0] // HOP
    if x.shape[0] < 2:  # too short to reflect: silence
        return np.full((MEL_BANDS, n_frames), SILENCE, dtype=np.float32)
    emphasised = np.empty_like(x)
    emphasised[0] = x[0]
    emphasised[1:] = x[1:] - PREEMPHASIS * x[:-1]
    padded = np.pad(emphasised, N_FFT // 2, mode="reflect").astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    out = np.empty((MEL_BANDS, n_frames), dtype=np.float32)
    for start in range(0, n_frames, _CHUNK_FRAMES):
        chunk = frames[start : start + _CHUNK_FRAMES] * _HANN
        magnitude = np.abs(np.fft.rfft(chunk, axis=1)).astype(np.float32)  # (k, 401)
        mel = _BASIS @ magnitude.T  # (80, k)
        db = 20.0 * np.log10(np.maximum(10.0 ** (MIN_LEVEL_DB / 20.0), mel)) - REF_LEVEL_DB
        scaled = 2 * MAX_ABS_VALUE * (db - MIN_LEVEL_DB) / -MIN_LEVEL_DB - MAX_ABS_VALUE
        out[:, start : start + len(chunk)] = np.clip(scaled, -MAX_ABS_VALUE, MAX_ABS_VALUE)
    return out


def window_start(index: int, fps: float) -> int:
    """First mel frame of video frame ``index`` at ``fps`` frames/s: ``int(index * 80 / fps)``,
    computed as the original does (``int(i * (80. / fps))``)."""
    return int(index * (MEL_FPS / fps))


def mel_window(mel: np.ndarray, index: int, fps: float) -> np.ndarray:
    """``float32 (80, 16)``: the mel frames video frame ``index`` sees (time 0 = the first
    frame). Past the end of the speech the window is padded with silence."""
    start = window_start(index, fps)
    window = mel[:, max(start, 0) : start + MEL_STEP]
    if window.shape[1] == MEL_STEP:
        return window
    out = np.full((MEL_BANDS, MEL_STEP), SILENCE, dtype=np.float32)
    if window.shape[1]:
        out[:, : window.shape[1]] = window
    return out
