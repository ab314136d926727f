"""Compositing: a feathered lower-face mask and the blend of a rendered region into a frame.

The mask covers the face below the nose down to a little below the jaw line (the union of the
source and the target jaw, so a dropped chin is inside), with Gaussian-feathered edges. Pixels
where the mask is zero are copied bit for bit from the input frame; everything outside the
region of interest is never touched.
"""

from __future__ import annotations

import cv2
import numpy as np

from lipsync.core.render import parameters as P

#: Jaw points that bound the mask (the ends near the ears are left out).
MASK_JAW = tuple(range(2, 15))
#: Nose-base points (image-right to image-left) that bound the mask from above.
MASK_NOSE = (8, 7, 6, 5, 4)
#: px; :func:`detail_blend`'s high band is what a Gaussian blur of this sigma removes ...
DETAIL_SIGMA = 1.0
#: IO; ... its energy is compared over a Gaussian window of this sigma ...
DETAIL_WINDOW = 0.05
#: ... and amplified at most this much (a mix of two equal energies at alpha 0.5 needs 1.41)
DETAIL_MAX_GAIN = 1.5
#: grey levels squared: energies this small count as flat (no gain from noise in flat areas)
DETAIL_FLOOR = 0.05


def lower_face_polygon(
    jaw: np.ndarray, nose: np.ndarray, down: np.ndarray, io: float
) -> np.ndarray:
    """``float32 (N, 2)``: the lower-face polygon of one face (image px).

    ``jaw`` ``(17, 2)`` and ``nose`` ``(9, 2)`` in image px; ``down`` the unit vector down the
    face ``(2,)``; ``io`` the inter-ocular distance in px. The polygon follows the jaw from
    point 2 to 14, ``MASK_BELOW_JAW`` below it, and closes under the nose base."""
    d = np.asarray(down, dtype=np.float32)
    j = np.asarray(jaw, dtype=np.float32)[list(MASK_JAW)] + d * (P.MASK_BELOW_JAW * io)
    n = np.asarray(nose, dtype=np.float32)[list(MASK_NOSE)] + d * (P.MASK_BELOW_NOSE * io)
    return np.vstack([j, n]).astype(np.float32)


def feathered_mask(
    size: tuple[int, int], origin: tuple[int, int], polygons: list[np.ndarray], io: float
) -> np.ndarray:
    """``float32 (h, w)`` 0..1: the union of ``polygons`` (image px) on a region of ``size``
    (w, h) whose top-left is ``origin`` (x, y), feathered by ``MASK_FEATHER`` (sigma, IO).

    The blur runs at a reduced resolution (the mask is smooth), so it costs little at any
    face size; values below ``MASK_MIN_ALPHA`` are exactly 0."""
    w, h = size
    sigma = max(P.MASK_FEATHER * io, 0.5)
    factor = max(1, int(sigma // 2.5))  # blur with sigma ~2.5 px on a reduced grid
    sw, sh = max(1, -(-w // factor)), max(1, -(-h // factor))
    small = np.zeros((sh, sw), dtype=np.uint8)
    shift = 4
    off = np.array(origin, dtype=np.float32)
    # pixel centres: small pixel i covers full pixels [i*f, (i+1)*f), its centre (i+0.5)f-0.5
    pts = [
        np.round(((p - off + 0.5) / factor - 0.5) * (1 << shift)).astype(np.int32) for p in polygons
    ]
    for p in pts:  # one call per polygon: fillPoly would XOR overlapping polygons
        cv2.fillPoly(small, [p], 255, lineType=cv2.LINE_AA, shift=shift)
    blurred = cv2.GaussianBlur(small.astype(np.float32) / 255.0, (0, 0), sigma / factor)
    if factor > 1:
        mask = cv2.resize(blurred, (sw * factor, sh * factor), interpolation=cv2.INTER_LINEAR)
        mask = mask[:h, :w]
    else:
        mask = blurred
    mask = np.clip(mask, 0.0, 1.0)
    mask[mask < P.MASK_MIN_ALPHA] = 0.0
    return np.ascontiguousarray(mask, dtype=np.float32)


def blend(
    frame: np.ndarray, rendered: np.ndarray, mask: np.ndarray, origin: tuple[int, int]
) -> np.ndarray:
    """A copy of ``frame`` (``uint8 (H, W, 3)``) with ``rendered`` (``uint8 (h, w, 3)``) blended
    in at ``origin`` (x, y) by ``mask`` (``float32 (h, w)``, 0..1). Where the mask is 0 the
    output equals the frame exactly."""
    out = frame.copy()
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if not len(rows):
        return out
    # only the box where the mask is not 0 (outside it the frame stays as it is); the same
    # float32 steps as base + a (top - base), rounded half to even, in OpenCV's loops
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    x, y = origin
    region = out[y + r0 : y + r1, x + c0 : x + c1]
    a = mask[r0:r1, c0:c1]
    diff = cv2.subtract(rendered[r0:r1, c0:c1], region, dtype=cv2.CV_32F)
    region[...] = cv2.add(cv2.multiply(diff, cv2.merge([a, a, a])), region, dtype=cv2.CV_8U)
    return out


def detail_blend(base: np.ndarray, top: np.ndarray, alpha: np.ndarray, io: float) -> np.ndarray:
    """``base + alpha (top - base)`` (``float32 (h, w, 3)`` each, ``alpha`` ``(h, w)`` 0..1)
    whose fine detail keeps the energy the two images had.

    A plain mix of two textures that do not line up (a sample's lips and skin over the warped
    frame's) averages their fine detail away: at ``alpha`` 0.5 its variance halves, and a
    feathered edge or a partly trusted sample reads as blur. Here the mix's high band (what a
    ``DETAIL_SIGMA`` px blur removes) is scaled so that its local energy (luma, over a window
    of ``DETAIL_WINDOW`` IO) is the ``alpha``-weighted energy of the two images' own high
    bands: textures that line up lose nothing in the mix and are left as they are; the gain
    is at least 1 and at most ``DETAIL_MAX_GAIN``, so nothing is sharpened beyond the
    sources' own level. Where ``alpha`` is 0 the result is ``base`` exactly."""
    a = alpha[:, :, None]
    mixed = base + a * (top - base)
    if not np.any((alpha > 0.0) & (alpha < 1.0)):
        return mixed
    low_b = cv2.GaussianBlur(base, (0, 0), DETAIL_SIGMA)
    low_t = cv2.GaussianBlur(top, (0, 0), DETAIL_SIGMA)
    low = low_b + a * (low_t - low_b)
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    high_b, high_t = (base - low_b) @ luma, (top - low_t) @ luma
    high = high_b + alpha * (high_t - high_b)
    window = max(DETAIL_WINDOW * io, 1.0)
    want = cv2.GaussianBlur(high_b**2 + alpha * (high_t**2 - high_b**2), (0, 0), window)
    have = cv2.GaussianBlur(high**2, (0, 0), window)
    gain = np.sqrt((want + DETAIL_FLOOR) / (have + DETAIL_FLOOR))
    gain = np.clip(gain, 1.0, DETAIL_MAX_GAIN)[:, :, None]
    out = low + gain * (mixed - low)
    return np.where(a > 0.0, out, base)
