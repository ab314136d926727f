"""A fixed triangulation of the lips: the mouth opening, the lips themselves and a ring of
points just outside them.

The warp maps every pixel near the lips piecewise-affinely over these triangles (exact at
every lip point, no overshoot when closing lips bring points together) and everything
further out by a smooth spline. The points come in one order (:func:`lip_ring`'s layout:
outer lip ``(12, 2)``, inner lip ``(8, 2)``, ring ``(12, 2)``, the 68-point convention's
order: image-left corner first, the upper lip left to right, the lower lip right to left),
so the triangles are the same index triples in every frame: no triangulation is computed.
They are valid as long as no triangle is turned over (the lips' points cross over each
other) by more than a sliver, which :func:`lip_triangles` checks.

Corners: a mouth corner's inner and outer lip points may coincide (the same landmark); the
triangle between them then has no area, and it comes before its neighbours, which draw over
its edge.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np

from lipsync.core.render.normalise import INNER_PAIRS
from lipsync.core.types import (
    INNER_LIP_LEFT_CORNER,
    INNER_LIP_RIGHT_CORNER,
    OUTER_LIP_LEFT_CORNER,
    OUTER_LIP_RIGHT_CORNER,
)

N_OUTER = 12
N_INNER = 8
#: The ring has one point per outer-lip point.
N_RING = N_OUTER
N_POINTS = N_OUTER + N_INNER + N_RING
#: of the squared mouth width (outer corner to corner); a triangle this little turned over
#: counts as flat, not as turned over: an inner corner poking a fraction of a pixel out of
#: the outer lips (1 in 60 targets on a drawn face), a sliver the triangles after it cover
FLAT_AREA = 1e-3
#: For each outer-lip edge (point k to k + 1), the inner-lip point of its triangle ...
OUTER_EDGE_APEX = (0, 1, 2, 3, 3, 4, 4, 5, 6, 7, 7, 0)
#: ... and for each inner-lip edge (point k to k + 1), the outer-lip point of its triangle
INNER_EDGE_APEX = (1, 2, 3, 5, 7, 8, 9, 11)
#: Outer-lip edges at the mouth corners (flat when the corner's two points coincide)
CORNER_EDGES = (0, 5, 6, 11)


def _triangles() -> np.ndarray:
    """``int32 (50, 3)``: the triangles as indices into the :data:`N_POINTS` points, each
    listed in the lips' own turning order (positive signed area in image coordinates)."""

    def o(k: int) -> int:
        return k % N_OUTER

    def i(k: int) -> int:
        return N_OUTER + k % N_INNER

    def r(k: int) -> int:
        return N_OUTER + N_INNER + k % N_RING

    # the lips, between the outer and the inner outline; the corners first (flat triangles
    # whose edges their neighbours draw again)
    edges = [*CORNER_EDGES, *(k for k in range(N_OUTER) if k not in CORNER_EDGES)]
    lips = [(o(k), o(k + 1), i(OUTER_EDGE_APEX[k])) for k in edges]
    lips += [(o(INNER_EDGE_APEX[k]), i(k + 1), i(k)) for k in range(N_INNER)]
    # the opening: a triangle at each corner, two between neighbouring columns
    (up, lo), right = INNER_PAIRS[0], INNER_PAIRS[-1]
    opening = [
        (i(INNER_LIP_LEFT_CORNER), i(up), i(lo)),
        (i(right[0]), i(INNER_LIP_RIGHT_CORNER), i(right[1])),
    ]
    for (u, b), (u2, b2) in pairwise(INNER_PAIRS):
        opening += [(i(u), i(u2), i(b2)), (i(u), i(b2), i(b))]
    # the ring around the outer lips: one quad per outer edge
    ring = []
    for k in range(N_OUTER):
        ring += [(o(k + 1), o(k), r(k)), (r(k), r(k + 1), o(k + 1))]
    return np.array(lips + opening + ring, dtype=np.int32)


TRIANGLES = _triangles()
#: The triangles of the lips and the opening alone (the outer and inner lip points).
LIP_TRIANGLES = TRIANGLES[: len(TRIANGLES) - 2 * N_RING]


def lip_ring(outer: np.ndarray, distance: float) -> np.ndarray:
    """``float32 (12, 2)``: a point ``distance`` px outside each outer-lip point of ``outer``
    ``(12, 2)`` (image px), along the bisector of the outline's angle there: the ring's
    triangles then turn the right way at every point, convex (a corner) or not (the dip of
    the upper lip)."""
    o = np.asarray(outer, np.float64)
    edge = np.concatenate([o[1:], o[:1]]) - o  # from each point to the next (np.roll: 30 us)
    edge /= np.maximum(np.hypot(edge[:, 0], edge[:, 1]), 1e-9)[:, None]
    # outward normals: the lips turn positively in image coordinates (y down), so their
    # outside is on the right of each edge
    normal = np.stack([edge[:, 1], -edge[:, 0]], axis=1)
    bisector = normal + np.concatenate([normal[-1:], normal[:-1]])  # edges in and out of each
    bisector /= np.maximum(np.hypot(bisector[:, 0], bisector[:, 1]), 1e-9)[:, None]
    return (o + distance * bisector).astype(np.float32)


