"""Long audio: the phone loop decodes it in pieces cut in pauses, so memory stays flat."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lipsync.core.speech import parameters as P
from lipsync.core.speech import phone_loop
from lipsync.core.speech.acoustics import Acoustics, analyse
from lipsync.core.speech.scoring import bilabial_recall
from lipsync.core.speech.track import _prepare, analyse_speech
from lipsync.core.types import PhoneSegment

HOP = P.HOP_SAMPLES
RATE = P.ANALYSIS_RATE


def acoustics_of(speech: np.ndarray, energy: np.ndarray | None = None) -> Acoustics:
    m = speech.shape[0]
    energy = np.where(speech, -20.0, -60.0) if energy is None else energy
    zeros = np.zeros(m, np.float32)
    times = np.arange(m) * P.HOP_SECONDS
    return Acoustics(times, energy.astype(np.float32), zeros, speech, zeros, zeros)


def test_audio_up_to_the_limit_is_one_piece():
    n = int(P.PHONE_LOOP_PIECE_SECONDS * RATE)
    speech = np.ones(-(-n // HOP), bool)
    assert phone_loop.pieces(acoustics_of(speech), n) == [(0, n)]


@pytest.mark.parametrize("seconds", [61.0, 150.0, 600.0])
def test_pieces_cover_long_audio_and_are_cut_in_the_longest_pause(seconds):
    n = int(seconds * RATE)
    m = -(-n // HOP)
    rng = np.random.default_rng(7)
    speech = np.ones(m, bool)
    for start in rng.integers(0, m - 200, size=int(seconds / 4)):  # pauses of 0.1-1.5 s
        speech[start : start + rng.integers(10, 150)] = False
    cuts = phone_loop.pieces(acoustics_of(speech), n)
    assert cuts[0][0] == 0 and cuts[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cuts))  # contiguous
    limit = P.PHONE_LOOP_PIECE_SECONDS * RATE
    assert all(0 < b - a <= limit for a, b in cuts)
    for a, b in cuts[:-1]:
        first, cut = a // HOP, b // HOP
        assert not speech[cut], "a cut falls in speech while the piece had a pause"
        # the longest pause of the piece's second half holds the cut
        half = speech[first + int(limit // HOP) // 2 : first + int(limit // HOP)]
        runs = np.diff(np.concatenate([[0], (~half).astype(int), [0]]))
        longest = int((np.flatnonzero(runs == -1) - np.flatnonzero(runs == 1)).max())
        left, right = cut, cut
        while left > 0 and not speech[left - 1]:
            left -= 1
        while right < m and not speech[right]:
            right += 1
        assert right - left >= longest


def test_without_a_pause_the_cut_is_at_the_quietest_frame():
    n = int(130 * RATE)
    m = -(-n // HOP)
    energy = np.full(m, -20.0)
    energy[9000] = -35.0  # 90 s: in the second half of the second piece
    energy[4500] = -30.0  # 45 s: the quietest of the first piece's second half
    cuts = phone_loop.pieces(acoustics_of(np.ones(m, bool), energy), n)
    assert [b // HOP for _, b in cuts[:-1]] == [4500, 9000]


def test_long_speech_decoded_in_pieces_keeps_its_phones(truth, monkeypatch):
    """English speech repeated with pauses, decoded with 5 s pieces: the pieces' track finds
    the /p b m/ closures as the whole decode does, at the right times."""
    utt = truth.utterance("en")
    gap = np.zeros(int(0.6 * utt.synthesis.sample_rate), np.float32)
    one = np.concatenate([utt.synthesis.samples.astype(np.float32), gap])
    repeats = 3
    samples = np.tile(one, repeats)
    period = one.shape[0] / utt.synthesis.sample_rate
    segs = [
        PhoneSegment(s.label, s.start + k * period, s.end + k * period, s.confidence, s.source)
        for k in range(repeats)
        for s in utt.truth
    ]
    rate = utt.synthesis.sample_rate
    whole = analyse_speech(samples, rate, truth.FPS)
    monkeypatch.setattr(P, "PHONE_LOOP_PIECE_SECONDS", 5.0)
    x = _prepare(samples, rate)
    cuts = phone_loop.pieces(analyse(x, with_formants=False), x.shape[0])
    assert len(cuts) >= 3
    pieced = analyse_speech(samples, rate, truth.FPS)
    assert bilabial_recall(pieced, segs) >= 0.8
    assert bilabial_recall(pieced, segs) >= bilabial_recall(whole, segs) - 0.15
    assert truth.open_correlation(pieced, whole) > 0.7
