"""Piecewise-affine backward maps over a triangulated set of point pairs.

``piecewise_maps(dst, src, roi)`` gives ``cv2.remap`` maps for a region of the output: every
output pixel inside a triangle of ``dst`` is mapped by that triangle's affine to where its
content lies in the source (``src``, any coordinate system); pixels outside every triangle keep
their own position. Exact at every point, no overshoot even where points come close together.
The triangles are given (a fixed layout, :mod:`~lipsync.core.render.lipmesh`) or those of the
points' Delaunay triangulation.
"""

from __future__ import annotations

import cv2
import numpy as np

_FAR = 1000  # extents of the points to the triangulation's bounding rectangle (10: 14 of 300
# random sets lacked a hull triangle qhull has; 100: 1; 1000: none)


def delaunay(points: np.ndarray) -> np.ndarray:
    """``int32 (T, 3)``: the Delaunay triangles of ``points`` ``(N, 2)`` as indices (OpenCV's
    incremental triangulation; coincident points are moved a thousandth of a pixel apart, so
    each keeps its own triangles). The renderers use fixed triangles
    (:mod:`~lipsync.core.render.lipmesh`) and fall back to these only when lips cross over.
    SciPy's (qhull) gave the same triangles, but importing it took 0.5 s of a live filter's
    start, while its first frames waited."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    n = pts.shape[0]
    if n < 3 or not np.all(np.isfinite(pts)):
        return np.zeros((0, 3), np.int32)
    moved = pts.copy()
    _, which = np.unique(pts, axis=0, return_inverse=True)
    which = which.reshape(-1)
    for k in range(n):  # the 2nd, 3rd... copy of a point: apart along a spiral
        copies = int(np.count_nonzero(which[:k] == which[k]))
        if copies:
            angle = 2.399963 * copies  # the golden angle: no two copies on one line
            moved[k] += 1e-3 * np.sqrt(copies) * np.array([np.cos(angle), np.sin(angle)])
    moved -= moved.min(axis=0)
    # its bounding rectangle far out: the triangulation starts from a triangle around it, and
    # within ~10 extents of the points its corners took the place of thin hull triangles
    far = int(np.ceil(_FAR * (moved.max() + 1.0)))
    subdiv = cv2.Subdiv2D((-far, -far, 2 * far, 2 * far))
    index: dict[int, int] = {}
    for k, (x, y) in enumerate(moved):
        index[subdiv.insert((float(x), float(y)))] = k
    triangles = []
    for edge in subdiv.getLeadingEdgeList():
        corners = []
        e = int(edge)
        for _ in range(3):
            corners.append(subdiv.edgeOrg(e)[0])
            e = subdiv.getEdge(e, cv2.Subdiv2D_NEXT_AROUND_LEFT)
        if e == int(edge) and all(c in index for c in corners):
            triangles.append(sorted(index[c] for c in corners))
    if not triangles:
        return np.zeros((0, 3), np.int32)
    return np.unique(np.array(triangles, np.int32), axis=0)


def _affines(d: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``float64 (T, 3, 2)``: for each triangle with corners ``d`` ``(T, 3, 2)`` (output px)
    and ``s`` ``(T, 3, 2)`` (source), the coefficients ``c`` with ``[x, y, 1] @ c`` = the
    source of output point (x, y).

    In closed form (the 2x2 inverse of the edges from the first corner): the same float32
    maps as an LU solve per triangle (their float64 values agree to ~1e-13 of a pixel) at a
    fifth of numpy's batched ``det`` and ``solve``; pinv's least squares for degenerate
    triangles (points that coincide: a mouth corner's inner and outer lip point)."""
    e1, e2 = d[:, 1] - d[:, 0], d[:, 2] - d[:, 0]
    f1, f2 = s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]  # twice the signed area
    solvable = np.abs(det) > 1e-6
    if not solvable.all():
        det = np.where(solvable, det, 1.0)
    # source = s0 + f1 a + f2 b for the corners' weights (a, b) of (x, y) - d0
    ax, ay = e2[:, 1] / det, -e2[:, 0] / det  # a = ax (x - x0) + ay (y - y0)
    bx, by = -e1[:, 1] / det, e1[:, 0] / det  # b = bx (x - x0) + by (y - y0)
    c = np.empty((len(d), 3, 2))
    c[:, 0] = f1 * ax[:, None] + f2 * bx[:, None]
    c[:, 1] = f1 * ay[:, None] + f2 * by[:, None]
    c[:, 2] = s[:, 0] - d[:, 0, :1] * c[:, 0] - d[:, 0, 1:] * c[:, 1]
    if not solvable.all():
        rows = np.concatenate([d[~solvable], np.ones((int((~solvable).sum()), 3, 1))], axis=2)
        c[~solvable] = np.linalg.pinv(rows) @ s[~solvable]
    return c


