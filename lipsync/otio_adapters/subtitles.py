"""SubRip subtitles: parsing and writing (pure), and cues as OTIO markers.

A well-formed file reads and writes back byte for byte: its line endings, byte-order mark,
decimal separator, cue numbers, cue settings and ending are kept in metadata. A malformed
cue is an :class:`SrtError` naming the line.

Cues become markers (times in milliseconds, as in the file) whose name is the text on one line
and whose ``metadata["lipsync"]["subtitle"]`` holds the exact text, the speaker and the
language. The speaker is read from a leading ``[Name]``, ``NAME:`` or ``<v Name>``; the
language is given, or read from a file name like ``film.es.srt``.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import opentimelineio as otio

from lipsync.otio_adapters.conventions import (
    METADATA_KEY,
    SRT_FORMAT_KEY,
    SUBTITLE_KEY,
    SUBTITLE_RATE,
    lipsync_metadata,
)
from lipsync.otio_adapters.errors import SrtError

BOM = "\ufeff"
MAX_LISTED = 4  # overlapping cues named in a warning; the rest are counted
log = logging.getLogger("lipsync")
_TIMING = re.compile(
    r"(\d+):(\d{2}):(\d{2})([,.])(\d{3})[ \t]*-->[ \t]*(\d+):(\d{2}):(\d{2})[,.](\d{3})(.*)"
)
_SPEAKER = (
    re.compile(r"^\[([^\]\n]{1,40})\]"),  # [Maria] Hola.
    re.compile(r"^<v(?:\.[\w.-]+)*\s+([^>\n]{1,40})>"),  # <v Maria>Hola. (WebVTT voice)
)
_CAPS_SPEAKER = re.compile(r"^(\w[\w .'\-]{0,30}):\s")  # MARÍA: Hola. (names in capitals)
_LANG_SUFFIX = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")


@dataclass(frozen=True)
class Cue:
    """One subtitle: ``start``/``end`` in ms from the start, the text (lines joined by "\\n"),
    what followed the end time on the timing line, the number it had, speaker and language."""

    start: int
    end: int
    text: str
    settings: str = ""
    index: int | None = None
    speaker: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class SrtFormat:
    """How a file looked, so that writing it back gives the same bytes."""

    newline: str = "\n"
    bom: bool = False
    decimal: str = ","
    end: str = "\n"  # what follows the last cue's last line
    encoding: str = "utf-8"
    language: str | None = None

    def to_metadata(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        data["bom"] = bool(self.bom)
        return data

    @classmethod
    def from_metadata(cls, data: dict) -> SrtFormat:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**fields)


@dataclass(frozen=True)
class SrtDocument:
    cues: tuple[Cue, ...]
    format: SrtFormat = field(default_factory=SrtFormat)


# --- text ---------------------------------------------------------------------------------------


def parse_srt(
    data: bytes | str, where: str = "the subtitles", language: str | None = None,
    encoding: str = "utf-8",
) -> SrtDocument:  # fmt: skip
    """Parse SubRip ``data`` (bytes in ``encoding``, or text). ``where`` names the file in
    error messages. Raises :class:`SrtError` naming the line of the first malformed cue."""
    if isinstance(data, bytes):
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            from lipsync.core.text_encoding import bom_encoding  # a UTF-16 export reads too

            encoding = bom_encoding(data, encoding)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise SrtError(
                f"The subtitles {where} are not {encoding} text (line {line}): convert them to "
                "UTF-8, or give the encoding (otioconvert -a encoding=cp1252)."
            ) from e
        except LookupError as e:
            raise SrtError(f"Unknown text encoding '{encoding}' for {where}.") from e
    else:
        text = data
    bom = text.startswith(BOM)
    text = text[1:] if bom else text
    newline = "\r\n" if "\r\n" in text else "\n"
    cut = len(text)
    while text[:cut].endswith(newline):
        cut -= len(newline)
    body, end = text[:cut], text[cut:]
    lines = body.split(newline) if body else []
    cues: list[Cue] = []
    decimal = None
    i = 0

    def fail(line: int, problem: str) -> SrtError:
        return SrtError(f"The subtitles {where} are malformed at line {line}: {problem}.")

    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        number = lines[i].strip()
        if not number.isdigit():
            raise fail(i + 1, f"expected a cue number, found '{_short(lines[i])}'")
        i += 1
        if i >= len(lines) or not lines[i].strip():
            raise fail(i + 1 if i < len(lines) else i, f"cue {number} has no timing line")
        m = _TIMING.fullmatch(lines[i])
        if m is None:
            raise fail(
                i + 1,
                f"'{_short(lines[i])}' is not a timing line "
                "(expected 'HH:MM:SS,mmm --> HH:MM:SS,mmm')",
            )
        g = m.groups()
        if int(g[1]) > 59 or int(g[2]) > 59 or int(g[6]) > 59 or int(g[7]) > 59:
            raise fail(i + 1, f"'{_short(lines[i])}' has minutes or seconds above 59")
        start = _ms(g[0], g[1], g[2], g[4])
        stop = _ms(g[5], g[6], g[7], g[8])
        if stop < start:
            raise fail(i + 1, f"cue {number} ends before it starts")
        decimal = decimal or g[3]
        i += 1
        text_lines = []
        while i < len(lines) and lines[i].strip():
            text_lines.append(lines[i])
            i += 1
        body_text = "\n".join(text_lines)
        cues.append(
            Cue(start, stop, body_text, g[9], int(number), detect_speaker(body_text), language)
        )
    fmt = SrtFormat(newline, bom, decimal or ",", end, encoding, language)
    warn_overlaps(cues, where)
    return SrtDocument(tuple(cues), fmt)


def warn_overlaps(cues: list[Cue] | tuple[Cue, ...], where: str) -> list[tuple[Cue, Cue]]:
    """(earlier, later) cue pairs where the later starts before the earlier ends, in time
    order; when there are any, one logged warning names them by their numbers and times
    (the cues themselves are kept as they are; dubbing puts them in sequence)."""
    pairs: list[tuple[Cue, Cue]] = []
    last: Cue | None = None
    for cue in sorted(cues, key=lambda c: (c.start, c.end)):
        if last is not None and cue.start < last.end:
            pairs.append((last, cue))
        if last is None or cue.end >= last.end:
            last = cue
    if pairs:
        named = [
            f"cue {_number(b)} ({_stamp(b.start, '.')}-{_stamp(b.end, '.')}) starts before cue "
            f"{_number(a)} ends at {_stamp(a.end, '.')}"
            for a, b in pairs[:MAX_LISTED]
        ]
        more = f" and {len(pairs) - MAX_LISTED} more overlap" if len(pairs) > MAX_LISTED else ""
        log.warning(
            "The subtitles %s: %s%s: the markers keep these times, and lipsync translate dubs "
            "overlapping cues one after the other (never two voices at once).",
            where, "; ".join(named), more,
        )  # fmt: skip
    return pairs


def _number(cue: Cue) -> str:
    return str(cue.index) if cue.index is not None else "?"


def format_srt(doc: SrtDocument) -> bytes:
    """The SubRip bytes of ``doc``. Cues are numbered by their stored numbers when those rise
    in order, else from 1. Raises :class:`SrtError` for a cue SubRip cannot hold."""
    fmt = doc.format
    indices = [c.index for c in doc.cues if c.index is not None]
    keep = len(indices) == len(doc.cues) and all(a < b for a, b in itertools.pairwise(indices))
    lines: list[str] = []
    for n, cue in enumerate(doc.cues, 1):
        if cue.start < 0 or cue.end < cue.start:
            raise SrtError(f"Subtitle {n} ('{_short(cue.text)}') has no valid time range.")
        text_lines = cue.text.split("\n") if cue.text else []
        if any(not line.strip() for line in text_lines):
            raise SrtError(
                f"Subtitle {n} ('{_short(cue.text)}') has a blank line, which SubRip cannot "
                "hold: remove it."
            )
        if lines:
            lines.append("")
        timing = f"{_stamp(cue.start, fmt.decimal)} --> {_stamp(cue.end, fmt.decimal)}"
        lines += [str(cue.index if keep else n), timing + cue.settings, *text_lines]
    text = fmt.newline.join(lines) + (fmt.end if lines else "")
    return ((BOM if fmt.bom else "") + text).encode(fmt.encoding)


def detect_speaker(text: str) -> str | None:
    """The speaker a cue names at its start (``[Name]``, ``NAME:``, ``<v Name>``), or None."""
    for pattern in _SPEAKER:
        m = pattern.match(text)
        if m:
            return m.group(1).strip()
    m = _CAPS_SPEAKER.match(text)
    if m and m.group(1) == m.group(1).upper() and any(c.isalpha() for c in m.group(1)):
        return m.group(1).strip()
    return None


def language_from_path(path: str | Path) -> str | None:
    """The language in a name like ``film.es.srt`` or ``film.pt-BR.srt``, or None."""
    suffixes = Path(path).suffixes
    if len(suffixes) >= 2 and _LANG_SUFFIX.match(suffixes[-2][1:]):
        return suffixes[-2][1:]
    return None


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _stamp(ms: int, decimal: str) -> str:
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}{decimal}{ms:03d}"


def _short(text: str, n: int = 40) -> str:
    text = text.replace("\n", " / ")
    return text if len(text) <= n else text[: n - 1] + "…"


# --- markers ------------------------------------------------------------------------------------


def cue_to_marker(cue: Cue) -> otio.schema.Marker:
    """A marker spanning the cue, named by its text, with the cue in ``metadata["lipsync"]``."""
    info: dict[str, object] = {"text": cue.text, "speaker": cue.speaker, "language": cue.language}
    if cue.index is not None:
        info["index"] = cue.index
    if cue.settings:
        info["settings"] = cue.settings
    rng = otio.opentime.TimeRange(
        otio.opentime.RationalTime(cue.start, SUBTITLE_RATE),
        otio.opentime.RationalTime(cue.end - cue.start, SUBTITLE_RATE),
    )
    return otio.schema.Marker(
        name=cue.text.replace("\n", " "),
        marked_range=rng,
        metadata={METADATA_KEY: {SUBTITLE_KEY: info}},
    )


def marker_to_cue(marker: otio.schema.Marker) -> Cue:
    """The cue a marker stands for: its range in ms, and the text from our metadata, else the
    marker's comment, else its name."""
    info = lipsync_metadata(marker).get(SUBTITLE_KEY)
    info = info if isinstance(info, dict) else {}
    rng = marker.marked_range
    start = round(rng.start_time.value_rescaled_to(SUBTITLE_RATE))
    end = round(rng.end_time_exclusive().value_rescaled_to(SUBTITLE_RATE))
    text = info.get("text")
    if not isinstance(text, str):
        text = marker.comment or marker.name
    index = info.get("index")
    return Cue(
        start,
        end,
        text.replace("\r\n", "\n"),
        str(info.get("settings") or ""),
        index if isinstance(index, int) else None,
        info.get("speaker") if isinstance(info.get("speaker"), str) else None,
        info.get("language") if isinstance(info.get("language"), str) else None,
    )


