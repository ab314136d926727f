"""Live speech analysis (:class:`LiveCurve`: decoded as it arrives, read every 0.04 s, 0.1 s
look-ahead) against whole-file analysis of the same espeak-ng speech, both audio-only. The
whole-file track is read with the live curve's reach of the opening's spread (its look-ahead),
so what is compared is the analysis, not the smoothing the live look-ahead allows.

Stated tolerance: the opening correlates at r >= 0.75 with the whole-file track and differs by
at most 0.1 on average (measured: r 0.85, 0.08); lip closure r >= 0.75 (measured 0.84). The
speech is made in a process of its own: espeak-ng keeps state between syntheses, so what ran
before changed the audio (in the suite, r 0.74 with the whole-file track at its full spread)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from fresh_speech import fresh_synthesize

from lipsync.core.media import load_audio
from lipsync.core.speech import parameters as P
from lipsync.core.speech.incremental import (
    LIVE_LOOKAHEAD_SECONDS,
    LIVE_WINDOW_SAMPLES,
    LiveCurve,
    StreamingPhones,
)
from lipsync.core.speech.phone_loop import _PhoneLoop, digital_quiet
from lipsync.core.speech.sphinx import recogniser_pcm, start_fresh
from lipsync.core.speech.track import analyse_speech_curve, resample
from lipsync.core.types import MOUTH_PARAMS

TEXT = (
    "Hello everyone, my name is Eileen and today we talk about space and the stars. "
    "We prepare the launch, and look at the Earth from very far away."
)
FPS = 25.0
CHUNK = 640  # samples fed at a time: 40 ms, one video frame
REAL = Path(__file__).resolve().parents[1] / "data" / "retalking_face3_2s.mp4"  # a real voice
WINDOW = LIVE_WINDOW_SAMPLES


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    syn = fresh_synthesize(TEXT, "en")
    return resample(np.asarray(syn.samples, np.float32), syn.sample_rate)


def test_live_track_follows_the_whole_file_track(speech):
    whole = analyse_speech_curve(speech, P.ANALYSIS_RATE, FPS)
    live = LiveCurve(FPS)
    for at in range(0, speech.shape[0], CHUNK):
        live.add(speech[at : at + CHUNK])
    live.finish()
    times = np.arange(0.0, speech.shape[0] / P.ANALYSIS_RATE, 1 / FPS)
    whole = dataclasses.replace(whole, open_reach=LIVE_LOOKAHEAD_SECONDS)
    a, b = whole.values(times), live.values(times)
    opening, closure = MOUTH_PARAMS.index("open"), MOUTH_PARAMS.index("closure")
    assert np.corrcoef(a[:, opening], b[:, opening])[0, 1] >= 0.75
    assert np.abs(a[:, opening] - b[:, opening]).mean() <= 0.1
    assert np.corrcoef(a[:, closure], b[:, closure])[0, 1] >= 0.75
    assert live.source == "audio"


def test_a_frame_is_final_a_short_look_ahead_after_it(speech):
    live = LiveCurve(FPS)
    fed = 0
    for at in range(0, 3 * P.ANALYSIS_RATE, CHUNK):
        live.add(speech[at : at + CHUNK])
        fed = at + CHUNK
        # never more than one analysis step plus the look-ahead behind the audio fed
        assert live.known_until >= fed / P.ANALYSIS_RATE - 0.2 - LIVE_LOOKAHEAD_SECONDS - 0.04
        assert live.known_until <= fed / P.ANALYSIS_RATE - LIVE_LOOKAHEAD_SECONDS
    assert live.values(np.array([0.5, 1.0])).shape == (2, len(MOUTH_PARAMS))


def test_the_open_gain_can_be_estimated_after_the_step_is_published(speech):
    """The analysing process sends a step's phones before it estimates the open gain again
    (~10 ms once a second): stepping without the gain, then :meth:`LiveCurve.regain`, ends
    where a whole step does, and the gain is estimated once per ``LIVE_GAIN_SECONDS``."""
    whole, split = LiveCurve(FPS), LiveCurve(FPS)
    estimates = 0
    for at in range(0, 3 * P.ANALYSIS_RATE, CHUNK):
        whole.add(speech[at : at + CHUNK])
        split._append(speech[at : at + CHUNK])
        if split._due():
            split._step(regain=False)
            estimates += split.regain()
            assert not split.regain()  # nothing new to estimate it from
    assert 2 <= estimates <= 3  # 3 s of speech, once a second from its first phones
    times = np.arange(0.0, 2.9, 1 / FPS)
    np.testing.assert_array_equal(whole.values(times), split.values(times))


def test_background_analysis_gives_the_mouth_without_blocking_the_feeder(speech):
    live = LiveCurve(FPS, background=True)
    live.add(speech[: 2 * P.ANALYSIS_RATE])
    live.finish()
    values = live.values(np.arange(0.0, 2.0, 1 / FPS))
    assert values[:, MOUTH_PARAMS.index("open")].max() > 0.2
    assert live.known_until == float("inf")


def test_a_bundled_app_analyses_in_its_own_process(speech, monkeypatch):
    """In a bundled app ``sys.executable`` is the app itself: no child is started, and the
    speech is analysed as it is added, to the same mouth as analysed in the foreground."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    bundled = LiveCurve(FPS, background=True)
    assert bundled._remote is None
    plain = LiveCurve(FPS)
    for live in (bundled, plain):
        live.add(speech[: 2 * P.ANALYSIS_RATE])
        live.finish()
    times = np.arange(0.0, 2.0, 1 / FPS)
    np.testing.assert_array_equal(bundled.values(times), plain.values(times))


