"""The inner lip line placed on the picture: where the lips' own colour ends.

The face mesh places the inner lip from the face's shape, and on some faces it misses where the
lips part: on retalking_face3 (full lips, lipstick) it drew the opening through the lower lip
when her mouth was pursed and inside her teeth when it was open, so the renderers took an open
mouth for a nearly closed one and left it open over a closed target. Along the three lip
columns (the Cupid's-bow peaks and the middle) this module reads the picture between the upper
and lower outer lip points, in CIE Lab:

- each lip's own colour is the median of the reddest quarter of its half of the column (lips
  are redder than the skin the outer points may stray onto, and than teeth and shadow);
- a sample is *inside the mouth* where it is clearly less red than both lips (teeth, tongue in
  shadow), clearly darker than both (the cavity) or clearly lighter than both (lit teeth), and
  it lies between lip-coloured samples (skin beyond the lips is less red too);
- the opening is the longest run of such samples, if it is wider than the line where closed
  lips meet (:data:`MIN_OPENING` of the mouth's width); the inner lip points go to its ends.
  Otherwise the lips are closed, and both points go to the darkest sample between the mesh's
  own two.

Each lip line then moves as a whole, by the median of its columns' moves, so it keeps the
curve the mesh gave it (a point moved alone folded the lip it pulled); the mouth corners stay
where the mesh put them. Pure numpy and OpenCV: ``image`` RGB ``uint8 (H, W, 3)``; lip points
``float (K, 2)`` image px in :data:`~lipsync.core.types.LANDMARK_GROUPS` order (outer 12,
inner 8); 0.3-0.4 ms a face.

The exemplar bank labels its samples with these lines, and the resting mouth they are compared
with is placed the same way (:class:`~lipsync.core.render.appearance.TrackAppearance`). The
warp and the tracker keep the mesh's: both were tried (2026-12-04) and lost, the warp
over-sharpening retalking_face3's mouth (1.42 of the footage's sharpness) and the tracker's
use lowering the true-mouth r of both clips.
"""

from __future__ import annotations

import cv2
import numpy as np

#: (inner upper, inner lower, outer upper, outer lower) point indices of each lip column
COLUMNS = ((1, 7, 2, 10), (2, 6, 3, 9), (3, 5, 4, 8))
SAMPLES = 48  # samples along a column, outer upper to outer lower lip point
REDDEST = 0.75  # quantile of a* above which a half column's samples give its lip's colour
LIP_LIKE = 3.0  # Lab a* (0..255 scale) below the lips' at most: a sample of lip (or skin)
LESS_RED = 6.0  # Lab a* below both lips: inside the mouth
DARKER = 12.0  # Lab L* (0..255 scale) below both lips: inside the mouth
LIGHTER = 15.0  # Lab L* above both lips: inside the mouth (lit teeth)
MIN_RUN = 2  # samples, and ...
MIN_OPENING = 0.04  # ... of the mouth's width (corner to corner): a narrower run is the line
# where closed lips meet (2-4 px on a mouth 60-130 px wide)
MIN_COLUMN_PX = 6.0  # a column shorter than this (a small face) is left as the mesh put it


