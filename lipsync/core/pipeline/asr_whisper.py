"""Speech recognition with OpenAI's Whisper (the ``whisper`` extra): any of its languages,
language detection, word timestamps. The model is a local checkpoint file (``.pt``, as whisper
saves them) or one of whisper's model names (fetched to whisper's cache on first use)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.optional import require
from lipsync.core.pipeline.segments import Segment, Word, renumber
from lipsync.core.progress import CountCallback

SAMPLE_RATE = 16_000  # Hz; whisper's input rate


class WhisperRecognizer:
    """``transcribe(samples)`` on ``float32 (n,)`` mono 16 kHz audio -> (segments, language)."""

    name = "whisper"

    def __init__(self, model: str | None, language: str | None = None, device: str = "cpu"):
        if not model:
            raise InputError(
                "--asr whisper needs --asr-model: a checkpoint file (.pt) or a model name "
                "such as base or small."
            )
        whisper = require("whisper", "whisper", "the Whisper recogniser")
        path = Path(model).expanduser()
        names = whisper.available_models()
        if not path.is_file() and model not in names:
            raise InputError(
                f"The Whisper model '{model}' is neither a checkpoint file nor one of "
                f"whisper's model names ({', '.join(names)}): give one of those."
            )
        try:
            self.model = whisper.load_model(str(path) if path.is_file() else model, device=device)
        except (
            RuntimeError, KeyError, OSError, ValueError, EOFError, IndexError, TypeError,
            pickle.UnpicklingError,
        ) as e:  # fmt: skip
            if _refused_global(e):  # torch's weights-only loader refused a global
                raise InputError(
                    f"The Whisper model '{model}' holds Python objects other than weights, "
                    "which lipsync does not load (loading them could run code): give a "
                    "checkpoint saved by whisper."
                ) from e
            raise InputError(
                f"The Whisper model '{model}' could not be loaded ({_reason(e)}): give a "
                "checkpoint saved by whisper."
            ) from e
        self.whisper = whisper
        self.language = language
        self.model_id = str(path.resolve()) if path.is_file() else model
        self._mtime = path.stat().st_mtime_ns if path.is_file() else 0

    def key(self) -> list[object]:
        return [self.name, self.model_id, self._mtime, self.language]

    def transcribe(
        self, samples: np.ndarray, on_progress: CountCallback | None = None
    ) -> tuple[tuple[Segment, ...], str]:
        report = on_progress or (lambda done, total: None)
        report(0, 1)
        audio = np.asarray(samples, np.float32)
        try:
            result = self.model.transcribe(
                audio,
                language=self.language,
                word_timestamps=True,
                fp16=False,
                condition_on_previous_text=False,
                verbose=None,
            )
        except RuntimeError as e:
            raise ProcessingError(f"Whisper failed on this audio ({e}).") from e
        segments = []
        for seg in result.get("segments", ()):
            text = str(seg.get("text", "")).strip()
            if not text:
                continue
            words = tuple(
                Word(str(w["word"]).strip(), float(w["start"]), float(w["end"]))
                for w in seg.get("words") or ()
            )
            segments.append(Segment(0, float(seg["start"]), float(seg["end"]), text, words=words))
        report(1, 1)
        return renumber(segments), str(result.get("language") or self.language or "")


def _refused_global(e: BaseException) -> bool:
    text = str(e).lower()
    return isinstance(e, pickle.UnpicklingError) and "unsupported global" in text


def _reason(e: BaseException) -> str:
    """The first line of a loader's error, never its advice to load unsafely."""
    lines = str(e).strip().splitlines() or [type(e).__name__]
    first = lines[0].strip().rstrip(".")
    if "weights_only" in first or "weights only" in first.lower():
        return "it is not a PyTorch checkpoint"
    return first[:200] or type(e).__name__
