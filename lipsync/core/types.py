"""Shared value types that several engine parts exchange (leaf module: imports only numpy).

The speech, face and render packages never import each other; they meet here.

Landmark point order (every face backend returns exactly these counts, in this order; the
order follows the widely used 68-point iBUG/dlib convention so points are identifiable):

- ``jaw`` (17): from the image-left end of the jaw line (subject's right ear) round the chin
  (index 8) to the image-right end.
- ``nose`` (9): bridge top to tip (0..3), then the base of the nose from image-left to
  image-right (4..8).
- ``left_eye`` / ``right_eye`` (6 each): the eye on the image left / image right, from its outer
  (image-left) corner clockwise.
- ``outer_lip`` (12): from the image-left mouth corner (index 0) clockwise over the upper lip:
  upper-lip midpoint at index 3, image-right corner at index 6, lower-lip midpoint at index 9.
- ``inner_lip`` (8): image-left inner corner (0), upper inner midpoint (2), image-right inner
  corner (4), lower inner midpoint (6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# --- Faces -------------------------------------------------------------------------------------

#: Landmark group name -> number of points, in the documented order.
LANDMARK_COUNTS: Mapping[str, int] = {
    "outer_lip": 12,
    "inner_lip": 8,
    "jaw": 17,
    "nose": 9,
    "left_eye": 6,
    "right_eye": 6,
}
LANDMARK_GROUPS: tuple[str, ...] = tuple(LANDMARK_COUNTS)

# Named indices inside ``outer_lip`` and ``inner_lip``.
OUTER_LIP_LEFT_CORNER = 0
OUTER_LIP_UPPER_MID = 3
OUTER_LIP_RIGHT_CORNER = 6
OUTER_LIP_LOWER_MID = 9
INNER_LIP_LEFT_CORNER = 0
INNER_LIP_UPPER_MID = 2
INNER_LIP_RIGHT_CORNER = 4
INNER_LIP_LOWER_MID = 6
JAW_CHIN = 8


@dataclass(frozen=True)
class Pose:
    """Head rotation in degrees: yaw (left/right turn, 0 = frontal), pitch (nod), roll (tilt)."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0


@dataclass(frozen=True, eq=False)
class FaceObservation:
    """One face in one frame.

    ``box`` is (x0, y0, x1, y1) in image pixels; ``landmarks`` maps each group of
    :data:`LANDMARK_GROUPS` to a ``float32 (K, 2)`` array of (x, y) image pixels;
    ``confidence`` is 0..1; ``track_id`` is stable across frames (-1 before tracking).
    """

    box: tuple[float, float, float, float]
    landmarks: Mapping[str, np.ndarray]
    pose: Pose = field(default_factory=Pose)
    confidence: float = 1.0
    track_id: int = -1

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def inter_ocular(self) -> float:
        """Distance in pixels between the centres of the two eyes."""
        left = np.asarray(self.landmarks["left_eye"], dtype=np.float32).mean(axis=0)
        right = np.asarray(self.landmarks["right_eye"], dtype=np.float32).mean(axis=0)
        return float(np.linalg.norm(right - left))


# --- Mouth -------------------------------------------------------------------------------------

#: Mouth parameters of a :class:`MouthTrack`, in column order. Ranges: ``open`` 0..1 (jaw/lip
#: aperture), ``width`` -1..1 (negative rounded/narrow, positive spread), ``round`` 0..1 (lip
#: protrusion), ``closure`` 0..1 (bilabial contact strength), ``labiodental`` 0..1 (lower lip
#: to upper teeth), ``teeth`` 0..1 (teeth visibility).
MOUTH_PARAMS: tuple[str, ...] = ("open", "width", "round", "closure", "labiodental", "teeth")


@dataclass(frozen=True)
class PhoneSegment:
    """One phone: label (IPA or ARPAbet as the source gives it), start/end in seconds,
    confidence 0..1, and the source that produced it ("espeak", "alignment", "audio")."""

    label: str
    start: float
    end: float
    confidence: float = 1.0
    source: str = ""


@dataclass(frozen=True, eq=False)
class MouthTrack:
    """Target mouth state per video frame.

    ``times`` is ``float64 (N,)`` frame times in seconds; ``values`` is ``float32 (N, P)`` with
    columns in :data:`MOUTH_PARAMS` order; ``phones`` the segments it was derived from.
    """

    fps: float
    times: np.ndarray
    values: np.ndarray
    phones: tuple[PhoneSegment, ...] = ()
    source: str = ""

    def __len__(self) -> int:
        return int(self.times.shape[0])

    def param(self, name: str) -> np.ndarray:
        """The ``float32 (N,)`` series of one parameter of :data:`MOUTH_PARAMS`."""
        return self.values[:, MOUTH_PARAMS.index(name)]
