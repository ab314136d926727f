"""Fixtures for speech analysis: real espeak-ng speech whose own phoneme events are the truth,
and the measures the acceptance criteria use (through the ``truth`` fixture: the tests run in
pytest's importlib mode, so they cannot import this module)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from fresh_speech import fresh_synthesize

from lipsync.core.speech.espeak import Synthesis
from lipsync.core.speech.phone_events import events_to_segments
from lipsync.core.speech.scoring import bilabial_recall, closure_precision, open_correlation
from lipsync.core.speech.track import analyse_speech
from lipsync.core.types import MouthTrack, PhoneSegment

FPS = 25.0

#: Sentences rich in /p b m/, with the espeak-ng voice used for each language.
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


@dataclass(frozen=True, eq=False)
class Utterance:
    lang: str
    text: str
    synthesis: Synthesis
    truth: tuple[PhoneSegment, ...]
    reference: MouthTrack  # the track of the exact espeak-ng events: ground-truth openness


@functools.cache
def utterance(lang: str) -> Utterance:
    voice, text = SENTENCES[lang]
    syn = fresh_synthesize(text, lang, voice)
    ref = analyse_speech(syn.samples, syn.sample_rate, FPS, espeak_events=syn.events)
    return Utterance(lang, text, syn, events_to_segments(syn.events), ref)


@pytest.fixture(scope="session")
def truth() -> SimpleNamespace:
    """The helpers above: ``truth.utterance(lang)``, ``truth.bilabial_recall(track, segs)`` …"""
    return SimpleNamespace(
        FPS=FPS,
        synthesize=fresh_synthesize,
        utterance=utterance,
        bilabial_recall=bilabial_recall,
        closure_precision=closure_precision,
        open_correlation=open_correlation,
    )


@pytest.fixture
def english() -> Utterance:
    """English (en-US voice) espeak-ng speech with its exact phoneme events."""
    return utterance("en")
