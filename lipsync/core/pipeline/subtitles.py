"""Subtitles: SubRip (.srt) and WebVTT (.vtt) read and written, the subtitle markers of an
OTIO timeline read, speaker labels, and aligning a translated subtitle file to the recognised
segments.

A speaker label is recognised at the start of a cue as ``NAME: text``, ``[NAME] text`` or
WebVTT's ``<v NAME>text``; it is taken off the text. Times are seconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lipsync.core.errors import InputError
from lipsync.core.pipeline.segments import Move, Segment, in_sequence, renumber

_TIME = r"(\d+):(\d{2}):(\d{2})[,.](\d{3})"
_SHORT_TIME = r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})"
_SRT_ARROW = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VTT_ARROW = re.compile(rf"^\s*{_SHORT_TIME}\s*-->\s*{_SHORT_TIME}")
_LABEL_COLON = re.compile(r"^\s*-?\s*([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})\s*:\s+(.+)$", re.S)
_LABEL_BRACKET = re.compile(r"^\s*\[([^\]]{1,40})\]\s*(.+)$", re.S)
_LABEL_VOICE = re.compile(r"^\s*<v(?:\.[\w.]+)?\s+([^>]{1,40})>(.*?)(?:</v>)?\s*$", re.S)
_TAG = re.compile(r"<[^>]+>")
MAX_LISTED = 4  # overlapping cues named in the warning; the rest are counted
log = logging.getLogger("lipsync")


@dataclass(frozen=True)
class Cue:
    """One subtitle: ``start``/``end`` (s), ``text`` (lines joined by newlines), ``speaker``."""

    start: float
    end: float
    text: str
    speaker: str | None = None


def split_speaker(text: str) -> tuple[str | None, str]:
    """(speaker label or None, the text without it)."""
    for pattern in (_LABEL_VOICE, _LABEL_BRACKET, _LABEL_COLON):
        m = pattern.match(text)
        if m:
            return m.group(1).strip(), m.group(2).strip()
    return None, text


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_subtitles(text: str, where: str = "the subtitles") -> tuple[Cue, ...]:
    """Cues of SubRip or WebVTT ``text`` (told apart by the ``WEBVTT`` header); raise
    :class:`InputError` naming ``where`` and the line when a timing line is malformed or the
    file holds no cue."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    vtt = text.startswith("WEBVTT")
    arrow = _VTT_ARROW if vtt else _SRT_ARROW
    cues: list[Cue] = []
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        if "-->" not in line:
            k += 1
            continue
        m = arrow.match(line)
        if not m:
            raise InputError(
                f"{where}, line {k + 1}: '{line.strip()}' is not a subtitle timing line "
                "(expected 00:00:01,000 --> 00:00:02,500): correct it."
            )
        g = m.groups()
        start, end = (_seconds(*g[:4]), _seconds(*g[4:])) if len(g) == 8 else (0.0, 0.0)
        if end < start:
            raise InputError(
                f"{where}, line {k + 1}: the cue ends before it starts: correct its times."
            )
        body: list[str] = []
        k += 1
        while k < len(lines) and lines[k].strip():
            body.append(lines[k].strip())
            k += 1
        raw = "\n".join(body)
        speaker, clean = split_speaker(raw)
        clean = _TAG.sub("", clean).strip()
        cues.append(Cue(start, end, clean, speaker))
    if not cues:
        raise InputError(f"{where} holds no subtitle cue: give an SRT or WebVTT file.")
    return dub_in_sequence(cues, where)


OTIO_SUFFIXES = (".otio", ".otioz", ".otiod")


