"""What a render of a timeline has to do, worked out from the timeline alone (no media I/O).

For each item on the video track: either a :class:`ClipWork` (where the clip sits in record
time, which part of its media it shows, at what speed) or a reason it is left alone. For the dub
tracks: the :class:`DubSegment` each enabled dub clip contributes, and the record spans where
a dub clip cannot be used (missing media, a freeze frame, a nested stack), so that a picture
clip over them is skipped rather than rendered against the wrong sound.

Times are seconds (floats): record times on the timeline's top-level stack, media times in the
media's own time (as in ``source_range``; 0 is not necessarily the file's first frame).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from lipsync.otio_adapters.conventions import lipsync_metadata, url_to_path

SKIPPED, MISSING = "skipped", "missing"
EPSILON = 1e-6  # s; times closer than this are the same time (float sums of frame times)


@dataclass(frozen=True)
class DubSegment:
    """One dub clip: it plays ``path`` from media time ``media_start`` (s) at record time
    ``record_start`` (s) until ``record_end``, ``scalar`` media seconds per record second."""

    path: Path
    name: str
    track: str
    record_start: float
    record_end: float
    media_start: float
    media_origin: float  # s: media time of the file's first sample
    scalar: float
    source_range: otio.opentime.TimeRange
    record_range: otio.opentime.TimeRange


@dataclass(frozen=True)
class DubProblem:
    """A record span over which a dub clip plays that cannot be used, and why."""

    record_start: float
    record_end: float
    status: str
    reason: str


@dataclass(frozen=True)
class DubPlan:
    segments: tuple[DubSegment, ...]
    problems: tuple[DubProblem, ...]

    def overlapping(self, start: float, end: float) -> tuple[DubSegment, ...]:
        return tuple(s for s in self.segments if _overlap(s, start, end))

    def problem(self, start: float, end: float) -> DubProblem | None:
        return next((p for p in self.problems if _overlap(p, start, end)), None)


def _overlap(span, start: float, end: float) -> bool:
    return span.record_start < end - EPSILON and span.record_end > start + EPSILON


@dataclass(frozen=True)
class ClipWork:
    """A picture clip that may be rendered. ``record_*``: where the clip is seen (transitions
    included); ``media_start``/``media_duration``: the media it shows there (s, media time);
    ``clip_record_*``: the clip's own cut, without transitions."""

    clip: otio.schema.Clip
    source_ref: otio.core.MediaReference
    source_path: Path
    record_start: float
    record_end: float
    clip_record_start: float
    clip_record_end: float
    media_start: float
    media_duration: float
    clip_media_start: float
    clip_media_duration: float
    scalar: float
    previous: dict  # the clip's metadata["lipsync"] before this render
    shows_render: bool  # the clip's media is our earlier render; source_ref is what it replaced


@dataclass(frozen=True)
class Skip:
    """An item on the video track left as it is: ``status`` is skipped or missing."""

    status: str
    reason: str
    source_path: Path | None = None


def track_offset(track: otio.core.Item) -> float:
    """Seconds to add to a time in ``track``'s children's coordinates to get stack time."""
    if track.parent() is None:
        return 0.0
    start = track.range_in_parent().start_time - track.trimmed_range().start_time
    return start.to_seconds()


def record_range(item: otio.core.Item, offset: float) -> tuple[float, float]:
    rng = item.range_in_parent() if item.parent() is not None else item.trimmed_range()
    start = rng.start_time.to_seconds() + offset
    return start, start + rng.duration.to_seconds()


def time_scalar(item: otio.core.Item) -> tuple[float | None, str | None]:
    """(media seconds per record second, None) or (None, why it cannot be followed)."""
    scalar = 1.0
    for effect in item.effects:
        if isinstance(effect, otio.schema.FreezeFrame):
            return None, "a freeze frame holds one picture, which cannot follow the speech"
        if isinstance(effect, otio.schema.LinearTimeWarp):
            if effect.time_scalar <= 0:
                speed = f"{effect.time_scalar:g}x"
                return None, f"a speed of {speed} (reverse or still) is not supported"
            scalar *= effect.time_scalar
        elif isinstance(effect, otio.schema.TimeEffect):
            name = effect.effect_name or effect.schema_name()
            return None, f"the time effect '{name}' is not supported"
    return scalar, None


