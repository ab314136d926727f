"""Piecewise-affine maps: each triangle's affine in closed form, as an LU solve gives it."""

from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from lipsync.core.render.meshwarp import _affines, delaunay, piecewise_maps


def _lu(d: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Each triangle's coefficients by numpy's LU solve of ``[x, y, 1] c = source``."""
    rows = np.concatenate([d, np.ones((len(d), 3, 1))], axis=2)
    return np.linalg.solve(rows, s)


def test_each_triangles_affine_is_the_lu_solves():
    rng = np.random.default_rng(3)
    d = rng.uniform(0.0, 400.0, size=(2000, 3, 2))
    d[:500, 2] = d[:500, 0] + rng.uniform(-3.0, 3.0, size=(500, 2))  # thin ones
    s = d + rng.normal(0.0, 4.0, size=d.shape)
    got, want = _affines(d, s), _lu(d, s)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # the coefficients the maps use: float32, all alike
    assert np.mean(got.astype(np.float32) == want.astype(np.float32)) > 0.9999


def test_degenerate_triangles_take_the_least_squares_affine():
    d = np.array([[[10.0, 10.0], [10.0, 10.0], [30.0, 12.0]], [[0.0, 0.0], [5.0, 0.0], [0, 9]]])
    s = d + 2.0
    got = _affines(d, s)
    rows = np.concatenate([d[:1], np.ones((1, 3, 1))], axis=2)
    np.testing.assert_allclose(got[0], np.linalg.pinv(rows)[0] @ s[0], atol=1e-9)
    np.testing.assert_allclose(got[1], _lu(d[1:], s[1:])[0], atol=1e-9)


def test_maps_move_each_triangle_by_its_affine():
    rng = np.random.default_rng(8)
    dst = rng.uniform(5.0, 95.0, size=(30, 2)).astype(np.float32)
    src = dst + rng.normal(0.0, 2.0, size=dst.shape).astype(np.float32)
    mx, my, covered = piecewise_maps(dst, src, (0, 0, 100, 100))
    assert covered.mean() > 0.5
    # at every corner drawn, the map reaches that corner's source point
    for tri in delaunay(dst):
        for k in tri:
            x, y = np.round(dst[k]).astype(int)
            if abs(x - dst[k, 0]) < 0.05 and abs(y - dst[k, 1]) < 0.05 and covered[y, x]:
                assert abs(mx[y, x] - src[k, 0]) < 0.2 and abs(my[y, x] - src[k, 1]) < 0.2
    # outside every triangle, the pixel's own position
    ys, xs = np.nonzero(~covered)
    assert np.array_equal(mx[~covered], xs.astype(np.float32))
    assert np.array_equal(my[~covered], ys.astype(np.float32))


def test_the_triangulation_is_qhulls():
    """OpenCV's triangulation, whose import costs nothing, gives qhull's triangles."""
    rng = np.random.default_rng(4)
    for _ in range(200):
        scale = 10 ** rng.uniform(0.0, 3.5)  # a few px to a 4K frame
        points = rng.uniform(0.0, 1.0, (rng.integers(4, 80), 2)) * scale + rng.uniform(-99, 999)
        want = {tuple(t) for t in np.sort(Delaunay(points).simplices, axis=1)}
        assert {tuple(t) for t in delaunay(points)} == want


def test_coincident_points_each_keep_triangles_and_degenerate_sets_have_none():
    rng = np.random.default_rng(5)
    points = rng.uniform(0.0, 100.0, (20, 2))
    points[[5, 7]] = points[3]  # a mouth corner's inner and outer lip points coincide
    triangles = delaunay(points)
    assert sorted(set(triangles.ravel())) == list(range(20))
    assert delaunay(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])).shape == (0, 3)
    assert delaunay(np.zeros((2, 2))).shape == (0, 3)
    assert delaunay(np.array([[0.0, 0.0], [np.nan, 1.0], [2.0, 0.0]])).shape == (0, 3)
