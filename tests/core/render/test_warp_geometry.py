"""The warp's backward maps: the skin's spline on a coarse grid, the lips piecewise affine."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lipsync.core.geometry import ThinPlateSpline
from lipsync.core.render import parameters as P
from lipsync.core.render.lipmesh import N_INNER, N_OUTER, lip_ring, lip_triangles
from lipsync.core.render.warp import LIP_RING, MOVING_JAW, _backward_maps, _spline_maps
from lipsync.core.types import JAW_CHIN

N_LIPS = N_OUTER + N_INNER


def _every_pixel(spline: ThinPlateSpline, roi: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, w, h = roi
    ys, xs = np.mgrid[y0 : y0 + h, x0 : x0 + w]
    return spline(np.stack([xs.ravel(), ys.ravel()], axis=1)).reshape(h, w, 2)


def test_spline_maps_follow_the_spline_to_its_edges():
    rng = np.random.default_rng(5)
    src = rng.uniform((100, 50), (300, 200), size=(12, 2))
    spline = ThinPlateSpline.fit(src, src + rng.normal(0.0, 3.0, src.shape))
    roi = (91, 43, 223, 165)  # odd sizes: the grid's last cell is partly outside
    exact = _every_pixel(spline, roi)
    mx, my = _spline_maps(spline, roi, 1)
    np.testing.assert_allclose(mx, exact[..., 0], atol=1e-3)
    np.testing.assert_allclose(my, exact[..., 1], atol=1e-3)
    mx, my = _spline_maps(spline, roi, 6)
    err = np.hypot(mx - exact[..., 0], my - exact[..., 1])
    assert mx.shape == my.shape == (165, 223)
    # bilinear between nodes 6 px apart: a fraction of a pixel, at the ROI's edges too
    assert err.max() < 0.4 and err.mean() < 0.03
    assert max(err[0].max(), err[-1].max(), err[:, 0].max(), err[:, -1].max()) < 0.1


@pytest.fixture(scope="module")
def opening(face) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int, int, int], float]:
    """The astronaut's lips (on whole pixels) opened by 0.15 IO and her chin dropped with
    them, as the warp's control points: (target, source, anchors, ROI, IO)."""
    lm = face.landmarks
    io = face.inter_ocular
    src = np.round(
        np.vstack([lm["outer_lip"], lm["inner_lip"], np.asarray(lm["jaw"])[list(MOVING_JAW)]])
    ).astype(np.float32)
    dst = src.copy()
    drop = round(0.15 * io)
    dst[[7, 8, 9, 10, 11, 17, 18, 19]] += (0, drop)  # the lower lip, outer and inner
    # the chin, as the mouth model drops it: less and less towards the ears
    fall = np.cos(
        np.pi / 2 * np.minimum(np.abs(np.array(MOVING_JAW) - JAW_CHIN) / P.JAW_FALLOFF_POINTS, 1)
    )
    dst[N_LIPS:, 1] += drop * fall
    x0, y0 = np.floor(np.vstack([src, dst]).min(axis=0) - 0.5 * io).astype(int)
    x1, y1 = np.ceil(np.vstack([src, dst]).max(axis=0) + 0.5 * io).astype(int)
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    edges = np.vstack([corners, (corners + np.roll(corners, -1, axis=0)) / 2])
    anchors = np.vstack([np.asarray(lm["nose"], np.float32), edges])
    return dst, src, anchors, (int(x0), int(y0), int(x1 - x0), int(y1 - y0)), io


def test_backward_maps_are_exact_at_the_lips_and_the_spline_beyond_them(opening):
    dst, src, anchors, roi, io = opening
    mx, my = _backward_maps(dst, src, anchors, roi, io)
    x0, y0, w, h = roi
    assert mx.shape == my.shape == (h, w)
    for (x, y), (sx, sy) in zip(dst[:N_LIPS], src[:N_LIPS], strict=True):
        at = (int(y) - y0, int(x) - x0)
        assert (mx[at], my[at]) == (pytest.approx(sx, abs=1e-3), pytest.approx(sy, abs=1e-3))
    smooth_idx = np.r_[0:N_OUTER, N_LIPS : len(dst)]
    spline = ThinPlateSpline.fit(
        np.vstack([dst[smooth_idx], anchors]),
        np.vstack([src[smooth_idx], anchors]),
        regularisation=P.TPS_REGULARISATION,
    )
    exact = _every_pixel(spline, roi)
    ring = np.zeros((h, w), np.uint8)
    poly = lip_ring(dst[:N_OUTER], LIP_RING * io) - (x0, y0)
    cv2.fillPoly(ring, [np.round(poly * 16).astype(np.int32)], 1, shift=4)
    beyond = cv2.dilate(ring, np.ones((3, 3), np.uint8)) == 0
    err = np.hypot(mx - exact[..., 0], my - exact[..., 1])[beyond]
    # bilinear between nodes 0.125 IO (14 px) apart, where the chin bends the skin most
    assert err.max() < 1.0 and err.mean() < 0.1
    # just above the target's lower inner lip (in the new opening) the map reaches back up
    # into the source's mouth, a lip's drop above
    drop = round(0.15 * io)
    assert drop >= 10
    above = (int(dst[18, 1]) - 1 - y0, int(dst[18, 0]) - x0)
    assert my[above] < dst[18, 1] - 0.5 * drop


def test_crossed_lips_are_still_mapped_exactly(opening):
    """Lips whose points cross (a landmark model's bad frame) turn the lips' fixed triangles
    over; their Delaunay triangles take over, exact at the lip points all the same."""
    dst, src, anchors, roi, io = opening
    dst = dst.copy()
    dst[[N_OUTER + 2, N_OUTER + 6]] = dst[[N_OUTER + 6, N_OUTER + 2]]  # the inner middles swap
    assert lip_triangles(np.vstack([dst[:N_LIPS], lip_ring(dst[:N_OUTER], LIP_RING * io)])) is None
    mx, my = _backward_maps(dst, src, anchors, roi, io)
    assert np.isfinite(mx).all() and np.isfinite(my).all()
    x0, y0 = roi[:2]
    for (x, y), (sx, sy) in zip(dst[:N_LIPS], src[:N_LIPS], strict=True):
        at = (int(y) - y0, int(x) - x0)
        assert (mx[at], my[at]) == (pytest.approx(sx, abs=0.05), pytest.approx(sy, abs=0.05))
