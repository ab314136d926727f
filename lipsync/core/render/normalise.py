"""Face-normalised coordinates: the eye frame, rigid points, inner-lip gaps.

The *eye frame* of one observation maps normalised points to image pixels: origin at the
midpoint of the eye centres, unit x vector from the image-left eye centre to the image-right
eye centre (so 1.0 = the inter-ocular distance, "IO"), y perpendicular and down the face.
Mouth-centred coordinates shift that origin to the mouth centre (midpoint of the outer-lip
corners); :class:`~lipsync.core.render.appearance.TrackAppearance` stores its neutral shape so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lipsync.core.geometry import Similarity, fit_similarity, frame_from_axis
from lipsync.core.types import OUTER_LIP_LEFT_CORNER, OUTER_LIP_RIGHT_CORNER

#: Inner-lip (upper, lower) index pairs facing each other across the mouth, image-left first.
INNER_PAIRS: tuple[tuple[int, int], ...] = ((1, 7), (2, 6), (3, 5))
#: The upper and the lower points of ``INNER_PAIRS`` as slices.
_UPPER, _LOWER = slice(1, 4), slice(7, 4, -1)
assert tuple(zip(range(8)[_UPPER], range(8)[_LOWER], strict=True)) == INNER_PAIRS
#: Jaw points that barely move when the mouth opens (near the ears).
RIGID_JAW = (0, 1, 15, 16)
#: Groups used for the map between a track's neutral face and an observation.
SHAPE_GROUPS = ("outer_lip", "inner_lip", "jaw", "nose", "left_eye", "right_eye")


def eye_frame(landmarks: Mapping[str, np.ndarray]) -> Similarity:
    """Normalised (eye frame) -> image px for one observation's landmarks."""
    left = np.asarray(landmarks["left_eye"], dtype=np.float64).mean(axis=0)
    right = np.asarray(landmarks["right_eye"], dtype=np.float64).mean(axis=0)
    centre = (left + right) / 2.0
    return frame_from_axis(centre, centre + (right - left))


def mouth_centre(outer_lip: np.ndarray) -> np.ndarray:
    """``float32 (2,)`` midpoint of the outer-lip corners of ``outer_lip`` ``(12, 2)``."""
    o = np.asarray(outer_lip, dtype=np.float32)
    return (o[OUTER_LIP_LEFT_CORNER] + o[OUTER_LIP_RIGHT_CORNER]) / 2.0


def rigid_points(landmarks: Mapping[str, np.ndarray]) -> np.ndarray:
    """``float32 (25, 2)``: eyes, nose and the jaw ends: points the mouth does not move."""
    return np.vstack(
        [
            np.asarray(landmarks["left_eye"], dtype=np.float32),
            np.asarray(landmarks["right_eye"], dtype=np.float32),
            np.asarray(landmarks["nose"], dtype=np.float32),
            np.asarray(landmarks["jaw"], dtype=np.float32)[list(RIGID_JAW)],
        ]
    )


def normalised_shape(landmarks: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All groups of one observation in mouth-centred normalised coordinates (IO units)."""
    frame = eye_frame(landmarks).inverse()
    shape = {g: frame.apply(landmarks[g]) for g in SHAPE_GROUPS}
    centre = mouth_centre(shape["outer_lip"])
    return {g: (p - centre).astype(np.float32) for g, p in shape.items()}


def face_transform(
    neutral: Mapping[str, np.ndarray], landmarks: Mapping[str, np.ndarray]
) -> Similarity:
    """The :class:`Similarity` from a track's neutral (mouth-centred normalised) face to one
    observation's image pixels, fitted on the rigid points (scale, roll, position)."""
    return fit_similarity(rigid_points(neutral), rigid_points(landmarks))


def inner_gaps(inner_lip: np.ndarray) -> np.ndarray:
    """``float32 (3,)`` distances between facing inner-lip points (left, middle, right), in the
    units of ``inner_lip`` ``(8, 2)``; 0 when the lips touch or cross."""
    p = np.asarray(inner_lip, dtype=np.float32)
    d = p[_LOWER] - p[_UPPER]  # slices: an index list costs more than the sums (8 -> 4 us)
    dx, dy = d[:, 0], d[:, 1]
    return np.maximum(np.sqrt(dx * dx + dy * dy) * np.sign(dy), np.float32(0.0))


def openness(landmarks: Mapping[str, np.ndarray]) -> float:
    """Mean inner-lip gap of one observation in IO units (0 = closed)."""
    frame = eye_frame(landmarks).inverse()
    return float(inner_gaps(frame.apply(landmarks["inner_lip"])).mean())
