"""The dub-timeline conventions: track names and roles, our metadata keys, and media paths.

A dub timeline has a picture track ("Picture"), the original sound ("Original") and the new
speech ("Dub"); each carries ``metadata["lipsync"]["role"]``, which wins over the name, so an
editor may rename tracks freely. Subtitle cues are markers whose ``metadata["lipsync"]
["subtitle"]`` holds the text, speaker and language. A lip-synced clip carries
``metadata["lipsync"]`` describing its render (see :mod:`lipsync.otio_adapters.render`).
Every value we write lives under the one ``"lipsync"`` key; nothing else is touched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import opentimelineio as otio

from lipsync.otio_adapters.errors import TimelineError

METADATA_KEY = "lipsync"  # every value we add lives under metadata["lipsync"]
SCHEMA_VERSION = 1  # of the clip metadata below

PICTURE_TRACK, ORIGINAL_TRACK, DUB_TRACK = "Picture", "Original", "Dub"
ROLE_PICTURE, ROLE_ORIGINAL, ROLE_DUB = "picture", "original", "dub"
ROLE_KEY = "role"  # track.metadata["lipsync"]["role"]
SUBTITLE_KEY = "subtitle"  # marker.metadata["lipsync"]["subtitle"] = {text, speaker, language}
SRT_FORMAT_KEY = "srt"  # metadata["lipsync"]["srt"] on the markers' holder: how the file looked
SUBTITLE_RATE = 1000  # marker times are in milliseconds, as in SubRip: exact both ways

_INDEX = re.compile(r"(?i)^([va])?(\d+)$")


def lipsync_metadata(item: otio.core.SerializableObject) -> dict:
    """A plain-dict copy of ``item.metadata["lipsync"]`` (empty when absent or not a dict)."""
    value = item.metadata.get(METADATA_KEY) if hasattr(item, "metadata") else None
    if isinstance(value, otio._otio.AnyDictionary | dict):
        return _plain(value)
    return {}


def _plain(value):
    if isinstance(value, otio._otio.AnyDictionary | dict):
        out = {}
        for k in list(value.keys()):
            try:
                out[str(k)] = _plain(value[k])
            except KeyError:  # a key OTIO cannot look up again (one holding a NUL): not ours
                continue
        return out
    if isinstance(value, otio._otio.AnyVector | list | tuple):
        return [_plain(v) for v in value]
    return value


def track_role(track: otio.schema.Track) -> str | None:
    role = lipsync_metadata(track).get(ROLE_KEY)
    return role if isinstance(role, str) else None


def track_label(tracks: list[otio.schema.Track], track: otio.schema.Track) -> str:
    """'V2 "Name"' / 'A1 "Name"': the track as an editor sees it."""
    same = [t for t in tracks if t.kind == track.kind]
    letter = "V" if track.kind == otio.schema.TrackKind.Video else "A"
    index = next(i for i, t in enumerate(same, 1) if t is track)
    return f'{letter}{index} "{track.name}"'


def find_track(
    timeline: otio.schema.Timeline,
    spec: str | None,
    kind: str,
    role: str,
    default_name: str,
    where: str,
) -> otio.schema.Track | None:
    """The top-level track of ``kind`` that ``spec`` names.

    ``spec`` is a track name, a 1-based index among the tracks of that kind ("2", "V2", "A1"),
    or None for the convention: the track whose role is ``role``, else the one named
    ``default_name`` (any case). Returns None when ``spec`` is None and no track follows the
    convention; raises :class:`TimelineError` naming the tracks there are when ``spec`` matches
    none, or several.
    """
    tracks = [t for t in timeline.tracks if isinstance(t, otio.schema.Track)]
    same = [t for t in tracks if t.kind == kind]
    what = "video" if kind == otio.schema.TrackKind.Video else "audio"
    if spec is None:
        by_role = [t for t in same if track_role(t) == role]
        if by_role:
            return by_role[0]
        by_name = [t for t in same if t.name.casefold() == default_name.casefold()]
        return by_name[0] if by_name else None
    there = ", ".join(track_label(tracks, t) for t in same) or "none"
    match = _INDEX.match(spec.strip())
    letter_ok = match and (match.group(1) is None or (match.group(1).lower() == what[0]))
    named = [t for t in same if t.name == spec] or [
        t for t in same if t.name.casefold() == spec.casefold()
    ]
    if named:
        if len(named) > 1:
            raise TimelineError(
                f"The timeline {where} has {len(named)} {what} tracks named '{spec}': "
                f"give the track by number instead ({there})."
            )
        return named[0]
    if match and letter_ok:
        index = int(match.group(2))
        if 1 <= index <= len(same):
            return same[index - 1]
    raise TimelineError(
        f"The timeline {where} has no {what} track '{spec}': give a name or a number "
        f"counted from 1 (its {what} tracks: {there})."
    )


# --- media paths ------------------------------------------------------------------------------


def url_to_path(url: str, base_dir: Path | None) -> Path | None:
    """The local file a media ``target_url`` names: a plain OS path (as Resolve writes), a
    ``file:`` URL, or a relative path (resolved against ``base_dir``, the timeline's folder).
    None for URLs of other schemes (http, …) and for paths of another OS (C:\\… on POSIX)."""
    if not url:
        return None
    if re.match(r"^[A-Za-z]:[\\/]", url) or url.startswith("\\\\"):
        return Path(url) if os.name == "nt" else None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        local = unquote(parsed.path)
        if re.match(r"^/[A-Za-z]:[\\/]", local):  # file:///D:/media/x.mov
            return Path(local[1:]) if os.name == "nt" else None
        if parsed.netloc not in ("", "localhost"):
            local = f"//{parsed.netloc}{local}"
        return Path(local)
    if parsed.scheme and len(parsed.scheme) > 1:
        return None
    path = Path(url)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return path


def file_url(url: str) -> str:
    """A media ``target_url`` as FCP XML's ``pathurl`` wants it: a plain absolute path (POSIX
    or ``D:\\…``) becomes a percent-encoded ``file://localhost/…`` URL, as Premiere and Final
    Cut write them; URLs and relative paths are returned as they are."""
    if re.match(r"^[A-Za-z]:[\\/]", url):  # D:\media\x.mov
        return "file://localhost/" + quote(url.replace("\\", "/"), safe="/")
    if url.startswith(("//", "\\\\")):  # a network share: //server/share/x.mov
        return "file:" + quote(url.replace("\\", "/"), safe="/")
    if url.startswith("/"):
        return "file://localhost" + quote(url, safe="/")
    return url


def plain_path(path: Path) -> str:
    """``path`` as written into a timeline: a plain absolute OS path, never a file:// URL
    (Resolve does not import those)."""
    return str(Path(os.path.abspath(path)))
