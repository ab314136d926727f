"""Odd audio: silence, very short, low and high rates, stereo, clipped, noisy, unreadable."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from lipsync.core.errors import InputError, MediaError, MediaNotFoundError
from lipsync.core.media import save_audio
from lipsync.core.speech.phone_events import read_sidecar, sidecar_path, write_sidecar
from lipsync.core.speech.track import analyse_speech, analyse_speech_file
from lipsync.core.types import MOUTH_PARAMS


def _valid(track, n_frames=None):
    assert track.values.dtype == np.float32
    assert track.values.shape == (len(track.times), len(MOUTH_PARAMS))
    assert np.isfinite(track.values).all()
    assert (track.values >= -1.0).all() and (track.values <= 1.0).all()
    if n_frames is not None:
        assert len(track) == n_frames


@pytest.mark.parametrize("text", [None, "hello world"])
def test_silence_gives_a_neutral_closed_track(truth, text):
    track = analyse_speech(np.zeros(32000, dtype=np.float32), 16000, truth.FPS, text=text)
    _valid(track, 50)
    assert track.source == "silence"
    assert np.all(track.values == 0.0)
    quiet = np.random.default_rng(0).normal(0, 1e-4, 48000).astype(np.float32)  # -80 dBFS hiss
    assert np.all(analyse_speech(quiet, 48000, truth.FPS).param("open") == 0.0)


def test_100_ms_of_audio(truth, english):
    syn = english.synthesis
    start = int(0.5 * syn.sample_rate)  # inside the first words
    piece = syn.samples[start : start + syn.sample_rate // 10]
    track = analyse_speech(piece, syn.sample_rate, truth.FPS)
    _valid(track, 3)
    empty = analyse_speech(np.zeros(0, dtype=np.float32), 16000, truth.FPS)
    _valid(empty, 0)


@pytest.mark.parametrize("rate", [8000, 96000])
def test_low_and_high_sample_rates(truth, english, rate):
    syn = english.synthesis
    audio = resample_poly(syn.samples, rate, syn.sample_rate).astype(np.float32)
    track = analyse_speech(audio, rate, truth.FPS, text=english.text)
    _valid(track)
    assert track.source == "alignment"
    assert truth.bilabial_recall(track, english.truth) >= 0.8
    assert truth.open_correlation(track, english.reference) >= 0.7


def test_stereo_clipped_and_noisy(truth, english):
    syn = english.synthesis
    rng = np.random.default_rng(1)
    stereo = np.stack([syn.samples, 0.5 * syn.samples], axis=1)
    clipped = np.clip(syn.samples * 8.0, -1.0, 1.0)
    power = float(np.mean(syn.samples**2))
    noisy = syn.samples + rng.normal(0, np.sqrt(power / 10**1.5), syn.samples.shape)  # 15 dB
    for audio in (stereo, stereo.T, clipped, noisy.astype(np.float32)):
        track = analyse_speech(audio, syn.sample_rate, truth.FPS, text=english.text)
        _valid(track)
        assert track.source == "alignment"
        assert truth.bilabial_recall(track, english.truth) >= 0.8
        assert truth.open_correlation(track, english.reference) >= 0.7
    int16 = (syn.samples * 32767).astype(np.int16)
    _valid(analyse_speech(int16, syn.sample_rate, truth.FPS))  # audio only, integer samples
    noisy_only = analyse_speech(noisy.astype(np.float32), syn.sample_rate, truth.FPS)
    _valid(noisy_only)
    assert noisy_only.param("open").max() > 0.2


def test_non_finite_samples_and_bad_arguments(truth, english):
    audio = english.synthesis.samples.copy()
    audio[100:200] = np.nan
    _valid(analyse_speech(audio, english.synthesis.sample_rate, truth.FPS))
    with pytest.raises(InputError, match="frame rate"):
        analyse_speech(audio, 22050, 0)
    with pytest.raises(InputError, match="sample rate"):
        analyse_speech(audio, -5, truth.FPS)
    with pytest.raises(InputError, match="shape"):
        analyse_speech(np.zeros((2, 2, 2)), 16000, truth.FPS)


def test_explicit_frame_times(truth, english):
    syn = english.synthesis
    times = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    track = analyse_speech(syn.samples, syn.sample_rate, truth.FPS, frame_times=times,
                           espeak_events=syn.events)  # fmt: skip
    np.testing.assert_allclose(track.times, times)
    ref = english.reference.param("open")[[0, 12, 25, 37, 50]]
    assert np.abs(track.param("open") - ref).max() < 0.1  # contact frames depend on the grid


def test_unreadable_and_missing_files(truth, tmp_path):
    bad = tmp_path / "speech.wav"
    bad.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(MediaError) as info:
        analyse_speech_file(bad)
    assert "speech.wav" in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(MediaNotFoundError):
        analyse_speech_file(tmp_path / "missing.wav")


def test_sidecar_is_used_and_stale_one_ignored(truth, english, tmp_path, caplog):
    syn = english.synthesis
    wav = tmp_path / "speech.wav"
    save_audio(wav, syn.samples, syn.sample_rate)
    assert write_sidecar(wav, syn.events) == sidecar_path(wav)
    assert sidecar_path(wav).name == "speech.wav.phones.json"
    assert read_sidecar(wav).events == syn.events.events
    track = analyse_speech_file(wav, fps=truth.FPS)
    assert track.source == "espeak"
    assert truth.bilabial_recall(track, english.truth) == 1.0

    short = tmp_path / "short.wav"
    save_audio(short, syn.samples[: syn.sample_rate], syn.sample_rate)  # edited after synthesis
    write_sidecar(short, syn.events)
    with caplog.at_level("WARNING", logger="lipsync"):
        assert analyse_speech_file(short, fps=truth.FPS).source != "espeak"
    assert "Ignoring" in caplog.text

    sidecar_path(wav).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="phone sidecar"):
        analyse_speech_file(wav)
