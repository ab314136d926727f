"""Speech recognition with pocketsphinx and its bundled US-English model: offline, no
download. Utterances are found by energy (:mod:`~.vad`) and decoded one by one with the
bundled language model and dictionary; words keep their times."""

from __future__ import annotations

import re
import threading

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.pipeline.segments import Segment, Word, renumber
from lipsync.core.pipeline.vad import speech_regions
from lipsync.core.progress import CountCallback
from lipsync.core.speech.sphinx import (
    FRAME_SECONDS,
    acoustic_model,
    model_file,
    pocketsphinx,
    recogniser_pcm,
    shared,
    start_fresh,
)

SAMPLE_RATE = 16_000  # Hz; what the bundled model was trained on
LANGUAGES = ("en",)
_FILLER = re.compile(r"^(<s>|</s>|<sil>|\[\w+\]|\+\w+\+)$")
_ALTERNATE = re.compile(r"\(\d+\)$")  # cmudict's "read(2)"


class _Decoder:
    def __init__(self) -> None:
        self.decoder = pocketsphinx().Decoder(
            hmm=acoustic_model(),
            lm=model_file("en-us", "en-us.lm.bin"),
            dict=model_file("en-us", "cmudict-en-us.dict"),
            samprate=SAMPLE_RATE,
            loglevel="FATAL",
        )
        self.lock = threading.Lock()


class SphinxRecognizer:
    """``transcribe(samples)`` on ``float32 (n,)`` mono 16 kHz audio -> segments, "en"."""

    name = "pocketsphinx"

    def __init__(self, language: str | None = None) -> None:
        if language not in (None, *LANGUAGES):
            raise InputError(
                f"pocketsphinx recognises English only, not '{language}': use --asr whisper "
                "for other languages, or --asr none with --subtitles."
            )

    def key(self) -> list[str]:
        return [self.name, "en-us"]

    def transcribe(
        self, samples: np.ndarray, on_progress: CountCallback | None = None
    ) -> tuple[tuple[Segment, ...], str]:
        report = on_progress or (lambda done, total: None)
        regions = speech_regions(samples, SAMPLE_RATE)
        report(0, len(regions))
        dec = shared(_Decoder)
        segments = []
        for k, (start, end) in enumerate(regions):
            piece = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
            words = self._decode(dec, piece, start)
            text = " ".join(w.text for w in words)
            segments.append(Segment(0, start, end, text, words=tuple(words)))
            report(k + 1, len(regions))
        return renumber(segments), "en"

    @staticmethod
    def _decode(dec: _Decoder, piece: np.ndarray, offset: float) -> list[Word]:
        with dec.lock:
            try:
                start_fresh(dec.decoder)
                dec.decoder.process_raw(recogniser_pcm(piece), full_utt=True)
                dec.decoder.end_utt()
                raw = [(s.word, s.start_frame, s.end_frame) for s in dec.decoder.seg()]
            except RuntimeError as e:
                raise ProcessingError(f"pocketsphinx failed on this audio ({e}).") from e
        words = []
        for word, a, b in raw:
            if _FILLER.match(word):
                continue
            words.append(
                Word(
                    _ALTERNATE.sub("", word),
                    offset + a * FRAME_SECONDS,
                    offset + (b + 1) * FRAME_SECONDS,
                )
            )
        return words
