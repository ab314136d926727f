"""The warp's own small geometry: where helper vertices may go."""

from __future__ import annotations

import cv2
import numpy as np

from lipsync.core.render.warp import _outside_distance


def lip_outline(centre: tuple[float, float], width: float, height: float) -> np.ndarray:
    """``float32 (12, 2)``: an outer-lip-like outline, with a cupid's bow (not convex)."""
    t = np.linspace(0.0, 2.0 * np.pi, 12, endpoint=False)
    x = centre[0] + width / 2 * np.cos(t)
    y = centre[1] + height / 2 * np.sin(t)
    y[9] += 0.35 * height  # the dip of the upper lip: a concave vertex
    return np.stack([x, y], axis=1).astype(np.float32)


def test_outside_distance_is_what_point_polygon_test_gives():
    rng = np.random.default_rng(7)
    lips = lip_outline((60.3, 41.7), 50.0, 22.0)
    points = rng.uniform((20, 15), (100, 70), size=(2000, 2)).astype(np.float32)
    points[:12] = lips  # the vertices themselves: on the outline, distance 0
    outside, d2 = _outside_distance(points, lips)
    contour = lips.reshape(-1, 1, 2)
    signed = np.array(
        [cv2.pointPolygonTest(contour, (float(x), float(y)), True) for x, y in points]
    )
    assert outside.any() and (~outside).any()
    on_edge = signed == 0
    assert np.array_equal(outside[~on_edge], signed[~on_edge] < 0)
    np.testing.assert_allclose(np.sqrt(d2), np.abs(signed), atol=1e-4)
    assert np.all(d2[:12] == 0)
