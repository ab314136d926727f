"""The lips' fixed triangulation: it tiles the ring around the lips, never turns a triangle
over on a real speaker's lips, and its maps are exact at every lip point."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
from sharpness import frames_of

from lipsync.core.face import FaceTracker
from lipsync.core.render import AppearanceBuilder
from lipsync.core.render.exemplar import _ring
from lipsync.core.render.lipmesh import (
    N_INNER,
    N_OUTER,
    N_POINTS,
    TRIANGLES,
    band_triangles,
    lip_ring,
    lip_triangles,
)
from lipsync.core.render.meshwarp import piecewise_maps
from lipsync.core.render.mouth_model import target_shape
from lipsync.core.render.normalise import face_transform
from lipsync.core.types import MOUTH_PARAMS

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
RING = slice(N_OUTER + N_INNER, N_POINTS)


def _layout(outer: np.ndarray, inner: np.ndarray, distance: float) -> np.ndarray:
    return np.vstack([outer, inner, lip_ring(outer, distance)]).astype(np.float32)


def _areas(points: np.ndarray) -> np.ndarray:
    p = np.asarray(points, np.float64)
    a, b, c = (p[TRIANGLES[:, k]] for k in range(3))
    return ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]) / 2.0


def _polygon_area(points: np.ndarray) -> float:
    x, y = np.asarray(points, np.float64).T
    return float((x * np.roll(y, -1) - np.roll(x, -1) * y).sum() / 2.0)


@pytest.fixture(scope="module")
def speaker() -> tuple[list, object]:
    """Our tracker's faces in the real clip and the track's appearance."""
    tracker, builder = FaceTracker(), AppearanceBuilder()
    faces = []
    for image in frames_of(CLIP):
        found = tracker.update(image)
        if found:
            faces.append(found[0])
            builder.add(image, found[0])
    assert len(faces) > 40
    return faces, builder.build()


def test_every_inner_edge_is_shared_and_the_ring_is_the_boundary():
    edges = Counter(
        tuple(sorted((int(t[i]), int(t[j]))))
        for t in TRIANGLES
        for i, j in ((0, 1), (1, 2), (2, 0))
    )
    ring = [N_OUTER + N_INNER + k for k in range(N_OUTER)]
    boundary = {tuple(sorted((ring[k], ring[(k + 1) % N_OUTER]))) for k in range(N_OUTER)}
    assert {e for e, n in edges.items() if n == 1} == boundary
    assert all(n == 2 for e, n in edges.items() if e not in boundary)
    assert set(TRIANGLES.ravel()) == set(range(N_POINTS))


def test_real_lips_are_tiled_and_never_turned_over(speaker):
    """Every frame's own lips and the targets the mouth model makes from the track's
    neutral (each parameter at its ends, alone and together) are tiled: no triangle turned
    over, and their areas add up to the ring's (no overlap, no gap)."""
    faces, appearance = speaker
    ends = [(0.0, 1.0), (-1.0, 0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0)]
    targets = [np.array(t, np.float32) for t in itertools.product(*ends)]
    assert len(targets) == 96 and len(MOUTH_PARAMS) == 6
    checked = 0
    for face in faces[::5]:
        face_map = face_transform(appearance.neutral, face.landmarks)
        io = face_map.scale
        layouts = [(face.landmarks["outer_lip"], face.landmarks["inner_lip"])]
        for t in targets:
            shape = target_shape(appearance.neutral, t, appearance.mouth_range)
            layouts.append((face_map.apply(shape["outer_lip"]), face_map.apply(shape["inner_lip"])))
        for outer, inner in layouts:
            points = _layout(outer, inner, 0.1 * io)
            assert lip_triangles(points) is TRIANGLES
            areas = _areas(points)
            assert areas.sum() == pytest.approx(_polygon_area(points[RING]), rel=1e-6)
            assert np.abs(areas[areas < 0]).sum() < 1e-3
            checked += 1
    assert checked > 900


#: Target lips closing over an open source on the throughput bench's portrait (480x270, IO
#: 31.7 px): the left corner's angle is sharp, and a ring point put along the normal of the
#: line through the corner's neighbours lay below the upper lip's edge (a turned-over triangle)
SHARP_CORNER = np.array(
    [
        [46.4, 65.5], [51.6, 66.2], [56.7, 67.7], [61.1, 68.7], [65.8, 68.3], [71.4, 67.5],
        [77.0, 67.4], [71.1, 72.5], [65.4, 74.1], [60.8, 74.4], [56.3, 73.5], [51.2, 71.3],
        [48.6, 66.1], [56.7, 69.3], [61.2, 70.1], [65.6, 69.9], [74.7, 67.7], [65.5, 70.6],
        [61.1, 70.7], [56.6, 69.9],
    ],
    np.float32,
)  # fmt: skip


