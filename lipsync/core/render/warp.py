"""The built-in renderer ``warp``: moves the speaker's own lips and jaw to the target shape.

Per frame, for one face:

1. The face transform (scale, roll, position) maps the track's neutral face (normalised) onto
   the observation, fitted on rigid points (eyes, nose, jaw ends).
2. The mouth model (:mod:`~lipsync.core.render.mouth_model`) deforms the neutral mouth by the
   target parameters; the face transform takes it to image pixels. The source mouth's own
   motion plays no part: the target replaces it. Only the jaw keeps most of how far the
   source's lies across the face from the neutral's (the head's turn, which the face
   transform cannot follow; the mouth model moves the jaw only down the face).
3. A thin-plate spline through lip, jaw and fixed anchor points (nose, cheeks, jaw ends, a ring
   on the edge of the region of interest) maps every output pixel of the skin to where its
   content is in the source (backward map; evaluated on a coarse grid, interpolated
   bilinearly); the lips and a ring just outside them are mapped piecewise affinely over a
   fixed triangulation (:mod:`~lipsync.core.render.lipmesh`), exact at every lip point. The
   maps are applied with ``cv2.remap``.
4. Where the target is more open than the source, the interior is filled
   (:mod:`~lipsync.core.render.interior`); where it is nearly closed and the source is more
   open, the squeezed source interior (teeth, tongue) is painted over with the lips around it.
5. The result is blended into the frame inside a feathered lower-face mask
   (:mod:`~lipsync.core.render.composite`); ``strength`` scales the mask.
"""

from __future__ import annotations

import functools
import logging
import math

import cv2
import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.geometry import Similarity, ThinPlateSpline
from lipsync.core.render import lipmesh
from lipsync.core.render import parameters as P
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.composite import blend, feathered_mask, lower_face_polygon
from lipsync.core.render.interior import (
    close_band,
    draw_seam,
    fill_interior,
    fill_weight,
    seam_weight,
)
from lipsync.core.render.meshwarp import piecewise_maps
from lipsync.core.render.mouth_model import check_target, target_shape
from lipsync.core.render.normalise import face_transform, inner_gaps
from lipsync.core.types import MOUTH_PARAMS, FaceObservation

logger = logging.getLogger("lipsync")

#: Jaw points that move with the mouth (the rest are fixed anchors).
MOVING_JAW = tuple(range(3, 14))
FIXED_JAW = (0, 1, 2, 14, 15, 16)
#: Jaw points below which fixed neck anchors are placed.
NECK_JAW = (4, 6, 8, 10, 12)
# the same as a slice and lists (an index tuple is converted to an array on every use; the
# neck's points stay a copy, a strided view gave other roundings in ``@``)
_MOVING, _FIXED, _NECK = slice(3, 14), list(FIXED_JAW), list(NECK_JAW)
assert range(17)[_MOVING] == range(3, 14)
#: Inner-lip points and the outer-lip points facing them across the lip.
INNER_TO_OUTER = ((0, 0), (1, 2), (2, 3), (3, 4), (4, 6), (5, 8), (6, 9), (7, 10))
#: IO; the skin's spline is evaluated on a grid this coarse and interpolated bilinearly ...
SPLINE_STEP = 0.125
#: IO; ... beyond a ring this far outside the target's outer lips (piecewise affine within)
LIP_RING = 0.1
#: px; blurs of the squeezed source, each the anti-aliasing sigma of a footprint 1 + 2 sigma
SQUEEZE_SIGMAS = (0.75, 1.5)
#: px; the maps' footprint is measured on a grid this coarse
FOOTPRINT_STEP = 2
#: px; restore_detail's high band is what a Gaussian blur of this sigma removes ...
DETAIL_SIGMA = 1.0
#: px; ... its energy is compared over a Gaussian window of this sigma ...
DETAIL_WINDOW = 4.0
#: px; ... on a grid this coarse ...
DETAIL_STEP = 2
#: ... and amplified at most this much
DETAIL_MAX_GAIN = 1.4
#: grey levels squared: energies this small count as flat (no gain from noise in flat areas)
DETAIL_FLOOR = 0.05
#: px; anti-aliasing sigmas below this are left out (a lightly squeezed lip stays crisp)
SQUEEZE_MIN_SIGMA = 0.15
#: px; blurs tried, in turn, on painted parts sharper than the footage's own lips and skin
FOOTAGE_SIGMAS = (0.5, 0.8, 1.2, 1.7, 2.4, 3.2)
#: percentile of the local detail energy compared (the strongest edges, not the flat skin)
FOOTAGE_PERCENTILE = 98.0
#: px; the rendered part of the ROI reaches this far beyond the mask (blurs near its edge)
WORK_PAD = 8
#: IO; the source's opening, widened by this, is left out of the footage's level (teeth)
FOOTAGE_OPENING_MARGIN = 0.03