def lip_triangles(points: np.ndarray) -> np.ndarray | None:
    """:data:`TRIANGLES` when none of them is turned over at ``points`` ``(32, 2)`` (outer
    lip, inner lip, :func:`lip_ring`; image px), else None (the lips' points cross: the
    caller triangulates them some other way)."""
    return None if _turned_over(np.asarray(points, np.float64), TRIANGLES) else TRIANGLES


def _turned_over(p: np.ndarray, triangles: np.ndarray) -> bool:
    """Whether any of ``triangles`` is turned over at ``p`` by more than a sliver
    (:data:`FLAT_AREA` of the squared mouth width)."""
    a, b, c = p[triangles[:, 0]], p[triangles[:, 1]], p[triangles[:, 2]]
    ab, ac = b - a, c - a
    area2 = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]
    return not bool((area2 > -_sliver(p)).all())


def _sliver(p: np.ndarray) -> float:
    """Twice the area (px squared) a triangle over ``p`` may be turned over by and still
    count as flat: :data:`FLAT_AREA` of the squared mouth width."""
    width = p[OUTER_LIP_RIGHT_CORNER] - p[OUTER_LIP_LEFT_CORNER]
    return 2.0 * FLAT_AREA * float(width @ width)


def band_triangles(points: np.ndarray) -> np.ndarray | None:
    """``int32 (T, 3)`` triangles over ``points`` ``(20 + M, 2)``: the outer lip, the inner
    lip, then any closed ring of ``M`` points around them that turns the lips' way (image
    px), or None when the band cannot be tiled that way (the caller triangulates some other
    way).

    The lips and the opening are :data:`LIP_TRIANGLES`. The band between the outer lips and
    the ring is zipped from the mouth's left corner and the ring point next past it: each
    step adds a triangle on the next outer-lip or ring point. First by angle round the
    mouth's centre (the midpoint of its corners), whichever point comes first; where that
    turns a triangle over (a flat upper lip beside a ring point at its height: the angle's
    choice cuts through the lip), then by the shorter new edge among the triangles that fit."""
    p = np.asarray(points, np.float64)
    m = len(p) - N_OUTER - N_INNER
    if m < 3:
        return None
    left, right = p[OUTER_LIP_LEFT_CORNER], p[OUTER_LIP_RIGHT_CORNER]
    rel = p - (left + right) / 2.0
    angle = np.arctan2(rel[:, 1], rel[:, 0])  # turns the lips' way (y down)
    ahead = ((angle - angle[OUTER_LIP_LEFT_CORNER]) % (2.0 * np.pi)).tolist()  # past the corner
    ring0 = N_OUTER + N_INNER
    first = min(range(m), key=lambda j: ahead[ring0 + j])
    outer = [(OUTER_LIP_LEFT_CORNER + k) % N_OUTER for k in range(N_OUTER + 1)]  # closed
    ring = [ring0 + (first + j) % m for j in range(m + 1)]
    for lip_first in (_by_angle(outer, ring, ahead), _by_edge(p, outer, ring)):
        band = _zip(outer, ring, lip_first)
        if band is None:
            continue
        triangles = np.vstack([LIP_TRIANGLES, np.array(band, np.int32)])
        if not _turned_over(p, triangles):
            return triangles
    return None


#: For a step of the zip from outer-lip point i and ring point j: whether its triangle takes
#: the next outer-lip point (True) or the next ring point (False); None: neither fits.
Chooser = Callable[[int, int], "bool | None"]


def _zip(outer: list[int], ring: list[int], lip_first: Chooser) -> list | None:
    """The band's triangles, step by step as ``lip_first`` chooses (None when it cannot)."""
    m = len(ring) - 1
    band = []
    i = j = 0
    while i < N_OUTER or j < m:
        on_lip = lip_first(i, j)
        if on_lip is None:
            return None
        if on_lip:
            band.append((outer[i + 1], outer[i], ring[j]))
            i += 1
        else:
            band.append((ring[j], ring[j + 1], outer[i]))
            j += 1
    return band


def _by_angle(outer: list[int], ring: list[int], ahead: list[float]) -> Chooser:
    """Each step on whichever next point comes first in angle."""
    m = len(ring) - 1
    reach = [ahead[k] for k in outer[:-1]] + [2.0 * np.pi]
    ring_reach = [ahead[k] for k in ring[:-1]] + [2.0 * np.pi + ahead[ring[0]]]
    return lambda i, j: j >= m or (i < N_OUTER and reach[i + 1] <= ring_reach[j + 1])


def _by_edge(p: np.ndarray, outer: list[int], ring: list[int]) -> Chooser:
    """Each step on the next point whose triangle does not turn over; of two that fit, the
    one with the shorter new edge."""
    m = len(ring) - 1
    flat = _sliver(p)
    xy = p.tolist()

    def fits(a: int, b: int, c: int) -> bool:  # not turned over by more than a sliver
        (ax, ay), (bx, by), (cx, cy) = xy[a], xy[b], xy[c]
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) > -flat

    def span(a: int, b: int) -> float:
        (ax, ay), (bx, by) = xy[a], xy[b]
        return (bx - ax) ** 2 + (by - ay) ** 2

    def lip_first(i: int, j: int) -> bool | None:
        on_lip = i < N_OUTER and fits(outer[i + 1], outer[i], ring[j])
        on_ring = j < m and fits(ring[j], ring[j + 1], outer[i])
        if on_lip and on_ring:
            return span(outer[i + 1], ring[j]) <= span(ring[j + 1], outer[i])
        return True if on_lip else False if on_ring else None

    return lip_first