def test_a_sharp_corner_is_tiled():
    points = _layout(SHARP_CORNER[:N_OUTER], SHARP_CORNER[N_OUTER:], 0.1 * 31.7)
    assert lip_triangles(points) is TRIANGLES
    assert _areas(points).sum() == pytest.approx(_polygon_area(points[RING]), rel=1e-6)


#: Target lips on a drawn face (musetalk_yongen_drawn, IO 116 px) whose right inner corner
#: lies 0.15 px above the upper lip's outer edge: the corner's triangle turns over by a sliver
POKING_CORNER = np.array(
    [
        [268.4, 461.7], [279.7, 456.7], [290.3, 456.3], [304.1, 458.7], [319.8, 458.0],
        [340.9, 462.3], [362.1, 467.9], [339.1, 482.2], [317.0, 487.4], [308.0, 487.6],
        [288.0, 481.9], [277.9, 474.1], [273.8, 460.9], [288.3, 464.4], [307.2, 467.1],
        [319.0, 467.4], [356.6, 466.3], [318.7, 472.3], [306.5, 472.0], [288.0, 468.6],
    ],
    np.float32,
)  # fmt: skip


def test_an_inner_corner_poking_out_by_a_sliver_keeps_the_triangles():
    points = _layout(POKING_CORNER[:N_OUTER], POKING_CORNER[N_OUTER:], 0.1 * 116.0)
    areas = _areas(points)
    assert -3.0 < areas.min() < -1.0  # turned over, by a sliver
    assert lip_triangles(points) is TRIANGLES
    # every pixel inside the ring is still mapped, by a triangle's affine of its own lips
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 3
    roi = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    _, _, covered = piecewise_maps(points, points, roi, TRIANGLES)
    ring = np.zeros(covered.shape, np.uint8)
    cv2.fillPoly(ring, [np.round((points[RING] - (x0, y0)) * 16).astype(np.int32)], 1, shift=4)
    assert covered[cv2.erode(ring, np.ones((3, 3), np.uint8)) > 0].all()


def test_crossed_lips_are_refused(speaker):
    faces, _ = speaker
    face = faces[0]
    outer = np.asarray(face.landmarks["outer_lip"], np.float32)
    inner = np.asarray(face.landmarks["inner_lip"], np.float32).copy()
    inner[[2, 6]] = inner[[6, 2]]  # the upper inner lip's middle below the lower one's
    assert lip_triangles(_layout(outer, inner, 5.0)) is None


def test_maps_are_exact_at_the_lips_and_affine_inside_each_triangle(speaker):
    """Lip points on whole pixels: the map there is their source point; a source that is
    one affine of the target is reproduced everywhere inside the ring."""
    faces, _ = speaker
    face = faces[10]
    outer = np.round(np.asarray(face.landmarks["outer_lip"], np.float32))
    inner = np.round(np.asarray(face.landmarks["inner_lip"], np.float32))
    inner[[1, 2, 3], 1] -= 2.0  # a wider opening than the clip's closed mouth here
    inner[[5, 6, 7], 1] += 2.0
    dst = _layout(outer, inner, 6.0)
    rng = np.random.default_rng(3)
    src = dst + rng.normal(0.0, 2.0, dst.shape).astype(np.float32)
    x0, y0 = np.floor(dst.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(dst.max(axis=0)).astype(int) + 3
    roi = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    mx, my, covered = piecewise_maps(dst, src, roi, lip_triangles(dst))
    for (x, y), (sx, sy) in zip(dst[: N_OUTER + N_INNER], src[: N_OUTER + N_INNER], strict=True):
        at = (int(y) - y0, int(x) - x0)
        assert covered[at]
        assert (mx[at], my[at]) == (pytest.approx(sx, abs=1e-3), pytest.approx(sy, abs=1e-3))
    # inside the ring, shrunk by a pixel: every pixel is covered
    ring = np.zeros(covered.shape, np.uint8)
    cv2.fillPoly(ring, [np.round((dst[RING] - (x0, y0)) * 16).astype(np.int32)], 1, shift=4)
    assert covered[cv2.erode(ring, np.ones((3, 3), np.uint8)) > 0].all()
    affine = np.array([[1.1, 0.2], [-0.15, 0.9]], np.float32)
    mx, my, covered = piecewise_maps(dst, dst @ affine.T + (3.0, -7.0), roi, TRIANGLES)
    ys, xs = np.nonzero(covered)
    want = np.stack([xs + x0, ys + y0], axis=1) @ affine.T.astype(np.float64) + (3.0, -7.0)
    np.testing.assert_allclose(mx[covered], want[:, 0], atol=2e-3)
    np.testing.assert_allclose(my[covered], want[:, 1], atol=2e-3)


def _signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    p = np.asarray(points, np.float64)
    a, b, c = (p[triangles[:, k]] for k in range(3))
    return ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]) / 2.0


