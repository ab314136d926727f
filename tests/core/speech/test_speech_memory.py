"""Speech analysis memory: the audio is held once, and what the analysis allocates besides it
does not grow with the audio's length (the acceptance: lipsync sync's peak memory flat from 1 to
10 minutes of video). Measured with tracemalloc, which counts numpy's buffers."""

from __future__ import annotations

import numpy as np
import pytest
from allocations import peak_allocated

from lipsync.core.speech import parameters as P
from lipsync.core.speech.coarticulation import mouth_values
from lipsync.core.speech.track import (
    MouthCurve,
    _prepare,
    _prepared_length,
    analyse_speech,
    analyse_speech_curve,
    resample,
)
from lipsync.core.types import PhoneSegment

RATE = P.ANALYSIS_RATE


def speech_of(truth, seconds: float) -> np.ndarray:
    """English espeak-ng speech at 16 kHz, with a pause after each sentence, ``seconds`` long."""
    utt = truth.utterance("en")
    one = resample(utt.synthesis.samples.astype(np.float32), utt.synthesis.sample_rate)
    one = np.concatenate([one, np.zeros(int(0.6 * RATE), np.float32)])
    n = int(seconds * RATE)
    return np.tile(one, -(-n // one.shape[0]))[:n].copy()


def same_curve(a: MouthCurve, b: MouthCurve) -> bool:
    loud = (a.loudness is None) == (b.loudness is None)
    if loud and a.loudness is not None and b.loudness is not None:
        loud = all(np.array_equal(x, y) for x, y in zip(a.loudness, b.loudness, strict=True))
    return a.phones == b.phones and a.source == b.source and a.open_gain == b.open_gain and loud


def test_prepared_in_place_is_the_same_audio_without_a_copy():
    rng = np.random.default_rng(3)
    x = (0.3 * rng.standard_normal(5 * RATE) + 0.05).astype(np.float32)
    x[100] = 4.0  # clipped
    copied = _prepare(x, RATE)
    assert copied is not x and x[100] == 4.0  # the caller's audio is left as it was
    work = x.copy()
    inplace = _prepare(work, RATE, in_place=True)
    assert inplace is work
    assert np.array_equal(inplace, copied)
    # a view of the caller's audio is the caller's audio: copied
    view = x[::1]
    assert not np.shares_memory(_prepare(view, RATE), x)


@pytest.mark.parametrize(
    ("shape", "rate"), [((16000,), 16000), ((44100,), 44100), ((3000, 2), 48000), ((2, 999), 8000)]
)
def test_prepared_length_without_preparing(shape, rate):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32) * 0.1
    assert _prepared_length(x, rate) == _prepare(x, rate).shape[0]


def test_analysis_in_place_gives_the_same_curve_and_saves_the_copy(truth):
    x = speech_of(truth, 30.0)
    copied = analyse_speech_curve(x, RATE, truth.FPS)
    work = x.copy()
    inplace = analyse_speech_curve(work, RATE, truth.FPS, in_place=True)
    assert inplace.source == "audio" and len(inplace.phones) > 50
    assert same_curve(inplace, copied)
    assert not np.array_equal(work, x)  # worked on: its DC offset removed
    times = np.arange(0, 30.0, 1 / truth.FPS)
    assert np.array_equal(inplace.values(times), copied.values(times))

    with_copy = peak_allocated(lambda: analyse_speech_curve(x, RATE, truth.FPS))
    work = x.copy()
    without = peak_allocated(lambda: analyse_speech_curve(work, RATE, truth.FPS, in_place=True))
    assert with_copy - without >= 0.9 * x.nbytes


def test_analysis_memory_besides_the_audio_does_not_grow_with_its_length(truth, monkeypatch):
    """20 s and 80 s of speech decoded in pieces of at most 10 s (as 1 and 10 minutes are in
    pieces of 60 s): the analysis allocates about as much for both, beyond the audio it is
    given (a copy of it, or a whole-length temporary, would add 3.8 MB)."""
    monkeypatch.setattr(P, "PHONE_LOOP_PIECE_SECONDS", 10.0)
    peaks = {}
    for seconds in (20.0, 80.0):
        x = speech_of(truth, seconds)
        peaks[seconds] = peak_allocated(
            lambda x=x: analyse_speech_curve(x, RATE, truth.FPS, in_place=True)
        )
    grown = peaks[80.0] - peaks[20.0]
    audio = 60.0 * RATE * 4  # bytes of the 60 s more
    assert grown < 0.25 * audio, f"{grown / 2**20:.2f} MiB more for 60 s more audio"


def test_track_of_a_file_is_the_track_of_its_samples(truth, tmp_path):
    """analyse_speech_file analyses the decoded audio in place: the same track as the samples
    analysed on a copy."""
    from lipsync.core.media import load_audio, save_audio
    from lipsync.core.speech import analyse_speech_file

    path = save_audio(tmp_path / "speech.wav", speech_of(truth, 12.0), RATE)
    samples = load_audio(path, RATE)
    keep = samples.copy()
    expected = analyse_speech(samples, RATE, truth.FPS)
    assert np.array_equal(samples, keep)
    got = analyse_speech_file(path, truth.FPS, use_sidecar=False)
    assert np.array_equal(got.values, expected.values)
    assert np.array_equal(got.times, expected.times) and got.phones == expected.phones


def phones_of(seconds: float) -> tuple[PhoneSegment, ...]:
    """A long speech's phones: syllables of bilabials, labiodentals and vowels, with pauses."""
    labels = ["M", "AA", "P", "IY", "F", "UW", "B", "AE", "V", "OW", "SIL", "W", "EH", "T"]
    out, t, k = [], 0.0, 0
    while t < seconds:
        length = 0.05 + 0.04 * (k % 5)
        out.append(PhoneSegment(labels[k % len(labels)], t, t + length, 0.8, "audio"))
        t, k = t + length, k + 1
    return tuple(out)


def test_a_block_of_frames_costs_the_same_whatever_the_speech_length():
    """The stream asks the curve for a few frames at a time: the same values as the whole
    speech's, and (its parts built once) no more memory for 10 minutes of phones than for 1
    (building the parts on every call allocated in proportion to the phones)."""
    peaks = {}
    for minutes in (1, 10):
        phones = phones_of(60.0 * minutes)
        curve = MouthCurve(phones, "audio", 30.0)
        block = 40.0 + np.arange(-1, 14) / 30.0
        assert np.array_equal(curve.values(block), mouth_values(phones, block, 30.0))
        peaks[minutes] = peak_allocated(lambda curve=curve, block=block: curve.values(block))
    assert peaks[10] < 1.5 * peaks[1] + 64 * 1024, peaks
