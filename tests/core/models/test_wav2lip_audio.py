"""Wav2Lip's mel features against an independent implementation with librosa (the original's
recipe: scipy pre-emphasis, librosa STFT with reflect padding as in librosa 0.7, librosa's
Slaney mel filters), and the per-frame windows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from lipsync.core.models.wav2lip_audio import (
    MEL_STEP,
    SILENCE,
    mel_window,
    melspectrogram,
    window_start,
)

librosa = pytest.importorskip("librosa")


def reference(wav: np.ndarray, pad_mode: str = "reflect") -> np.ndarray:
    """Wav2Lip's audio.melspectrogram with its hparams, written with librosa."""
    y = scipy.signal.lfilter([1, -0.97], [1], wav)
    stft = librosa.stft(y=y, n_fft=800, hop_length=200, win_length=800, pad_mode=pad_mode)
    basis = librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=55, fmax=7600)
    db = 20 * np.log10(np.maximum(1e-5, basis @ np.abs(stft))) - 20
    return np.clip(8 * ((db + 100) / 100) - 4, -4, 4)


def speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    """Voiced harmonics with a wandering pitch and syllable envelope, noise bursts, a pause."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(16000 * seconds)) / 16000
    pitch = 140 + 30 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / 16000
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 3.1 * t), 0, None)
    noise = rng.standard_normal(t.size) * (np.sin(2 * np.pi * 1.7 * t) > 0.8)
    wav = 0.2 * voiced * envelope + 0.05 * noise
    wav[int(0.3 * t.size) : int(0.4 * t.size)] = 0.0
    return wav.astype(np.float32)


@pytest.mark.parametrize("n", [16000 * 2, 16000 * 2 + 137, 1999])
def test_matches_the_librosa_implementation(n):
    wav = speechlike(3.0)[:n]
    ours, ref = melspectrogram(wav), reference(wav)
    assert ours.shape == ref.shape == (80, 1 + n // 200)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, atol=2e-4)
    assert ours.min() == -4.0 and ours.max() > 0.0


def test_padding_is_reflect_like_librosa_0_7():
    wav = speechlike(1.0, seed=1)
    ours = melspectrogram(wav)
    zero_padded = reference(wav, pad_mode="constant")
    assert np.abs(ours[:, 0] - zero_padded[:, 0]).max() > 0.05  # the edges differ
    np.testing.assert_allclose(ours[:, 5:-5], zero_padded[:, 5:-5], atol=2e-4)  # not the rest


def test_eighty_frames_a_second_and_silence_is_the_floor():
    assert melspectrogram(np.zeros(16000 * 2, np.float32)).shape == (80, 161)
    assert (melspectrogram(np.zeros(16000, np.float32)) == SILENCE).all()
    assert (melspectrogram(np.zeros(0, np.float32)) == SILENCE).all()
    noisy = speechlike(0.5)
    noisy[100] = np.nan
    assert np.isfinite(melspectrogram(noisy)).all()


@pytest.mark.parametrize("fps", [25.0, 30.0, 24.0, 30000 / 1001, 60.0])
def test_windows_start_where_the_original_puts_them(fps):
    for i in range(200):
        assert window_start(i, fps) == int(i * (80.0 / fps))
    assert window_start(5, 25.0) == 16


def test_windows_are_sixteen_frames_padded_with_silence():
    mel = melspectrogram(speechlike(1.0))  # 81 mel frames
    inside = mel_window(mel, 10, 25.0)
    np.testing.assert_array_equal(inside, mel[:, 32:48])
    tail = mel_window(mel, 22, 25.0)  # starts at 70: 11 frames of speech, then silence
    assert tail.shape == (80, MEL_STEP)
    np.testing.assert_array_equal(tail[:, :11], mel[:, 70:81])
    assert (tail[:, 11:] == SILENCE).all()
    assert (mel_window(mel, 1000, 25.0) == SILENCE).all()
