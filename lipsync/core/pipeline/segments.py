"""Segments: one spoken line of the video, with its time slot, text and speaker.

Every stage reads and writes segments: speech recognition makes them (source text), speaker
labelling fills ``speaker``, translation fills ``target``. Times are seconds from the video's
first frame. Pure data, JSON in and out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from lipsync.core.errors import InputError

DEFAULT_SPEAKER = "S1"
T = TypeVar("T")


@dataclass(frozen=True)
class Word:
    """One recognised word and its times (s)."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Segment:
    """One line: ``start``/``end`` in seconds, the recognised ``text``, the ``speaker`` label,
    the ``target`` (translated) text once known, and the recognised words when available."""

    index: int
    start: float
    end: float
    text: str
    speaker: str = DEFAULT_SPEAKER
    target: str | None = None
    words: tuple[Word, ...] = ()

    @property
    def duration(self) -> float:
        return self.end - self.start

    def with_(self, **changes: Any) -> Segment:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["words"] = [dataclasses.asdict(w) for w in self.words]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        words = tuple(
            Word(str(w["text"]), float(w["start"]), float(w["end"])) for w in data.get("words", ())
        )
        return cls(
            index=int(data["index"]),
            start=float(data["start"]),
            end=float(data["end"]),
            text=str(data["text"]),
            speaker=str(data.get("speaker") or DEFAULT_SPEAKER),
            target=data.get("target"),
            words=words,
        )


def segments_to_json(segments: Sequence[Segment]) -> list[dict[str, Any]]:
    return [s.to_json() for s in segments]


def segments_from_json(data: Iterable[dict[str, Any]], where: str) -> tuple[Segment, ...]:
    """Parse a list of segment dicts; :class:`InputError` naming ``where`` when malformed."""
    try:
        return tuple(Segment.from_json(d) for d in data)
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(
            f"{where} does not hold lipsync segments ({e}): delete it to redo that stage."
        ) from e


def renumber(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    """The segments sorted by start time and numbered 1, 2, 3 …"""
    ordered = sorted(segments, key=lambda s: (s.start, s.end))
    return tuple(s.with_(index=k + 1) for k, s in enumerate(ordered))


def gaps_after(segments: Sequence[Segment], total: float) -> list[float]:
    """Seconds of pause after each segment: to the next one's start, or to ``total`` (the
    video's end) for the last. Never negative."""
    out = []
    for k, seg in enumerate(segments):
        nxt = segments[k + 1].start if k + 1 < len(segments) else total
        out.append(max(0.0, nxt - seg.end))
    return out


def speakers_of(segments: Iterable[Segment]) -> list[str]:
    """Distinct speaker labels in order of first appearance."""
    seen: dict[str, None] = {}
    for s in segments:
        seen.setdefault(s.speaker, None)
    return list(seen)


#: Seconds of overlap ignored when lines are put in sequence (the millisecond of SubRip times).
OVERLAP_TOLERANCE = 0.0005


@dataclass(frozen=True)
class Move:
    """A line put later so that it is not spoken over the one before: ``position`` and
    ``after`` count from 1 in time order; ``start``/``end`` are the line's own times (s),
    ``new_start`` where it now starts (when line ``after`` ends)."""

    position: int
    start: float
    end: float
    new_start: float
    after: int


def in_sequence(items: Sequence[T]) -> tuple[tuple[T, ...], tuple[Move, ...]]:
    """``items`` (anything with ``start``/``end`` seconds: cues, segments) sorted by start and
    put in sequence: an item that starts before an earlier one ends is moved to start when
    that one ends, keeping its length, so that no two are ever spoken at once. Returns the
    items and the moves (empty when nothing overlapped)."""
    ordered = sorted(items, key=lambda s: (s.start, s.end))  # type: ignore[attr-defined]
    out: list[T] = []
    moves: list[Move] = []
    last_end, last_k = -math.inf, 0
    for k, item in enumerate(ordered, 1):
        start, end = item.start, item.end  # type: ignore[attr-defined]
        if start < last_end - OVERLAP_TOLERANCE:
            moves.append(Move(k, start, end, last_end, last_k))
            item = dataclasses.replace(item, start=last_end, end=last_end + (end - start))  # type: ignore[type-var]
        out.append(item)
        if item.end >= last_end:  # type: ignore[attr-defined]
            last_end, last_k = item.end, k  # type: ignore[attr-defined]
    return tuple(out), tuple(moves)
