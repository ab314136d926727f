"""A drawn mouth's fine detail brought down to the footage's (issue 20: the mouth's sharpness
0.9-1.1 of the footage, no blur, no over-sharpening): a sharp patch lowered to a softer frame's
level, nothing sharpened."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lipsync.core.render.detail_match import MAX_SIGMA, TOLERANCE, detail_energy, soften


def _texture(seed: int, shape: tuple[int, int] = (90, 120)) -> np.ndarray:
    """``float32 (h, w, 3)``: skin-like texture (fine grain, a few soft blobs and edges)."""
    rng = np.random.default_rng(seed)
    h, w = shape
    grain = cv2.GaussianBlur(rng.normal(0.0, 12.0, (h, w)).astype(np.float32), (0, 0), 0.6)
    blobs = cv2.GaussianBlur(rng.normal(0.0, 60.0, (h, w)).astype(np.float32), (0, 0), 4.0)
    edges = np.zeros((h, w), np.float32)
    cv2.line(edges, (10, 20), (110, 35), 40.0, 2)
    cv2.ellipse(edges, (60, 60), (30, 12), 0.0, 0.0, 360.0, -35.0, 2)
    grey = 140.0 + grain + blobs + edges
    rgb = np.stack([grey * 1.1, grey * 0.8, grey * 0.7], axis=2)
    return np.clip(rgb, 0.0, 255.0).astype(np.float32)


def _ring(shape: tuple[int, int]) -> np.ndarray:
    """``bool (h, w)``: an elliptic ring like the skin around lips."""
    h, w = shape
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot((xx - w / 2) / (w / 2.5), (yy - h / 2) / (h / 2.5))
    return (r > 0.5) & (r < 1.0)


def _laplacian_variance(rgb: np.ndarray) -> float:
    grey = cv2.cvtColor(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


@pytest.mark.parametrize("blur", [0.7, 1.0, 1.5])
def test_a_sharp_patch_comes_out_at_the_frames_level(blur: float) -> None:
    sharp = _texture(1)
    frame = cv2.GaussianBlur(_texture(2), (0, 0), blur)  # other content, softer
    ring = _ring(sharp.shape[:2])
    excess = detail_energy(sharp, ring) / detail_energy(frame, ring)
    assert excess > 2.0
    out, sigma = soften(sharp, ring, excess)
    assert 0.0 < sigma <= MAX_SIGMA
    assert out.shape == sharp.shape and out.dtype == np.float32
    # the energy at the tolerance's edge above the frame's, within 3 % (the search stops
    # within 2 %)
    level = TOLERANCE * detail_energy(frame, ring)
    assert detail_energy(out, ring) == pytest.approx(level, rel=0.03)
    # and the sharpness the benchmark measures (the Laplacian's variance, whole patch) within
    # 0.9-1.1 of the same texture blurred as much as the frame
    same_blur = cv2.GaussianBlur(sharp, (0, 0), blur)
    ratio = _laplacian_variance(out) / _laplacian_variance(same_blur)
    assert 0.9 <= ratio <= 1.1


def test_a_patch_as_sharp_as_the_frame_is_left_unchanged() -> None:
    patch = _texture(3)
    frame = _texture(4)  # other content, the same texture statistics
    ring = _ring(patch.shape[:2])
    excess = detail_energy(patch, ring) / detail_energy(frame, ring)
    assert 0.95 < excess < TOLERANCE
    out, sigma = soften(patch, ring, excess)
    assert sigma == 0.0
    assert out is patch


def test_a_softer_patch_is_never_sharpened() -> None:
    soft = cv2.GaussianBlur(_texture(5), (0, 0), 1.2)
    frame = _texture(6)
    ring = _ring(soft.shape[:2])
    excess = detail_energy(soft, ring) / detail_energy(frame, ring)
    assert excess < 0.5
    out, sigma = soften(soft, ring, excess)
    assert sigma == 0.0
    assert out is soft


def test_empty_or_flat_masks_and_an_excess_beyond_the_strongest_blur() -> None:
    sharp = _texture(9)
    ring = _ring(sharp.shape[:2])
    for patch, mask in ((sharp, np.zeros_like(ring)), (np.full_like(sharp, 90.0), ring)):
        out, sigma = soften(patch, mask, 3.0)
        assert out is patch and sigma == 0.0
    out, sigma = soften(sharp, ring, 1e6)  # more than any blur takes: the strongest, no more
    assert sigma == MAX_SIGMA
    np.testing.assert_allclose(out, cv2.GaussianBlur(sharp, (0, 0), MAX_SIGMA), atol=1e-3)


def test_the_energy_is_the_laplacians_mean_square_over_the_mask() -> None:
    patch = _texture(10)
    ring = _ring(patch.shape[:2])
    grey = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY)
    want = float(np.mean(cv2.Laplacian(grey, cv2.CV_32F)[ring] ** 2))
    assert detail_energy(patch, ring) == pytest.approx(want, rel=1e-4)
    assert detail_energy(patch.astype(np.uint8), ring) == pytest.approx(
        detail_energy(np.floor(patch), ring), rel=1e-5
    )


def test_no_jump_at_the_tolerances_edge() -> None:
    sharp = _texture(11)
    ring = _ring(sharp.shape[:2])
    _, just_beyond = soften(sharp, ring, TOLERANCE * 1.01)
    _, further = soften(sharp, ring, TOLERANCE * 1.5)
    assert 0.0 < just_beyond < 0.2 < further