#: normalised; the cheek anchors of the skin's spline
_CHEEKS = np.array([[-P.CHEEK_ANCHOR_X, P.CHEEK_ANCHOR_Y], [P.CHEEK_ANCHOR_X, P.CHEEK_ANCHOR_Y]])


def down_the_face(face_map: Similarity) -> np.ndarray:
    """``float32 (2,)``: the unit vector down the face of ``face_map`` in image px, the value of
    ``face_map.apply_vectors([[0, 1]])[0] / face_map.scale`` (the matrix's second column)."""
    return face_map.matrix[:, 1].astype(np.float32) / face_map.scale


def check_frame(image: np.ndarray) -> None:
    """Raise :class:`InputError` unless ``image`` is RGB ``uint8 (H, W, 3)``."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        raise InputError(
            f"A frame must be an RGB array (H, W, 3), got shape {np.shape(image)}: convert it."
        )
    if image.dtype != np.uint8:
        raise InputError(f"A frame must be uint8, got {image.dtype}: convert it.")


#: The ROI's ring, side by side (top, right, bottom, left): each point ``corner + size *
#: step``, with the corners ``(_RING_X0, _RING_Y0)`` (1: the far edge) and the steps ``_RING_T``
_RING_T = np.linspace(0.0, 1.0, P.RING_POINTS_PER_SIDE + 1, endpoint=False)
_RING_STEPS = np.stack(
    [
        np.concatenate([_RING_T, 0.0 * _RING_T, -_RING_T, 0.0 * _RING_T]),
        np.concatenate([0.0 * _RING_T, _RING_T, 0.0 * _RING_T, -_RING_T]),
    ],
    axis=1,
)
_RING_FAR = np.repeat(np.array([[0, 0], [1, 0], [1, 1], [0, 1]], bool), len(_RING_T), axis=0)


def _roi_ring(rx0: float, ry0: float, rx1: float, ry1: float) -> np.ndarray:
    """``float32 (4 k, 2)``: ``RING_POINTS_PER_SIDE`` + 1 points on each side of the ROI
    (image px), clockwise from its top-left corner."""
    corner = np.where(_RING_FAR, (rx1, ry1), (rx0, ry0))
    return (corner + np.array([rx1 - rx0, ry1 - ry0]) * _RING_STEPS).astype(np.float32)


@functools.cache
def _smooth_index(n_moving: int) -> np.ndarray:
    """The indices of the outer lips and the jaw among ``n_moving`` moving points."""
    return np.r_[0 : lipmesh.N_OUTER, lipmesh.N_OUTER + lipmesh.N_INNER : n_moving]


def _backward_maps(
    dst_moving: np.ndarray,
    src_moving: np.ndarray,
    anchors: np.ndarray,
    roi: tuple[int, int, int, int],
    io: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``cv2.remap`` maps ``float32 (h, w)`` for the ROI (x0, y0, w, h): output px -> source px.

    ``dst_moving`` / ``src_moving``: ``(31, 2)`` target / source outer lip, inner lip and
    moving jaw points (image px); ``anchors``: ``(K, 2)`` fixed points. A thin-plate spline
    through the outer lips, the jaw and the anchors maps the skin (smooth: evaluated every
    ``SPLINE_STEP`` and interpolated); near the lips, where closing lips bring points
    together and the spline would overshoot, a piecewise-affine map over the lips'
    triangles (:mod:`~lipsync.core.render.lipmesh`, exact at every lip point, inner lips
    included; their Delaunay triangles where the lips' points cross) out to a ring
    ``LIP_RING`` beyond them, where it meets the spline."""
    n_lips = lipmesh.N_OUTER + lipmesh.N_INNER
    smooth_idx = _smooth_index(len(dst_moving))
    smooth = ThinPlateSpline.fit(
        np.vstack([dst_moving[smooth_idx], anchors]),
        np.vstack([src_moving[smooth_idx], anchors]),
        regularisation=P.TPS_REGULARISATION,
    )
    map_x, map_y = _spline_maps(smooth, roi, max(1, round(SPLINE_STEP * io)))
    ring = lipmesh.lip_ring(dst_moving[: lipmesh.N_OUTER], LIP_RING * io)
    dst = np.vstack([dst_moving[:n_lips], ring]).astype(np.float32)
    src = np.vstack([src_moving[:n_lips], smooth(ring)]).astype(np.float32)
    # only the lips' box: the triangles cover nothing beyond it
    x0, y0, w, h = roi
    lx0, ly0 = np.maximum(np.floor(dst.min(axis=0)).astype(int), (x0, y0))
    lx1, ly1 = np.minimum(np.ceil(dst.max(axis=0)).astype(int) + 1, (x0 + w, y0 + h))
    if lx1 <= lx0 or ly1 <= ly0:
        return map_x, map_y
    mx, my, covered = piecewise_maps(
        dst, src, (int(lx0), int(ly0), int(lx1 - lx0), int(ly1 - ly0)), lipmesh.lip_triangles(dst)
    )
    box = np.s_[ly0 - y0 : ly1 - y0, lx0 - x0 : lx1 - x0]
    np.copyto(map_x[box], mx, where=covered)
    np.copyto(map_y[box], my, where=covered)
    return map_x, map_y