def media_file(
    ref: otio.core.MediaReference | None, base_dir: Path | None
) -> tuple[Path | None, Skip | None]:
    """The readable local file behind ``ref``, or the reason there is none."""
    if ref is None or isinstance(ref, otio.schema.MissingReference):
        hint = _resolve_path_hint(ref)
        if hint and Path(hint).is_file():  # Resolve lost the link, but the file is here
            return Path(hint), None
        return None, Skip(MISSING, "no media is linked" + (f" (was '{hint}')" if hint else ""))
    if isinstance(ref, otio.schema.GeneratorReference):
        return None, Skip(SKIPPED, "generated media (not a file) cannot be lip-synced")
    if isinstance(ref, otio.schema.ImageSequenceReference):
        try:
            first = url_to_path(ref.target_url_for_image_number(0), base_dir)
        except Exception:
            first = None
        if first is None or not first.exists():
            return None, Skip(MISSING, f"the image sequence '{ref.target_url_base}' is not found")
        return None, Skip(SKIPPED, "image-sequence media is not supported: render a movie file")
    if not isinstance(ref, otio.schema.ExternalReference):
        return None, Skip(SKIPPED, f"media of type {ref.schema_name()} is not supported")
    url = ref.target_url
    path = url_to_path(url, base_dir)
    if path is None:
        return None, Skip(MISSING, f"the media '{url}' is not a local file on this computer")
    if path.is_dir():
        return path, Skip(MISSING, f"the media '{path}' is a folder, not a media file")
    if not path.is_file():
        return path, Skip(MISSING, f"the media file '{path}' does not exist")
    return path, None


def _resolve_path_hint(ref) -> str | None:
    """Resolve writes a missing clip's path into its metadata: say it."""
    meta = dict(ref.metadata) if ref is not None else {}
    resolve = meta.get("Resolve_OTIO")
    if isinstance(resolve, otio._otio.AnyDictionary | dict):
        for key in ("Media Url", "Media Path", "File Path"):
            if isinstance(resolve.get(key), str):
                return resolve[key]
    return None


def plan_dub(tracks: list[tuple[otio.schema.Track, str]], base_dir: Path | None) -> DubPlan:
    """The segments and problem spans of ``(track, label)`` dub tracks."""
    segments, problems = [], []
    for track, label in tracks:
        offset = track_offset(track)
        for item in track:
            if isinstance(item, otio.schema.Transition | otio.schema.Gap):
                continue
            start, end = record_range(item, offset)
            name = item.name or "unnamed"
            if not isinstance(item, otio.schema.Clip):
                reason = f"the dub track {label} has a nested {item.schema_name()} '{name}' here"
                problems.append(DubProblem(start, end, SKIPPED, reason))
                continue
            if not item.enabled:
                continue  # muted by the editor: silence
            path, skip = media_file(item.media_reference, base_dir)
            if skip is not None:
                reason = f"the dub clip '{name}' on {label}: {skip.reason}"
                problems.append(DubProblem(start, end, skip.status, reason))
                continue
            assert path is not None  # media_file gives a path or a skip
            scalar, why = time_scalar(item)
            if scalar is None:
                problems.append(DubProblem(start, end, SKIPPED, f"the dub clip '{name}': {why}"))
                continue
            ref = item.media_reference
            origin = ref.available_range.start_time.to_seconds() if ref.available_range else 0.0
            src = item.trimmed_range()
            rec = otio.opentime.TimeRange(
                otio.opentime.RationalTime.from_seconds(start, src.start_time.rate),
                src.duration,
            )
            media_start = src.start_time.to_seconds()
            segment = DubSegment(
                path, name, label, start, end, media_start, origin, scalar, src, rec
            )  # fmt: skip
            segments.append(segment)
    return DubPlan(tuple(segments), tuple(problems))