def _heard(phones: StreamingPhones, audio: np.ndarray) -> None:
    for at in range(0, audio.shape[0], CHUNK):
        end = at + CHUNK
        phones.hear(audio[at:end], audio[max(0, end - WINDOW) : end])


def _cmn(decoder) -> np.ndarray:
    return np.array([float(v) for v in decoder.get_cmn().split(",")])


@pytest.mark.parametrize("quiet_before", [0.0, 7.0])
def test_the_live_decoder_normalises_by_the_mean_of_the_voice_it_heard(quiet_before):
    """Primed after 0.5, 1 and 2 s of a real voice, the live decoder's cepstral mean is the one
    whole-file decoding takes, not the model's prior pulled part of the way (its running mean
    weighs the prior as 5 s of audio: after 2 s its c0 was 45 where the voice's is 58); and
    after 7 s of near silence (a stream before its speaker speaks, in which the decoder's
    utterance ended) it is still the voice's, not the silence's."""
    voice = load_audio(REAL, P.ANALYSIS_RATE)
    hush = np.random.default_rng(5).normal(0, 2e-4, int(quiet_before * P.ANALYSIS_RATE))
    live = StreamingPhones()
    prior = _cmn(live.decoder)
    _heard(live, np.concatenate([hush.astype(np.float32), voice]))
    whole = _PhoneLoop().decoder
    start_fresh(whole)
    whole.process_raw(recogniser_pcm(voice), full_utt=True)  # the floor the loop chooses
    whole.end_utt()
    mean, expected = _cmn(live.decoder), _cmn(whole)
    assert abs(expected[0] - prior[0]) > 10  # the voice is far from the prior
    assert np.abs(mean - expected).max() < 1.5


def test_digital_quiet_is_judged_on_all_the_speech_heard():
    """Bilabials are recovered by their spectrum only in digitally quiet speech (synthetic or
    noise-gated), judged on the whole file offline; a live window is too short to judge (a
    window without a pause has no flat steps), so the live decoder judges all it has heard,
    from the first sound on (digital silence before a voice does not make it one)."""
    rng = np.random.default_rng(3)
    sound = rng.normal(0, 0.05, 2 * P.ANALYSIS_RATE).astype(np.float32)
    gated = sound.copy()
    gated[P.ANALYSIS_RATE // 4 : P.ANALYSIS_RATE // 2] = 0.0  # a gated pause in the sound
    live = StreamingPhones()
    _heard(live, gated)
    assert digital_quiet(gated) and not digital_quiet(gated[-WINDOW:])
    assert live.quiet
    padded = np.concatenate([np.zeros(P.ANALYSIS_RATE, np.float32), sound])
    assert not digital_quiet(padded)  # silence padded before (and after) a recording
    assert not digital_quiet(np.concatenate([padded, np.zeros(9000, np.float32)]))
    for audio in (sound, padded):
        noisy = StreamingPhones()
        _heard(noisy, audio)
        assert not noisy.quiet