def test_the_exemplars_band_tiles_its_ellipse_on_real_lips(speaker):
    """The exemplar renderer's points (lips, then an ellipse of 16 around them): every
    frame's lips and the mouth model's extreme targets are tiled without a triangulation
    being computed, each point used, the areas adding up to the ellipse's."""
    faces, appearance = speaker
    ends = [(0.0, 1.0), (-1.0, 0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0)]
    targets = [np.array(t, np.float32) for t in itertools.product(*ends)]
    checked = 0
    for face in faces[::10]:
        face_map = face_transform(appearance.neutral, face.landmarks)
        nose = np.asarray(appearance.neutral["nose"], np.float32).mean(axis=0)
        for t in targets:
            shape = target_shape(appearance.neutral, t, appearance.mouth_range)
            lips = np.vstack([shape["outer_lip"], shape["inner_lip"]]).astype(np.float32) - nose
            points = face_map.apply(np.vstack([lips, _ring(lips)]) + nose)
            triangles = band_triangles(points)
            assert triangles is not None
            assert set(triangles.ravel()) == set(range(len(points)))
            areas = _signed_areas(points, triangles)
            ellipse = points[N_OUTER + N_INNER :]
            assert areas.sum() == pytest.approx(_polygon_area(ellipse), rel=1e-6)
            assert np.abs(areas[areas < 0]).sum() < 1e-3
            checked += 1
    assert checked > 400


def test_a_band_that_would_turn_over_is_refused(speaker):
    """A ring that does not go round the lips (here: squeezed inside them) is refused, so
    the caller triangulates the points itself."""
    faces, _ = speaker
    outer = np.asarray(faces[0].landmarks["outer_lip"], np.float32)
    inner = np.asarray(faces[0].landmarks["inner_lip"], np.float32)
    centre = outer.mean(axis=0)
    angles = np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)
    tiny = centre + 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    assert band_triangles(np.vstack([outer, inner, tiny])) is None


#: The exemplar's points on the throughput bench's portrait (480x270, a closed smile): the
#: upper lip runs flat at the corners' height, beside the ellipse's point at that height;
#: zipping by angle alone joined that point to the upper lip through the lip
FLAT_UPPER_LIP = np.array(
    [
        [47.9, 66.1], [53.5, 65.1], [59.0, 65.0], [63.9, 65.7], [68.9, 65.2], [75.0, 65.5],
        [81.1, 66.7], [74.8, 73.8], [68.7, 77.0], [63.9, 77.6], [58.9, 76.7], [53.4, 73.3],
        [50.1, 66.7], [59.0, 67.0], [64.0, 67.5], [68.9, 67.2], [78.9, 67.2], [68.8, 73.1],
        [64.0, 73.5], [58.9, 72.7], [91.6, 66.9], [89.5, 73.0], [83.5, 78.1], [74.6, 81.5],
        [64.2, 82.5], [53.9, 81.1], [45.2, 77.4], [39.4, 72.1], [37.4, 65.9], [39.6, 59.8],
        [45.6, 54.7], [54.4, 51.4], [64.8, 50.3], [75.2, 51.7], [83.9, 55.4], [89.7, 60.7],
    ],
    np.float32,
)  # fmt: skip


def test_a_flat_upper_lip_beside_the_ring_is_tiled():
    triangles = band_triangles(FLAT_UPPER_LIP)
    assert triangles is not None
    areas = _signed_areas(FLAT_UPPER_LIP, triangles)
    ellipse = FLAT_UPPER_LIP[N_OUTER + N_INNER :]
    assert areas.sum() == pytest.approx(_polygon_area(ellipse), rel=1e-6)
    assert np.abs(areas[areas < 0]).sum() < 1e-3
