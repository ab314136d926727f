"""Backends by name: recognisers, translators, synthesisers (heavy ones imported lazily)."""

from __future__ import annotations

from lipsync.core.pipeline.options import TranslateOptions


def make_recognizer(options: TranslateOptions):
    """The recogniser ``options.asr`` names (``transcribe``, ``key``)."""
    return recognizer(options.asr, options.asr_model, options.source)


def recognizer(asr: str, model: str | None, language: str | None):
    """The recogniser ``asr`` names: Whisper with ``model``, else pocketsphinx; ``language``
    a recogniser's code ("en"), None to detect it (``transcribe``, ``key``)."""
    if asr == "whisper":
        from lipsync.core.pipeline.asr_whisper import WhisperRecognizer

        return WhisperRecognizer(model, language)
    from lipsync.core.pipeline.asr_sphinx import SphinxRecognizer

    return SphinxRecognizer(language)


def make_translator(options: TranslateOptions):
    """The translator ``options.mt`` names, for the model backends (``translate``, ``key``)."""
    from lipsync.core.pipeline.translate_marian import MarianTranslator

    return MarianTranslator(options.mt_model)


def make_synthesizer(options: TranslateOptions):
    """The synthesiser ``options.tts`` names (``synthesize``, ``key``, ``can_change_rate``)."""
    if options.tts == "coqui":
        from lipsync.core.pipeline.tts_coqui import CoquiSynthesizer

        return CoquiSynthesizer(options.tts_model)
    from lipsync.core.pipeline.tts_espeak import EspeakSynthesizer

    return EspeakSynthesizer()