def piecewise_maps(
    dst: np.ndarray,
    src: np.ndarray,
    roi: tuple[int, int, int, int],
    triangles: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(map_x, map_y, covered)`` for the output region ``roi`` (x0, y0, w, h) px.

    ``dst`` / ``src``: ``(N, 2)`` matching points (output px / source coordinates);
    ``triangles``: ``int (T, 3)`` indices into them, not overlapping at ``dst``, drawn in
    turn (a later one wins on a shared edge), or None for :func:`delaunay`'s. The maps are
    ``float32 (h, w)``; ``covered`` is ``bool (h, w)``, True inside the triangles (the maps
    hold the pixel's own position elsewhere)."""
    dst = np.asarray(dst, dtype=np.float32)
    src = np.asarray(src, dtype=np.float32)
    tri = delaunay(dst) if triangles is None else np.asarray(triangles)
    x0, y0, w, h = roi
    shift = 4
    verts = np.round((dst - np.array([x0, y0], np.float32)) * (1 << shift)).astype(np.int32)
    # only the triangles that reach the region (a pixel of margin): the others draw nothing
    # in it (all of them when every point lies in it)
    one = 1 << shift
    corners = verts[tri]
    limit = (np.array([w, h]) + 1) * one
    if not ((verts.min(axis=0) >= -one).all() and (verts.max(axis=0) < limit).all()):
        lo, hi = corners.min(axis=1), corners.max(axis=1)
        reach = (hi >= -one).all(axis=1) & (lo < limit).all(axis=1)
        tri, corners = tri[reach], corners[reach]
    # affine per triangle: [x, y, 1] @ coeffs (3, 2) = source (x, y)
    outside = len(tri)  # one more "triangle", the identity, for the pixels outside them all
    coeffs = np.empty((outside + 1, 3, 2), np.float64)
    coeffs[:outside] = _affines(dst[tri].astype(np.float64), src[tri].astype(np.float64))
    coeffs[outside] = ((1.0, 0.0), (0.0, 1.0), (0.0, 0.0))
    coeffs = coeffs.astype(np.float32)
    ids = np.full((h, w), outside, dtype=np.int32)
    fill = cv2.fillConvexPoly
    for k, triangle in enumerate(list(corners)):  # positional arguments: keywords cost 2x
        fill(ids, triangle, k, cv2.LINE_8, shift)
    xs = np.arange(x0, x0 + w, dtype=np.float32)[None, :]
    ys = np.arange(y0, y0 + h, dtype=np.float32)[:, None]

    def take(row: int, col: int) -> np.ndarray:  # one coefficient per pixel, float32 (h, w)
        return np.ascontiguousarray(coeffs[:, row, col]).take(ids)

    # outside the triangles x * 1 + y * 0 + 0: the pixel's own position, exactly
    map_x = xs * take(0, 0) + ys * take(1, 0) + take(2, 0)
    map_y = xs * take(0, 1) + ys * take(1, 1) + take(2, 1)
    return map_x, map_y, ids != outside