def is_subtitle(marker: otio.schema.Marker) -> bool:
    return isinstance(lipsync_metadata(marker).get(SUBTITLE_KEY), dict)


def add_subtitles(holder: otio.core.Item, doc: SrtDocument) -> None:
    """Append ``doc``'s cues to ``holder``'s markers and remember how the file looked."""
    holder.markers.extend(cue_to_marker(c) for c in doc.cues)
    meta = holder.metadata.setdefault(METADATA_KEY, {})
    meta[SRT_FORMAT_KEY] = doc.format.to_metadata()


def timeline_from_srt(doc: SrtDocument, name: str = "Subtitles") -> otio.schema.Timeline:
    """A timeline holding ``doc``'s cues as markers on its top-level stack."""
    timeline = otio.schema.Timeline(name=name)
    add_subtitles(timeline.tracks, doc)
    return timeline


def srt_from_otio(obj: otio.core.SerializableObject, where: str = "the timeline") -> SrtDocument:
    """The subtitle document of a timeline (markers on its top-level stack, else on its first
    track that has markers), a track, a stack or a clip: the markers with our subtitle
    metadata when there are any, else all markers, in time order."""
    holders: list = []
    if isinstance(obj, otio.schema.Timeline):
        holders = [obj.tracks, *[t for t in obj.tracks if hasattr(t, "markers")]]
    elif hasattr(obj, "markers"):
        holders = [obj]
    else:
        raise SrtError(
            f"{where} is a {obj.schema_name()}, which has no markers to write as subtitles: "
            "give a timeline, track or clip."
        )
    holder = next((h for h in holders if h.markers), holders[0] if holders else None)
    markers = list(holder.markers) if holder is not None else []
    if any(is_subtitle(m) for m in markers):
        markers = [m for m in markers if is_subtitle(m)]
    cues = sorted((marker_to_cue(m) for m in markers), key=lambda c: c.start)
    fmt_data = lipsync_metadata(holder).get(SRT_FORMAT_KEY) if holder is not None else None
    fmt = SrtFormat.from_metadata(fmt_data) if isinstance(fmt_data, dict) else SrtFormat()
    return SrtDocument(tuple(cues), fmt)


def with_encoding(doc: SrtDocument, encoding: str | None) -> SrtDocument:
    return doc if encoding is None else replace(doc, format=replace(doc.format, encoding=encoding))
