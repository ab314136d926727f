"""Face tracking: landmarks every frame seeded from the previous frame, stable ids.

Per frame, each tracked face is re-fitted in the region its previous landmarks give (no
detector). The detector runs on the first frame, whenever a face was lost or none is tracked,
and every ``detect_every`` frames to pick up new faces; a detection that overlaps a tracked
face is the same face. Only rigid quantities are smoothed: the seed region (changes below a
dead band are ignored, so a still face is cropped identically every frame), the face box and
the pose (One Euro filter). Lip points are never smoothed. At a hard cut between shots every
face ends, and the faces of the new shot get new ids (:mod:`lipsync.core.shots`); inside a
dissolve no face is reported (two faces show at once), and the faces after it are new ones.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.face.backend import BackendOptions, Fit, LandmarkBackend, box_of, create_backend
from lipsync.core.face.detection import box_iou
from lipsync.core.face.imaging import Region, check_frame
from lipsync.core.face.pose import estimate_pose
from lipsync.core.face.smoothing import OneEuro, SmoothingOptions
from lipsync.core.shots import CutDetector
from lipsync.core.types import FaceObservation, Pose

logger = logging.getLogger("lipsync")

DEFAULT_DETECT_EVERY = 15  # frames between detection passes while faces are tracked
THOROUGH_EVERY = 4  # of those passes, one in this many also searches for small faces (tiles)
DEFAULT_MAX_FACES = 4
MATCH_IOU = 0.3  # a detection overlapping a tracked face box more than this is that face
DUPLICATE_IOU = 0.5  # two tracks overlapping more than this follow one face: drop the younger
REGION_DEADBAND = 0.02  # seed changes below this fraction of the face size are ignored
REGION_DEADBAND_ANGLE = math.radians(1.5)  # rad, the same for the roll of the seed


@dataclass(frozen=True)
class TrackerOptions:
    """``detect_every``: frames between detection passes while faces are tracked (1 = detect
    every frame; detection also runs whenever a face is lost). ``thorough_every``: while faces
    are tracked, every this many detection passes also search for small faces (the others
    look for large ones only; with no face tracked, or one lost, every pass is thorough).
    ``max_faces``: faces tracked at once. ``fps``: frame rate for the smoothing filters
    (frames/s). ``smoothing``: One Euro settings for the face box and pose. ``backend``: which
    landmark backend. ``new_at_cuts``: at a hard cut between shots (:mod:`lipsync.core.shots`)
    every face is followed anew, with a new id, even one in the same place, and the frames of
    a dissolve have no face."""

    detect_every: int = DEFAULT_DETECT_EVERY
    thorough_every: int = THOROUGH_EVERY
    max_faces: int = DEFAULT_MAX_FACES
    fps: float = 25.0
    smoothing: SmoothingOptions = field(default_factory=SmoothingOptions)
    backend: BackendOptions = field(default_factory=BackendOptions)
    new_at_cuts: bool = True


class Faces(list):
    """The faces of one frame (a list of :class:`FaceObservation`); ``dissolve``: the frame is
    inside a dissolve, so none is reported (see :mod:`lipsync.core.shots`); ``mixed_before``:
    at the frame a dissolve is seen, how many frames just before it were already part of it
    (their faces were reported: a caller still holding them should leave them untouched).
    Pickles with them."""

    def __init__(
        self,
        faces: Iterable[FaceObservation] = (),
        dissolve: bool = False,
        mixed_before: int = 0,
    ) -> None:
        super().__init__(faces)
        self.dissolve = dissolve
        self.mixed_before = mixed_before


@dataclass(eq=False)
class _Track:
    track_id: int
    region: Region
    box_filter: OneEuro
    pose_filter: OneEuro
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    age: int = 0


def _settle(previous: Region, new: Region) -> Region:
    """``new`` unless it differs from ``previous`` by less than the dead band."""
    size = max(previous.size, 1.0)
    moved = math.hypot(new.cx - previous.cx, new.cy - previous.cy) / size
    scaled = abs(new.size - previous.size) / size
    turned = abs(math.remainder(new.angle - previous.angle, 2 * math.pi))
    if moved < REGION_DEADBAND and scaled < REGION_DEADBAND and turned < REGION_DEADBAND_ANGLE:
        return previous
    return new


class FaceTracker:
    """Tracks faces through consecutive frames of one shot or video.

    ``update(frame)`` takes an RGB ``uint8 (H, W, 3)`` frame and returns one
    :class:`~lipsync.core.types.FaceObservation` per face (possibly none), ordered by track id.
    """

    def __init__(
        self, options: TrackerOptions | None = None, backend: LandmarkBackend | None = None
    ) -> None:
        self.options = options or TrackerOptions()
        o = self.options
        if o.detect_every < 1 or o.max_faces < 1 or o.thorough_every < 1:
            raise InputError(
                f"detect_every={o.detect_every}, thorough_every={o.thorough_every} and "
                f"max_faces={o.max_faces} must all be at least 1: pass positive values."
            )
        self.backend = backend or create_backend(self.options.backend)
        self._ids = itertools.count()
        self._cuts = CutDetector() if o.new_at_cuts else None
        self.reset()

    def reset(self) -> None:
        """Forget all faces (use at a shot change); ids continue to increase."""
        self._tracks: list[_Track] = []
        self._since_detect = 0
        self._passes = 0  # detection passes since the last thorough one
        self._lost = True

    def _new_track(self, region: Region) -> _Track:
        return _Track(
            next(self._ids),
            region,
            OneEuro(self.options.smoothing),
            OneEuro(self.options.smoothing),
        )

    def update(self, image: np.ndarray) -> list[FaceObservation]:
        """Observations for the next frame of the sequence."""
        check_frame(image)
        if self._cuts is not None and self._cuts.starts_shot(image) and self._tracks:
            logger.debug("a cut: faces %s end", [t.track_id for t in self._tracks])
            self.reset()
        if self._cuts is not None and self._cuts.in_transition:
            # a dissolve: two faces at once in every frame; none is followed or learnt from,
            # and the first face after it is a new one
            self.reset()
            return Faces(dissolve=True, mixed_before=self._cuts.mixed_before)
        fits: list[tuple[_Track, Fit]] = []
        survivors: list[_Track] = []
        for track in self._tracks:
            fit = self.backend.fit(image, track.region)
            if fit is None:
                logger.debug("face %d lost", track.track_id)
                self._lost = True
                continue
            fits.append((track, fit))
            survivors.append(track)
        self._tracks = survivors

        boxes = {fit: box_of(fit.landmarks) for _, fit in fits}  # each fit's box, once
        self._since_detect += 1
        if self._lost or not self._tracks or self._since_detect >= self.options.detect_every:
            thorough = self._lost or not self._tracks or self._passes == 0
            found = self._detect(image, list(boxes.values()), thorough)
            fits.extend(found)
            boxes.update((fit, box_of(fit.landmarks)) for _, fit in found)
            self._passes = (1 if thorough else self._passes + 1) % self.options.thorough_every
            self._since_detect = 0
            self._lost = False

        fits = self._drop_duplicates(fits, boxes)
        self._tracks = [t for t, _ in fits]
        height, width = image.shape[:2]
        return sorted(
            (self._observe(track, fit, boxes[fit], width, height) for track, fit in fits),
            key=lambda o: o.track_id,
        )

    def _detect(
        self,
        image: np.ndarray,
        tracked_boxes: list[tuple[float, float, float, float]],
        thorough: bool = True,
    ) -> list[tuple[_Track, Fit]]:
        room = self.options.max_faces - len(self._tracks)
        if room <= 0:
            return []
        boxes = np.asarray(tracked_boxes, dtype=np.float32).reshape(-1, 4)
        new: list[tuple[_Track, Fit]] = []
        for seed in self.backend.detect(image, thorough):
            if len(new) >= room:
                break
            box = np.asarray(seed.box, dtype=np.float32)
            if len(boxes) and float(box_iou(box, boxes).max()) > MATCH_IOU:
                continue  # a face we already follow
            fit = self.backend.fit(image, seed.region)
            if fit is None:
                continue
            track = self._new_track(fit.region)
            logger.debug("new face %d at %s", track.track_id, seed.box)
            new.append((track, fit))
            boxes = np.vstack([boxes, np.asarray(box_of(fit.landmarks), dtype=np.float32)])
        return new

    @staticmethod
    def _drop_duplicates(
        fits: list[tuple[_Track, Fit]], boxes: Mapping[Fit, tuple[float, float, float, float]]
    ) -> list[tuple[_Track, Fit]]:
        """``fits`` by track id, less those overlapping an older one (``boxes``: each fit's
        landmark box)."""
        if len(fits) < 2:
            return list(fits)
        kept: list[tuple[_Track, Fit]] = []
        for track, fit in sorted(fits, key=lambda tf: tf[0].track_id):
            box = np.asarray(boxes[fit], dtype=np.float32)
            others = np.asarray([boxes[f] for _, f in kept], dtype=np.float32)
            if len(others) and float(box_iou(box, others.reshape(-1, 4)).max()) > DUPLICATE_IOU:
                logger.debug("face %d duplicates an older face, dropped", track.track_id)
                continue
            kept.append((track, fit))
        return kept

    def _observe(
        self,
        track: _Track,
        fit: Fit,
        landmark_box: tuple[float, float, float, float],
        width: int,
        height: int,
    ) -> FaceObservation:
        dt = 1.0 / self.options.fps
        first = track.age == 0
        track.region = fit.region if first else _settle(track.region, fit.region)
        track.age += 1
        box = track.box_filter(np.asarray(landmark_box), dt)
        pose = estimate_pose(fit.landmarks, width, height)
        smooth = track.pose_filter(np.array([pose.yaw, pose.pitch, pose.roll]), dt)
        track.box = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        return FaceObservation(
            box=track.box,
            landmarks={k: np.asarray(v, dtype=np.float32) for k, v in fit.landmarks.items()},
            pose=Pose(float(smooth[0]), float(smooth[1]), float(smooth[2])),
            confidence=float(fit.confidence),
            track_id=track.track_id,
        )

    def track(self, frames: Iterable[np.ndarray]) -> Iterator[list[FaceObservation]]:
        """Observations for each frame of ``frames``, lazily (one frame in memory at a time)."""
        for frame in frames:
            yield self.update(frame)
