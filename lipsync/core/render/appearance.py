"""Per-track appearance: the speaker's neutral mouth and a bank of open-mouth interiors.

Built in the engine's first pass, one frame at a time, with bounded memory::

    builder = AppearanceBuilder()
    for image, face in frames_of_one_track:      # RGB uint8 (H, W, 3), FaceObservation
        builder.add(image, face)
    appearance = builder.build()                 # TrackAppearance, frozen

The builder keeps only the ``NEUTRAL_POOL`` least-open shapes (a few hundred floats each) and at
most ``BANK_SIZE`` small aligned crops (``CROP_PX_PER_IO`` px per IO), so memory does not grow
with the length of the track.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.geometry import Similarity
from lipsync.core.render import parameters as P
from lipsync.core.render.exemplar_bank import ExemplarBank, ExemplarCollector
from lipsync.core.render.inner_lips import refine_inner_lips
from lipsync.core.render.mouth_range import MouthRange, RangeCollector
from lipsync.core.render.normalise import (
    eye_frame,
    inner_gaps,
    mouth_centre,
    normalised_shape,
)
from lipsync.core.render.speaker import SpeakerProfile
from lipsync.core.types import FaceObservation

logger = logging.getLogger("lipsync")

SEEN_INNER_LIP = "seen_inner_lip"  # the pooled shapes' group of the picture's inner lips


@dataclass(frozen=True, eq=False)
class InteriorSample:
    """One open mouth of the track, aligned to the face.

    ``crop``: ``uint8 (h, w, 3)`` RGB covering :data:`~parameters.CROP_BOX` around that frame's
    mouth centre at ``CROP_PX_PER_IO`` px per IO; ``inner_lip`` / ``outer_lip``: ``float32 (8, 2)``
    / ``(12, 2)`` in the same mouth-centred normalised coordinates; ``openness``: mean inner gap
    (IO); ``lip_colour``: ``float32 (3,)`` mean RGB of the lips (for colour matching);
    ``frame``: the index of the frame in the builder's sequence.
    """

    crop: np.ndarray
    inner_lip: np.ndarray
    outer_lip: np.ndarray
    openness: float
    lip_colour: np.ndarray
    frame: int

    def to_crop_px(self, points: np.ndarray) -> np.ndarray:
        """Normalised mouth-centred ``(N, 2)`` -> crop pixel coordinates ``float32 (N, 2)``."""
        x0, y0 = P.CROP_BOX[0], P.CROP_BOX[1]
        p = np.asarray(points, dtype=np.float32)
        return ((p - np.array([x0, y0], dtype=np.float32)) * P.CROP_PX_PER_IO).astype(np.float32)


@dataclass(frozen=True, eq=False)
class TrackAppearance:
    """What the renderer knows about one face track.

    ``neutral``: every landmark group (``float32 (K, 2)``) of the speaker's neutral face in
    mouth-centred normalised coordinates (origin at the neutral mouth centre, x along the eye
    line, unit = inter-ocular distance); ``bank``: open-mouth interiors, the one to use first
    (empty: the interior is synthesised); ``frames``: frames the builder saw;
    ``mouth_range``: the range of mouth shapes the speaker made in them; ``exemplars``: the
    speaker's own mouths by shape (None: not collected, see ``AppearanceBuilder``);
    ``seen_inner_lip``: the neutral's inner lip where the picture shows the lips part
    (:mod:`~lipsync.core.render.inner_lips`), ``float32 (8, 2)`` in the neutral's coordinates,
    the one the exemplars' lips are labelled by (None: the neutral's own, from the face mesh).
    """

    neutral: Mapping[str, np.ndarray]
    bank: tuple[InteriorSample, ...]
    frames: int
    mouth_range: MouthRange = field(default_factory=MouthRange)
    exemplars: ExemplarBank | None = None
    seen_inner_lip: np.ndarray | None = None

    @property
    def neutral_openness(self) -> float:
        """Mean inner-lip gap of the neutral mouth, IO."""
        return float(inner_gaps(self.neutral["inner_lip"]).mean())

    @classmethod
    def from_face(cls, image: np.ndarray, face: FaceObservation) -> TrackAppearance:
        """A single-frame appearance (neutral = this frame's shape); a fallback only."""
        builder = AppearanceBuilder()
        builder.add(image, face)
        return builder.build()


def _crop_transform(frame: Similarity, centre: np.ndarray) -> np.ndarray:
    """``float64 (2, 3)``: crop px -> image px for a face with eye frame ``frame`` whose mouth
    centre is ``centre`` (image px)."""
    x0, y0 = P.CROP_BOX[0], P.CROP_BOX[1]
    m = frame.matrix.copy()
    m[:, :2] /= P.CROP_PX_PER_IO
    origin = m[:, :2] @ np.array([x0, y0]) * P.CROP_PX_PER_IO
    m[:, 2] = centre + origin
    return m


def lip_shape(landmarks: Mapping[str, np.ndarray], frame: Similarity) -> dict[str, np.ndarray]:
    """The ``outer_lip`` and ``inner_lip`` of :func:`~.normalise.normalised_shape` (the same
    values), from the face's eye frame ``frame``, without mapping the other groups."""
    inverse = frame.inverse()
    outer = inverse.apply(landmarks["outer_lip"])
    inner = inverse.apply(landmarks["inner_lip"])
    centre = mouth_centre(outer)
    return {
        "outer_lip": (outer - centre).astype(np.float32),
        "inner_lip": (inner - centre).astype(np.float32),
    }


def crop_size() -> tuple[int, int]:
    """(width, height) px of an interior crop."""
    x0, y0, x1, y1 = P.CROP_BOX
    return round((x1 - x0) * P.CROP_PX_PER_IO), round((y1 - y0) * P.CROP_PX_PER_IO)


def lip_colour(image: np.ndarray, outer_lip: np.ndarray, inner_lip: np.ndarray) -> np.ndarray:
    """``float32 (3,)`` mean RGB between the outer and inner lip polygons (px coordinates of
    ``image``); the mean of the outer polygon when the ring is empty."""
    h, w = image.shape[:2]
    outer = np.asarray(outer_lip, dtype=np.float32)
    x0, y0 = np.floor(outer.min(axis=0)).astype(int)
    x1, y1 = np.ceil(outer.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return np.full(3, 128.0, dtype=np.float32)
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    off = np.array([x0, y0], dtype=np.float32)
    cv2.fillPoly(mask, [np.round(outer - off).astype(np.int32)], 1)
    ring = mask.copy()
    cv2.fillPoly(ring, [np.round(np.asarray(inner_lip, np.float32) - off).astype(np.int32)], 0)
    count = cv2.countNonZero(ring)
    use, count = (ring, count) if count else (mask, cv2.countNonZero(mask))
    if not count:
        return np.full(3, 128.0, dtype=np.float32)
    patch = image[y0:y1, x0:x1]
    if count * 255 < 1 << 24:  # the same float32 as numpy's mean (see masked_mean), 3x faster
        return np.array(cv2.mean(patch, use)[:3], np.float32)
    return patch[use.view(bool)].mean(axis=0).astype(np.float32)


class AppearanceBuilder:
    """Collects one track's frames (streaming) and builds its :class:`TrackAppearance`;
    with ``exemplars``, also a bank of the speaker's own mouths (for the ``exemplar``
    renderer; it costs about a millisecond per frame)."""

    def __init__(self, exemplars: bool = False) -> None:
        self._exemplars = ExemplarCollector() if exemplars else None
        self._count = itertools.count()
        self._frames = 0
        # max-heap (by -openness) of the least-open shapes
        # (each shape's groups one after the other, ``float32 (N, 2)``)
        self._neutral: list[tuple[float, int, np.ndarray]] = []
        self._groups: tuple[tuple[str, int], ...] = ()  # (name, points) of those groups
        self._bank: list[InteriorSample] = []
        self._range = RangeCollector()
        self._changes = 0
        self._neutral_changes = 0  # counts the changes to the pool of least-open shapes
        # ((pool shapes used, pool changes), the neutral built from them): most builds follow
        # a change of the exemplars or the range only, and the medians are most of a build
        self._neutral_built: tuple[tuple[int, int], dict[str, np.ndarray]] | None = None

    @property
    def version(self) -> int:
        """Counts the changes to what :meth:`build` would return (for caching builds)."""
        extra = self._exemplars.version if self._exemplars is not None else 0
        return self._changes + extra

    def seed(self, profile: SpeakerProfile) -> None:
        """Start from a speaker profile: its exemplars (when this builder collects them) and its
        mouth range."""
        if self._exemplars is not None:
            self._exemplars.seed(
                dataclasses.replace(s, source=profile.name) for s in profile.exemplars
            )
        self._range.merge(profile.gap_counts, profile.width_counts, profile.range_moments)
        self._changes += 1

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """The mouth-range histograms learnt so far (for a speaker profile)."""
        return self._range.counts()

    def moments(self) -> np.ndarray:
        """The mouth range's width-per-gap sums learnt so far (for a speaker profile)."""
        return self._range.moments()

    def add(self, image: np.ndarray, face: FaceObservation) -> None:
        """Take one frame (RGB ``uint8 (H, W, 3)``) and the track's face in it."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InputError(
                f"A frame must be RGB uint8 (H, W, 3), got {image.dtype} {image.shape}."
            )
        index = next(self._count)
        self._frames += 1
        io = face.inter_ocular  # px (a property: computed on each use)
        if io < P.MIN_INTER_OCULAR_PX:
            return
        frame = eye_frame(face.landmarks)
        lips = lip_shape(face.landmarks, frame)  # the whole shape only for the neutral pool
        gap = float(inner_gaps(lips["inner_lip"]).mean())
        outer = lips["outer_lip"]
        self._range.add(gap, float(np.linalg.norm(outer[6] - outer[0])))
        if self._range.frames <= P.RANGE_FULL_FRAMES:
            self._changes += 1  # the range is still being learnt
        seen = None  # the picture's inner lips, made once for the pool and the exemplar bank
        if len(self._neutral) < P.NEUTRAL_POOL or -gap > self._neutral[0][0]:
            if self._exemplars is not None:
                lm = face.landmarks
                seen = refine_inner_lips(image, lm["outer_lip"], lm["inner_lip"])
            shape = self._pack(self._pooled_shape(face, frame, seen))
            if len(self._neutral) < P.NEUTRAL_POOL:
                heapq.heappush(self._neutral, (-gap, index, shape))
            else:
                heapq.heapreplace(self._neutral, (-gap, index, shape))
            self._changes += 1
            self._neutral_changes += 1
        if gap >= P.BANK_MIN_OPEN and abs(face.pose.yaw) <= P.BANK_MAX_YAW:
            self._offer(image, face, frame, lips, gap, index)
        if self._exemplars is not None:
            self._exemplars.add(image, face, index, io, frame, seen)

    def _offer(
        self,
        image: np.ndarray,
        face: FaceObservation,
        frame: Similarity,
        shape: dict[str, np.ndarray],
        gap: float,
        index: int,
    ) -> None:
        """Keep the frame's mouth interior if it is open enough among its neighbours
        (``frame``: the face's eye frame; ``shape``: its lips, mouth-centred)."""
        near = [s for s in self._bank if abs(s.frame - index) < P.BANK_MIN_SPACING]
        if near:
            if all(gap <= s.openness for s in near):
                return
            self._bank = [s for s in self._bank if s not in near]
            self._changes += 1
        elif len(self._bank) >= P.BANK_SIZE:
            weakest = min(self._bank, key=lambda s: s.openness)
            if gap <= weakest.openness:
                return
            self._bank.remove(weakest)
            self._changes += 1
        centre = mouth_centre(face.landmarks["outer_lip"]).astype(np.float64)
        m = _crop_transform(frame, centre)
        w, h = crop_size()
        corners = m @ np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64).T
        ih, iw = image.shape[:2]
        if corners[0].min() < 0 or corners[1].min() < 0 or corners[0].max() > iw - 1:
            return  # the mouth is cut by the frame edge: not a good sample
        if corners[1].max() > ih - 1:
            return
        crop = cv2.warpAffine(
            image,
            m,
            (w, h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        sample = InteriorSample(
            crop, shape["inner_lip"], shape["outer_lip"], gap, np.zeros(3, np.float32), index
        )
        colour = lip_colour(
            crop, sample.to_crop_px(sample.outer_lip), sample.to_crop_px(sample.inner_lip)
        )
        self._bank.append(
            InteriorSample(crop, sample.inner_lip, sample.outer_lip, gap, colour, index)
        )
        self._changes += 1

    def build(self) -> TrackAppearance:
        """The track's appearance; raises :class:`InputError` when no usable frame was added."""
        if not self._neutral:
            raise InputError(
                f"No usable face in the {self._frames} frame(s) given for this track: add "
                "frames whose face is at least "
                f"{P.MIN_INTER_OCULAR_PX:.0f} px between the eyes."
            )
        neutral = {g: p.copy() for g, p in self._neutral_shape().items()}
        seen_inner_lip = neutral.pop(SEEN_INNER_LIP, None)
        bank = tuple(sorted(self._bank, key=lambda s: -s.openness))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "track appearance: %d frames, neutral gap %.3f IO, %d interior samples",
                self._frames,
                float(inner_gaps(neutral["inner_lip"]).mean()),
                len(bank),
            )
        return TrackAppearance(
            neutral=neutral,
            bank=bank,
            frames=self._frames,
            mouth_range=self._range.range(),
            exemplars=self._exemplars.bank() if self._exemplars is not None else None,
            seen_inner_lip=seen_inner_lip,
        )

    @staticmethod
    def _pooled_shape(
        face: FaceObservation, frame: Similarity, seen: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """A shape for the neutral pool: every group of :func:`normalised_shape` and, where
        exemplars are collected (labelled by the picture's inner lips ``seen``, image px),
        ``seen_inner_lip``; ``frame``: the face's eye frame."""
        shape = normalised_shape(face.landmarks)
        if seen is not None:
            inverse = frame.inverse()
            centre = mouth_centre(inverse.apply(face.landmarks["outer_lip"]))
            shape[SEEN_INNER_LIP] = (inverse.apply(seen) - centre).astype(np.float32)
        return shape

    def _pack(self, shape: dict[str, np.ndarray]) -> np.ndarray:
        """``shape``'s groups one after the other (their names and sizes kept once)."""
        if not self._groups:
            self._groups = tuple((name, len(points)) for name, points in shape.items())
        return np.concatenate(list(shape.values()))

    def _neutral_shape(self) -> dict[str, np.ndarray]:
        """The median of the least-open shapes, mouth-centred (built again only when the pool
        or the number of shapes it uses has changed)."""
        # the least-open share of the frames seen: early in a shot the pool holds speaking
        # mouths too, and their median would hang half open in every pause
        k = int(np.clip(round(P.NEUTRAL_SHARE * self._range.frames), P.NEUTRAL_MIN, P.NEUTRAL_POOL))
        key = (k, self._neutral_changes)
        if self._neutral_built is None or self._neutral_built[0] != key:
            shapes = [s for _, _, s in sorted(self._neutral, reverse=True)[:k]]
            # one median for all groups: each point's is its own (the same values as a
            # median per group), without numpy's per-call cost six times over
            median = np.median(np.stack(shapes), axis=0)
            neutral, start = {}, 0
            for name, count in self._groups:
                neutral[name] = median[start : start + count]
                start += count
            centre = mouth_centre(neutral["outer_lip"])
            neutral = {g: (p - centre).astype(np.float32) for g, p in neutral.items()}
            self._neutral_built = (key, neutral)
        return self._neutral_built[1]
