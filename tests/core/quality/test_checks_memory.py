"""The preflight's audio measures hold the audio at most once more (not at all for audio the
preflight decoded itself), and allocate besides it about as much for a long clip as for a
short one: on 10 minutes of speech they were the peak of lipsync sync. Measured with
tracemalloc, which counts numpy's buffers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from allocations import peak_allocated

from lipsync.core.quality.checks_audio import RATE, AudioMeasures, measure_audio


def babble(seconds: float, seed: int = 5) -> np.ndarray:
    """Voiced-like audio: a 140 Hz buzz in syllable-rate bursts, with a DC offset and noise."""
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(seed)
    buzz = np.sign(np.sin(2 * np.pi * 140 * t)) * (np.sin(2 * np.pi * 3.1 * t) > 0)
    return (0.2 * buzz + 0.01 * rng.standard_normal(t.shape[0]) + 0.02).astype(np.float32)


def same(a: AudioMeasures, b: AudioMeasures) -> bool:
    return all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in dataclasses.fields(AudioMeasures)
    )


@pytest.mark.parametrize("seconds", [0.0, 0.005, 0.011, 0.04, 3.0, 21.37])
def test_in_place_measures_are_the_same(seconds):
    x = babble(seconds)
    keep = x.copy()
    copied = measure_audio(x, RATE)
    assert np.array_equal(x, keep)  # the caller's audio is left as it was
    work = x.copy()
    assert same(measure_audio(work, RATE, in_place=True), copied)
    assert len(copied.times) == copied.energy_db.shape[0] == copied.flatness.shape[0]


def test_in_place_saves_the_copy_and_nothing_grows_with_the_length():
    peaks = {}
    for seconds in (20.0, 80.0):
        x = babble(seconds)
        peaks[seconds] = peak_allocated(lambda x=x: measure_audio(x, RATE, in_place=True))
    grown = peaks[80.0] - peaks[20.0]
    audio = 60.0 * RATE * 4  # bytes of the 60 s more
    assert grown < 0.25 * audio, f"{grown / 2**20:.2f} MiB more for 60 s more audio"
    x = babble(80.0)
    with_copy = peak_allocated(lambda: measure_audio(x, RATE))
    assert with_copy - peaks[80.0] >= 0.9 * x.nbytes
