"""Acoustic measures on real espeak-ng speech, located by espeak's own phoneme events."""

from __future__ import annotations

import numpy as np

from lipsync.core.speech.acoustics import analyse
from lipsync.core.speech.phonesets import split_ipa
from lipsync.core.speech.track import _prepare

OPEN_VOWELS = {"a", "æ", "ɑ"}
CLOSE_FRONT = {"i", "ɪ"}
BACK_ROUNDED = {"u", "ʊ", "o", "ɔ"}


def _median_formants(english, vowels: set[str]) -> tuple[float, float]:
    syn = english.synthesis
    acoustics = analyse(_prepare(syn.samples, syn.sample_rate))
    f1, f2 = [], []
    for seg in english.truth:
        parts = split_ipa(seg.label)
        if len(parts) != 1 or parts[0] not in vowels:
            continue  # monophthongs only
        inside = (acoustics.times >= seg.start + 0.02) & (acoustics.times < seg.end - 0.02)
        inside &= acoustics.f1 > 0
        f1 += acoustics.f1[inside].tolist()
        f2 += acoustics.f2[inside].tolist()
    assert len(f1) >= 5, f"too few frames of {sorted(vowels)} in the test sentence"
    return float(np.median(f1)), float(np.median(f2))


def test_formants_place_the_vowels(english):
    """F1 rises with the jaw, F2 falls with rounding and backing (textbook male values:
    /æ/ ~ 660 / 1700 Hz, /ɑ/ ~ 730 / 1100, /ɪ/ ~ 390 / 2000, /i/ ~ 270 / 2300, /u/ ~ 300 / 900)."""
    open_f1, open_f2 = _median_formants(english, OPEN_VOWELS)
    close_f1, close_f2 = _median_formants(english, CLOSE_FRONT)
    back_f1, back_f2 = _median_formants(english, BACK_ROUNDED)
    assert 550 < open_f1 < 1000 and close_f1 < 500 and back_f1 < 650
    assert open_f1 > close_f1 + 200
    assert close_f2 > 1800 and close_f2 > back_f2 + 700
    assert open_f2 > back_f2


def test_formants_are_zero_outside_speech(english):
    syn = english.synthesis
    silence = np.zeros(16000, dtype=np.float32)
    x = np.concatenate([silence, _prepare(syn.samples, syn.sample_rate)])
    acoustics = analyse(x)
    assert not acoustics.speech[:90].any()
    assert (acoustics.f1[:90] == 0).all() and (acoustics.f2[:90] == 0).all()
    both = (acoustics.f1 > 0) & (acoustics.f2 > 0)
    assert both.sum() > 100 and (acoustics.f2[both] > acoustics.f1[both]).all()