def refine_inner_lips(image: np.ndarray, outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """``inner`` (8, 2) with its upper and lower lines moved to the edges of the opening the
    picture shows between the ``outer`` (12, 2) lip points (see module); float32."""
    outer = np.asarray(outer, np.float64)
    out = np.array(inner, np.float32)
    mouth_width = float(np.hypot(*(outer[6] - outer[0])))
    columns = [(iu, il, outer[ou], outer[ol]) for iu, il, ou, ol in COLUMNS]
    height, width = image.shape[:2]
    inside = np.array([width - 1, height - 1], np.float64)
    columns = [  # long enough, and in the picture (the mouth may leave it at the frame's edge)
        c
        for c in columns
        if float(np.hypot(*(c[3] - c[2]))) >= MIN_COLUMN_PX
        and all(((end >= 0.0) & (end <= inside)).all() for end in c[2:])
    ]
    if len(columns) < 2:
        return out
    profiles = _profiles(image, [(top, bottom) for _, _, top, bottom in columns])
    moves: list[tuple[int, int, np.ndarray, float, float]] = []
    for (iu, il, top, bottom), (light, red) in zip(columns, profiles, strict=True):
        step = bottom - top
        length = float(np.hypot(*step))
        min_run = max(MIN_RUN, int(np.ceil(MIN_OPENING * mouth_width * SAMPLES / length)))
        upper, lower = _opening(light, red, min_run)
        mesh = [_fraction(inner[k], top, step) for k in (iu, il)]
        if upper is None or lower is None:  # closed: where the lips meet, between the mesh's
            a = round(min(mesh) * SAMPLES)  # two points
            b = round(max(mesh) * SAMPLES) + 1
            seam = a + int(np.argmin(light[a:b])) if b > a else SAMPLES // 2
            upper = lower = (min(seam, SAMPLES - 1) + 0.5) / SAMPLES
        unit = step / length
        moves.append((iu, il, unit, (upper - mesh[0]) * length, (lower - mesh[1]) * length))
    if len(moves) < 2:
        return out
    # each lip line moves as a whole (the mesh's curve kept): by its columns' median move
    up = _median(np.array([m[3] for m in moves]))
    down = _median(np.array([m[4] for m in moves]))
    for iu, il, unit, _, _ in moves:
        upper_point = np.asarray(inner[iu], np.float64) + unit * up
        lower_point = np.asarray(inner[il], np.float64) + unit * down
        if (lower_point - upper_point) @ unit < 0.0:  # crossed: closed, where they meet
            upper_point = lower_point = (upper_point + lower_point) / 2
        out[iu], out[il] = upper_point, lower_point
    return out


def _profiles(
    image: np.ndarray, ends: list[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Lab L* and a* (float32 (SAMPLES,) each) sampled bilinearly along each column, from
    its top to its bottom point (image px), in one resampling and one colour conversion."""
    t = np.linspace(0.0, 1.0, SAMPLES, dtype=np.float64)[:, None]
    points = np.concatenate([top[None] * (1.0 - t) + bottom[None] * t for top, bottom in ends])
    points = points.astype(np.float32)
    map_x = np.ascontiguousarray(points[:, :1])
    map_y = np.ascontiguousarray(points[:, 1:])
    rgb = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).reshape(len(ends), SAMPLES, 3).astype(np.float32)
    return [(column[:, 0], column[:, 1]) for column in lab]


def _lip_colour(light: np.ndarray, red: np.ndarray) -> tuple[float, float]:
    """(L*, a*) of the reddest :data:`REDDEST` quantile of a half column's samples."""
    reddest = red >= np.sort(red)[int(REDDEST * (len(red) - 1))]  # np.quantile costs 10x
    return _median(light[reddest]), _median(red[reddest])


def _opening(light: np.ndarray, red: np.ndarray, min_run: int) -> tuple[float | None, float | None]:
    """Where the opening starts and ends along a column (fractions), or (None, None) when
    no run of at least ``min_run`` samples is inside the mouth."""
    half = SAMPLES // 2
    l_up, a_up = _lip_colour(light[:half], red[:half])
    l_low, a_low = _lip_colour(light[half:], red[half:])
    inside = (
        (red < min(a_up, a_low) - LESS_RED)
        | (light < min(l_up, l_low) - DARKER)
        | (light > max(l_up, l_low) + LIGHTER)
    )
    lip = np.flatnonzero(~inside & (red >= min(a_up, a_low) - LIP_LIKE))
    if lip.size < 2:
        return None, None
    lo, hi = int(lip[0]) + 1, int(lip[-1])  # between the outermost lip samples
    # the runs of inside samples there: where the padded 0/1 sequence steps up, then down
    steps = np.flatnonzero(np.diff(np.concatenate([[0], inside[lo:hi].astype(np.int8), [0]])))
    starts, ends = steps[::2] + lo, steps[1::2] + lo
    if not len(starts):
        return None, None
    longest = int(np.argmax(ends - starts))  # the first of the longest
    if ends[longest] - starts[longest] < min_run:
        return None, None
    return int(starts[longest]) / SAMPLES, int(ends[longest]) / SAMPLES


def _median(values: np.ndarray) -> float:
    """np.median of a few values, at a tenth of its cost."""
    v = np.sort(values)
    return float(v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2.0


def _fraction(point: np.ndarray, top: np.ndarray, step: np.ndarray) -> float:
    """Where ``point`` lies along the column from ``top`` by ``step`` (0..1, clipped)."""
    return float(np.clip((np.asarray(point, np.float64) - top) @ step / (step @ step), 0.0, 1.0))
