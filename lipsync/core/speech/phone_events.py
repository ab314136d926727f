"""Exact phoneme timing from our own synthesis, and the sidecar file that carries it.

When the toolkit synthesises speech with espeak-ng (:func:`lipsync.core.speech.espeak.synthesize`)
it knows where every phoneme starts, to the sample. That timing travels with the audio in a
*sidecar*: a JSON file named after the audio file plus ``.phones.json``
(``speech.wav`` -> ``speech.wav.phones.json``). The track builder picks it up automatically.

Sidecar format (version 1)::

    {
      "format": "lipsync-phones",
      "version": 1,
      "sample_rate": 22050,          # Hz of the sample positions below
      "num_samples": 68735,          # length of the audio the events belong to
      "engine": "espeak-ng",
      "text": "Bob bought a map.",   # what was spoken (informative)
      "lang": "en",                  # espeak-ng language / voice name (informative)
      "events": [{"label": "b", "sample": 286}, {"label": "ɒ", "sample": 926}, ...]
    }

``label`` is IPA as espeak-ng writes it (``""`` for a pause); each phoneme lasts until the next
event, the last one until ``num_samples``. A sidecar whose duration differs from the audio's by
more than :data:`MAX_DURATION_MISMATCH` seconds is stale (the audio was edited or re-timed after
synthesis) and is ignored with a warning: whoever time-stretches synthesised audio must write a
new sidecar with scaled sample positions.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lipsync.core.errors import InputError
from lipsync.core.speech.phonesets import SILENCE
from lipsync.core.types import PhoneSegment

log = logging.getLogger("lipsync")

SIDECAR_SUFFIX = ".phones.json"
SIDECAR_FORMAT = "lipsync-phones"
SIDECAR_VERSION = 1
MAX_DURATION_MISMATCH = 0.05  # s; larger differences mean the sidecar belongs to other audio


@dataclass(frozen=True)
class PhonemeEvent:
    """One phoneme start from the synthesiser: IPA ``label`` (``""`` = pause) at ``sample``."""

    label: str
    sample: int


@dataclass(frozen=True)
class PhoneEvents:
    """All phoneme starts of one synthesised utterance, with the rate and length they refer to."""

    events: tuple[PhonemeEvent, ...]
    sample_rate: int
    num_samples: int
    text: str = ""
    lang: str = ""

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return self.num_samples / self.sample_rate


def _clean_label(label: str) -> str:
    label = label.strip()
    if not label or (label.startswith("(") and label.endswith(")")):
        return SILENCE  # pauses and espeak-ng's language-switch marks "(en)"
    return label


def events_to_segments(events: PhoneEvents, source: str = "espeak") -> tuple[PhoneSegment, ...]:
    """Turn phoneme starts into phone segments (seconds), merging consecutive pauses.

    Confidence is 1: the timing is what the synthesiser produced.
    """
    rate = float(events.sample_rate)
    ordered = sorted(events.events, key=lambda e: e.sample)
    segments: list[PhoneSegment] = []
    for k, event in enumerate(ordered):
        start = max(0, event.sample)
        end = ordered[k + 1].sample if k + 1 < len(ordered) else events.num_samples
        end = min(max(end, start), events.num_samples)
        if end <= start:
            continue
        label = _clean_label(event.label)
        if segments and label == SILENCE and segments[-1].label == SILENCE:
            prev = segments.pop()
            segments.append(PhoneSegment(SILENCE, prev.start, end / rate, 1.0, source))
            continue
        segments.append(PhoneSegment(label, start / rate, end / rate, 1.0, source))
    return tuple(segments)


def sidecar_path(audio_path: str | os.PathLike[str]) -> Path:
    """Where the sidecar of ``audio_path`` lives: the same name plus ``.phones.json``."""
    p = Path(audio_path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def events_to_json(events: PhoneEvents) -> str:
    """Serialise to the sidecar format (see the module docstring)."""
    doc = {
        "format": SIDECAR_FORMAT,
        "version": SIDECAR_VERSION,
        "sample_rate": int(events.sample_rate),
        "num_samples": int(events.num_samples),
        "engine": "espeak-ng",
        "text": events.text,
        "lang": events.lang,
        "events": [{"label": e.label, "sample": int(e.sample)} for e in events.events],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def events_from_json(text: str, where: str = "the phone sidecar") -> PhoneEvents:
    """Parse the sidecar format; raise :class:`InputError` naming ``where`` when it is not one."""
    try:
        doc = json.loads(text)
        if doc.get("format") != SIDECAR_FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}")
        if int(doc.get("version", 0)) > SIDECAR_VERSION:
            raise ValueError(f"version {doc.get('version')} is newer than this lipsync")
        rate = int(doc["sample_rate"])
        n = int(doc["num_samples"])
        if rate <= 0 or n < 0:
            raise ValueError("sample_rate must be positive and num_samples not negative")
        evs = tuple(PhonemeEvent(str(e["label"]), int(e["sample"])) for e in doc["events"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(
            f"{where} is not a lipsync phone sidecar ({e}): delete it or write it again with "
            "lipsync's synthesis."
        ) from e
    return PhoneEvents(evs, rate, n, str(doc.get("text", "")), str(doc.get("lang", "")))


def write_sidecar(audio_path: str | os.PathLike[str], events: PhoneEvents) -> Path:
    """Write the sidecar beside ``audio_path`` atomically (temporary file, then rename)."""
    from lipsync.core.media.atomic import atomic_output

    dest = sidecar_path(audio_path)
    with atomic_output(dest) as tmp:
        tmp.write_text(events_to_json(events), encoding="utf-8")
    return dest


def read_sidecar(
    audio_path: str | os.PathLike[str], audio_duration: float | None = None
) -> PhoneEvents | None:
    """The sidecar of ``audio_path`` if there is one that matches, else ``None``.

    ``audio_duration`` (seconds) of the loaded audio, when given, is checked against the
    sidecar's; a mismatch logs a warning and returns ``None``. A sidecar that is not valid JSON
    of this format raises :class:`InputError`.
    """
    path = sidecar_path(audio_path)
    if not path.is_file():
        return None
    events = events_from_json(path.read_text(encoding="utf-8"), where=f"'{path}'")
    if audio_duration is not None and abs(events.duration - audio_duration) > (
        MAX_DURATION_MISMATCH
    ):
        log.warning(
            "Ignoring %s: it describes %.3f s of audio but the audio lasts %.3f s.",
            path,
            events.duration,
            audio_duration,
        )
        return None
    return events


def shift_events(events: Sequence[PhonemeEvent], offset: int) -> tuple[PhonemeEvent, ...]:
    """The same events moved by ``offset`` samples (for concatenating utterances)."""
    return tuple(PhonemeEvent(e.label, e.sample + offset) for e in events)
