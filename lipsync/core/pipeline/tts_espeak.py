"""Speech synthesis with espeak-ng: every espeak-ng language, a voice variant per speaker,
pitch matched to the original speaker, and the exact phoneme timing for the lip sync."""

from __future__ import annotations

from lipsync.core.pipeline.voices import Voice
from lipsync.core.speech.espeak import synthesize
from lipsync.core.speech.track import SpeechAudio

MIN_RATE = 80  # words/minute; espeak-ng's slowest
MAX_RATE = 450  # words/minute; its fastest


class EspeakSynthesizer:
    """``synthesize(text, lang, voice, rate_factor)`` -> :class:`SpeechAudio` with phoneme
    events."""

    name = "espeak"
    can_change_rate = True

    def key(self) -> str:
        return "espeak"

    def synthesize(
        self,
        text: str,
        lang: str,
        voice: Voice,
        rate_factor: float = 1.0,
        reference: object | None = None,
    ) -> SpeechAudio:
        rate = round(min(MAX_RATE, max(MIN_RATE, voice.rate * rate_factor)))
        result = synthesize(text, lang, voice=voice.espeak_name(lang), rate=rate, pitch=voice.pitch)
        return SpeechAudio(result.samples, result.sample_rate, result.events)
