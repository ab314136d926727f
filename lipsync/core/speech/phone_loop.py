"""Audio-only phone recognition: pocketsphinx's phone loop, any language.

pocketsphinx's *allphone* search decodes the audio as a free sequence of the 39 CMU phones
(plus silence and noise). It runs without a phone language model: the bundled English bigram
(``en-us-phone.lm.bin``) pulled other languages towards English phone sequences, and even at
language weight 0 its lookups took a third of the decoding time. It needs no transcript and no
language: in other languages it finds the nearest English phones, which is what lip shapes need
(a Spanish /b/ is a bilabial closure whatever model hears it).

The recognised phones are cleaned with the acoustic measures of :mod:`~.acoustics`: phones
lying mostly in detected silence become pauses, and speech the recogniser called silence is
kept as speech. Bilabials it heard as /V F TH DH/ are recovered by their spectrum, as are
closed lips at the start of a phrase (:mod:`~.labial`); its own /F V/, mostly wrong, lose their
lip contact (:func:`~.labial.hedge_labiodentals`). Phone confidence is the decoder's
posterior-like acoustic score, mapped to 0..1.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from lipsync.core.errors import ProcessingError
from lipsync.core.speech import parameters as P
from lipsync.core.speech.acoustics import Acoustics
from lipsync.core.speech.labial import (
    close_onsets,
    hedge_labiodentals,
    phrase_onsets,
    recover_bilabials,
)
from lipsync.core.speech.phonesets import SILENCE, is_silence
from lipsync.core.speech.sphinx import (
    decoder_settings,
    frame_time,
    pocketsphinx,
    recogniser_pcm,
    shared,
    start_fresh,
)
from lipsync.core.types import PhoneSegment

SOURCE = "audio"
_SEARCH = "phone_loop"
_STEP_BLOCK = 1 << 20  # samples whose steps are counted at a time (65 s at 16 kHz)


class _PhoneLoop:
    def __init__(self) -> None:
        self.decoder = pocketsphinx().Decoder(
            lm=None,
            dict=None,
            beam=P.PHONE_LOOP_BEAM,
            pbeam=P.PHONE_LOOP_PBEAM,
            lw=1.0,  # scales only the insertion penalty: there is no language model
            pip=P.PHONE_LOOP_PIP,
            **decoder_settings(P.PHONE_LOOP_DS, P.PHONE_LOOP_TOPN, P.PHONE_LOOP_DITHER),
        )
        self.decoder.add_allphone_file(_SEARCH, None)  # no file: the unconstrained loop
        self.decoder.activate_search(_SEARCH)
        self.lock = threading.Lock()


def _loop() -> _PhoneLoop:
    return shared(_PhoneLoop)


def recognise(samples: np.ndarray, quiet: bool | None = None) -> list[PhoneSegment]:
    """Raw phone-loop result for float32 (n,) mono audio at 16 kHz: ARPAbet labels, pauses as
    :data:`~.phonesets.SILENCE`. ``quiet``: whether the speech is :func:`digital_quiet`, which
    sets its noise floor (:func:`floor_below_peak_db`; None: judged from ``samples``)."""
    if quiet is None:
        quiet = digital_quiet(samples)
    loop = _loop()
    with loop.lock:
        decoder = loop.decoder
        try:
            start_fresh(decoder)
            decoder.process_raw(recogniser_pcm(samples, floor_below_peak_db(quiet)), full_utt=True)
            decoder.end_utt()
            raw = [(s.word, int(s.start_frame), int(s.end_frame), float(s.ascore)) for s in
                   decoder.seg()]  # fmt: skip
        except RuntimeError as e:
            raise ProcessingError(f"The phone recogniser failed on this audio ({e}).") from e
    segments = []
    for word, start, end, ascore in raw:
        label = SILENCE if is_silence(word) else word
        confidence = float(np.clip(ascore, 0.0, 1.0)) if np.isfinite(ascore) else 0.5
        segments.append(
            PhoneSegment(label, frame_time(start), frame_time(end + 1), confidence, SOURCE)
        )
    return segments


def pieces(acoustics: Acoustics, n_samples: int) -> list[tuple[int, int]]:
    """Sample ranges ``(start, end)`` covering ``n_samples`` of audio, each at most
    ``PHONE_LOOP_PIECE_SECONDS`` long, to decode as separate utterances: each cut lies in the
    middle of the longest pause (``acoustics.speech`` false) in the second half of its piece,
    or, with no pause there, at its quietest frame. Audio no longer than that is one piece."""
    hop = P.HOP_SAMPLES
    limit = max(int(P.PHONE_LOOP_PIECE_SECONDS * P.ANALYSIS_RATE) // hop, 2)  # frames
    n_frames = -(-n_samples // hop)
    out, start = [], 0
    while n_frames - start > limit:
        lo, hi = start + limit // 2, min(start + limit, len(acoustics))
        cut = _pause_middle(acoustics.speech[lo:hi])
        if cut is None:
            cut = int(np.argmin(acoustics.energy_db[lo:hi])) if hi > lo else limit // 2
        cut += lo
        out.append((start * hop, cut * hop))
        start = cut
    out.append((start * hop, n_samples))
    return out


def _pause_middle(speech: np.ndarray) -> int | None:
    """Index of the middle of the longest run of False in ``speech`` (None: no such run)."""
    quiet = np.concatenate([[False], ~speech, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(quiet))
    if not edges.size:
        return None
    starts, ends = edges[::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    return int((starts[k] + ends[k]) // 2)


def recognise_pieces(
    samples: np.ndarray, acoustics: Acoustics, quiet: bool | None = None
) -> list[PhoneSegment]:
    """:func:`recognise` of float32 (n,) 16 kHz audio decoded piece by piece (:func:`pieces`),
    the times of each piece's phones moved to where it starts (``quiet``: of the whole
    audio, see :func:`recognise`; None: judged from ``samples``)."""
    if quiet is None:
        quiet = digital_quiet(samples)
    segments: list[PhoneSegment] = []
    for a, b in pieces(acoustics, samples.shape[0]):
        offset = a / P.ANALYSIS_RATE
        segments += [
            PhoneSegment(s.label, s.start + offset, s.end + offset, s.confidence, s.source)
            for s in recognise(samples[a:b], quiet)
        ]
    return segments


def clean(segments: list[PhoneSegment], acoustics: Acoustics) -> list[PhoneSegment]:
    """Turn phones lying mostly in detected silence into pauses; merge adjacent pauses."""
    out: list[PhoneSegment] = []
    for seg in segments:
        label = seg.label
        if not is_silence(label) and len(acoustics):
            inside = (acoustics.times >= seg.start) & (acoustics.times < seg.end)
            if inside.any() and acoustics.speech[inside].mean() < 0.5:
                label = SILENCE
        if out and label == SILENCE and out[-1].label == SILENCE:
            prev = out.pop()
            out.append(PhoneSegment(SILENCE, prev.start, seg.end, 1.0, SOURCE))
            continue
        out.append(PhoneSegment(label, seg.start, seg.end, seg.confidence, SOURCE))
    return out


def flat_steps(samples: np.ndarray) -> int:
    """How many steps between consecutive samples of float32 (n,) ``samples`` are exactly
    zero (of ``n - 1``)."""
    n = samples.shape[0]
    # a block at a time (with one sample of overlap): the steps of the whole audio would be a
    # second copy of it
    return sum(
        int(np.count_nonzero(np.diff(samples[i : i + _STEP_BLOCK + 1]) == 0.0))
        for i in range(0, n - 1, _STEP_BLOCK)
    )


def first_nonzero(samples: np.ndarray, last: bool = False) -> int | None:
    """Index of the first (``last``: the last) sample of float32 (n,) ``samples`` that is not
    exactly zero; None: all are."""
    n = samples.shape[0]
    starts = range(0, n, _STEP_BLOCK)
    for i in reversed(starts) if last else starts:
        found = np.flatnonzero(samples[i : i + _STEP_BLOCK])
        if found.size:
            return i + int(found[-1] if last else found[0])
    return None


def digital_quiet(samples: np.ndarray) -> bool:
    """Whether the speech has digitally quiet stretches (synthetic or noise-gated speech):
    at least ``LABIAL_MIN_FLAT_SHARE`` of the steps between consecutive samples of float32
    (n,) ``samples`` are exactly zero (:func:`flat_steps`), from its first sound to its last
    (digital silence padded around a recording does not make it one: 2 s of it before a real
    voice's 6 s turned its /v w/ and vowels into closed lips). Only there does a lip closure
    sound like one to the spectral bilabial cue; under a live noise floor the centroid of a
    closure is the noise's, and the cue turns real /v w/ and vowels into closed lips."""
    start, end = first_nonzero(samples), first_nonzero(samples, last=True)
    if start is None or end is None or end - start < 1:
        return False
    return flat_steps(samples[start : end + 1]) / (end - start) >= P.LABIAL_MIN_FLAT_SHARE


def floor_below_peak_db(quiet: bool) -> float:
    """How far below the speech's loud frames the recognisers' noise floor lies (dB):
    :data:`~.parameters.RECOGNISER_FLOOR_BELOW_PEAK_DB` for :func:`digital_quiet` speech (its
    digital silence needs it), :data:`~.parameters.RECORDED_FLOOR_BELOW_PEAK_DB` for a recording
    with a floor of its own (the higher one would mask its weak consonants)."""
    return P.RECOGNISER_FLOOR_BELOW_PEAK_DB if quiet else P.RECORDED_FLOOR_BELOW_PEAK_DB


def recognise_phones(samples: np.ndarray, acoustics: Acoustics) -> tuple[PhoneSegment, ...]:
    """Phone segments of float32 (n,) mono 16 kHz audio without a transcript (see module)."""
    if not acoustics.speech.any():
        return ()
    quiet = digital_quiet(samples)
    return tidy(recognise_pieces(samples, acoustics, quiet), samples, acoustics, quiet)


def tidy(
    segments: list[PhoneSegment],
    samples: np.ndarray,
    acoustics: Acoustics,
    quiet: bool | None = None,
) -> tuple[PhoneSegment, ...]:
    """The loop's raw ``segments`` of ``samples`` (their ``acoustics``) as the mouth takes them
    (see module): cleaned, bilabials recovered, phrase onsets closed, its /F V/ hedged.
    ``quiet``: whether the speech is :func:`digital_quiet` (None: judged from ``samples``; a
    live window is too short to judge: 7 of 21 windows of a recording whose whole was)."""
    phones: Sequence[PhoneSegment] = clean(segments, acoustics)
    if digital_quiet(samples) if quiet is None else quiet:
        phones = recover_bilabials(phones, samples)
    onsets = phrase_onsets(acoustics.speech, acoustics.times)
    return hedge_labiodentals(close_onsets(phones, samples, onsets))