def plan_clip(clip: otio.schema.Clip, offset: float, base_dir: Path | None) -> ClipWork | Skip:
    """What rendering ``clip`` (a child of the video track, or a lone clip) involves."""
    if not clip.enabled:
        return Skip(SKIPPED, "the clip is disabled")
    previous = lipsync_metadata(clip)
    ref = current = clip.media_reference
    rendered = previous.get("render")
    stored = previous.get("source_reference")
    if isinstance(rendered, str) and isinstance(stored, str) and _points_to(ref, rendered):
        try:  # the clip shows our earlier render: work from the media it replaced
            ref = otio.adapters.read_from_string(stored, "otio_json")
        except Exception:
            return Skip(SKIPPED, "its lipsync metadata is damaged (source_reference unreadable)")
    path, skip = media_file(ref, base_dir)
    if skip is not None and ref is not current:
        known = (previous.get("source") or {}).get("path")  # absolute, in case base_dir moved
        if isinstance(known, str) and Path(known).is_file():
            path, skip = Path(known), None
    keeps = " (it keeps its earlier render)" if ref is not current else ""
    if skip is not None:
        return Skip(skip.status, skip.reason + keeps, path)
    assert path is not None
    scalar, why = time_scalar(clip)
    if scalar is None:
        return Skip(SKIPPED, f"{why}{keeps}", path)
    trimmed = clip.trimmed_range()
    try:
        visible = clip.visible_range() if clip.parent() is not None else trimmed
    except Exception:
        visible = trimmed
    rec_start, rec_end = record_range(clip, offset)
    before = (trimmed.start_time - visible.start_time).to_seconds()
    after = (visible.end_time_exclusive() - trimmed.end_time_exclusive()).to_seconds()
    vis_start, vis_end = rec_start - before, rec_end + after
    media_start = trimmed.start_time.to_seconds() - before * scalar
    return ClipWork(
        clip, ref, path, vis_start, vis_end, rec_start, rec_end, media_start,
        (vis_end - vis_start) * scalar, trimmed.start_time.to_seconds(),
        (rec_end - rec_start) * scalar, scalar, previous, ref is not current,
    )  # fmt: skip


def _points_to(ref, render: str) -> bool:
    return isinstance(ref, otio.schema.ExternalReference) and ref.target_url == render


@dataclass(frozen=True)
class MediaUse:
    """A media file the timeline refers to: ``role`` names the clip (for messages), ``path``
    the file; ``render`` when it is the clip's own earlier lip-sync render (its metadata
    says so), which a new render of the clip may replace."""

    role: str
    path: Path
    render: bool


def timeline_media(root: otio.core.SerializableObject, base_dir: Path | None) -> list[MediaUse]:
    """Every local media file ``root`` refers to, on every track and in nested stacks: each
    clip's media, and for a clip showing an earlier render, the media that render replaced."""
    if isinstance(root, otio.schema.Clip):
        clips = [root]
    elif hasattr(root, "find_clips"):
        clips = list(root.find_clips())
    else:
        clips = []
    uses: list[MediaUse] = []
    for clip in clips:
        role = f"the clip '{clip.name or 'unnamed'}'"
        previous = lipsync_metadata(clip)
        ref = clip.media_reference
        rendered = previous.get("render")
        shows = isinstance(rendered, str) and _points_to(ref, rendered)
        refs = [(ref, shows)]
        stored = previous.get("source_reference")
        if shows and isinstance(stored, str):
            with suppress(Exception):  # a damaged record: plan_clip says so
                refs.append((otio.adapters.read_from_string(stored, "otio_json"), False))
        for r, is_render in refs:
            path, _ = media_file(r, base_dir)
            if path is None and isinstance(r, otio.schema.ExternalReference):
                path = url_to_path(r.target_url, base_dir)
            if path is not None:
                uses.append(MediaUse(role, path, is_render))
        known = (previous.get("source") or {}).get("path") if shows else None
        if isinstance(known, str):
            uses.append(MediaUse(role, Path(known), False))
    return uses
