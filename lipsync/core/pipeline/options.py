"""What a translation run is asked to do (:class:`TranslateOptions`) and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lipsync.core.errors import InputError
from lipsync.core.pipeline.mixing import MixOptions
from lipsync.core.pipeline.voices import Voice
from lipsync.core.sync_options import SyncOptions

ASR_BACKENDS = ("pocketsphinx", "whisper", "none")
MT_BACKENDS = ("srt", "marian", "none")
TTS_BACKENDS = ("espeak", "coqui")
MAX_SPEAKERS = 8


@dataclass(frozen=True)
class TranslateOptions:
    """One translation run.

    ``target``/``source``: language codes (``source`` None = detect / the recogniser's own).
    ``asr``/``mt``/``tts``: backends by name, with ``*_model`` a path or model name.
    ``asr="none"`` takes the lines straight from ``subtitles``. ``mt``: ``srt`` aligns the
    translated ``subtitles`` to the recognised lines, ``none`` keeps the recognised text (it
    is already in the target language). ``speakers``: cluster voices into N speakers (None:
    labels from the subtitles, else one speaker). ``voices``: SPEAKER -> voice overrides;
    ``voice_map``: the saved map to read and update (default: the work directory's).
    ``stem``: a separated background (speech-free) to mix under the dub instead of the
    ducked original. ``lipsync``: run the engine on the result with ``sync``.
    """

    target: str
    source: str | None = None
    asr: str = "pocketsphinx"
    asr_model: str | None = None
    mt: str = "srt"
    mt_model: str | None = None
    subtitles: str | Path | None = None
    tts: str = "espeak"
    tts_model: str | None = None
    speakers: int | None = None
    voices: dict[str, Voice] = field(default_factory=dict)
    voice_map: str | Path | None = None
    workdir: str | Path | None = None
    stem: str | Path | None = None
    mix: MixOptions = field(default_factory=MixOptions)
    lipsync: bool = True
    sync: SyncOptions = field(default_factory=SyncOptions)

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("asr", self.asr, ASR_BACKENDS),
            ("mt", self.mt, MT_BACKENDS),
            ("tts", self.tts, TTS_BACKENDS),
        ):
            if value not in allowed:
                raise InputError(
                    f"--{name} '{value}' is not a backend: use one of {', '.join(allowed)}."
                )
        if not self.target or not self.target.replace("-", "").isalnum():
            raise InputError(f"--to '{self.target}' is not a language code: give e.g. es or de.")
        if (self.mt == "srt" or self.asr == "none") and self.subtitles is None:
            raise InputError(
                "No translation was given: pass --subtitles FILE (your translated SRT), or "
                "--mt marian --mt-model DIR, or --mt none when the speech is already in "
                f"'{self.target}'."
            )
        if self.speakers is not None and not (1 <= self.speakers <= MAX_SPEAKERS):
            raise InputError(
                f"--speakers {self.speakers} is out of range: give 1 to {MAX_SPEAKERS}."
            )


@dataclass(frozen=True)
class TranslateReport:
    """What a run did: its outputs, per-line fitting, warnings, and seconds per stage."""

    video: str
    output: str | None
    workdir: str
    source_language: str
    target_language: str
    outputs: dict[str, str]
    lines: list[dict[str, Any]]
    warnings: list[str]
    stages: dict[str, float]
    sync: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)
