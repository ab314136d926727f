"""Voices: which synthetic voice speaks for each speaker, kept in a map that is saved and
reused, so the same person keeps the same voice across runs, languages and videos.

A :class:`Voice` is language-free (a variant such as ``m3`` or ``f2``, a pitch, a rate); the
language comes from the run. The map is JSON (``voices.json`` in the work directory, or any
file given with ``--voice-map``)::

    {"format": "lipsync-voices", "version": 1,
     "voices": {"S1": {"variant": "m3", "pitch": 42, "rate": 175}, "ALICE": {...}}}
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from lipsync.core.errors import InputError
from lipsync.core.speech.espeak import DEFAULT_PITCH, DEFAULT_RATE

VOICE_MAP_FORMAT = "lipsync-voices"
MALE_VARIANTS = ("m1", "m3", "m2", "m4", "m5", "m6", "m7")  # espeak-ng variants, most natural first
FEMALE_VARIANTS = ("f1", "f3", "f2", "f4", "f5")
FEMALE_ABOVE_HZ = 165.0  # median pitch above which a speaker gets a female voice
# espeak-ng's pitch setting 0..100 moves F0 about one octave per 70 steps around these bases
# (measured on its variants at the setting 50)
MALE_BASE_HZ = 98.0
FEMALE_BASE_HZ = 197.0
PITCH_STEPS_PER_OCTAVE = 70.0


@dataclass(frozen=True)
class Voice:
    """One speaker's voice. ``variant``: espeak-ng voice variant (``m3``, ``f2``) or None;
    ``name``: a full espeak-ng voice name used as given (``en-us+f3``), overriding language
    and variant; ``pitch`` 0..100 and ``rate`` (words/minute) for espeak-ng; ``speaker``: a
    Coqui model's speaker name (multi-speaker models)."""

    variant: str | None = None
    pitch: int = DEFAULT_PITCH
    rate: int = DEFAULT_RATE
    name: str | None = None
    speaker: str | None = None

    def espeak_name(self, lang: str) -> str:
        if self.name:
            return self.name
        return f"{lang}+{self.variant}" if self.variant else lang

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def espeak_pitch(f0: float, female: bool) -> int:
    """espeak-ng's pitch setting (0..100) that gives about ``f0`` Hz with a variant of that
    gender; the default for an unknown pitch (0)."""
    if f0 <= 0:
        return DEFAULT_PITCH
    base = FEMALE_BASE_HZ if female else MALE_BASE_HZ
    return round(min(100.0, max(0.0, 50 + PITCH_STEPS_PER_OCTAVE * math.log2(f0 / base))))


def choose_voices(
    speakers: Iterable[str],
    pitches: Mapping[str, float],
    known: Mapping[str, Voice] | None = None,
) -> dict[str, Voice]:
    """A voice for every speaker: the known one when the map has it, else a new variant of the
    speaker's gender (by median pitch) not yet used, with espeak-ng's pitch set to match."""
    out = dict(known or {})
    used = {v.variant for v in out.values()}
    for speaker in speakers:
        if speaker in out:
            continue
        f0 = float(pitches.get(speaker, 0.0))
        female = f0 >= FEMALE_ABOVE_HZ
        pool = FEMALE_VARIANTS if female else MALE_VARIANTS
        variant = next((v for v in pool if v not in used), pool[len(used) % len(pool)])
        used.add(variant)
        out[speaker] = Voice(variant=variant, pitch=espeak_pitch(f0, female))
    return out


def parse_voice_option(text: str) -> tuple[str, Voice]:
    """``SPEAKER=VOICE`` from the command line: VOICE is an espeak-ng variant (``f2``), a full
    voice name (``es+f2``, ``en-us``), or ``coqui:NAME`` for a Coqui model's speaker; options
    may follow after commas: ``S1=m3,pitch=40,rate=160``."""
    speaker, sep, value = text.partition("=")
    if not sep or not speaker.strip() or not value.strip():
        raise InputError(
            f"--voice '{text}' is not SPEAKER=VOICE: write it like S1=f2 or ALICE=es+m3."
        )
    head, *opts = [p.strip() for p in value.split(",")]
    voice = Voice()
    if head.startswith("coqui:"):
        voice = replace(voice, speaker=head[len("coqui:") :])
    elif head[:1] in "mf" and head[1:].isdigit():
        voice = replace(voice, variant=head)
    else:
        voice = replace(voice, name=head)
    for opt in opts:
        key, _, val = opt.partition("=")
        if key not in ("pitch", "rate") or not val.isdigit():
            raise InputError(
                f"--voice '{text}': '{opt}' is not pitch=N or rate=N: write e.g. S1=m3,pitch=40."
            )
        voice = replace(voice, pitch=int(val)) if key == "pitch" else replace(voice, rate=int(val))
    return speaker.strip(), voice


def voices_to_json(voices: Mapping[str, Voice]) -> str:
    doc = {
        "format": VOICE_MAP_FORMAT,
        "version": 1,
        "voices": {k: v.to_json() for k, v in sorted(voices.items())},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def read_voice_map(path: str | Path) -> dict[str, Voice]:
    """The voice map saved at ``path`` (empty when the file does not exist)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(
            f"The voice map '{p}' is a folder: give the name of a voice map file for --voice-map."
        )
    if not p.is_file():
        return {}
    try:
        doc = json.loads(p.read_bytes().decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("it is not a JSON object")
        if doc.get("format") != VOICE_MAP_FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}")
        fields = set(Voice.__dataclass_fields__)
        return {
            str(k): Voice(**{f: v for f, v in d.items() if f in fields})
            for k, d in doc["voices"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        reason = "it is not text" if isinstance(e, UnicodeDecodeError) else str(e)
        raise InputError(
            f"The voice map '{p}' is not a lipsync voice map ({reason}): give --voice-map the "
            "voices.json a translation saved, or the name of a new file to save one to."
        ) from e
