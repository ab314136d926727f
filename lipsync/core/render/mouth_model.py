"""The mouth model: a track's neutral mouth deformed by the six mouth parameters.

A linear, blendshape-like model in mouth-centred normalised coordinates (IO units, see
:mod:`lipsync.core.render.parameters`). Every parameter moves lip and jaw points by a fixed
displacement per unit (the gains in ``parameters``):

- ``open`` (0..1) adds an inner-lip gap of ``OPEN_GAP`` (elliptical across the mouth), made
  mostly by the lower lip (``OPEN_LOWER_SHARE``), drops the chin by ``OPEN_JAW`` (jaw points
  falling off towards the ears), lowers and narrows the corners a little.
- ``width`` (-1..1) moves the corners out (in) by ``WIDTH_SPREAD``; the lips stretch with them.
- ``round`` (0..1) narrows the mouth (the inner opening more than the outer lips), everts the
  lips (outer upper lip up, outer lower lip down) and parts them slightly at the middle.
- ``closure`` (0..1) scales every gap (the neutral's own and the one ``open`` adds) towards
  zero: at 1 the inner lips meet at their common mid-line, whatever the other parameters say.
- ``labiodental`` (0..1) raises the lower inner lip to just below the upper inner lip (under
  the upper teeth) and lifts the upper lip slightly.
- ``teeth`` (0..1) lifts the upper lip a little; the interior fill shows more teeth.

The result replaces the source mouth: it depends on the neutral shape, the parameters and,
when given, the speaker's own :class:`~lipsync.core.render.mouth_range.MouthRange`: ``open``
then reaches their widest ordinary opening (``OPEN_GAP`` and ``OPEN_JAW`` scale with it) and
the corners move in no further than their narrowest mouth.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Mapping

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.render import parameters as P
from lipsync.core.render.mouth_range import MouthRange
from lipsync.core.render.normalise import INNER_PAIRS
from lipsync.core.types import JAW_CHIN, MOUTH_PARAMS

_LOW = np.array([0.0, -1.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float32)
_HIGH = np.ones(6, dtype=np.float32)
# index groups as slices (an index list is converted on every use)
_OUTER_UPPER, _OUTER_LOWER = slice(1, 6), slice(7, 12)
_INNER_UPPER, _INNER_LOWER = slice(1, 4), slice(7, 4, -1)
assert tuple(zip(range(8)[_INNER_UPPER], range(8)[_INNER_LOWER], strict=True)) == INNER_PAIRS
_OUTER_CORNERS, _INNER_CORNERS = slice(0, 7, 6), slice(0, 5, 4)
#: target shapes kept (the exemplar renderer asks for a batch's targets, then its warp again)
_SHAPES_KEPT = 32
_shapes: dict[tuple, dict[str, np.ndarray]] = {}
_shapes_lock = threading.Lock()


def check_target(target: np.ndarray) -> np.ndarray:
    """``target`` as ``float32 (6,)`` in :data:`MOUTH_PARAMS` order, clipped to the ranges."""
    t = np.asarray(target, dtype=np.float32).reshape(-1)
    if t.shape != (len(MOUTH_PARAMS),) or not np.all(np.isfinite(t)):
        raise InputError(
            f"A mouth target must be {len(MOUTH_PARAMS)} finite numbers {MOUTH_PARAMS}, "
            f"got shape {np.asarray(target).shape}: pass one row of a MouthTrack."
        )
    return np.minimum(np.maximum(t, _LOW), _HIGH)  # np.clip's wrapper: 5x slower


def _profile(x: np.ndarray, half_width: float) -> np.ndarray:
    """Elliptical opening profile across the mouth: 1 at the middle, ~0 at the corners."""
    r = np.minimum(np.abs(x) / max(half_width, 1e-3), 1.0)  # np.clip's wrapper: 5x slower
    return np.sqrt(np.maximum(1.0 - r**2, 0.05)).astype(np.float32)


@functools.cache
def _jaw_drop(n: int) -> np.ndarray:
    """``float64 (n,)``: how far each of ``n`` jaw points drops for a unit chin drop (1 at
    the chin, falling off as a cosine over ``JAW_FALLOFF_POINTS`` towards the ears)."""
    fall = [min(abs(i - JAW_CHIN) / P.JAW_FALLOFF_POINTS, 1.0) for i in range(n)]
    drop = np.array([math.cos(math.pi / 2.0 * f) for f in fall])
    drop.flags.writeable = False
    return drop


def target_shape(
    neutral: Mapping[str, np.ndarray],
    target: np.ndarray,
    mouth_range: MouthRange | None = None,
) -> dict[str, np.ndarray]:
    """Target ``outer_lip`` (12, 2), ``inner_lip`` (8, 2) and ``jaw`` (17, 2) in mouth-centred
    normalised coordinates (``float32``, read-only) for the neutral shape and a ``(6,)``
    target, within the speaker's ``mouth_range`` when it is known.

    The last ``_SHAPES_KEPT`` shapes are kept, keyed on the values that make them: a frame's
    target is asked for by the exemplar's choice, its warp and its morph (0.2 ms a call)."""
    params = check_target(target)
    groups = tuple(
        np.asarray(neutral[g], dtype=np.float32) for g in ("outer_lip", "inner_lip", "jaw")
    )
    key = (
        params.tobytes(),
        *(g.shape for g in groups),
        *(g.tobytes() for g in groups),
        mouth_range,
    )
    with _shapes_lock:
        kept = _shapes.get(key)
    if kept is None:
        kept = _target_shape(groups[0], groups[1], groups[2], params, mouth_range)
        for a in kept.values():
            a.flags.writeable = False
        with _shapes_lock:
            _shapes[key] = kept
            while len(_shapes) > _SHAPES_KEPT:
                del _shapes[next(iter(_shapes))]
    return dict(kept)


