"""Build a speaker profile from footage: ``lipsync profile build VIDEO... -o NAME.lsprofile``.

Every video is decoded and its faces tracked (as ``lipsync faces`` does); the frames of the
face tracks given by ``faces`` (each shot's faces are new tracks: a speaker seen in several
shots has several ids), else of the one track seen in most frames, feed an
:class:`~lipsync.core.render.appearance.AppearanceBuilder` per track collecting exemplars. The
profile keeps the best sample per mouth-shape cell over all the tracks and videos, and their
mouth range. Memory is one frame plus the banks of the tracks in view and of the longest
track so far (each bounded), whatever the length of the videos and their number of shots.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Sequence
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
    faces: Collection[int] = (),
    name: str | None = None,
    on_progress: ProfileProgress | None = None,
) -> SpeakerProfile:
    """The profile of one speaker from ``videos``; ``faces``: the track ids to take in each
    video (as ``lipsync faces`` lists them), default the one track seen in most frames."""
    if not videos:
        raise InputError("Give at least one video to build a speaker profile from.")
    collector = ExemplarCollector()
    ranges = RangeCollector()
    frames = 0
    for k, video in enumerate(videos):
        for builder, seen in _track_video(Path(video), set(faces), k, on_progress):
            appearance = builder.build()
            assert appearance.exemplars is not None
            collector.seed(appearance.exemplars.samples)
            ranges.merge(*builder.counts(), builder.moments())
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
        range_moments=ranges.moments(),
    )


def _track_video(
    video: Path, faces: set[int], k: int, on_progress: ProfileProgress | None
) -> list[tuple[AppearanceBuilder, int]]:
    """The appearance builders of the chosen tracks of ``video`` (``faces``, else the one
    seen in most frames), each with its frame count."""
    from lipsync.core.face import FaceTracker, TrackerOptions
    from lipsync.core.media import open_video

    builders: dict[int, AppearanceBuilder] = {}
    seen: dict[int, int] = {}
    longest: tuple[int, AppearanceBuilder, int] | None = None  # of the tracks that ended

    def end(track: int) -> None:  # without ``faces``, only the longest track is kept
        nonlocal longest
        builder, count = builders.pop(track), seen.pop(track)
        if longest is None or count > longest[2]:
            longest = (track, builder, count)

    with open_video(video) as reader:
        info = reader.info
        tracker = FaceTracker(TrackerOptions(fps=float(info.fps or DEFAULT_FPS)))
        total = info.frame_count or None
        for done, frame in enumerate(reader, start=1):
            here = set()
            for obs in tracker.update(frame.image):
                if faces and obs.track_id not in faces:
                    continue
                here.add(obs.track_id)
                builder = builders.get(obs.track_id)
                if builder is None:
                    builder = builders[obs.track_id] = AppearanceBuilder(exemplars=True)
                builder.add(frame.image, obs)
                seen[obs.track_id] = seen.get(obs.track_id, 0) + 1
            if not faces:
                for track in [t for t in builders if t not in here]:  # ids never come back
                    end(track)
            if on_progress is not None:
                on_progress(k, done, total)
    if faces:
        chosen = [(builders[t], seen[t]) for t in sorted(builders)]
    else:
        for track in sorted(builders):
            end(track)
        chosen = [] if longest is None else [longest[1:]]
    if not chosen:
        which = f"face {', '.join(map(str, sorted(faces)))}" if faces else "a face"
        raise InputError(f"No frame of {video} shows {which}: check it with `lipsync faces`.")
    if longest is not None:
        logger.debug("%s: profile from track %d (%d frames)", video, longest[0], longest[2])
    return chosen
