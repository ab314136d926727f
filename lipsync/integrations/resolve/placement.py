"""Where each render goes back into Resolve: the clip-info values of ``AppendToTimeline``.

After ``lipsync timeline render``, every clip it lip-synced shows a render file through the
clip's untouched ``source_range``. Placed on a new video track at the clip's record frames,
cut to the same frames of the render, it covers the original exactly:

    startFrame   the clip's first frame in the render (0 = the render's first frame; the
                 render starts with handles, so this is usually the handle length)
    endFrame     its last frame (inclusive: startFrame + frames - 1)
    recordFrame  the clip's first frame on the timeline, counted as Resolve counts them
                 (Timeline.GetStartFrame() + frames from the timeline's start)

Pure: a timeline (OTIO) and its render report in, plain values out; no Resolve API here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from fractions import Fraction

import opentimelineio as otio

from lipsync.otio_adapters.conventions import lipsync_metadata
from lipsync.otio_adapters.plan import track_offset

MARKER_COLOR = "Green"
MARKER_NAME = "Lip sync"
TRACK_NAME = "Lip sync"
RT = otio.opentime.RationalTime
PLACED_STATUSES = ("rendered", "reused", "unchanged")


@dataclass(frozen=True)
class Placement:
    """One render to place: the AppendToTimeline values and the marker's text."""

    path: str
    name: str
    track: str
    index: int
    start_frame: int
    end_frame: int
    frames: int
    record_frame: int
    status: str
    note: str
    custom_data: str
    transitions: tuple[str, ...] = ()  # the clip's transitions, which a track placement loses
    warning: str = ""  # the sentence telling the editor so (empty when none)

    def to_json(self) -> dict:
        data = asdict(self)
        data["transitions"] = list(self.transitions)
        return data


@dataclass(frozen=True)
class Left:
    """A clip of the report that gets no placement, and why."""

    name: str
    track: str
    status: str
    reason: str

    def to_json(self) -> dict:
        return asdict(self)


def timeline_rate(timeline: otio.schema.Timeline) -> float:
    """Frames per second of the timeline: its start time's rate, else its first clip's."""
    if timeline.global_start_time is not None:
        return timeline.global_start_time.rate
    for item in timeline.find_clips():
        return item.trimmed_range().duration.rate
    return 24.0


def timeline_start(timeline: otio.schema.Timeline) -> int:
    """The timeline's first frame as Resolve numbers it (86400 for 01:00:00:00 at 24 fps)."""
    start = timeline.global_start_time
    return round(start.value) if start is not None else 0


def plan_placements(
    timeline: otio.schema.Timeline, report: dict, start_frame: int | None = None
) -> tuple[list[Placement], list[Left]]:
    """The placements of every clip that shows a render in ``timeline`` (the render's output),
    in record order, and the report's other clips with their reason. ``start_frame`` is
    Resolve's number of the timeline's first frame (default: from ``global_start_time``)."""
    rate = timeline_rate(timeline)
    first = timeline_start(timeline) if start_frame is None else int(start_frame)
    status_of = {(c["track"], c["index"]): c for c in report.get("clips", [])}
    placed, left, seen = [], [], set()
    tracks = [t for t in timeline.tracks if isinstance(t, otio.schema.Track)]
    videos = [t for t in tracks if t.kind == otio.schema.TrackKind.Video]
    for number, track in enumerate(videos, 1):
        offset = track_offset(track)
        for index, item in enumerate(track):
            if not isinstance(item, otio.schema.Clip):
                continue
            meta = lipsync_metadata(item)
            ref = item.media_reference
            render = meta.get("render")
            if not render or getattr(ref, "target_url", None) != render:
                continue
            entry = _find_entry(status_of, number, index)
            status = entry.get("status", "rendered") if entry else "rendered"
            label = entry.get("track", f"V{number}") if entry else f"V{number}"
            seen.add((label, index))
            why = _unplaceable(item, meta, ref)
            if why:
                left.append(Left(item.name, label, status, why))
                continue
            placement = _placement(item, meta, ref, rate, first, offset, label, index, status)
            placed.append(_with_transitions(placement, track, index, rate))
    for clip in report.get("clips", []):
        if (clip["track"], clip["index"]) in seen or clip["status"] in PLACED_STATUSES:
            continue
        left.append(Left(clip["name"], clip["track"], clip["status"], clip.get("reason") or ""))
    placed.sort(key=lambda p: p.record_frame)
    return placed, left


def _find_entry(status_of: dict, number: int, index: int) -> dict | None:
    for (label, i), entry in status_of.items():
        if i == index and label.startswith(f"V{number} "):
            return entry
    return None


def _unplaceable(item, meta: dict, ref) -> str | None:
    scalar = meta.get("time_scalar", 1) or 1
    if abs(float(scalar) - 1) > 1e-9:
        return (
            f"it plays at {float(scalar):g}x speed, which a clip placed on a track cannot "
            "follow: choose the new-timeline placement for it"
        )
    if ref.available_range is None:
        return "its render has no known frame range"
    return None


def _placement(item, meta, ref, rate, first, offset, label, index, status) -> Placement:
    fps = _media_fps(meta, ref)
    src = item.trimmed_range()
    avail = ref.available_range
    start = round((src.start_time - avail.start_time).to_seconds() * fps)
    frames = round(src.duration.to_seconds() * fps)
    record = item.range_in_parent().start_time.to_seconds() + offset
    digest = str(meta.get("content_hash") or "")
    note = f"Lip-synced render of '{item.name}' ({label.split(' ')[0]}): {ref.target_url}"
    return Placement(
        path=ref.target_url,
        name=item.name,
        track=label,
        index=index,
        start_frame=start,
        end_frame=start + frames - 1,
        frames=frames,
        record_frame=first + round(record * rate),
        status=status,
        note=note,
        custom_data=f"lipsync:{digest[:16]}" if digest else "lipsync",
    )


def _with_transitions(placement: Placement, track, index: int, rate: float) -> Placement:
    """``placement`` with the transitions next to the clip (``track[index]``) named, and the
    warning that a clip placed through the scripting API cannot carry them."""
    found = []
    for side, k in (("in", index - 1), ("out", index + 1)):
        if 0 <= k < len(track) and isinstance(track[k], otio.schema.Transition):
            t = track[k]
            frames = round((t.in_offset + t.out_offset).to_frames(rate))
            kind = _TRANSITION_NAMES.get(t.transition_type, t.transition_type or "transition")
            found.append(f"{kind} {side} ({frames} frames)")
    if not found:
        return placement
    where = placement.track.split(" ")[0]
    try:
        at = otio.opentime.to_timecode(RT(placement.record_frame, rate), rate)
    except Exception:  # a rate OTIO has no timecode for
        at = f"frame {placement.record_frame}"
    warning = (
        f"'{placement.name}' at {at} has a {' and a '.join(found)} on {where}, which Resolve's "
        "scripting API cannot create: its render on the new track cuts instead; add the "
        "transition by hand, or choose the new-timeline placement, which keeps it."
    )
    return replace(placement, transitions=tuple(found), warning=warning)


_TRANSITION_NAMES = {
    otio.schema.TransitionTypes.SMPTE_Dissolve: "cross-fade",
    otio.schema.TransitionTypes.Custom: "transition",
}


def _media_fps(meta: dict, ref) -> float:
    fps = (meta.get("source") or {}).get("fps")
    if fps:
        try:
            return float(Fraction(str(fps)))
        except (ValueError, ZeroDivisionError):
            pass
    return ref.available_range.duration.rate
