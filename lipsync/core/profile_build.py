"""Build a speaker profile from footage: ``lipsync profile build VIDEO... -o NAME.lsprofile``.

Every video is decoded and its faces tracked (as ``lipsync faces`` does); the frames of one
face track per video (the one given by ``face``, else the track seen in most frames) feed an
:class:`~lipsync.core.render.appearance.AppearanceBuilder` collecting exemplars. The profile
keeps the best sample per mouth-shape cell over all the videos, and their mouth range. Memory
is one frame plus the banks (bounded), whatever the length of the videos.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.errors import InputError
from lipsync.core.render.appearance import AppearanceBuilder
from lipsync.core.render.exemplar_bank import ExemplarCollector
from lipsync.core.render.mouth_range import RangeCollector
from lipsync.core.render.speaker import SpeakerProfile

logger = logging.getLogger("lipsync")

#: ``(video index, frames done, frames in the video or None)``
ProfileProgress = Callable[[int, int, "int | None"], None]


def build_profile(
    videos: Sequence[str | Path],
    face: int | None = None,
    name: str | None = None,
    on_progress: ProfileProgress | None = None,
) -> SpeakerProfile:
    """The profile of one speaker from ``videos``; ``face``: the track id to take in each
    video (as ``lipsync faces`` lists them), default the one seen in most frames."""
    if not videos:
        raise InputError("Give at least one video to build a speaker profile from.")
    collector = ExemplarCollector()
    ranges = RangeCollector()
    frames = 0
    for k, video in enumerate(videos):
        builder, seen = _track_video(Path(video), face, k, on_progress)
        appearance = builder.build()
        assert appearance.exemplars is not None
        collector.seed(appearance.exemplars.samples)
        ranges.merge(*builder.counts())
        frames += seen
    bank = collector.bank()
    if not bank.samples:
        raise InputError(
            "No usable mouth in the videos given (the face must be frontal, at least "
            "24 px between the eyes, and not cut by the frame's edge)."
        )
    gaps, widths = ranges.counts()
    label = name or Path(videos[0]).stem
    samples = tuple(dataclasses.replace(s, source=label) for s in bank.samples)
    return SpeakerProfile(
        name=label,
        exemplars=samples,
        gap_counts=gaps,
        width_counts=widths,
        frames=frames,
        videos=tuple(Path(v).name for v in videos),
    )


def _track_video(
    video: Path, face: int | None, k: int, on_progress: ProfileProgress | None
) -> tuple[AppearanceBuilder, int]:
    """The appearance builder of the chosen track of ``video`` and its frame count."""
    from lipsync.core.face import FaceTracker, TrackerOptions
    from lipsync.core.media import open_video

    builders: dict[int, AppearanceBuilder] = {}
    seen: dict[int, int] = {}
    with open_video(video) as reader:
        info = reader.info
        tracker = FaceTracker(TrackerOptions(fps=float(info.fps or DEFAULT_FPS)))
        total = info.frame_count or None
        for done, frame in enumerate(reader, start=1):
            for obs in tracker.update(frame.image):
                if face is not None and obs.track_id != face:
                    continue
                builder = builders.get(obs.track_id)
                if builder is None:
                    builder = builders[obs.track_id] = AppearanceBuilder(exemplars=True)
                builder.add(frame.image, obs)
                seen[obs.track_id] = seen.get(obs.track_id, 0) + 1
            if on_progress is not None:
                on_progress(k, done, total)
    if not builders:
        which = f"face {face}" if face is not None else "a face"
        raise InputError(f"No frame of {video} shows {which}: check it with `lipsync faces`.")
    track = max(seen, key=seen.__getitem__)
    logger.debug("%s: profile from track %d (%d frames)", video, track, seen[track])
    return builders[track], seen[track]
