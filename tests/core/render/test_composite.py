"""Compositing: the blend of a rendered region into a frame."""

from __future__ import annotations

import numpy as np

from lipsync.core.render.composite import blend


def reference_blend(frame, rendered, mask, origin):
    """``frame + mask (rendered - frame)`` over the region, in float32, rounded half to even."""
    out = frame.copy()
    x, y = origin
    h, w = mask.shape
    base = out[y : y + h, x : x + w].astype(np.float32)
    mixed = base + mask[:, :, None] * (rendered.astype(np.float32) - base)
    out[y : y + h, x : x + w] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return out


def test_blend_is_the_float32_mix_and_leaves_the_rest_exact():
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    rendered = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    mask = rng.uniform(0.0, 1.0, (40, 50)).astype(np.float32)
    mask[:7] = 0.0  # a zero border: the box where the mask is not 0 starts below it
    mask[:, 45:] = 0.0
    mask[20, 10:20] = 0.5  # halves: ties of the rounding
    rendered[20, 10:20] = frame[30, 25:35] + 1  # the difference is odd: x.5 exactly
    got = blend(frame, rendered, mask, (15, 10))
    assert np.array_equal(got, reference_blend(frame, rendered, mask, (15, 10)))
    outside = np.ones(frame.shape[:2], bool)
    outside[10:50, 15:65][mask > 0] = False
    assert np.array_equal(got[outside], frame[outside])
    assert not np.array_equal(got, frame)


def test_blend_of_a_zero_mask_is_the_frame():
    frame = np.full((20, 30, 3), 77, np.uint8)
    got = blend(frame, np.zeros((10, 10, 3), np.uint8), np.zeros((10, 10), np.float32), (5, 5))
    assert np.array_equal(got, frame) and got is not frame
