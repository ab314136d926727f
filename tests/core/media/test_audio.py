"""Audio loading from any container as float32 mono at a requested rate; WAV writing."""

from __future__ import annotations

import numpy as np
import pytest
from mediatools import ffmpeg

from lipsync.core.errors import InputError, MediaError, NoStreamError
from lipsync.core.media import iter_audio, load_audio, save_audio


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 96000])
def test_load_audio_from_video_file_at_any_rate(clip, rate):
    audio = load_audio(clip, sample_rate=rate)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(rate * 1.0, rel=0.03)
    assert dominant_frequency(audio, rate) == pytest.approx(440, abs=5)


def test_stereo_is_mixed_to_mono(tmp_path):
    path = tmp_path / "stereo.wav"
    # left 300 Hz, right 700 Hz: the mono mix holds both at half amplitude
    ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=300:duration=1",
        "-f", "lavfi", "-i", "sine=frequency=700:duration=1",
        "-filter_complex", "[0][1]amerge=inputs=2", str(path),
    )  # fmt: skip
    mono = load_audio(path, 16000)
    spectrum = np.abs(np.fft.rfft(mono))
    freqs = np.fft.rfftfreq(len(mono), 1 / 16000)
    peaks = sorted(freqs[np.argsort(spectrum)[-2:]].round())
    assert peaks == [300, 700]
    chunks = list(iter_audio(path, chunk=1000))
    assert all(c.shape[0] == 2 for c in chunks)
    assert all(c.shape[1] == 1000 for c in chunks[:-1])


def test_audio_only_and_video_only_inputs(make_clip, tmp_path):
    audio_only = make_clip("a.m4a", video=False)
    assert len(load_audio(audio_only)) > 15000
    video_only = make_clip("v.mp4", audio=False)
    with pytest.raises(NoStreamError, match="no audio stream"):
        load_audio(video_only)


def test_save_audio_roundtrip(tmp_path):
    rate = 22050
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 250 * t)).astype(np.float32)
    path = save_audio(tmp_path / "tone.wav", tone, rate)
    back = load_audio(path, rate)
    assert np.max(np.abs(back - tone)) < 1e-3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lipsync-tmp")]


def test_save_audio_rejects_bad_rate(tmp_path):
    with pytest.raises(InputError, match="sample rate"):
        save_audio(tmp_path / "x.wav", np.zeros(10, np.float32), 0)


def test_text_file_is_not_audio(tmp_path):
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio\n" * 50)
    with pytest.raises(MediaError, match="not media ffmpeg can read"):
        load_audio(bogus)
