"""Exact timing for a dub recorded without a transcript: recognise its words, then align them.

A recorded dub has no synthesis events and often no script. The audio-only analysis
(:mod:`~.phone_loop`) hears phones one by one; recognising whole words first and aligning them
(:mod:`~.alignment`) gives the phones of real words at the aligner's boundaries. How much
better depends on the recogniser: pocketsphinx's bundled en-US model (English only, offline, no
download) gets some real recordings nearly right and others wrong, Whisper (a checkpoint the user
brings, any of its languages) far more; docs/visemes.md gives the measured figures.

Each recognised utterance is aligned on its own audio, so a long recording aligns piece by
piece and one misheard utterance costs only its own span: it is analysed audio-only (the phone
loop) instead. Pure over arrays: ``samples`` are ``float32 (n,)`` mono at
:data:`~.parameters.ANALYSIS_RATE` Hz.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.progress import CountCallback
from lipsync.core.speech import parameters as P
from lipsync.core.types import PhoneSegment

log = logging.getLogger("lipsync")

ASR_BACKENDS = ("pocketsphinx", "whisper")
_EDGE_SECONDS = 0.1  # s of audio kept on each side of an utterance when it is aligned
_JOIN_SECONDS = 0.3  # s; recognised segments closer than this are aligned as one utterance


@dataclass(frozen=True)
class Recognised:
    """What the recogniser heard: the phones of the whole audio (aligned words, or the
    phone loop's where an utterance could not be aligned), the ``transcript``, its
    ``language`` (an espeak-ng code) and how many utterances were ``aligned`` of ``utterances``."""

    phones: tuple[PhoneSegment, ...]
    transcript: str
    language: str
    aligned: int
    utterances: int


def check_asr(asr: str | None, model: str | None) -> None:
    """Refuse an unknown recogniser, or a model without Whisper, in one sentence."""
    if asr is None:
        if model is not None:
            raise InputError("--asr-model needs --asr whisper: give both, or neither.")
        return
    if asr not in ASR_BACKENDS:
        raise InputError(f"Unknown recogniser '{asr}': use one of {', '.join(ASR_BACKENDS)}.")
    if asr == "whisper" and not model:
        raise InputError(
            "--asr whisper needs --asr-model: a checkpoint file (.pt) or a model name such as "
            "base or small."
        )
    if asr == "pocketsphinx" and model is not None:
        raise InputError(
            "--asr-model is for --asr whisper: pocketsphinx uses its bundled en-US model."
        )


def recogniser(asr: str, model: str | None = None, lang: str | None = None):
    """The recogniser ``asr`` names (``transcribe(samples)`` -> (segments, language))."""
    from lipsync.core.pipeline.backends import recognizer

    check_asr(asr, model)
    return recognizer(asr, model, _iso(lang))


def _iso(lang: str | None) -> str | None:
    """The recognisers' language code of an espeak-ng code ("en-us" -> "en")."""
    return None if lang is None else lang.split("-")[0].lower()


def _utterances(segments) -> list:
    """The recogniser's segments with words, those less than :data:`_JOIN_SECONDS` apart
    joined into one utterance (Whisper cuts its segments by text, not by pauses)."""
    out: list = []
    for seg in segments:
        if not seg.text.strip():
            continue
        if out and seg.start - out[-1].end < _JOIN_SECONDS:
            last = out[-1]
            out[-1] = dataclasses.replace(
                last, end=max(last.end, seg.end), text=f"{last.text} {seg.text}", words=()
            )
        else:
            out.append(seg)
    return out


def recognise_and_align(
    samples: np.ndarray,
    asr,
    lang: str | None = None,
    on_progress: CountCallback | None = None,
) -> Recognised | None:
    """Recognise the words of ``samples`` with ``asr`` (see :func:`recogniser`) and align
    each utterance's words on its own audio (in ``lang``, else the language heard); None when
    no word was heard."""
    from lipsync.core.speech.acoustics import analyse as analyse_acoustics
    from lipsync.core.speech.alignment import SOURCE, align
    from lipsync.core.speech.phone_loop import clean, recognise_phones

    segments, heard = asr.transcribe(samples, on_progress)
    language = lang or heard or "en"
    spoken = _utterances(segments)
    if not spoken:
        return None
    rate = P.ANALYSIS_RATE
    phones: list[PhoneSegment] = []
    aligned = 0
    for k, seg in enumerate(spoken):
        lo = max(seg.start - _EDGE_SECONDS, phones[-1].end if phones else 0.0, 0.0)
        nxt = spoken[k + 1].start if k + 1 < len(spoken) else np.inf
        hi = min(seg.end + _EDGE_SECONDS, nxt, samples.shape[0] / rate)
        piece = samples[round(lo * rate) : round(hi * rate)]
        if piece.shape[0] < rate // 20:  # under 50 ms: nothing to align or hear
            continue
        acoustics = analyse_acoustics(piece, with_formants=False)
        try:
            # misheard words still get aligned somewhere: none where the audio is silent
            found = tuple(
                dataclasses.replace(p, source=SOURCE)
                for p in clean(list(align(piece, seg.text, language)), acoustics)
            )
            aligned += 1
        except (ProcessingError, InputError) as e:
            log.info("Utterance at %.1f s not aligned (%s): analysed audio-only.", lo, e)
            found = tuple(recognise_phones(piece, acoustics))  # labelled as the phone loop's
        phones.extend(
            dataclasses.replace(p, start=p.start + lo, end=min(p.end + lo, hi)) for p in found
        )
    transcript = " ".join(s.text.strip() for s in spoken)
    return Recognised(tuple(phones), transcript, language, aligned, len(spoken))


_last: tuple[tuple, Recognised | None] | None = None  # see recognise_once


def recognise_once(
    samples: np.ndarray,
    asr: str,
    model: str | None = None,
    lang: str | None = None,
    on_progress: CountCallback | None = None,
) -> Recognised | None:
    """:func:`recognise_and_align` with the recogniser ``asr``/``model`` names, remembered for
    the last audio this process recognised: the run report (``--report``) measures a run
    against the very phones the run used, without recognising the speech a second time (and
    without a sampling recogniser hearing something else the second time)."""
    global _last
    data = np.ascontiguousarray(samples, dtype=np.float32)
    digest = hashlib.blake2b(data.data, digest_size=16).digest()
    key = (digest, data.shape, asr, model, lang)
    if _last is not None and _last[0] == key:
        return _last[1]
    heard = recognise_and_align(data, recogniser(asr, model, lang), lang, on_progress)
    _last = (key, heard)
    return heard