def _target_shape(
    outer_lip: np.ndarray,
    inner_lip: np.ndarray,
    jaw_: np.ndarray,
    params: np.ndarray,
    mouth_range: MouthRange | None,
) -> dict[str, np.ndarray]:
    """:func:`target_shape` of the neutral's ``float32`` groups and checked ``params``."""
    o_, w, r, c, ld, t = (float(v) for v in params)
    outer = outer_lip.copy()
    inner = inner_lip.copy()
    jaw = jaw_.copy()
    a = o_ * (1.0 - c)  # effective opening: closure overrides open

    half_outer = max(float(outer[6, 0] - outer[0, 0]) / 2.0, 1e-3)
    half_inner = max(float(inner[4, 0] - inner[0, 0]) / 2.0, 1e-3)
    g0 = np.array([max(inner[lo, 1] - inner[up, 1], 0.0) for up, lo in INNER_PAIRS])
    speaker = mouth_range or MouthRange()
    open_gap = speaker.open_gain(float(g0.mean()))
    open_jaw = P.OPEN_JAW * open_gap / P.OPEN_GAP

    # --- vertical: gaps per inner column ----------------------------------------------------
    col_x = inner[_INNER_UPPER, 0]
    prof = _profile(col_x, half_outer)
    g = (1.0 - c) * (g0 + (open_gap * a + P.ROUND_GAP * r) * prof)
    g = np.maximum(g, P.CLOSURE_MIN_GAP * prof)
    delta = g - g0
    opening, closing = np.maximum(delta, 0.0), np.maximum(-delta, 0.0)
    up_dy = -(1.0 - P.OPEN_LOWER_SHARE) * opening + closing / 2.0
    lo_dy = P.OPEN_LOWER_SHARE * opening - closing / 2.0
    lift = P.TEETH_UPPER_LIFT * t + P.LABIODENTAL_UPPER_LIFT * ld
    up_dy = up_dy - lift * prof
    # labiodental: the lower inner lip goes to just below the upper inner lip
    up_y = inner[_INNER_UPPER, 1] + up_dy
    lo_y = inner[_INNER_LOWER, 1] + lo_dy
    tucked = up_y + P.LABIODENTAL_TUCK * prof
    lo_dy = lo_dy + ld * (tucked - lo_y)
    corner_dy = P.OPEN_CORNER_DROP * a - P.WIDTH_CORNER_LIFT * max(w, 0.0)

    inner[_INNER_UPPER, 1] += up_dy
    inner[_INNER_LOWER, 1] += lo_dy
    inner[_INNER_CORNERS, 1] += corner_dy
    # outer lips follow the inner columns, interpolated across the mouth
    xp = np.concatenate([[-half_outer], col_x, [half_outer]])
    order = np.argsort(xp)
    up_f = np.concatenate([[corner_dy], up_dy, [corner_dy]])[order]
    lo_f = np.concatenate([[corner_dy], lo_dy, [corner_dy]])[order]
    xp = xp[order]
    evert = P.ROUND_PROTRUDE * r
    press = P.CLOSURE_PRESS * c
    x = outer[_OUTER_UPPER, 0]
    outer[_OUTER_UPPER, 1] += np.interp(x, xp, up_f) - (evert - press) * _profile(x, half_outer)
    x = outer[_OUTER_LOWER, 0]
    outer[_OUTER_LOWER, 1] += np.interp(x, xp, lo_f) + (evert - press) * _profile(x, half_outer)
    outer[_OUTER_CORNERS, 1] += corner_dy

    # --- horizontal: corners move, the lips stretch with them -------------------------------
    narrow = speaker.open_narrowing(open_gap)
    shift_outer = P.WIDTH_SPREAD * w - narrow * a - P.ROUND_NARROW * r
    shift_inner = P.WIDTH_SPREAD * w - narrow * a - P.ROUND_INNER_NARROW * r
    limit = speaker.narrowing_limit(half_outer)
    if shift_outer < -limit:  # no narrower than the speaker's own narrowest mouth
        scale = limit / -shift_outer
        shift_outer, shift_inner = -limit, shift_inner * scale
    outer[:, 0] *= max(1.0 + shift_outer / half_outer, 0.3)
    inner[:, 0] *= max(1.0 + shift_inner / half_inner, 0.2)

    # --- jaw ------------------------------------------------------------------------------
    jaw[:, 1] += (open_jaw * a * _jaw_drop(len(jaw))).astype(np.float32)

    return {"outer_lip": outer, "inner_lip": inner, "jaw": jaw}
