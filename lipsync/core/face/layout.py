"""MediaPipe's 468-point mesh mapped onto our 68-point (iBUG) layout.

Rules, following how the iBUG 300-W points are placed (no fitting to any image):

- lips: mouth corners, lip midpoints and the Cupid's-bow peaks are mesh vertices at the same
  anatomical place; the remaining lip points lie in *columns* (positions along the line
  through the mouth corners) shared by all four lip contours: each outer-upper point between a
  corner and a bow peak sits half-way along that line, and the lower and inner lip points sit
  in the same columns as the upper ones (iBUG puts them vertically under each other);
- jaw: 17 points equally spaced by arc length along the mesh's face oval, from the image-left
  end (mesh 127) through the chin (152, our index 8) to the image-right end (356);
- nose: 4 bridge points equally spaced from the top of the bridge (168) to the tip (4), then
  the base of the nose from image-left to image-right through the subnasale (2);
- eyes: six mesh vertices per eye (corners and two on each lid).
"""

from __future__ import annotations

import numpy as np

from lipsync.core.types import LANDMARK_COUNTS

# Mesh contours, each listed from image-left to image-right (on a frontal, upright face).
LIP_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIP_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIP_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIP_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
FACE_OVAL_LEFT = (127, 234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152)  # to the chin
FACE_OVAL_RIGHT = (152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454, 356)  # from the chin
NOSE_BRIDGE = (168, 6, 197, 195, 5, 4)  # top of the bridge to the tip
NOSE_BASE = (75, 97, 2, 326, 305)  # image-left nostril wing, nostril, subnasale, nostril, wing
LEFT_EYE = (33, 160, 158, 133, 153, 144)  # the eye on the image left (subject's right)
RIGHT_EYE = (362, 385, 387, 263, 373, 380)

MOUTH_LEFT, MOUTH_RIGHT = 61, 291  # outer mouth corners
INNER_LEFT, INNER_RIGHT = 78, 308  # inner mouth corners
UPPER_MID, LOWER_MID = 0, 17  # outer lip midpoints
INNER_UPPER_MID, INNER_LOWER_MID = 13, 14
BOW_LEFT, BOW_RIGHT = 37, 267  # Cupid's-bow peaks

JAW_HALF = 8  # jaw segments from one end to the chin


def resample(polyline: np.ndarray, segments: int) -> np.ndarray:
    """``segments + 1`` points equally spaced by arc length along ``polyline`` ``(n, 2)``,
    both ends included."""
    steps = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    t = np.linspace(0.0, arc[-1], segments + 1)
    return np.stack([np.interp(t, arc, polyline[:, 0]), np.interp(t, arc, polyline[:, 1])], 1)


def at_column(
    polyline: np.ndarray, axis_origin: np.ndarray, axis: np.ndarray, s: float
) -> np.ndarray:
    """The point of ``polyline`` ``(n, 2)`` whose projection on the unit ``axis`` (from
    ``axis_origin``) is ``s``; the nearest vertex when the polyline never reaches ``s``."""
    q = (polyline - axis_origin) @ axis
    for k in range(len(q) - 1):
        qa, qb = q[k], q[k + 1]
        if (qa - s) * (qb - s) <= 0 and qa != qb:
            t = (s - qa) / (qb - qa)
            return polyline[k] + (polyline[k + 1] - polyline[k]) * t
    return polyline[int(np.argmin(np.abs(q - s)))]


def _lips(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    left, right = xy[MOUTH_LEFT], xy[MOUTH_RIGHT]
    length = float(np.linalg.norm(right - left))
    axis = (right - left) / length if length > 1e-6 else np.array([1.0, 0.0])
    s_bow_l = float((xy[BOW_LEFT] - left) @ axis)
    s_bow_r = float((xy[BOW_RIGHT] - left) @ axis)
    cols = (s_bow_l / 2, s_bow_l, s_bow_r, (s_bow_r + length) / 2)
    ou, ol = xy[list(LIP_OUTER_UPPER)], xy[list(LIP_OUTER_LOWER)]
    iu, il = xy[list(LIP_INNER_UPPER)], xy[list(LIP_INNER_LOWER)]

    def col(line: np.ndarray, s: float) -> np.ndarray:
        return at_column(line, left, axis, s)

    outer = [
        left, col(ou, cols[0]), xy[BOW_LEFT], xy[UPPER_MID], xy[BOW_RIGHT], col(ou, cols[3]),
        right, col(ol, cols[3]), col(ol, cols[2]), xy[LOWER_MID], col(ol, cols[1]),
        col(ol, cols[0]),
    ]  # fmt: skip
    inner = [
        xy[INNER_LEFT], col(iu, cols[1]), xy[INNER_UPPER_MID], col(iu, cols[2]),
        xy[INNER_RIGHT], col(il, cols[2]), xy[INNER_LOWER_MID], col(il, cols[1]),
    ]  # fmt: skip
    return np.asarray(outer), np.asarray(inner)


def layout_from_mesh(points: np.ndarray) -> dict[str, np.ndarray]:
    """Our landmark groups (documented in :mod:`lipsync.core.types`), ``float32 (K, 2)`` image
    px each, from mesh points ``(468, >=2)`` in image px."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    outer, inner = _lips(xy)
    jaw = np.concatenate(
        [
            resample(xy[list(FACE_OVAL_LEFT)], JAW_HALF)[:-1],
            resample(xy[list(FACE_OVAL_RIGHT)], JAW_HALF),
        ]
    )
    nose = np.concatenate([resample(xy[list(NOSE_BRIDGE)], 3), xy[list(NOSE_BASE)]])
    groups = {
        "outer_lip": outer,
        "inner_lip": inner,
        "jaw": jaw,
        "nose": nose,
        "left_eye": xy[list(LEFT_EYE)],
        "right_eye": xy[list(RIGHT_EYE)],
    }
    out = {name: np.ascontiguousarray(groups[name], dtype=np.float32) for name in LANDMARK_COUNTS}
    for name, count in LANDMARK_COUNTS.items():
        assert out[name].shape == (count, 2), name
    return out
