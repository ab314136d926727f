"""The viseme table, the phone sets and the coarticulation model, without audio."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.speech.coarticulation import blend, build_parts, mouth_values, parts_values
from lipsync.core.speech.phonesets import (
    IPA_SYMBOLS,
    arpabet_to_ipa,
    base_symbols,
    ipa_to_arpabet,
    split_ipa,
)
from lipsync.core.speech.visemes import CLASSES, IPA_TO_VISEME, is_bilabial, phone_parts
from lipsync.core.types import MOUTH_PARAMS, PhoneSegment

ARPABET = [
    "AA",
    "AE",
    "AH",
    "AO",
    "AW",
    "AY",
    "B",
    "CH",
    "D",
    "DH",
    "EH",
    "ER",
    "EY",
    "F",
    "G",
    "HH",
    "IH",
    "IY",
    "JH",
    "K",
    "L",
    "M",
    "N",
    "NG",
    "OW",
    "OY",
    "P",
    "R",
    "S",
    "SH",
    "T",
    "TH",
    "UH",
    "UW",
    "V",
    "W",
    "Y",
    "Z",
    "ZH",
]
FPS = 100.0


def _track(labels_and_durations, fps=FPS):
    t, segs = 0.3, []
    for label, dur in labels_and_durations:
        segs.append(PhoneSegment(label, t, t + dur, 1.0, "test"))
        t += dur
    times = np.arange(0, t + 0.6, 1 / fps)
    return times, mouth_values(segs, times, fps), segs


def test_every_symbol_has_a_viseme_and_an_english_phone():
    assert set(IPA_TO_VISEME) >= IPA_SYMBOLS - {"g"}
    for symbol in IPA_SYMBOLS:
        assert ipa_to_arpabet(symbol), symbol
    for phone in ARPABET:
        assert base_symbols(phone + "1"), phone
        assert all(s in IPA_TO_VISEME for s in base_symbols(phone))
    for cls in CLASSES.values():
        assert len(cls.target) == len(MOUTH_PARAMS) == len(cls.strength)


def test_labels_are_normalised():
    assert split_ipa("ˈaɪ") == ["a", "ɪ"]
    assert split_ipa("tʃ") == ["tʃ"]
    assert split_ipa("ɑ̃") == ["ɑ"]
    assert split_ipa("(en)") == []
    assert arpabet_to_ipa("AH0") == "ə" and arpabet_to_ipa("AH1") == "ʌ"
    assert is_bilabial("m") and is_bilabial("P") and is_bilabial("ˈb") and not is_bilabial("f")
    first, second = phone_parts("aʊ")
    assert first[0].name == "open_front" and second[0].name == "close_round"


def test_short_bilabial_reaches_full_closure_at_25_fps():
    for offset in np.linspace(0, 0.04, 9):  # wherever the 20 ms /b/ falls between frames
        times, values, segs = _track([("a", 0.15 + offset), ("b", 0.02), ("a", 0.15)], fps=25)
        closure = values[:, MOUTH_PARAMS.index("closure")]
        b = segs[1]
        near = np.abs(times - (b.start + b.end) / 2) <= 0.5 / 25 + 0.01
        assert closure[near].max() == pytest.approx(1.0)
        assert values[near, 0].min() <= 0.05  # mouth shut on that frame


def test_anticipatory_rounding_and_smoothness():
    times, values, segs = _track([("s", 0.08), ("t", 0.06), ("ɹ", 0.06), ("u", 0.2)])
    rnd = values[:, MOUTH_PARAMS.index("round")]
    u_start = segs[3].start
    before = (times > u_start - 0.1) & (times < u_start)
    assert rnd[before].max() > 0.3  # lips round before the vowel starts
    times, values, _ = _track([("s", 0.1), ("i", 0.2), ("s", 0.1)])
    assert values[:, MOUTH_PARAMS.index("round")].max() < 0.2
    assert np.abs(np.diff(values[:, 0])).max() < 0.2  # no jumps at 100 fps


def test_silence_relaxes_to_neutral():
    times, values, segs = _track([("a", 0.2), ("_", 0.5), ("a", 0.2)])
    pause = segs[1]
    middle = np.abs(times - (pause.start + pause.end) / 2) < 0.05
    assert np.abs(values[middle]).max() < 0.05
    assert np.abs(values[0]).max() < 0.05 and np.abs(values[-1]).max() < 0.05
    # a short word gap keeps the mouth moving
    times, values, segs = _track([("a", 0.2), ("_", 0.04), ("a", 0.2)])
    gap = (times >= segs[1].start) & (times < segs[1].end)
    assert values[gap, 0].min() > 0.3


def test_recogniser_noise_floor_is_faint_and_reproducible():
    from lipsync.core.speech import parameters as P
    from lipsync.core.speech.sphinx import with_noise_floor

    rng = np.random.default_rng(3)
    speech = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    speech[4000:6000] = 0.0  # a digitally silent closure
    heard = with_noise_floor(speech)
    np.testing.assert_array_equal(heard, with_noise_floor(speech))
    floor_db = 10 * np.log10(np.mean(heard[4000:6000] ** 2) / np.mean(speech[:4000] ** 2))
    assert abs(floor_db + P.RECOGNISER_FLOOR_BELOW_PEAK_DB) < 3.0
    assert np.all(with_noise_floor(np.zeros(800, dtype=np.float32)) == 0.0)


def _syllables() -> list[PhoneSegment]:
    labels = ["_", "m", "a", "t", "i", "p", "o", "s", "a", "_"]
    return [PhoneSegment(lab, 0.08 * k, 0.08 * k + 0.08) for k, lab in enumerate(labels)]


def test_open_is_spread_over_time_and_closures_stay_shut():
    parts = build_parts(_syllables())
    times = np.arange(0.0, 0.8, 0.04)
    plain = parts_values(parts, times, 25.0)
    spread = parts_values(parts, times, 25.0, open_spread=0.1)
    opening, closure = MOUTH_PARAMS.index("open"), MOUTH_PARAMS.index("closure")
    assert np.abs(np.diff(spread[:, opening])).max() < np.abs(np.diff(plain[:, opening])).max()
    np.testing.assert_array_equal(spread[:, closure], plain[:, closure])
    shut = plain[:, closure] >= 0.99  # the frames the contacts close
    assert shut.any() and (spread[shut, opening] <= plain[shut, opening].max() + 1e-6).all()


def test_a_spread_reaching_only_so_far_weighs_only_those_times():
    """Live speech is known a look-ahead past each frame: within ``open_reach`` the spread is
    the same Gaussian's taps, renormalised (here the three 0.05 s apart)."""
    labels = ["_", "t", "a", "s", "i", "k", "o", "n", "a", "_"]  # no lip contact to impose
    parts = build_parts([PhoneSegment(x, 0.08 * k, 0.08 * k + 0.08) for k, x in enumerate(labels)])
    times = np.array([0.2, 0.33, 0.5])
    got = parts_values(parts, times, 25.0, open_spread=0.1, open_reach=0.08)
    w = np.exp(-0.5 * np.array([0.25, 0.0, 0.25]))
    taps = [blend(parts, times + d)[:, MOUTH_PARAMS.index("open")] for d in (-0.05, 0.0, 0.05)]
    want = sum(wk * tk for wk, tk in zip(w / w.sum(), taps, strict=True))
    np.testing.assert_allclose(got[:, MOUTH_PARAMS.index("open")], want, atol=1e-5)
    whole = parts_values(parts, times, 25.0, open_spread=0.1)  # out to 0.2 s: differs
    assert np.abs(whole - got).max() > 1e-3


def test_levelling_a_levelled_curve_keeps_its_gain():
    """The level is measured without the curve's own gain: levelling twice gives the gain
    of levelling once (it reset to about 1 when measured on already-raised values)."""
    from lipsync.core.speech.track import MouthCurve, levelled

    phones, t = [], 0.3
    for label in ["HH", "AH", "L", "OW", "W", "ER", "L", "D"] * 3:
        phones.append(PhoneSegment(label, t, t + 0.09, 0.6, "audio"))
        t += 0.09
    once = levelled(MouthCurve(tuple(phones), "audio", 25.0))
    assert once.open_gain > 1.05  # the recognised phones' opening is raised
    twice = levelled(once)
    assert twice.open_gain == once.open_gain
    times = np.arange(0.0, t, 0.04)
    np.testing.assert_array_equal(twice.values(times), once.values(times))
