"""``lipsync timeline new``: a dub timeline for one video and its dub.

    Picture  (video)  the video, whole, at its own timecode
    Original (audio)  the video's own sound (when it has any)
    Dub      (audio)  the dub, from the picture's first frame
    markers on the top-level stack: the subtitle cues, if given

Each track carries ``metadata["lipsync"]["role"]``; the timeline runs at the video's frame
rate and starts at its timecode (when it has one). Media paths are plain absolute paths.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

import lipsync
from lipsync.core.errors import NoStreamError
from lipsync.core.media import check_input_path, probe
from lipsync.otio_adapters.conventions import (
    DUB_TRACK,
    METADATA_KEY,
    ORIGINAL_TRACK,
    PICTURE_TRACK,
    ROLE_DUB,
    ROLE_KEY,
    ROLE_ORIGINAL,
    ROLE_PICTURE,
    plain_path,
)
from lipsync.otio_adapters.subtitles import add_subtitles, language_from_path, parse_srt
from lipsync.otio_adapters.timeline_io import write_timeline

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def new_dub_timeline(
    video: str | Path,
    dub: str | Path,
    subtitles: str | Path | None = None,
    name: str | None = None,
    language: str | None = None,
) -> otio.schema.Timeline:
    """Build the dub timeline of ``video`` with ``dub`` (and ``subtitles``, SubRip)."""
    video, dub = Path(video), Path(dub)
    info = probe(video)
    if not info.video:
        raise NoStreamError(f"The file '{video}' has no video stream: give a video file.")
    stream = info.video[0]
    dub_info = probe(dub)
    if not dub_info.audio:
        raise NoStreamError(f"The dub '{dub}' has no audio stream: give a file with the dub.")
    fps = stream.fps or Fraction(25)
    rate = float(fps)
    frames = stream.frame_count or round((stream.duration or info.duration or 0) * fps)
    start = _timecode_start(stream.metadata.get("timecode") or info.metadata.get("timecode"), rate)
    picture = TR(start, RT(frames, rate))

    timeline = otio.schema.Timeline(name=name or video.stem)
    timeline.metadata[METADATA_KEY] = {"dub_timeline": 1, "tool_version": lipsync.__version__}
    if start.value:
        timeline.global_start_time = start
    timeline.tracks.append(
        _track(PICTURE_TRACK, otio.schema.TrackKind.Video, ROLE_PICTURE, video, picture)
    )
    if info.audio:
        timeline.tracks.append(
            _track(ORIGINAL_TRACK, otio.schema.TrackKind.Audio, ROLE_ORIGINAL, video, picture)
        )
    dub_seconds = dub_info.duration or max((a.duration or 0) for a in dub_info.audio)
    dub_range = TR(RT(0, rate), RT(max(1, round(dub_seconds * rate)), rate))
    timeline.tracks.append(_track(DUB_TRACK, otio.schema.TrackKind.Audio, ROLE_DUB, dub, dub_range))
    if subtitles is not None:
        subtitles = check_input_path(subtitles, "subtitles")
        data = subtitles.read_bytes()
        lang = language or language_from_path(subtitles)
        add_subtitles(timeline.tracks, parse_srt(data, f"'{subtitles}'", language=lang))
    return timeline


def write_dub_timeline(
    video: str | Path,
    dub: str | Path,
    output: str | Path,
    subtitles: str | Path | None = None,
    language: str | None = None,
) -> otio.schema.Timeline:
    """Build the dub timeline and write it to ``output`` (atomically, any OTIO format)."""
    inputs = [Path(video), Path(dub), *([Path(subtitles)] if subtitles else [])]
    timeline = new_dub_timeline(video, dub, subtitles, language=language)
    write_timeline(timeline, output, inputs)
    return timeline


def _track(
    name: str, kind: str, role: str, media: Path, available: otio.opentime.TimeRange
) -> otio.schema.Track:
    track = otio.schema.Track(name=name, kind=kind)
    track.metadata[METADATA_KEY] = {ROLE_KEY: role}
    ref = otio.schema.ExternalReference(target_url=plain_path(media), available_range=available)
    track.append(otio.schema.Clip(name=media.stem, media_reference=ref, source_range=available))
    return track


def _timecode_start(timecode: str | None, rate: float) -> otio.opentime.RationalTime:
    if timecode:
        try:
            return otio.opentime.from_timecode(timecode, rate)
        except Exception:
            pass
    return RT(0, rate)
