"""The spectral cue that recovers bilabials the phone loop heard as /V F TH DH/, and its own
/F V/, which lose their lip contact."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.speech import parameters as P
from lipsync.core.speech.coarticulation import mouth_values
from lipsync.core.speech.labial import (
    BILABIAL_LABEL,
    close_onsets,
    hedge_labiodentals,
    is_bilabial_onset,
    phrase_onsets,
    recover_bilabials,
    spectral_centroid,
)
from lipsync.core.speech.track import analyse_speech
from lipsync.core.speech.visemes import LABIODENTAL
from lipsync.core.types import PhoneSegment

RATE = P.ANALYSIS_RATE


def _tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _hiss(seconds: float) -> np.ndarray:
    """Frication-like noise: white noise with its low frequencies removed (first difference)."""
    noise = np.random.default_rng(0).standard_normal(round(seconds * RATE) + 1)
    return (0.1 * np.diff(noise)).astype(np.float32)


def test_centroid_follows_where_the_energy_is():
    assert spectral_centroid(_tone(300.0, 0.1), 0.0, 0.1) == pytest.approx(300.0, rel=0.05)
    assert spectral_centroid(_hiss(0.1), 0.0, 0.1) > 4000.0


def test_centroid_of_nothing_is_zero():
    assert spectral_centroid(np.zeros(1600, np.float32), 0.0, 0.1) == 0.0
    assert spectral_centroid(_tone(300.0, 0.1), 0.05, 0.0505) == 0.0  # 8 samples
    assert spectral_centroid(_tone(300.0, 0.1), 0.2, 0.3) == 0.0  # past the end


def _speech_with(middle: np.ndarray) -> np.ndarray:
    vowel = _tone(700.0, 0.1)
    return np.concatenate([vowel, middle, vowel])


def _segments(label: str, after: str = "AA") -> list[PhoneSegment]:
    return [
        PhoneSegment("AA", 0.0, 0.1, 0.9, "audio"),
        PhoneSegment(label, 0.1, 0.16, 0.9, "audio"),
        PhoneSegment(after, 0.16, 0.26, 0.9, "audio"),
    ]


@pytest.mark.parametrize("label", sorted(P.LABIAL_AMBIGUOUS))
def test_a_low_front_consonant_before_speech_becomes_a_bilabial(label):
    audio = _speech_with(_tone(250.0, 0.06))  # murmur-like: all energy low
    out = recover_bilabials(_segments(label), audio)
    assert [s.label for s in out] == ["AA", BILABIAL_LABEL, "AA"]
    assert (out[1].start, out[1].end, out[1].confidence) == (0.1, 0.16, 0.9)


def test_a_fricative_keeps_its_label():
    out = recover_bilabials(_segments("F"), _speech_with(_hiss(0.06)))
    assert [s.label for s in out] == ["AA", "F", "AA"]


def test_before_a_pause_or_at_the_end_nothing_changes():
    audio = _speech_with(_tone(250.0, 0.06))
    assert [s.label for s in recover_bilabials(_segments("V", after="_"), audio)][1] == "V"
    assert [s.label for s in recover_bilabials(_segments("V")[:2], audio)][1] == "V"


@pytest.mark.parametrize("label", ["T", "K", "S", "AA", "_"])
def test_other_phones_are_left_alone(label):
    audio = _speech_with(_tone(250.0, 0.06))
    assert recover_bilabials(_segments(label), audio)[1].label == label


def test_phrase_onsets_are_the_start_and_starts_after_real_pauses():
    times = np.arange(40) * P.HOP_SECONDS
    speech = np.zeros(40, dtype=bool)
    speech[2:10] = True  # the first phrase, whatever came before
    speech[12:20] = True  # after a 20 ms gap: the same phrase
    speech[30:40] = True  # after 100 ms of pause: a new phrase
    assert phrase_onsets(speech, times) == pytest.approx([0.02, 0.30])
    assert phrase_onsets(np.zeros(5, dtype=bool), times[:5]) == []


def _phrase(head: np.ndarray) -> np.ndarray:
    """Silence, a 40 ms head, then a loud vowel."""
    return np.concatenate([np.zeros(1600, np.float32), head, 3 * _tone(700.0, 0.2)])


def test_a_quiet_low_head_is_closed_lips():
    assert is_bilabial_onset(_phrase(0.3 * _tone(250.0, 0.04)), 0.1)  # a murmur, 19 dB down


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(3 * _tone(700.0, 0.04), id="vowel at full strength"),
        pytest.param(_hiss(0.04), id="frication"),
        pytest.param(np.zeros(640, np.float32), id="nothing"),
    ],
)
def test_other_phrase_starts_are_not(head):
    assert not is_bilabial_onset(_phrase(head), 0.1)


def test_close_onsets_inserts_a_bilabial_over_the_head():
    audio = _phrase(0.3 * _tone(250.0, 0.04))
    segments = [
        PhoneSegment("_", 0.0, 0.11, 1.0, "audio"),
        PhoneSegment("W", 0.11, 0.16, 0.8, "audio"),
        PhoneSegment("AA", 0.16, 0.34, 0.9, "audio"),
    ]
    out = close_onsets(segments, audio, [0.1])
    assert [(s.label, round(s.start, 3), round(s.end, 3)) for s in out] == [
        ("_", 0.0, 0.1),
        (BILABIAL_LABEL, 0.1, 0.14),
        ("W", 0.14, 0.16),
        ("AA", 0.16, 0.34),
    ]
    assert close_onsets(out, audio, [0.1]) == out  # a bilabial there already: unchanged


def test_the_loops_labiodentals_lose_their_contact():
    segments = [PhoneSegment(label, 0.1 * i, 0.1 * i + 0.1, 0.9, "audio")
                for i, label in enumerate(["F", "AA", "V", "B", "TH"])]  # fmt: skip
    out = hedge_labiodentals(segments)
    assert [s.label for s in out] == ["TH", "AA", "DH", "B", "TH"]
    assert [(s.start, s.end, s.confidence) for s in out] == [
        (s.start, s.end, s.confidence) for s in segments
    ]
    grid = np.arange(0.0, 0.5, 0.02)
    assert mouth_values(out, grid, 25.0)[:, LABIODENTAL].max() < 0.2
    assert mouth_values(segments, grid, 25.0)[:, LABIODENTAL].max() == 1.0


FRICATIVES = "Five fine vans drove forward over the vast valley of Devon."


def test_audio_only_analysis_draws_no_labiodental_contact(truth):
    """A sentence full of /f v/, heard without its transcript: the phone loop's /F V/ are wrong
    three times in four (see lipsync.core.speech.labial), so none closes the lips; with the
    transcript they come from the words and do."""
    syn, text = truth.synthesize(FRICATIVES, "en", "en-us"), FRICATIVES
    heard = analyse_speech(syn.samples, syn.sample_rate, 25.0)
    assert heard.source == "audio"
    assert not any(p.label in ("F", "V") for p in heard.phones)
    assert heard.param("labiodental").max() < 0.5
    aligned = analyse_speech(syn.samples, syn.sample_rate, 25.0, text=text)
    assert aligned.param("labiodental").max() >= 0.9
