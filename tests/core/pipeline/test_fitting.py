"""Time fitting: the order of the steps, the stretch caps, borrowing from the pause, and
durations that land on the slot; WSOLA keeps pitch; loudness and ducking maths."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.pipeline import fitting
from lipsync.core.pipeline.fitting import borrowable, fit_line, summary, trim_silence
from lipsync.core.pipeline.loudness import integrated_loudness, normalise
from lipsync.core.pipeline.mixing import DUCK_DB, duck_envelope, lay_events, mix
from lipsync.core.pipeline.speakers import median_f0
from lipsync.core.pipeline.stretch import wsola
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent
from lipsync.core.speech.track import SpeechAudio

SR = 16_000
FRAME = 1 / 25  # s; one video frame at 25 fps


def voiced(seconds: float, f0: float = 140.0, lead: float = 0.0) -> np.ndarray:
    """A buzzy harmonic tone (speech-like pitch) with ``lead`` s of silence either side."""
    t = np.arange(int(seconds * SR)) / SR
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6)) * 0.2
    pad = np.zeros(int(lead * SR))
    return np.concatenate([pad, x, pad]).astype(np.float32)


def synth_of(seconds: float, lead: float = 0.1, rate_control: bool = True):
    """A fake synthesiser: ``seconds`` of speech at rate 1, proportionally shorter faster."""
    calls = []

    def synthesize(rate: float) -> SpeechAudio:
        calls.append(rate)
        n = int(seconds * SR / (rate if rate_control else 1.0))
        x = voiced(n / SR, lead=lead)
        events = PhoneEvents((PhonemeEvent("", 0), PhonemeEvent("a", int(lead * SR))), SR,
                             x.shape[0])  # fmt: skip
        return SpeechAudio(x, SR, events)

    return synthesize, calls


def test_a_line_that_fits_is_left_alone():
    synth, calls = synth_of(1.0)
    take, report = fit_line(synth, slot=1.5, pause_after=1.0)
    assert report.status == fitting.FITS
    assert calls == [1.0]
    assert report.stretch == 1.0 and report.borrowed == 0.0
    assert take.duration == pytest.approx(1.0 + 2 * fitting.TRIM_KEEP, abs=0.011)


def test_silence_is_trimmed_and_events_move_with_it():
    synth, _ = synth_of(1.0, lead=0.5)
    take = trim_silence(synth(1.0))
    assert take.duration == pytest.approx(1.0 + 2 * fitting.TRIM_KEEP, abs=0.011)
    assert take.events.num_samples == take.samples.shape[0]
    assert take.events.events[-1].sample == pytest.approx(fitting.TRIM_KEEP * SR, abs=SR // 100)


def test_resynthesis_at_native_rate_comes_first():
    synth, calls = synth_of(1.1)
    _, report = fit_line(synth, slot=1.0, pause_after=0.0)
    assert report.status == fitting.RESYNTHESISED
    assert 1.0 < calls[-1] <= fitting.MAX_NATIVE_RATE
    assert report.stretch == 1.0
    assert report.duration <= 1.0 * (1 + fitting.RATE_TOLERANCE)


def test_then_the_following_pause_is_borrowed():
    synth, _ = synth_of(1.4)  # 1.25x native gives 1.12 s + trim margins: over a 1 s slot
    _, report = fit_line(synth, slot=1.0, pause_after=1.0)
    assert report.status == fitting.BORROWED
    assert report.native_rate == pytest.approx(fitting.MAX_NATIVE_RATE)
    assert 0 < report.borrowed <= borrowable(1.0)
    assert report.stretch == 1.0


def test_borrowing_leaves_a_pause_before_the_next_line():
    assert borrowable(1.0) == pytest.approx(fitting.BORROW_FRACTION)
    assert borrowable(0.2) == pytest.approx(0.2 - fitting.MIN_PAUSE)
    assert borrowable(0.05) == 0.0


@pytest.mark.parametrize("natural", [1.5, 1.7])
def test_then_stretching_lands_within_a_frame_of_the_room(natural):
    synth, _ = synth_of(natural, rate_control=False)
    take, report = fit_line(synth, slot=1.0, pause_after=0.5, can_change_rate=False)
    room = 1.0 + borrowable(0.5)
    assert report.status in (fitting.STRETCHED, fitting.STRETCHED_OVER_TARGET)
    assert abs(take.duration - room) < FRAME
    assert report.stretch <= fitting.MAX_STRETCH
    assert (report.stretch > fitting.TARGET_STRETCH) == (
        report.status == fitting.STRETCHED_OVER_TARGET
    )
    assert take.events.num_samples == take.samples.shape[0]


def test_up_to_the_target_factor_is_accepted_silently():
    synth, _ = synth_of(1.1, rate_control=False)
    _, report = fit_line(synth, slot=1.0, pause_after=0.0, can_change_rate=False)
    assert report.status == fitting.STRETCHED
    assert report.stretch <= fitting.TARGET_STRETCH
    assert summary([(1, report)]) == []


def test_a_line_that_cannot_fit_is_reported_never_cut_or_sped_past_the_cap():
    synth, _ = synth_of(3.0)
    take, report = fit_line(synth, slot=1.0, pause_after=0.5)
    assert report.status == fitting.TOO_LONG
    assert report.stretch == pytest.approx(fitting.MAX_STRETCH, abs=1e-3)
    natural_at_cap = report.natural / fitting.MAX_NATIVE_RATE / fitting.MAX_STRETCH
    assert take.duration == pytest.approx(natural_at_cap, rel=0.05)  # whole, not truncated
    assert report.needed == pytest.approx(report.natural / (1.0 + borrowable(0.5)))
    assert report.overrun > 0
    (warning,) = summary([(7, report)])
    assert "line 7" in warning and f"{report.needed:.2f}x" in warning


def test_wsola_gives_the_exact_length_and_keeps_the_pitch():
    x = voiced(1.0, f0=150.0)
    for length in (int(0.77 * SR), int(0.87 * SR), int(1.2 * SR)):
        y = wsola(x, length, SR)
        assert y.shape == (length,)
        assert median_f0(y, SR) == pytest.approx(150.0, rel=0.03)


def test_loudness_of_a_full_scale_sine_and_normalisation():
    t = np.arange(SR * 3) / SR
    sine = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    # BS.1770: a 0 dBFS 1 kHz sine reads -3.01 LUFS; at half amplitude -9.03
    assert integrated_loudness(sine, SR) == pytest.approx(-9.03, abs=0.1)
    out, gain = normalise(sine, SR, -23.0)
    assert integrated_loudness(out, SR) == pytest.approx(-23.0, abs=0.1)
    assert gain == pytest.approx(-13.97, abs=0.1)
    loud, _ = normalise(sine, SR, 0.0)  # the peak ceiling wins
    assert np.max(np.abs(loud)) <= 10 ** (-1 / 20) + 1e-4


def test_the_original_is_ducked_under_the_dub_only():
    dub = np.zeros(SR * 3, np.float32)
    dub[SR : 2 * SR] = voiced(1.0)
    gain = duck_envelope(dub, SR, DUCK_DB)
    assert gain[int(1.5 * SR)] == pytest.approx(10 ** (DUCK_DB / 20), rel=1e-3)
    assert gain[int(0.2 * SR)] == pytest.approx(1.0)
    assert gain[int(2.9 * SR)] == pytest.approx(1.0)
    background = np.full(SR * 3, 0.1, np.float32)
    out, _ = mix(dub, background, fitting_mix_options(), sample_rate=SR)
    assert out[int(0.2 * SR)] == pytest.approx(0.1, abs=1e-3)


def fitting_mix_options():
    from lipsync.core.pipeline.mixing import MixOptions

    return MixOptions(target_lufs=None)


def test_line_events_are_laid_on_one_timeline():
    ev = PhoneEvents((PhonemeEvent("a", 0), PhonemeEvent("b", 100)), 1000, 200, "ab", "es")
    laid = lay_events(SR * 2, SR, [(SR, ev)])
    samples = [e.sample for e in laid.events]
    assert samples == [0, SR, SR + 1600, SR + 3200]
    assert laid.num_samples == SR * 2 and laid.lang == "es"
