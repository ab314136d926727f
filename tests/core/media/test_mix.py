"""Dub mixes: pieces placed on silence, speed changes, digests, reading one stretch of a file."""

from __future__ import annotations

import numpy as np
import pytest
from mediatools import ffmpeg

from lipsync.core.errors import NoStreamError
from lipsync.core.media import load_audio
from lipsync.core.media.mix import digest, place, read_span, retime, write_mix


def test_place_offsets_cuts_and_sums():
    one = np.ones(4, np.float32)
    out = place(10, [(2, one * 0.25), (-2, one * 0.5), (8, one * 0.25), (3, one * 0.5)])
    expected = [0.5, 0.5, 0.25, 0.75, 0.75, 0.75, 0.5, 0, 0.25, 0.25]
    assert out.dtype == np.float32 and np.allclose(out, expected)
    assert np.array_equal(place(3, []), np.zeros(3, np.float32))
    assert place(2, [(0, np.ones(2) * 0.8), (0, np.ones(2) * 0.8)]).max() == 1.0  # clipped


def test_retime_changes_duration_keeps_shape():
    ramp = np.linspace(0, 1, 101, dtype=np.float32)
    half = retime(ramp, 51)
    assert half.shape == (51,) and np.allclose(half, np.linspace(0, 1, 51), atol=1e-6)
    assert retime(ramp, 101) is not ramp and np.array_equal(retime(ramp, 101), ramp)
    assert np.array_equal(retime(np.zeros(0, np.float32), 5), np.zeros(5, np.float32))
    tone = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000).astype(np.float32)
    slowed = retime(tone, 96000)  # twice as long: half the pitch
    spectrum = np.abs(np.fft.rfft(slowed))
    assert np.fft.rfftfreq(96000, 1 / 48000)[spectrum.argmax()] == pytest.approx(220, abs=2)


def test_digest_names_the_sound():
    a = np.sin(np.arange(1000) / 10).astype(np.float32)
    assert digest(a, 48000) == digest(a.copy(), 48000)
    assert digest(a, 48000) != digest(a[1:], 48000)
    assert digest(a, 48000) != digest(a, 44100)


@pytest.fixture(scope="module")
def counting(tmp_path_factory):
    """4 s at 44.1 kHz whose level steps up every second: 0.1, 0.2, 0.3, 0.4 (DC-free)."""
    folder = tmp_path_factory.mktemp("mix")
    path = folder / "steps.wav"
    expr = "0.1*(1+floor(t))*sin(2*PI*1000*t)"
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={expr}:s=44100:d=4", str(path))
    return path


def level(samples):
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) * np.sqrt(2))


@pytest.mark.parametrize("start", [0.25, 2.25])  # before and after the seek margin
def test_read_span_reads_just_that_stretch(counting, start):
    span = read_span(counting, start, 0.5, 48000)
    assert span.shape == (24000,) and span.dtype == np.float32
    whole = load_audio(counting, 48000)
    at = round(start * 48000)
    assert np.allclose(span, whole[at : at + 24000], atol=2e-3)
    assert level(span) == pytest.approx(0.1 * (1 + int(start)), abs=0.01)


def test_read_span_pads_with_silence(counting):
    before = read_span(counting, -0.5, 1.0, 48000)
    assert np.all(before[:24000] == 0) and level(before[24000:]) == pytest.approx(0.1, abs=0.01)
    after = read_span(counting, 3.75, 0.5, 48000)
    assert level(after[:12000]) == pytest.approx(0.4, abs=0.01)
    assert np.all(after[12500:] == 0)
    assert read_span(counting, 10, 0.1, 48000).shape == (4800,)
    assert read_span(counting, 0, 0).shape == (0,)


def test_write_mix_and_no_audio(tmp_path, counting):
    tone = (0.5 * np.sin(np.arange(4800) / 5)).astype(np.float32)
    path = write_mix(tmp_path / "mix.wav", tone)
    assert np.allclose(load_audio(path, 48000), tone, atol=1e-4)
    silent = tmp_path / "video.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:duration=0.2", str(silent))
    with pytest.raises(NoStreamError, match="no audio stream"):
        read_span(silent, 0, 0.1)
