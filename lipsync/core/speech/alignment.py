"""Forced alignment of a known transcript with pocketsphinx's bundled en-US model.

English words are looked up in the bundled CMU dictionary; words it lacks get a pronunciation
from espeak-ng (IPA mapped onto the CMU phone set). Any other espeak-ng language is turned into
IPA phonemes by espeak-ng and each phoneme mapped onto the nearest en-US phone
(:func:`~.phonesets.ipa_to_arpabet`), so the English acoustic model can align it; the aligned
phones are then labelled with the original IPA again, keeping sounds English lacks (/y ø ʁ/)
for the viseme table.

Alignment is pocketsphinx's two-pass procedure: a word-level pass over a grammar made of the
transcript (optional pauses between words), then a state-level pass that gives phone
boundaries at 10 ms resolution.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.speech import parameters as P
from lipsync.core.speech.phonesets import SILENCE, ipa_to_arpabet, is_silence
from lipsync.core.speech.sphinx import (
    decoder_settings,
    frame_time,
    model_file,
    pocketsphinx,
    recogniser_pcm,
    shared,
    start_fresh,
)
from lipsync.core.types import PhoneSegment

log = logging.getLogger("lipsync")

SOURCE = "alignment"
ENGLISH = ("en", "en-us", "en-gb", "en-029", "en-gb-scotland", "en-gb-x-rp", "en-us-nyc")
_ALT_RE = re.compile(r"\(\d+\)$")  # "bought(2)": an alternative pronunciation
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class _Word:
    """One grammar word: the dictionary name, its CMU phones and, for espeak-derived words,
    the IPA phonemes with how many CMU phones each became."""

    name: str
    phones: tuple[str, ...]
    ipa: tuple[tuple[str, int], ...] = ()


class _Aligner:
    """One pocketsphinx decoder set up for alignment (not thread-safe: use ``lock``)."""

    def __init__(self) -> None:
        self.decoder = pocketsphinx().Decoder(
            dict=model_file("en-us", "cmudict-en-us.dict"),
            lm=None,
            beam=P.ALIGN_BEAM,
            wbeam=P.ALIGN_WBEAM,
            pbeam=P.ALIGN_BEAM,
            **decoder_settings(P.ALIGN_DS, P.ALIGN_TOPN, P.ALIGN_DITHER),
        )
        self.lock = threading.Lock()


def _aligner() -> _Aligner:
    return shared(_Aligner)


def _is_english(lang: str | None) -> bool:
    return lang is None or lang.lower() in ENGLISH or lang.lower().startswith("en-")


def _espeak_words(text: str, lang: str) -> list[_Word]:
    from lipsync.core.speech.espeak import phonemize

    words: list[_Word] = []
    for ipa_word in phonemize(text, lang):
        ipa: list[tuple[str, int]] = []
        phones: list[str] = []
        for ph in ipa_word:
            arpa = ipa_to_arpabet(ph)
            if phones and arpa and arpa[0] == phones[-1]:
                arpa = arpa[1:]  # a repeated phone across phonemes cannot be aligned apart
            ipa.append((ph, len(arpa)))
            phones.extend(arpa)
        if phones:
            name = "lipsync_" + "_".join(phones).lower()
            words.append(_Word(name, tuple(phones), tuple(ipa)))
    return words


def _english_words(decoder, text: str) -> list[_Word]:
    words: list[_Word] = []
    for raw in _WORD_RE.findall(text.lower().replace("’", "'")):
        pron = decoder.lookup_word(raw)
        if pron:
            words.append(_Word(raw, tuple(pron.split())))
            continue
        words.extend(_espeak_words(raw, "en-us"))  # out of vocabulary: spell it with espeak
    return words


def _decode(decoder, pcm: bytes, words: list[_Word]) -> list[tuple[str, str, int, int]]:
    """Run both passes; return (word name, phone, start frame, frame count) in order."""
    new = {w.name: w for w in words if decoder.lookup_word(w.name) is None}
    for k, w in enumerate(new.values()):
        decoder.add_word(w.name, " ".join(w.phones), update=k == len(new) - 1)
    decoder.set_align_text(" ".join(w.name for w in words))
    start_fresh(decoder)
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    if decoder.hyp() is None:
        raise RuntimeError("the speech does not fit the words")
    decoder.set_alignment()
    start_fresh(decoder)
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    alignment = decoder.get_alignment()
    if alignment is None:
        raise RuntimeError("no phone alignment")
    return [
        (_ALT_RE.sub("", word.name), phone.name, int(phone.start), int(phone.duration))
        for word in alignment
        for phone in word
    ]


def _label_segments(
    aligned: list[tuple[str, str, int, int]], words: list[_Word]
) -> list[PhoneSegment]:
    """Phone segments from the aligner's output; espeak-derived words get their IPA back."""
    by_name = {w.name: w for w in words}
    segments: list[PhoneSegment] = []
    k = 0
    while k < len(aligned):
        word_name, phone, start, count = aligned[k]
        word = by_name.get(word_name)
        if word is None or not word.ipa:
            label = SILENCE if is_silence(phone) or word is None else phone
            segments.append(_seg(label, start, start + count))
            k += 1
            continue
        # consume this word's phones, grouping them per IPA phoneme
        rows: list[tuple[str, str, int, int]] = []
        while k < len(aligned) and aligned[k][0] == word_name and len(rows) < len(word.phones):
            rows.append(aligned[k])
            k += 1
        j = 0
        for ipa, n in word.ipa:
            if n == 0 or j >= len(rows):
                continue
            group = rows[j : j + n]
            segments.append(_seg(ipa, group[0][2], group[-1][2] + group[-1][3]))
            j += n
    return segments


def _seg(label: str, start_frame: int, end_frame: int) -> PhoneSegment:
    return PhoneSegment(label, frame_time(start_frame), frame_time(end_frame), 1.0, SOURCE)


def align(samples: np.ndarray, text: str, lang: str | None = None) -> tuple[PhoneSegment, ...]:
    """Phone segments of ``text`` spoken in ``samples`` (float32 (n,) mono at 16 kHz).

    ``lang`` is an espeak-ng language code; ``None`` or any English code uses the CMU
    dictionary. Raises :class:`InputError` when the text has no words, and
    :class:`ProcessingError` when the speech does not match the text well enough to align.
    """
    if not text or not text.strip():
        raise InputError("The transcript is empty: give the words that are spoken, or no text.")
    aligner = _aligner()
    with aligner.lock:
        decoder = aligner.decoder
        words = (
            _english_words(decoder, text) if _is_english(lang) else _espeak_words(text, lang or "")
        )
        if not words:
            raise InputError(
                f"The transcript {text[:40]!r} contains no pronounceable words: give the words "
                "that are spoken."
            )
        try:
            aligned = _decode(decoder, recogniser_pcm(samples), words)
        except RuntimeError as e:
            raise ProcessingError(
                f"The speech could not be aligned with the transcript {text[:40]!r} ({e}): "
                "check that the text matches the audio and the language is right."
            ) from e
    segments = _label_segments(aligned, words)
    if not any(not is_silence(s.label) for s in segments):
        raise ProcessingError(
            f"The alignment of {text[:40]!r} found no speech: check the text and the audio."
        )
    return tuple(segments)