def _spline_maps(
    spline: ThinPlateSpline, roi: tuple[int, int, int, int], step: int
) -> tuple[np.ndarray, np.ndarray]:
    """``spline`` as ``cv2.remap`` maps ``float32 (h, w)`` over the ROI (x0, y0, w, h),
    evaluated every ``step`` px and interpolated bilinearly (``cv2.resize``), on a grid that
    reaches a node beyond the ROI on every side (no clamped edges)."""
    x0, y0, w, h = roi
    k = step
    nw, nh = -(-w // k) + 2, -(-h // k) + 2
    # node j sits at pixel (j + 0.5) k - 0.5 of a grid that starts k px before the ROI, as
    # cv2.resize by k expects
    xs = x0 - k + (np.arange(nw) + 0.5) * k - 0.5
    ys = y0 - k + (np.arange(nh) + 0.5) * k - 0.5
    nodes = np.empty((nh, nw, 2))  # row by row (np.meshgrid and np.stack cost 3x)
    nodes[:, :, 0], nodes[:, :, 1] = xs, ys[:, None]
    coarse = spline(nodes.reshape(-1, 2)).reshape(nh, nw, 2)
    if k == 1:
        fine = coarse
    else:
        fine = cv2.resize(coarse, (nw * k, nh * k), interpolation=cv2.INTER_LINEAR)
    fine = fine[k : k + h, k : k + w]
    return np.ascontiguousarray(fine[:, :, 0]), np.ascontiguousarray(fine[:, :, 1])


def _resample(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """RGB ``uint8 (h, w, 3)``: ``image`` sampled at the backward maps ``float32 (h, w)``
    (image px) with bicubic interpolation, low-passed where the map squeezes the source.

    Bicubic, not bilinear: at sub-pixel shifts a bilinear remap of real skin kept 0.57-0.73
    of its Laplacian variance (fine texture), a bicubic one 0.84-0.95. Where the target
    squeezes the source (an open mouth's teeth into a nearly closed slit), one output pixel
    covers ``f`` > 1 source pixels, and point sampling aliases the squeezed detail into hard
    lines sharper than anything in the footage: there the source is blurred first by the
    usual anti-aliasing sigma ``(f - 1) / 2`` px, interpolated between blurred copies of the
    source (``SQUEEZE_SIGMAS``) sampled at the same maps, as mipmaps are. Elsewhere fine
    detail is then restored to the source's level (:func:`restore_detail`)."""
    warped = cv2.remap(image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    need = _footprint_sigma(map_x, map_y)
    squeezed = need > SQUEEZE_MIN_SIGMA
    warped = restore_detail(warped, image, map_x, map_y, ~squeezed)
    if not squeezed.any():
        return warped
    # only the output box of the squeezed pixels, read from its source box and the blur's reach
    rows, cols = np.nonzero(squeezed.any(axis=1))[0], np.nonzero(squeezed.any(axis=0))[0]
    box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    bx, by, sq = map_x[box], map_y[box], squeezed[box]
    need = np.where(sq, np.minimum(need[box], SQUEEZE_SIGMAS[-1]), 0.0)
    reach = int(np.ceil(3 * SQUEEZE_SIGMAS[-1])) + 2
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _source_box(bx[sq], by[sq], reach, (h, w))
    out = warped[box].astype(np.float32)
    below = 0.0
    for sigma in SQUEEZE_SIGMAS:  # like mipmaps: each level mixed in between its neighbours
        a = np.minimum(np.maximum((need - below) / (sigma - below), 0.0), 1.0)[:, :, None]
        below = sigma
        if not np.any(a > 0.0):
            break
        soft = cv2.GaussianBlur(image[y0:y1, x0:x1], (0, 0), sigma)
        level = cv2.remap(
            soft, bx - x0, by - y0, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101
        )
        out += a * (level.astype(np.float32) - out)
    warped[box] = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return warped


def _source_box(
    map_x: np.ndarray, map_y: np.ndarray, reach: int, shape: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the box of an image of ``shape`` (h, w) that the map positions
    ``map_x`` / ``map_y`` (image px) read, grown by ``reach`` px (at least one pixel)."""
    h, w = shape
    # cv2.minMaxLoc: both in one pass, a third of numpy's min and max (2-D only)
    (lox, hix, _, _), (loy, hiy, _, _) = (
        cv2.minMaxLoc(m.reshape(len(m), -1)) for m in (map_x, map_y)
    )
    x0 = min(max(math.floor(lox) - reach, 0), w - 1)
    y0 = min(max(math.floor(loy) - reach, 0), h - 1)
    x1 = min(max(math.ceil(hix) + reach + 1, x0 + 1), w)
    y1 = min(max(math.ceil(hiy) + reach + 1, y0 + 1), h)
    return x0, y0, x1, y1


def _footprint_sigma(map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """``float32 (h, w)``: the anti-aliasing sigma (px) each output pixel of the backward maps
    needs, ``(f - 1) / 2`` for a footprint of ``f`` source px (the longer source step of one
    output pixel across or down). The maps are piecewise affine (smooth), so the steps are
    taken every ``FOOTPRINT_STEP`` px and spread back."""
    k = FOOTPRINT_STEP
    # copies: the arithmetic below on the strided views cost half as much again
    sx, sy = np.ascontiguousarray(map_x[::k, ::k]), np.ascontiguousarray(map_y[::k, ::k])
    if min(sx.shape) < 2:
        return np.zeros(map_x.shape, np.float32)
    across = np.hypot(sx[:, 1:] - sx[:, :-1], sy[:, 1:] - sy[:, :-1]) / k
    down = np.hypot(sx[1:] - sx[:-1], sy[1:] - sy[:-1]) / k
    # the larger of the two, each repeated at its far edge (np.pad's overhead is 20 us a call)
    step = np.empty(sx.shape, across.dtype)
    step[:, :-1], step[:, -1] = across, across[:, -1]
    np.maximum(step[:-1], down, out=step[:-1])
    np.maximum(step[-1], down[-1], out=step[-1])
    need = ((step - 1.0) / 2.0).astype(np.float32)
    h, w = map_x.shape
    return cv2.resize(
        need, (need.shape[1] * k, need.shape[0] * k), interpolation=cv2.INTER_NEAREST
    )[:h, :w]


def restore_detail(
    resampled: np.ndarray,
    source: np.ndarray,
    map_x: np.ndarray,
    map_y: np.ndarray,
    where: np.ndarray,
) -> np.ndarray:
    """``resampled`` (RGB ``uint8 (h, w, 3)``, ``source`` sampled at the backward maps
    ``float32 (h, w)``) with its fine detail brought back up to the source's own level.

    Any interpolation at sub-pixel positions is a low-pass: a bicubic remap of real skin kept
    0.84-0.95 of its Laplacian variance. The local energy of the source's high band (what a
    ``DETAIL_SIGMA`` px blur removes, luma, over a ``DETAIL_WINDOW`` px window), carried
    along the same maps, says what each output pixel had; where the resampled high band has
    less, it is amplified to that level (by ``DETAIL_MAX_GAIN`` at most), never beyond it.
    Only pixels in ``where`` (``bool (h, w)``) are touched: not those the map squeezes,
    which hold more detail per pixel than they should show."""
    if not where.any():
        return resampled
    h, w = source.shape[:2]
    reach = int(np.ceil(3 * DETAIL_WINDOW)) + 2
    x0, y0, x1, y1 = _source_box(map_x, map_y, reach, (h, w))
    had = _energy(cv2.cvtColor(source[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY))
    have = _energy(cv2.cvtColor(resampled, cv2.COLOR_RGB2GRAY))
    # the maps at the centres of the coarse output pixels (block means of affine maps), in
    # the coarse source's pixels
    size = (have.shape[1], have.shape[0])
    fx, fy = had.shape[1] / (x1 - x0), had.shape[0] / (y1 - y0)
    sx = (cv2.resize(map_x, size, interpolation=cv2.INTER_AREA) - x0 + 0.5) * fx - 0.5
    sy = (cv2.resize(map_y, size, interpolation=cv2.INTER_AREA) - y0 + 0.5) * fy - 0.5
    want = cv2.remap(had, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    gain = np.sqrt((want + DETAIL_FLOOR) / (have + DETAIL_FLOOR))
    gain = np.minimum(np.maximum(gain, 1.0), DETAIL_MAX_GAIN)
    gain = cv2.resize(gain, map_x.shape[::-1], interpolation=cv2.INTER_LINEAR)
    gain = np.where(where, gain - 1.0, 0.0).astype(np.float32)
    high = cv2.subtract(
        resampled, cv2.GaussianBlur(resampled, (0, 0), DETAIL_SIGMA), dtype=cv2.CV_32F
    )
    high = cv2.multiply(high, cv2.merge([gain, gain, gain]))
    return cv2.add(resampled, high, dtype=cv2.CV_8U)  # rounded and saturated


def _energy(grey: np.ndarray) -> np.ndarray:
    """``float32``: the local energy of the high band of ``grey`` (``uint8 (h, w)``) over a
    ``DETAIL_WINDOW`` px window, on a grid ``DETAIL_STEP`` px apart (it is smooth)."""
    g = grey.astype(np.float32)
    high = g - cv2.GaussianBlur(g, (0, 0), DETAIL_SIGMA)
    k = DETAIL_STEP
    size = (max(1, g.shape[1] // k), max(1, g.shape[0] // k))
    small = cv2.resize(high * high, size, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (0, 0), DETAIL_WINDOW / k)


def _inside_lips(outer: np.ndarray, inner: np.ndarray, closing: float) -> np.ndarray:
    """Source inner-lip points moved ``LIP_MARGIN`` of the lip thickness into the lips when
    the target is more closed than the source by ``closing`` (IO): landmark models often put
    the inner lip on the teeth, and closing lips must not carry a strip of interior along."""
    k = P.LIP_MARGIN * min(max(closing / P.CLOSING_RAMP, 0.0), 1.0)
    points = np.asarray(inner, dtype=np.float32).copy()
    if k <= 0.0:
        return points
    o = np.asarray(outer, dtype=np.float32)
    for i, j in INNER_TO_OUTER:
        points[i] += k * (o[j] - points[i])
    return points


def _mend_lips(
    warped: np.ndarray,
    maps: tuple[np.ndarray, np.ndarray],
    origin: tuple[int, int],
    source_inner: np.ndarray,
    target_inner: np.ndarray,
    io: float,
    closing: float,
) -> None:
    """Repaint from the lips around them, in place in the warped ROI ``warped`` (RGB
    ``uint8 (h, w, 3)``), the pixels outside the target's mouth opening whose source lies
    inside the source's opening: lips that close over an open source must not carry its teeth
    or dark cavity with them (the mouth corners of a wide-open source fold into the lower lip
    otherwise). ``maps``: the backward maps of the warp (image px); ``source_inner`` /
    ``target_inner``: ``(8, 2)`` inner lips in image px; ``origin``: the ROI's (x0, y0);
    ``closing``: how much more open the source is than the target (IO)."""
    h, w = warped.shape[:2]
    off = np.array(origin, dtype=np.float32)
    shift = 4
    inside = np.zeros((h, w), dtype=np.uint8)
    pts = np.round((np.asarray(source_inner, np.float32) - off) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(inside, [pts], 255, lineType=cv2.LINE_8, shift=shift)
    if not inside.any():
        return
    # the dark cavity's rim lies just outside the landmarks: carried into lips that close it
    # made dark ticks above and below the seam. Only as far as they close: a mouth kept about
    # as open keeps its own lip edges (inpainted, they came out harder than the footage's)
    rim = round(P.MEND_RIM * io * min(max(closing / P.CLOSING_RAMP, 0.0), 1.0))
    if rim >= 1:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1,) * 2)
        inside = cv2.dilate(inside, disc)
    came_from = cv2.remap(
        inside, maps[0] - off[0], maps[1] - off[1], cv2.INTER_NEAREST, borderValue=0
    )
    opening = np.zeros((h, w), dtype=np.uint8)
    pts = np.round((np.asarray(target_inner, np.float32) - off) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(opening, [pts], 255, lineType=cv2.LINE_8, shift=shift)
    grow = max(1, round(P.MEND_CLEARANCE * io))
    opening = cv2.dilate(opening, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    stray = (came_from > 0) & (opening == 0)
    if not stray.any():
        return
    # inpainted from the lips around them; the opening (and what came from the interior) is
    # masked too, so its dark pixels are not pulled into the lips
    hole = cv2.dilate(((came_from > 0) | (opening > 0)).astype(np.uint8) * 255, np.ones((3, 3)))
    radius, soft = max(2.0, P.MEND_RADIUS * io), max(P.MEND_SOFTNESS * io, 0.5)
    # only around the hole: inpainting reads no further than its radius, the feather no
    # further than its kernel (cv2.inpaint over the whole lower face cost 35 ms at 1080p)
    box = _padded_box(hole, int(np.ceil(max(radius, 4 * soft))) + 3)
    patch = warped[box]
    mended = cv2.inpaint(patch, hole[box], radius, cv2.INPAINT_TELEA)
    stray_f = stray[box].astype(np.float32)
    alpha = np.maximum(cv2.GaussianBlur(stray_f, (0, 0), soft), stray_f)[:, :, None]
    out = patch.astype(np.float32) * (1.0 - alpha) + mended.astype(np.float32) * alpha
    patch[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _work_box(mask: np.ndarray) -> tuple[slice, slice] | None:
    """Rows and columns of the ROI to render: the box where ``mask`` (``float32 (h, w)``) is
    not 0, grown by ``WORK_PAD`` px and started on even rows and columns of the ROI (the
    coarse grids of :func:`_footprint_sigma` and :func:`_energy` stay where they were);
    None when the mask is 0 everywhere."""
    if not mask.any():
        return None
    rows, cols = _padded_box(mask > 0, WORK_PAD)
    return slice(rows.start & ~1, rows.stop), slice(cols.start & ~1, cols.stop)


def _padded_box(mask: np.ndarray, pad: int) -> tuple[slice, slice]:
    """Rows and columns of the bounding box of ``mask`` (non-empty, ``(h, w)``) grown by
    ``pad`` px each way, within the array."""
    h, w = mask.shape[:2]
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return (
        slice(max(rows[0] - pad, 0), min(rows[-1] + pad + 1, h)),
        slice(max(cols[0] - pad, 0), min(cols[-1] + pad + 1, w)),
    )


def footage_level(source: np.ndarray, outer: np.ndarray, inner: np.ndarray, io: float) -> float:
    """The strongest fine detail of the footage's own lips in the ROI ``source`` (RGB
    ``uint8 (h, w, 3)``): the ``FOOTAGE_PERCENTILE`` of :func:`_energy` over the source's
    lips and their edge with the skin (``outer`` ``(12, 2)`` ROI px, widened by
    ``FOOTAGE_OPENING_MARGIN``) but not its mouth opening (``inner`` ``(8, 2)`` ROI px,
    widened as much: teeth are sharper than anything painted over lips). Infinite when the
    lips are not in the ROI."""
    grey = cv2.cvtColor(source, cv2.COLOR_RGB2GRAY)
    had = _energy(grey)
    shift = 4
    grow = max(1, round(FOOTAGE_OPENING_MARGIN * io))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)
    masks = []
    for poly in (outer, inner):
        mask = np.zeros(grey.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(poly * (1 << shift)).astype(np.int32)], 255, shift=shift)
        masks.append(cv2.dilate(mask, kernel).astype(np.float32))
    lips, opening = (cv2.resize(m, had.shape[::-1], interpolation=cv2.INTER_AREA) for m in masks)
    keep = (lips > 127) & (opening == 0)
    return float(np.percentile(had[keep], FOOTAGE_PERCENTILE)) if keep.any() else np.inf


def match_footage_detail(warped: np.ndarray, painted: np.ndarray, level: float) -> None:
    """Blur, in place in the warped ROI ``warped`` (RGB ``uint8 (h, w, 3)``), the ``painted``
    pixels (``bool (h, w)``: the lip band and the seam of nearly closed lips) with the smallest of
    ``FOOTAGE_SIGMAS`` that brings their strongest fine detail down to ``level``
    (:func:`footage_level`). They are drawn crisp; on soft footage (upscaled faces,
    compressed video) a crisp seam or tooth edge was 2-3x sharper than any mouth of the
    footage (the Laplacian variance of the mouth box)."""
    if not painted.any() or not np.isfinite(level):
        return
    box = _padded_box(painted, int(np.ceil(3 * FOOTAGE_SIGMAS[-1])) + DETAIL_STEP)
    patch, where = warped[box], painted[box]
    if min(where.shape) < 2 * DETAIL_STEP:
        return

    def strongest(rgb: np.ndarray) -> float:
        energy = _energy(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        at = cv2.resize(where.astype(np.float32), energy.shape[::-1], interpolation=cv2.INTER_AREA)
        return float(np.percentile(energy[at > 0], FOOTAGE_PERCENTILE)) if at.any() else 0.0

    if strongest(patch) <= level:
        return
    for sigma in FOOTAGE_SIGMAS:
        soft = cv2.GaussianBlur(patch, (0, 0), sigma)
        if strongest(soft) <= level:
            break
    alpha = cv2.GaussianBlur(where.astype(np.float32), (0, 0), 1.0)
    alpha = np.maximum(alpha, where.astype(np.float32))[:, :, None]
    out = patch.astype(np.float32) + alpha * (soft.astype(np.float32) - patch)
    patch[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _soften_opening(
    warped: np.ndarray, origin: tuple[int, int], target_inner: np.ndarray, squeeze: float
) -> None:
    """Blur, in place in the warped ROI ``warped`` (RGB ``uint8 (h, w, 3)``), the target's
    mouth opening (``target_inner`` ``(8, 2)`` image px, a px beyond it feathered in) when the
    source's opening was ``squeeze`` > 1 times taller: an open mouth's teeth and dark corners
    squeezed into a slit came out as a hard white line with dark edges, sharper than any
    mouth of the footage (the Laplacian variance of the mouth 1.5-3x the input's). The blur
    is what squeezing a picture by that factor does (sigma ``(squeeze - 1) / 2`` px, at most
    ``SQUEEZE_SIGMAS[-1]``)."""
    sigma = min((squeeze - 1.0) / 2.0, SQUEEZE_SIGMAS[-1])
    if sigma < SQUEEZE_MIN_SIGMA:
        return
    h, w = warped.shape[:2]
    pts = np.asarray(target_inner, np.float32) - np.array(origin, np.float32)
    reach = int(np.ceil(3 * sigma)) + 3
    x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int) - reach, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int) + reach + 1, (w, h))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    shift = 4
    poly = np.round((pts - np.array([x0, y0], np.float32)) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(mask, [poly], 255, lineType=cv2.LINE_AA, shift=shift)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 1.0)[:, :, None]
    patch = warped[y0:y1, x0:x1]
    soft = cv2.GaussianBlur(patch, (0, 0), sigma).astype(np.float32)
    out = patch.astype(np.float32) + alpha * (soft - patch)
    patch[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _target_jaw(
    source: np.ndarray, neutral: np.ndarray, target: np.ndarray, face_map: Similarity
) -> np.ndarray:
    """``float32 (17, 2)``: the target jaw in image px, ``target`` (the mouth model's, ``(17,
    2)`` normalised) under ``face_map``, moved across the face towards the ``source`` jaw
    (``(17, 2)`` image px) until it lies at most ``JAW_TURN_SLACK`` across from it.

    The mouth model moves jaw points only down the face; a source jaw far across from the
    track's ``neutral`` (normalised) is the head's turn, which a similarity cannot follow.
    Left in the target, it moved the jaw's ends of a face turned 20 degrees from its neutral
    0.25-0.35 IO across the beard beside the mouth (latentsync_demo2: a diagonal streak from
    the mouth corner to the jaw)."""
    io = face_map.scale
    across = face_map.matrix[:, 0].astype(np.float32) / io  # apply_vectors of (1, 0) / io
    side = (np.asarray(source, np.float64) - face_map.apply(neutral)) @ across
    slack = P.JAW_TURN_SLACK * io
    beyond = side - np.clip(side, -slack, slack)
    return (face_map.apply(target) + beyond[:, None] * across).astype(np.float32)


class WarpRenderer:
    """Re-renders the lower face by warping the frame's own pixels (no learned weights)."""

    name = "warp"

    def render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        target: np.ndarray,
        appearance: TrackAppearance | None = None,
        strength: float = 1.0,
        *,
        io: float | None = None,
        face_map: Similarity | None = None,
        mouth_covered: bool = False,
    ) -> np.ndarray:
        """The frame with ``face``'s mouth moved to ``target``.

        ``image``: RGB ``uint8 (H, W, 3)``; ``face``: the observation in this frame;
        ``target``: ``float32 (6,)`` in :data:`~lipsync.core.types.MOUTH_PARAMS` order;
        ``appearance``: the face's track appearance (``None``: built from this frame alone, a
        poor neutral); ``strength`` 0..1 blends between the input (0) and the full render (1).
        ``io`` (``face.inter_ocular``, a property computed on each use) and ``face_map``
        (:func:`~.normalise.face_transform` of the appearance's neutral and ``face``): for a
        caller that has them already. ``mouth_covered``: the caller draws over everything
        within the target's outer lips (the ``exemplar`` renderer's sample, fully trusted), so
        the mouth's own painting (interior, closing band, seam) is left out: only the geometry
        around the lips shows. Returns a new ``uint8 (H, W, 3)`` array; only the lower face
        differs from ``image``.
        """
        check_frame(image)
        params = check_target(target)
        strength = min(max(float(strength), 0.0), 1.0)
        if io is None:
            io = face.inter_ocular
        if strength <= 0.0 or io < P.MIN_INTER_OCULAR_PX:
            return image.copy()
        if appearance is None:
            appearance = TrackAppearance.from_face(image, face)
        if face_map is None:
            face_map = face_transform(appearance.neutral, face.landmarks)
        return self._render(image, face, params, appearance, face_map, strength, mouth_covered)

    def _render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        params: np.ndarray,
        appearance: TrackAppearance,
        face_map: Similarity,
        strength: float,
        mouth_covered: bool = False,
    ) -> np.ndarray:
        io = face_map.scale
        height, width = image.shape[:2]
        shape = target_shape(appearance.neutral, params, appearance.mouth_range)
        lm = face.landmarks
        source_gap = float(inner_gaps(face_map.inverse().apply(lm["inner_lip"])).mean())
        target_gap = float(inner_gaps(shape["inner_lip"]).mean())
        src_inner = _inside_lips(lm["outer_lip"], lm["inner_lip"], source_gap - target_gap)
        src_moving = np.vstack([lm["outer_lip"], src_inner, np.asarray(lm["jaw"])[_MOVING]]).astype(
            np.float32
        )
        down = down_the_face(face_map)
        target_jaw = _target_jaw(lm["jaw"], appearance.neutral["jaw"], shape["jaw"], face_map)
        dst_moving = np.vstack(
            [
                face_map.apply(np.vstack([shape["outer_lip"], shape["inner_lip"]])),
                target_jaw[_MOVING],
            ]
        )
        cheeks = face_map.apply(_CHEEKS)
        # neck anchors: below whichever of the source and the target jaw is lower, fixed
        src_jaw = np.asarray(lm["jaw"], dtype=np.float32)[_NECK]
        dst_jaw = target_jaw[_NECK]
        lowest = np.maximum(src_jaw @ down, dst_jaw @ down)
        neck = src_jaw + (lowest - src_jaw @ down + P.NECK_ANCHOR_DEPTH * io)[:, None] * down
        fixed = np.vstack(
            [np.asarray(lm["jaw"])[_FIXED], np.asarray(lm["nose"]), cheeks, neck]
        ).astype(np.float32)

        # region of interest: everything that moves, plus the nose base, plus a margin
        pts = np.vstack([src_moving, dst_moving, np.asarray(lm["nose"])[4:]])
        margin = P.ROI_MARGIN * io
        rx0, ry0 = pts.min(axis=0) - margin
        rx1, ry1 = pts.max(axis=0) + margin
        x0, y0 = max(int(np.floor(rx0)), 0), max(int(np.floor(ry0)), 0)
        x1, y1 = min(int(np.ceil(rx1)) + 1, width), min(int(np.ceil(ry1)) + 1, height)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return image.copy()
        anchors = np.vstack([fixed, _roi_ring(rx0, ry0, rx1, ry1)])
        polygons = [
            lower_face_polygon(lm["jaw"], lm["nose"], down, io),
            lower_face_polygon(target_jaw, lm["nose"], down, io),
        ]
        mask = feathered_mask((x1 - x0, y1 - y0), (x0, y0), polygons, io)
        if strength < 1.0:
            mask *= strength
            mask[mask < P.MASK_MIN_ALPHA] = 0.0
        # only the part of the ROI the mask lets through is rendered (the warp's geometry is
        # the whole ROI's)
        work = _work_box(mask)
        if work is None:
            return image.copy()
        mask = mask[work]
        ox, oy = x0 + work[1].start, y0 + work[0].start
        h, w = mask.shape

        # backward map: output (target) position -> source position
        map_x, map_y = _backward_maps(dst_moving, src_moving, anchors, (ox, oy, w, h), io)
        warped = _resample(image, map_x, map_y)
        if mouth_covered:
            return blend(image, warped, mask, (ox, oy))
        if source_gap > target_gap:
            _mend_lips(
                warped,
                (map_x, map_y),
                (ox, oy),
                lm["inner_lip"],
                dst_moving[12:20],
                io,
                source_gap - target_gap,
            )
            if target_gap >= P.SEAM_MAX_GAP:  # nearly closed lips are repainted below
                _soften_opening(warped, (ox, oy), dst_moving[12:20], source_gap / target_gap)

        # interior where the target opens beyond the source
        weight = fill_weight(target_gap, source_gap)
        fill_interior(
            warped,
            (ox, oy),
            face_map,
            shape["inner_lip"],
            shape["outer_lip"],
            weight,
            float(params[MOUTH_PARAMS.index("teeth")]),
            appearance,
        )
        closing = seam_weight(target_gap, source_gap)
        if closing > 0.0:  # nearly closed over a more open source: lips painted, a seam drawn
            drawn = warped.copy()
            close_band(warped, (ox, oy), face_map, shape["inner_lip"], closing)
            draw_seam(warped, (ox, oy), face_map, shape["inner_lip"], shape["outer_lip"], closing)
            painted = np.any(warped != drawn, axis=2)
            if painted.any():
                at = np.array([x0, y0], np.float32)
                level = footage_level(
                    image[y0:y1, x0:x1],
                    np.asarray(lm["outer_lip"], np.float32) - at,
                    np.asarray(lm["inner_lip"], np.float32) - at,
                    io,
                )
                match_footage_detail(warped, painted, level)
        return blend(image, warped, mask, (ox, oy))
