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

from collections.abc import Sequence

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
BRIDGE_SEGMENTS = 3  # segments of the nose bridge (4 points)


# the same tuples as index arrays (one gather each)
_OUTER_UPPER, _OUTER_LOWER, _INNER_UPPER, _INNER_LOWER = (
    np.array(c, dtype=np.intp)
    for c in (LIP_OUTER_UPPER, LIP_OUTER_LOWER, LIP_INNER_UPPER, LIP_INNER_LOWER)
)
_OVAL_LEFT, _OVAL_RIGHT, _BRIDGE = (
    np.array(c, dtype=np.intp) for c in (FACE_OVAL_LEFT, FACE_OVAL_RIGHT, NOSE_BRIDGE)
)
# the mesh vertices that are lip points as they are
_CORNERS = (MOUTH_LEFT, MOUTH_RIGHT, INNER_LEFT, INNER_RIGHT)
_MIDDLES = (UPPER_MID, LOWER_MID, INNER_UPPER_MID, INNER_LOWER_MID, BOW_LEFT, BOW_RIGHT)
_LIP_VERTICES = np.array([*_CORNERS, *_MIDDLES], dtype=np.intp)
_NOSE_BASE, _LEFT_EYE, _RIGHT_EYE = (
    np.array(c, dtype=np.intp) for c in (NOSE_BASE, LEFT_EYE, RIGHT_EYE)
)


def resample(polyline: np.ndarray, segments: int) -> np.ndarray:
    """``segments + 1`` points equally spaced by arc length along ``polyline`` ``(n, 2)``,
    both ends included.

    The arithmetic of ``np.linalg.norm(np.diff(polyline, axis=0), axis=1)`` for the steps and
    of ``np.linspace(0, arc[-1], segments + 1)`` for the stations, without their Python-level
    overhead (the same float64 operations in the same order, so the same values)."""
    d = polyline[1:] - polyline[:-1]
    arc = np.empty(len(polyline))
    arc[0] = 0.0
    np.cumsum(np.sqrt(np.add.reduce(d * d, axis=1)), out=arc[1:])
    end = arc[-1]
    t = np.arange(segments + 1, dtype=np.float64)
    t *= end / segments
    t[-1] = end
    out = np.empty((segments + 1, 2))
    out[:, 0] = np.interp(t, arc, polyline[:, 0])
    out[:, 1] = np.interp(t, arc, polyline[:, 1])
    return out


def at_column(
    polyline: np.ndarray, axis_origin: np.ndarray, axis: np.ndarray, s: float
) -> np.ndarray:
    """The point of ``polyline`` ``(n, 2)`` whose projection on the unit ``axis`` (from
    ``axis_origin``) is ``s``; the nearest vertex when the polyline never reaches ``s``."""
    return at_columns(polyline, axis_origin, axis, (s,))[0]


def at_columns(
    polyline: np.ndarray, axis_origin: np.ndarray, axis: np.ndarray, columns: Sequence[float]
) -> list[np.ndarray]:
    """:func:`at_column` for each of ``columns``, projecting the polyline once (the crossing
    in Python floats: the same float64 arithmetic as numpy's, without its per-call cost)."""
    return [np.array(p) for p in _crossings(polyline, axis_origin, axis, columns)]


def _crossings(
    polyline: np.ndarray, axis_origin: np.ndarray, axis: np.ndarray, columns: Sequence[float]
) -> list[list[float]]:
    projected = (polyline - axis_origin) @ axis
    q = projected.tolist()
    line = polyline.tolist()
    found = []
    for s in columns:
        for k in range(len(q) - 1):
            qa, qb = q[k], q[k + 1]
            if (qa - s) * (qb - s) <= 0 and qa != qb:
                t = (s - qa) / (qb - qa)
                (xa, ya), (xb, yb) = line[k], line[k + 1]
                found.append([xa + (xb - xa) * t, ya + (yb - ya) * t])
                break
        else:
            found.append(line[int(np.argmin(np.abs(projected - s)))])
    return found


def _lips(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    left, right = xy[MOUTH_LEFT], xy[MOUTH_RIGHT]
    length = float(np.linalg.norm(right - left))
    axis = (right - left) / length if length > 1e-6 else np.array([1.0, 0.0])
    s_bow_l = float((xy[BOW_LEFT] - left) @ axis)
    s_bow_r = float((xy[BOW_RIGHT] - left) @ axis)
    cols = (s_bow_l / 2, s_bow_l, s_bow_r, (s_bow_r + length) / 2)
    ou0, ou3 = _crossings(xy[_OUTER_UPPER], left, axis, (cols[0], cols[3]))
    ol3, ol2, ol1, ol0 = _crossings(xy[_OUTER_LOWER], left, axis, cols[::-1])
    iu1, iu2 = _crossings(xy[_INNER_UPPER], left, axis, cols[1:3])
    il2, il1 = _crossings(xy[_INNER_LOWER], left, axis, (cols[2], cols[1]))
    p = dict(zip(_LIP_VERTICES.tolist(), xy[_LIP_VERTICES].tolist(), strict=True))
    outer = [
        p[MOUTH_LEFT], ou0, p[BOW_LEFT], p[UPPER_MID], p[BOW_RIGHT], ou3,
        p[MOUTH_RIGHT], ol3, ol2, p[LOWER_MID], ol1, ol0,
    ]  # fmt: skip
    inner = [
        p[INNER_LEFT], iu1, p[INNER_UPPER_MID], iu2,
        p[INNER_RIGHT], il2, p[INNER_LOWER_MID], il1,
    ]  # fmt: skip
    return np.array(outer), np.array(inner)


def layout_from_mesh(points: np.ndarray) -> dict[str, np.ndarray]:
    """Our landmark groups (documented in :mod:`lipsync.core.types`), ``float32 (K, 2)`` image
    px each, from mesh points ``(468, >=2)`` in image px."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    outer, inner = _lips(xy)
    jaw = np.empty((2 * JAW_HALF + 1, 2), dtype=np.float32)
    jaw[:JAW_HALF] = resample(xy[_OVAL_LEFT], JAW_HALF)[:-1]
    jaw[JAW_HALF:] = resample(xy[_OVAL_RIGHT], JAW_HALF)
    nose = np.empty((BRIDGE_SEGMENTS + 1 + len(NOSE_BASE), 2), dtype=np.float32)
    nose[: BRIDGE_SEGMENTS + 1] = resample(xy[_BRIDGE], BRIDGE_SEGMENTS)
    nose[BRIDGE_SEGMENTS + 1 :] = xy[_NOSE_BASE]
    out = {
        "outer_lip": outer.astype(np.float32),
        "inner_lip": inner.astype(np.float32),
        "jaw": jaw,
        "nose": nose,
        "left_eye": xy[_LEFT_EYE].astype(np.float32),
        "right_eye": xy[_RIGHT_EYE].astype(np.float32),
    }
    for name, count in LANDMARK_COUNTS.items():
        assert out[name].shape == (count, 2), name
    return out
