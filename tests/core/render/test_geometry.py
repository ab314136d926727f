"""The shared geometry: similarity fits and thin-plate splines."""

from __future__ import annotations

import math

import numpy as np

from lipsync.core.geometry import Similarity, ThinPlateSpline, fit_similarity


def test_fit_similarity_recovers_a_known_transform():
    rng = np.random.default_rng(0)
    src = rng.uniform(-50, 50, size=(25, 2))
    truth = Similarity(1.7, math.radians(12), 300.0, -40.0)
    dst = truth.apply(src) + rng.normal(0, 0.01, size=(25, 2))
    fit = fit_similarity(src, dst)
    assert abs(fit.scale - 1.7) < 1e-3
    assert abs(fit.angle - math.radians(12)) < 1e-3
    assert np.allclose(fit.inverse().apply(truth.apply(src)), src, atol=0.05)


def test_thin_plate_spline_interpolates_its_points_and_is_affine_far_away():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, size=(30, 2))
    dst = src + rng.normal(0, 3, size=(30, 2))
    tps = ThinPlateSpline.fit(src, dst)
    assert np.allclose(tps(src), dst, atol=1e-3)
    shift = ThinPlateSpline.fit(src, src + np.array([5.0, -2.0]))
    assert np.allclose(shift(np.array([[500.0, -300.0]])), [[505.0, -302.0]], atol=1e-3)
