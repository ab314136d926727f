"""Issue 19's acceptance: audio-only speech (no sidecar, no transcript) in the rendered picture.

espeak-ng speaks a sentence rich in /p b m/ in English, Spanish, German and French; the WAV is
saved without its phone sidecar, so the engine has only the sound to go on. The rendered mouth is
measured by an independent landmark model (dlib 68) and compared with the openness of the exact
espeak-ng phoneme events: r >= 0.5 at lag 0 +-1 frame, and >= 80 % of /p b m/ visibly closed.
"""

from __future__ import annotations

import numpy as np
import pytest
from fresh_speech import fresh_synthesize as synthesize_apart
from judge import DlibJudge

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine
from lipsync.core.media import iter_frames, save_audio
from lipsync.core.quality.aperture import best_lag_correlation
from lipsync.core.speech import Synthesis, analyse_speech, sidecar_path

FPS = 25.0
BILABIALS = {"p", "b", "m"}
TAIL = 0.4  # s of picture after the speech, as in test_engine

#: The sentences of tests/core/speech/conftest.py (rich in /p b m/) and their espeak-ng voices.
SENTENCES = {
    "en": ("en-us", "Bob bought a big map of Paris. My mother buys apples and plums by the "
                    "bag. Maybe Pam will bring some pie, but probably not before the movie."),
    "es": ("es", "Mi madre compra manzanas y plátanos. Pablo bebe mucha agua por la mañana. "
                 "Buenos días, bienvenidos a Barcelona."),
    "de": ("de", "Mein Bruder baut ein Boot am Meer. Paul bringt morgen Brot und Butter mit. "
                 "Bitte nimm das Buch mit."),
    "fr": ("fr", "Mon père boit du vin blanc. Paul mange une pomme au bord de la mer. "
                 "Bonjour, bienvenue à Paris."),
}  # fmt: skip


def fresh_synthesize(lang: str) -> Synthesis:
    """The sentence of ``lang``, spoken in a process of its own (the same audio in every run,
    whatever ran before)."""
    voice, text = SENTENCES[lang]
    return synthesize_apart(text, lang, voice)


@pytest.fixture(scope="module")
def speeches(tmp_path_factory):
    """Per language: the WAV (no sidecar beside it) and the synthesis with its exact events."""
    folder = tmp_path_factory.mktemp("speech")
    out = {}
    for lang in SENTENCES:
        syn = fresh_synthesize(lang)
        path = save_audio(folder / f"{lang}.wav", syn.samples, syn.sample_rate)
        assert not sidecar_path(path).exists()
        out[lang] = (path, syn)
    return out


@pytest.fixture(scope="module")
def portrait_clip(tmp_path_factory, speeches):
    """One portrait clip for every language, as long as the longest speech plus TAIL."""
    longest = max(syn.samples.shape[0] / syn.sample_rate for _, syn in speeches.values())
    return write_portrait_clip(tmp_path_factory.mktemp("clip") / "portrait.mp4", longest + TAIL)


@pytest.fixture(scope="module", params=sorted(SENTENCES))
def judged(request, tmp_path_factory, portrait_clip, speeches):
    """Per language: the run's report, the synthesis, the output frame times and dlib's
    aperture per output frame (NaN where dlib finds no face), up to TAIL after the speech."""
    lang = request.param
    path, syn = speeches[lang]
    out = tmp_path_factory.mktemp(f"out_{lang}") / "synced.mp4"
    report = LipSyncEngine().run(portrait_clip, path, out)
    duration = syn.samples.shape[0] / syn.sample_rate
    judge = DlibJudge()
    times, measured = [], []
    for frame in iter_frames(out):
        if frame.time > duration + TAIL:
            break
        pts = judge.points(frame.image)
        times.append(frame.time)
        measured.append(DlibJudge.aperture(pts) if pts is not None else np.nan)
    return lang, report, syn, np.array(times), np.array(measured)


def exact_track(syn: Synthesis, times: np.ndarray):
    return analyse_speech(syn.samples, syn.sample_rate, FPS, frame_times=times,
                          espeak_events=syn.events)  # fmt: skip


def test_the_mouth_comes_from_the_audio_alone(judged):
    _, report, _, _, measured = judged
    assert report.mouth_source == "audio"
    assert np.isfinite(measured).mean() > 0.95


def test_mouth_follows_the_speech_at_lag_0_plus_minus_1(judged):
    lang, _, syn, times, measured = judged
    track = exact_track(syn, times)
    r, lag = best_lag_correlation(measured, track.param("open"), max_lag=1)
    assert r >= 0.5, f"{lang}: aperture follows the exact openness with r={r:.2f} (lag {lag})"


def test_bilabials_close_the_mouth(judged):
    lang, _, syn, times, measured = judged
    track = exact_track(syn, times)
    speaking = track.param("open") > 0.05
    open_level = np.nanpercentile(measured[speaking], 75)
    bilabials = [p for p in track.phones if p.label in BILABIALS]
    assert len(bilabials) >= 8
    closed = []
    for p in bilabials:
        near = np.abs(times - (p.start + p.end) / 2) <= 0.041  # within one frame
        closed.append(bool(np.nanmin(measured[near]) <= 0.35 * open_level))
    missed = [f"{p.label}@{p.start:.2f}s" for p, c in zip(bilabials, closed, strict=True) if not c]
    assert sum(closed) / len(bilabials) >= 0.8, (
        f"{lang}: {sum(closed)} of {len(bilabials)} bilabials closed; open: {', '.join(missed)}"
    )
