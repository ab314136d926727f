"""The inner lip line moved to where the picture shows the lips part."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lipsync.core.render.inner_lips import COLUMNS, refine_inner_lips

SKIN = (200, 150, 120)
UPPER_LIP = (150, 60, 70)  # darker, as lipstick in the shadow of the upper lip
LOWER_LIP = (215, 110, 120)  # lighter, lit from above
CAVITY = (40, 15, 20)
TEETH = (235, 230, 215)
CX, TOP, BOTTOM, HALF = 100.0, 60.0, 120.0, 50.0  # mouth centre x, outer lip top / bottom, width


def _outer() -> np.ndarray:
    """12 outer lip points (corners at y 90, columns at the bow peaks and the middle)."""
    xs = CX + HALF * np.array([-1, -0.75, -0.4, 0, 0.4, 0.75, 1, 0.75, 0.4, 0, -0.4, -0.75])
    ys = np.array([90, 75, TOP, TOP + 3, TOP, 75, 90, 105, BOTTOM, BOTTOM, BOTTOM, 105])
    return np.stack([xs, ys], 1).astype(np.float32)


def _inner(upper: float, lower: float) -> np.ndarray:
    """8 inner lip points: corners at y 90, upper / lower points at the three columns."""
    xs = CX + HALF * np.array([-0.85, -0.4, 0, 0.4, 0.85, 0.4, 0, -0.4])
    ys = np.array([90, upper, upper, upper, 90, lower, lower, lower])
    return np.stack([xs, ys], 1).astype(np.float32)


def _mouth(opening: tuple[float, float] | None, inside=CAVITY) -> np.ndarray:
    """A face of flat colours: skin, the upper and lower lips split at y 90, and, when
    ``opening`` (top, bottom) is given, the inside of the mouth filling that band between the
    lips (else a thin dark line where they meet)."""
    image = np.full((180, 200, 3), SKIN, np.uint8)
    outer = np.round(_outer()).astype(np.int32)
    lips = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(lips, [outer], 1)
    rows = np.arange(image.shape[0])[:, None]
    image[(lips == 1) & (rows < 90)] = UPPER_LIP
    image[(lips == 1) & (rows >= 90)] = LOWER_LIP
    if opening is None:
        image[(lips == 1) & (rows >= 89) & (rows <= 90)] = (90, 35, 45)
    else:
        top, bottom = opening
        band = (lips == 1) & (rows >= top) & (rows < bottom)
        band &= np.abs(np.arange(image.shape[1])[None, :] - CX) < 0.8 * HALF
        image[band] = inside
    return image


def _gaps(inner: np.ndarray) -> list[tuple[float, float]]:
    return [(float(inner[iu, 1]), float(inner[il, 1])) for iu, il, _, _ in COLUMNS]


@pytest.mark.parametrize("inside", [CAVITY, TEETH], ids=["cavity", "teeth"])
@pytest.mark.parametrize("mesh", [(70.0, 110.0), (87.0, 93.0)], ids=["too open", "too closed"])
def test_the_inner_lips_go_to_the_edges_of_the_opening(inside, mesh):
    image = _mouth((80.0, 100.0), inside)
    refined = refine_inner_lips(image, _outer(), _inner(*mesh))
    for upper, lower in _gaps(refined):
        assert upper == pytest.approx(80.0, abs=2.0)
        assert lower == pytest.approx(100.0, abs=2.0)


def test_closed_lips_meet_on_the_line_between_them():
    refined = refine_inner_lips(_mouth(None), _outer(), _inner(78.0, 104.0))
    for upper, lower in _gaps(refined):  # at most the line itself (2 px) apart
        assert 0.0 <= lower - upper <= 3.0
        assert (upper + lower) / 2 == pytest.approx(89.5, abs=1.5)


def test_the_corners_stay_and_the_result_is_a_new_array():
    mesh = _inner(70.0, 110.0)
    refined = refine_inner_lips(_mouth((80.0, 100.0)), _outer(), mesh)
    assert refined.dtype == np.float32 and refined.shape == (8, 2)
    np.testing.assert_array_equal(refined[[0, 4]], mesh[[0, 4]])
    np.testing.assert_array_equal(mesh, _inner(70.0, 110.0))  # not changed in place


def test_a_tiny_mouth_or_one_outside_the_picture_is_left_as_it_is():
    image = _mouth((80.0, 100.0))
    tiny = (_outer() - [CX, 90.0]) * 0.05 + [CX, 90.0]
    mesh = (_inner(70.0, 110.0) - [CX, 90.0]) * 0.05 + [CX, 90.0]
    np.testing.assert_array_equal(refine_inner_lips(image, tiny, mesh), mesh)
    away = _outer() + np.float32(1000.0)
    inner = _inner(70.0, 110.0) + np.float32(1000.0)
    np.testing.assert_array_equal(refine_inner_lips(image, away, inner), inner)