def read_subtitles(path: str | Path) -> tuple[Cue, ...]:
    """Read an .srt or .vtt file (UTF-8), or the subtitle markers of an OTIO timeline."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"The subtitles '{p}' are a folder: give an .srt or .vtt file.")
    if not p.is_file():
        raise InputError(f"The subtitle file '{p}' does not exist: give an .srt or .vtt file.")
    if p.suffix.lower() in OTIO_SUFFIXES:
        return read_otio_cues(p)
    from lipsync.core.text_encoding import decode_text  # UTF-8, UTF-16 with a BOM

    text = decode_text(p.read_bytes(), f"The subtitle file '{p}'")
    return parse_subtitles(text, where=f"'{p}'")


def read_otio_cues(path: str | Path) -> tuple[Cue, ...]:
    """The markers of an OTIO timeline as cues: those of the top-level stack, else of the first
    track with markers. A marker written by lipsync (``metadata["lipsync"]["subtitle"]``, as
    the ``srt`` adapter and ``lipsync timeline new`` write them) brings its exact text and
    speaker; any other marker its name (with a ``NAME:`` label, if any). Times are seconds
    from the start of the stack."""
    import opentimelineio as otio

    p = Path(path)
    try:
        timeline = otio.adapters.read_from_file(str(p))
    except Exception as e:  # OTIO raises many kinds for a bad file
        raise InputError(f"The timeline '{p}' cannot be read ({e}): give an OTIO file.") from e
    stack = timeline.tracks if isinstance(timeline, otio.schema.Timeline) else None
    holders = [stack, *(stack or [])] if stack is not None else []
    markers = next((list(h.markers) for h in holders if h is not None and h.markers), [])
    cues = []
    for marker in markers:
        start = marker.marked_range.start_time.to_seconds()
        end = start + marker.marked_range.duration.to_seconds()
        ours = dict(marker.metadata.get("lipsync", {}) or {}).get("subtitle")
        if ours:  # the exact cue text, its label (if any) still in it
            speaker, text = split_speaker(str(ours.get("text", marker.name)))
            speaker = ours.get("speaker") or speaker
        else:
            speaker, text = split_speaker(marker.name)
        if text.strip() and end > start:
            cues.append(Cue(start, end, text, speaker))
    if not cues:
        raise InputError(f"The timeline '{p}' has no subtitle markers: give an .srt or .vtt file.")
    return dub_in_sequence(cues, f"The subtitle markers of '{p}'")


def dub_in_sequence(cues: Sequence[Cue], where: str) -> tuple[Cue, ...]:
    """``cues`` sorted by time, overlapping ones put in sequence for dubbing (see
    :func:`~lipsync.core.pipeline.segments.in_sequence`: a cue that starts before the one
    before it ends starts when that one ends, keeping its length), with one logged warning
    naming them."""
    timed, moves = in_sequence(cues)
    if moves:
        log.warning("%s", overlap_warning(where, moves, "cue"))
    return timed


def overlap_warning(where: str, moves: Sequence[Move], noun: str) -> str:
    """One sentence naming the overlapping cues (numbered from 1 in time order), their times
    and where they now start."""
    named = [
        f"{noun} {m.position} ({_stamp(m.start, '.')}-{_stamp(m.end, '.')}) starts before "
        f"{noun} {m.after} ends, so it starts at {_stamp(m.new_start, '.')}"
        for m in moves[:MAX_LISTED]
    ]
    more = len(moves) - len(named)
    rest = f" and {more} more {noun}s were moved the same way" if more else ""
    return (
        f"{where}: {'; '.join(named)}{rest}: overlapping {noun}s are dubbed one after the other "
        "(never two voices at once): correct their times to choose otherwise."
    )


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _labelled(cue: Cue, with_speaker: bool, vtt: bool) -> str:
    if not (with_speaker and cue.speaker):
        return cue.text
    return f"<v {cue.speaker}>{cue.text}" if vtt else f"[{cue.speaker}] {cue.text}"


def format_srt(cues: Sequence[Cue], with_speaker: bool = False) -> str:
    blocks = [
        f"{k + 1}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n"
        f"{_labelled(c, with_speaker, False)}\n"
        for k, c in enumerate(cues)
    ]
    return "\n".join(blocks)


def format_vtt(cues: Sequence[Cue], with_speaker: bool = False) -> str:
    blocks = [
        f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{_labelled(c, with_speaker, True)}\n"
        for c in cues
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def segments_to_cues(segments: Sequence[Segment], target: bool) -> list[Cue]:
    """Cues of the source (``target=False``) or translated text of ``segments``."""
    return [
        Cue(s.start, s.end, (s.target or "") if target else s.text, s.speaker) for s in segments
    ]


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def align_cues(segments: Sequence[Segment], cues: Sequence[Cue]) -> tuple[Segment, ...]:
    """Give each segment the translated text of the cues that overlap it most.

    Each cue goes to the segment it overlaps longest (nearest by midpoint when it overlaps
    none within a second); a segment receiving several cues joins their texts, and its slot
    widens to cover them. A cue far from every segment becomes a segment of its own (speech
    the recogniser missed), and a segment that receives no cue keeps ``target=None`` (it is
    left out of the dub and reported). Speaker labels in the cues win over recognised ones.
    """
    assigned: dict[int, list[Cue]] = {}
    extra: list[Segment] = []
    for cue in cues:
        best, best_k = 0.0, None
        for k, seg in enumerate(segments):
            ov = overlap(seg.start, seg.end, cue.start, cue.end)
            if ov > best:
                best, best_k = ov, k
        if best_k is None and segments:
            mid = (cue.start + cue.end) / 2
            k = min(
                range(len(segments)),
                key=lambda j: abs((segments[j].start + segments[j].end) / 2 - mid),
            )
            seg = segments[k]
            if min(abs(seg.start - cue.end), abs(cue.start - seg.end)) <= 1.0:
                best_k = k
        if best_k is None:
            extra.append(Segment(0, cue.start, cue.end, "", cue.speaker or "S1", cue.text))
        else:
            assigned.setdefault(best_k, []).append(cue)
    out: list[Segment] = []
    for k, seg in enumerate(segments):
        got = assigned.get(k)
        if not got:
            out.append(seg.with_(target=None))
            continue
        text = " ".join(c.text.replace("\n", " ") for c in got).strip()
        speaker = next((c.speaker for c in got if c.speaker), None) or seg.speaker
        start = min([seg.start, *(c.start for c in got)])
        end = max([seg.end, *(c.end for c in got)])
        out.append(seg.with_(target=text, speaker=speaker, start=start, end=end))
    timed, moves = in_sequence(out + extra)
    if moves:
        log.warning("%s", overlap_warning("The translated lines", moves, "line"))
    return renumber(timed)


def cues_to_segments(cues: Sequence[Cue]) -> tuple[Segment, ...]:
    """Segments straight from subtitles (no recognition): the cue text is both the source
    and, until translated, nothing else."""
    return renumber(Segment(0, c.start, c.end, c.text, c.speaker or "S1") for c in cues)
