"""The recognisers' noise floor: high under digitally quiet speech, low under a real recording."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.media import load_audio
from lipsync.core.speech import parameters as P
from lipsync.core.speech.phone_loop import digital_quiet, floor_below_peak_db
from lipsync.core.speech.sphinx import floor_sd, recogniser_pcm, to_pcm, with_noise_floor
from lipsync.core.speech.track import analyse_speech_curve

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"


def _aperture(values: np.ndarray) -> np.ndarray:
    return values[:, 0] * (1 - values[:, 3]) * (1 - values[:, 4])


def test_the_floor_follows_whether_the_speech_is_digitally_quiet(english):
    real = load_audio(CLIP, sample_rate=P.ANALYSIS_RATE)
    synthetic = english.synthesis.samples
    assert digital_quiet(synthetic) and not digital_quiet(real)
    assert floor_below_peak_db(True) == P.RECOGNISER_FLOOR_BELOW_PEAK_DB
    assert floor_below_peak_db(False) == P.RECORDED_FLOOR_BELOW_PEAK_DB
    assert P.RECORDED_FLOOR_BELOW_PEAK_DB > P.RECOGNISER_FLOOR_BELOW_PEAK_DB
    # the noise added is the level asked for, below the loud hops
    sd = floor_sd(real, 60.0)
    added = with_noise_floor(real, 60.0) - real
    assert np.std(added) == pytest.approx(sd, rel=0.05)
    assert floor_sd(real, 30.0) == pytest.approx(sd * 10 ** (30 / 20), rel=1e-6)


def test_every_recogniser_hears_a_recording_under_its_faint_floor(english):
    """Word recognition and forced alignment take their audio through ``recogniser_pcm`` as
    the phone loop does: the faint floor under a real recording, the louder one under
    synthetic speech."""
    real = load_audio(CLIP, sample_rate=P.ANALYSIS_RATE)
    synthetic = english.synthesis.samples
    faint = to_pcm(with_noise_floor(real, P.RECORDED_FLOOR_BELOW_PEAK_DB))
    assert recogniser_pcm(real) == faint
    assert recogniser_pcm(real) != to_pcm(with_noise_floor(real, P.RECOGNISER_FLOOR_BELOW_PEAK_DB))
    loud = to_pcm(with_noise_floor(synthetic, P.RECOGNISER_FLOOR_BELOW_PEAK_DB))
    assert recogniser_pcm(synthetic) == loud


def test_a_real_voice_is_heard_alike_whatever_the_floor_draw(monkeypatch):
    """Under the high floor, which phones the loop heard in this real recording depended on
    the noise's seed (the mouth's aperture between two draws: r down to 0.84); under its own
    low floor the draws agree (r >= 0.98)."""
    real = load_audio(CLIP, sample_rate=P.ANALYSIS_RATE)
    times = np.arange(50) / 25.0
    draws = []
    for seed in range(6):
        monkeypatch.setattr(P, "RECOGNISER_FLOOR_SEED", seed)
        draws.append(_aperture(analyse_speech_curve(real, P.ANALYSIS_RATE, 25.0).values(times)))
    agreement = [float(np.corrcoef(a, b)[0, 1]) for a, b in combinations(draws, 2)]
    assert min(agreement) >= 0.95, agreement
