"""Mouth interior: fills the target inner-lip polygon where the target is more open than the
source, from the track's own open-mouth bank (aligned to the face) or a synthesised cavity with
an upper-teeth band, colour-matched to the lips around it.

All work is on the bounding box of the target inner-lip polygon inside the renderer's region of
interest (ROI), so it costs little.
"""

from __future__ import annotations

import cv2
import numpy as np

from lipsync.core.geometry import Similarity, ThinPlateSpline
from lipsync.core.render import parameters as P
from lipsync.core.render.appearance import InteriorSample, TrackAppearance, lip_colour
from lipsync.core.render.normalise import INNER_PAIRS, inner_gaps

_UPPER = (0, 1, 2, 3, 4)  # inner-lip points along the upper lip, image-left to right
_LOWER = (0, 7, 6, 5, 4)  # ... and along the lower lip


def _box(points: np.ndarray, pad: int, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1): the pixel box around ``points`` ``(N, 2)`` grown by ``pad`` px and
    clipped to an image of ``shape``; None when less than 2 px remain either way."""
    h, w = shape[:2]
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + pad + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return int(x0), int(y0), int(x1), int(y1)


def fill_weight(target_gap: float, source_gap: float) -> float:
    """0..1: how much of the interior is replaced, from the mean inner gaps (IO) of the target
    and the source. 0 when the source is as open as the target (its own interior is warped)."""
    if target_gap < P.FILL_MIN_GAP:
        return 0.0
    ratio = source_gap / target_gap
    w = (P.FILL_KEEP_RATIO - ratio) / (P.FILL_KEEP_RATIO - P.FILL_FULL_RATIO)
    return float(min(max(w, 0.0), 1.0))


def _bank_controls(sample: InteriorSample, target_inner: np.ndarray) -> np.ndarray:
    """Where each target inner-lip point samples the bank crop (normalised coordinates).

    The upper lip and corners map to the sample's; each lower-lip point maps to the sample's
    upper lip plus the target's gap along the same column, so the interior is neither squashed
    nor stretched: the upper teeth stay attached to the upper lip at their own size."""
    ctrl = sample.inner_lip.astype(np.float32).copy()
    t_gaps = inner_gaps(target_inner)
    for k, (up, lo) in enumerate(INNER_PAIRS):
        column = sample.inner_lip[lo] - sample.inner_lip[up]
        s_gap = float(np.linalg.norm(column))
        direction = column / s_gap if s_gap > 1e-6 else np.array([0.0, 1.0], np.float32)
        ctrl[lo] = sample.inner_lip[up] + float(t_gaps[k]) * direction
    return ctrl


def _sample_bank(
    sample: InteriorSample, target_inner: np.ndarray, norm_points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """RGB ``float32 (M, 3)`` of the bank crop at normalised target points ``(M, 2)``, and
    ``float32 (M,)`` 0..1: how far each point falls beyond the sample's own lower inner lip
    (1 = the sample has no interior there; the caller fills it otherwise)."""
    ctrl = _bank_controls(sample, target_inner)
    src = np.vstack([target_inner, target_inner.mean(axis=0, keepdims=True)])
    dst = np.vstack([ctrl, ctrl.mean(axis=0, keepdims=True)])
    tps = ThinPlateSpline.fit(src, dst, regularisation=1e-3)
    mapped = tps(norm_points)
    px = sample.to_crop_px(mapped)
    mx = px[:, 0].reshape(1, -1).astype(np.float32)
    my = px[:, 1].reshape(1, -1).astype(np.float32)
    out = cv2.remap(sample.crop, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lower = sample.inner_lip[list(_LOWER)]
    beyond = mapped[:, 1] - np.interp(mapped[:, 0], lower[:, 0], lower[:, 1])
    outside = _smoothstep(-0.04, 0.0, beyond)
    return out.reshape(-1, 3).astype(np.float32), outside.astype(np.float32)


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.minimum(np.maximum((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def _synthesise(
    target_inner: np.ndarray, norm_points: np.ndarray, lips: np.ndarray, teeth: float
) -> np.ndarray:
    """RGB ``float32 (M, 3)`` of a synthesised interior (cavity, upper teeth, tongue) at
    normalised target points ``(M, 2)``; ``lips`` is the mean lip colour ``(3,)``."""
    x, y = norm_points[:, 0], norm_points[:, 1]
    up = target_inner[list(_UPPER)]
    lo = target_inner[list(_LOWER)]
    y_up = np.interp(x, up[:, 0], up[:, 1])
    y_lo = np.interp(x, lo[:, 0], lo[:, 1])
    gap = np.maximum(y_lo - y_up, 1e-4)
    d_top = y - y_up
    d_bot = y_lo - y
    half = max(float(target_inner[4, 0] - target_inner[0, 0]) / 2.0, 1e-3)
    centre_x = float(target_inner[[0, 4], 0].mean())

    bright = float(max(lips.max(), 1.0))
    cavity = np.asarray(P.SYNTH_CAVITY_COLOUR, np.float32) * bright
    tongue = np.asarray(P.SYNTH_TONGUE_COLOUR, np.float32) * lips
    teeth_colour = np.asarray(P.SYNTH_TEETH_COLOUR, np.float32) * min(bright * 1.45, 255.0)

    # cavity, darker in the middle of the opening
    depth = np.minimum(np.maximum(np.minimum(d_top, d_bot) / np.maximum(gap / 2.0, 1e-4), 0.0), 1.0)
    colour = cavity[None, :] * (1.0 - 0.5 * depth[:, None])
    # tongue near the lower lip when the mouth is well open
    tongue_h = np.minimum(P.SYNTH_TONGUE_HEIGHT, 0.45 * gap)
    t_alpha = (1.0 - _smoothstep(0.4, 1.0, d_bot / np.maximum(tongue_h, 1e-4))) * _smoothstep(
        0.08, 0.25, gap
    )
    colour = colour + (tongue[None, :] - colour) * (0.8 * t_alpha[:, None])
    # upper teeth band below the upper lip, with dark seams between incisors
    band = _smoothstep(-0.01, 0.005, d_top) * (
        1.0 - _smoothstep(P.SYNTH_TEETH_HEIGHT * 0.75, P.SYNTH_TEETH_HEIGHT, d_top)
    )
    side = 1.0 - _smoothstep(
        P.SYNTH_TEETH_HALF_WIDTH * 0.7, P.SYNTH_TEETH_HALF_WIDTH, np.abs(x - centre_x) / half
    )
    phase = np.abs(((x - centre_x) / P.SYNTH_TOOTH_WIDTH + 0.5) % 1.0 - 0.5)
    seams = 0.75 + 0.25 * _smoothstep(0.0, 0.12, phase)
    shade = 1.0 - 0.35 * np.minimum(np.maximum(d_top / P.SYNTH_TEETH_HEIGHT, 0), 1)  # tips darker
    visible = P.TEETH_MIN_VISIBILITY + (1.0 - P.TEETH_MIN_VISIBILITY) * teeth
    t_mix = (band * side * visible)[:, None]
    teeth_px = teeth_colour[None, :] * (seams * shade)[:, None]
    # teeth further from the middle sit deeper in the shadow
    teeth_px *= (1.0 - 0.4 * _smoothstep(0.3, 1.0, np.abs(x - centre_x) / half))[:, None]
    return colour + (teeth_px - colour) * t_mix


def fill_interior(
    roi: np.ndarray,
    origin: tuple[int, int],
    face_map: Similarity,
    target_inner: np.ndarray,
    target_outer: np.ndarray,
    weight: float,
    teeth: float,
    appearance: TrackAppearance,
) -> None:
    """Blend the interior into the warped ``roi`` (``uint8 (h, w, 3)``, changed in place).

    ``origin``: (x, y) of the ROI's top-left in the frame; ``face_map``: normalised -> image
    px; ``target_inner`` / ``target_outer``: the target lips, normalised; ``weight``: from
    :func:`fill_weight`; ``teeth``: the ``teeth`` parameter 0..1."""
    if weight <= 0.0:
        return
    io = face_map.scale
    off = np.array(origin, dtype=np.float32)
    poly = face_map.apply(target_inner) - off
    soft = max(P.FILL_EDGE_SOFTNESS * io, 0.5)
    pad = int(np.ceil(3 * soft)) + 2
    box = _box(poly, pad, roi.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    mask = np.zeros((bh, bw), dtype=np.uint8)
    shift = 4
    pts = np.round((poly - np.array([x0, y0], np.float32)) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=shift)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), soft)
    alpha *= weight
    if not np.any(alpha > P.MASK_MIN_ALPHA):
        return

    # the box's pixels in image px, row by row (np.mgrid and np.stack cost 4x)
    grid = np.empty((bh, bw, 2), np.float32)
    grid[:, :, 0] = np.arange(x0, x1, dtype=np.float32) + off[0]
    grid[:, :, 1] = (np.arange(y0, y1, dtype=np.float32) + off[1])[:, None]
    img_pts = grid.reshape(-1, 2)
    norm = face_map.inverse().apply(img_pts)

    patch = roi[y0:y1, x0:x1]
    lips_now = lip_colour(roi, face_map.apply(target_outer) - off, poly)
    if appearance.bank:
        sample = appearance.bank[0]
        fill, outside = _sample_bank(sample, target_inner, norm)
        lo, hi = P.COLOUR_GAIN_LIMITS
        gain = np.clip(lips_now / np.maximum(sample.lip_colour, 1.0), lo, hi)
        fill *= gain[None, :] * (0.8 + 0.2 * teeth)
        if np.any(outside > 0):
            synth = _synthesise(target_inner, norm, lips_now, teeth)
            fill += (synth - fill) * outside[:, None]
    else:
        fill = _synthesise(target_inner, norm, lips_now, teeth)
    # lip shadow: the interior darkens towards its edge
    inner_core = cv2.GaussianBlur(alpha / max(weight, 1e-6), (0, 0), max(0.04 * io, 0.7))
    shade = 1.0 - P.INTERIOR_EDGE_SHADE * (1.0 - np.clip(inner_core, 0, 1))
    fill = fill.reshape(bh, bw, 3) * shade[:, :, None]
    a = alpha[:, :, None]
    out = patch.astype(np.float32) * (1.0 - a) + fill * a
    patch[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)


def close_band(
    roi: np.ndarray,
    origin: tuple[int, int],
    face_map: Similarity,
    target_inner: np.ndarray,
    weight: float,
) -> None:
    """Paint the opening of nearly closed target lips with the lips themselves (in place in
    ``roi``, RGB ``uint8``): each column between the upper and lower inner lip (widened by
    ``BAND_MARGIN``) becomes a blend of the upper lip just above it and the lower lip just
    below it. The warp squeezes an open source mouth's teeth into that thin opening, where
    they showed as a white line through closed lips; ``weight`` 0..1 scales the effect.
    ``target_inner``: ``(8, 2)`` normalised; ``origin``: the ROI's (x0, y0) in the image."""
    if weight <= 0.0:
        return
    io = face_map.scale
    off = np.array(origin, dtype=np.float32)
    margin, reach = P.BAND_MARGIN, P.BAND_REACH
    upper = target_inner[list(_UPPER)].astype(np.float32)
    lower = target_inner[list(_LOWER)].astype(np.float32)
    lift = np.array([0.0, margin], dtype=np.float32)
    # beyond each inner corner too: an open source's cavity reaches into the corners
    reach_x = np.array([P.BAND_CORNER, 0.0], dtype=np.float32)
    left, right = upper[np.argmin(upper[:, 0])], upper[np.argmax(upper[:, 0])]
    poly = np.vstack([left - reach_x, upper - lift, right + reach_x, lower[::-1] + lift])
    px = face_map.apply(poly) - off
    pad = int(np.ceil(margin * io)) + 2
    box = _box(px, pad, roi.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    shift = 4
    pts = np.round((px - np.array([x0, y0], np.float32)) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=shift)
    # and a stroke along the inner lips, so the band's ends are round, not pointed: pointed
    # ends left the squeezed cavity's curled-up corners as dark ticks above the lips
    contour = face_map.apply(np.vstack([upper, lower[::-1]])) - off - np.array([x0, y0])
    stroke = np.round(contour * (1 << shift)).astype(np.int32)
    thick = max(1, round(2 * margin * io))
    cv2.polylines(mask, [stroke], True, 255, thick, lineType=cv2.LINE_AA, shift=shift)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(0.3 * margin * io, 0.5))
    alpha *= weight
    if not np.any(alpha > P.MASK_MIN_ALPHA):
        return
    ys, xs = np.mgrid[y0:y1, x0:x1]
    img = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32) + off
    norm = face_map.inverse().apply(img)
    order_u, order_l = np.argsort(upper[:, 0]), np.argsort(lower[:, 0])
    y_up = np.interp(norm[:, 0], upper[order_u, 0], upper[order_u, 1]) - margin
    y_lo = np.interp(norm[:, 0], lower[order_l, 0], lower[order_l, 1]) + margin
    t = np.clip((norm[:, 1] - y_up) / np.maximum(y_lo - y_up, 1e-4), 0.0, 1.0)[:, None]
    above = np.stack([norm[:, 0], y_up - reach], axis=1)
    below = np.stack([norm[:, 0], y_lo + reach], axis=1)
    colours = []
    for points in (above, below):
        at = face_map.apply(points) - off
        mx = at[:, 0].reshape(1, -1).astype(np.float32)
        my = at[:, 1].reshape(1, -1).astype(np.float32)
        got = cv2.remap(roi, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        colours.append(got.reshape(-1, 3).astype(np.float32))
    fill = (colours[0] * (1.0 - t) + colours[1] * t).reshape(y1 - y0, x1 - x0, 3)
    patch = roi[y0:y1, x0:x1]
    a = alpha[:, :, None]
    out = patch.astype(np.float32) * (1.0 - a) + fill * a
    patch[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)


def seam_weight(target_gap: float, source_gap: float) -> float:
    """0..1: how strongly to draw the dark line where closed target lips meet, from the mean
    inner gaps (IO); > 0 only when the target is nearly closed and the source is more open."""
    if target_gap >= P.SEAM_MAX_GAP:
        return 0.0
    return float(min(max((source_gap - target_gap) / P.SEAM_RAMP, 0.0), 1.0))


def draw_seam(
    roi: np.ndarray,
    origin: tuple[int, int],
    face_map: Similarity,
    target_inner: np.ndarray,
    target_outer: np.ndarray,
    weight: float,
) -> None:
    """Darken the line where the closed target lips meet (in place in ``roi``): without it
    the compressed source interior (often teeth) shows as a light line between the lips."""
    if weight <= 0.0:
        return
    io = face_map.scale
    off = np.array(origin, dtype=np.float32)
    mid = [target_inner[0]] + [(target_inner[u] + target_inner[lo]) / 2 for u, lo in INNER_PAIRS]
    line = face_map.apply(np.array([*mid, target_inner[4]])) - off
    width = max(P.SEAM_WIDTH * io, 1.0)
    pad = int(np.ceil(width * 3)) + 2
    box = _box(line, pad, roi.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    shift = 4
    pts = np.round((line - np.array([x0, y0], np.float32)) * (1 << shift)).astype(np.int32)
    thickness = max(1, round(width))
    cv2.polylines(mask, [pts], False, 255, thickness, lineType=cv2.LINE_AA, shift=shift)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(width / 2, 0.5))
    # taper towards the corners
    alpha *= weight
    lips_now = lip_colour(
        roi, face_map.apply(target_outer) - off, face_map.apply(target_inner) - off
    )
    dark = lips_now * P.SEAM_DARKNESS
    patch = roi[y0:y1, x0:x1]
    a = alpha[:, :, None]
    out = patch.astype(np.float32) * (1.0 - a) + dark[None, None, :] * a
    patch[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)
