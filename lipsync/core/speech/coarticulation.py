"""Coarticulation: phone segments -> mouth parameters at any times (Cohen–Massaro dominance).

Each phone is split into viseme parts (:func:`~.visemes.phone_parts`). A part ``k`` with target
``T[k, p]`` for mouth parameter ``p`` exerts a dominance

    D[k, p](t) = S[k, p] · w[k] · exp(-(d / tau) ** c)

where ``S`` is its class's strength, ``w`` the phone's confidence weight, ``d`` the distance in
seconds from ``t`` to the part (0 inside it), ``tau`` the class's anticipation (when ``t`` is
before the part) or carry-over (after it) and ``c`` = :data:`~.parameters.DOMINANCE_SHAPE`. The
mouth at ``t`` is the dominance-weighted mean ``Σ D·T / Σ D`` (Cohen & Massaro 1993,
"Modeling coarticulation in synthetic visual speech"). This gives

- smooth transitions, because every dominance is continuous in time;
- anticipatory rounding, because rounded vowels and /w/ have a long anticipation and a strong
  dominance on ``round``/``width``, so the lips protrude during the consonants before them;
- a neutral mouth in pauses: pauses are parts with the neutral target, and in a long pause
  every other dominance has decayed;
- full contact even in short phones: after blending, each bilabial (``closure``) and
  labiodental (``labiodental``) part imposes a contact profile that is 1 inside the part and
  ramps down over its anticipation/carry-over, and the frame nearest to the part's centre is
  forced to full contact with the mouth shut (``open`` ≤ ``CONTACT_OPEN_MAX``), so a 20 ms /b/
  between two frames still shows as a closed frame.

All numbers are in :mod:`lipsync.core.speech.parameters` and :mod:`lipsync.core.speech.visemes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lipsync.core.speech import parameters as P
from lipsync.core.speech.visemes import (
    CLASSES,
    CLOSURE,
    LABIODENTAL,
    OPEN,
    TEETH,
    phone_parts,
)
from lipsync.core.types import MOUTH_PARAMS, PhoneSegment

_N_PARAMS = len(MOUTH_PARAMS)
_CONTACT_INDEX = {"closure": CLOSURE, "labiodental": LABIODENTAL}
_CHUNK_FRAMES = 512  # frames evaluated together (bounds memory: chunk × parts × params)


@dataclass(frozen=True, eq=False)
class Parts:
    """Viseme parts in time order: ``start``/``end`` float64 (K,) seconds, ``target`` and
    ``strength`` float64 (K, P), ``anticipation``/``carryover`` float64 (K,) seconds,
    ``contact`` int (K,) mouth-parameter index or -1."""

    start: np.ndarray
    end: np.ndarray
    target: np.ndarray
    strength: np.ndarray
    anticipation: np.ndarray
    carryover: np.ndarray
    contact: np.ndarray

    def __len__(self) -> int:
        return int(self.start.shape[0])


def build_parts(segments: Sequence[PhoneSegment], confidence_weight: bool = True) -> Parts:
    """Split phones into viseme parts, fill gaps and both ends with neutral pauses.

    With ``confidence_weight`` a phone's strength is scaled by ``0.5 + 0.5 * confidence`` so
    that doubtful recognitions impose themselves less on their neighbours.
    """
    rest = CLASSES["rest"]
    rows: list[tuple] = []

    def add(cls, start: float, end: float, weight: float = 1.0) -> None:
        if end > start:
            rows.append((start, end, cls, weight))

    ordered = sorted((s for s in segments if s.end > s.start), key=lambda s: s.start)
    cursor = ordered[0].start - P.EDGE_SILENCE_SECONDS if ordered else 0.0
    for seg in ordered:
        start = max(seg.start, cursor)
        if start > cursor:
            add(rest, cursor, start)
        weight = 0.5 + 0.5 * float(np.clip(seg.confidence, 0.0, 1.0)) if confidence_weight else 1
        t = start
        for cls, share in phone_parts(seg.label):
            t_end = t + share * (seg.end - start)
            add(cls, t, t_end, weight)
            t = t_end
        cursor = max(cursor, seg.end)
    add(rest, cursor, cursor + P.EDGE_SILENCE_SECONDS)

    k = len(rows)
    starts = np.array([r[0] for r in rows], dtype=np.float64)
    end = np.array([r[1] for r in rows], dtype=np.float64)
    target = np.array([r[2].target for r in rows], dtype=np.float64).reshape(k, _N_PARAMS)
    strength = np.array([r[2].strength for r in rows], dtype=np.float64).reshape(k, _N_PARAMS)
    strength *= np.array([r[3] for r in rows], dtype=np.float64)[:, None]
    return Parts(
        start=starts,
        end=end,
        target=target,
        strength=strength,
        anticipation=np.array([r[2].anticipation for r in rows], dtype=np.float64),
        carryover=np.array([r[2].carryover for r in rows], dtype=np.float64),
        contact=np.array([_CONTACT_INDEX.get(r[2].contact or "", -1) for r in rows], dtype=int),
    )


def _decay(parts: Parts, sl: slice, t: np.ndarray) -> np.ndarray:
    """``float64 (n, k)`` dominance decay of parts ``sl`` at times ``t`` (1 inside a part)."""
    before = np.maximum(parts.start[sl][None, :] - t[:, None], 0.0) / parts.anticipation[sl]
    after = np.maximum(t[:, None] - parts.end[sl][None, :], 0.0) / parts.carryover[sl]
    return np.exp(-((before + after) ** P.DOMINANCE_SHAPE))


def blend(parts: Parts, times: np.ndarray) -> np.ndarray:
    """Dominance-weighted mean of the part targets at ``times`` (float64 (N,) seconds).

    Returns ``float32 (N, P)`` in :data:`MOUTH_PARAMS` order, before contact enforcement.
    """
    times = np.asarray(times, dtype=np.float64)
    out = np.empty((times.shape[0], _N_PARAMS), dtype=np.float64)
    for i0 in range(0, times.shape[0], _CHUNK_FRAMES):
        t = times[i0 : i0 + _CHUNK_FRAMES]
        lo = int(np.searchsorted(parts.end, t[0] - P.CONTEXT_SECONDS, side="left"))
        hi = int(np.searchsorted(parts.start, t[-1] + P.CONTEXT_SECONDS, side="right"))
        lo, hi = min(lo, len(parts) - 1), max(hi, lo + 1)
        sl = slice(lo, hi)
        dom = _decay(parts, sl, t)[:, :, None] * parts.strength[sl][None, :, :]  # (n, k, P)
        total = dom.sum(axis=1)
        mixed = (dom * parts.target[sl][None, :, :]).sum(axis=1)
        out[i0 : i0 + t.shape[0]] = np.where(total > 1e-12, mixed / np.maximum(total, 1e-12), 0)
    return out.astype(np.float32)


def enforce_contact(parts: Parts, times: np.ndarray, values: np.ndarray, fps: float) -> None:
    """Impose full lip contact of bilabial / labiodental parts on ``values`` (in place)."""
    times = np.asarray(times, dtype=np.float64)
    if times.shape[0] == 0:
        return
    half_frame = 0.5 / fps
    # only the contact parts whose reach (twice their anticipation and carry-over) holds one of
    # the times: the others change nothing, and a long speech has thousands of them
    reach = (
        (parts.contact >= 0)
        & (parts.start - parts.anticipation * 2 <= times[-1])
        & (parts.end + parts.carryover * 2 >= times[0])
    )
    for k in np.flatnonzero(reach):
        p = int(parts.contact[k])
        s, e = parts.start[k], parts.end[k]
        lo = int(np.searchsorted(times, s - parts.anticipation[k] * 2, side="left"))
        hi = int(np.searchsorted(times, e + parts.carryover[k] * 2, side="right"))
        if hi <= lo:
            continue
        t = times[lo:hi]
        before = np.maximum(s - t, 0.0) / parts.anticipation[k]
        after = np.maximum(t - e, 0.0) / parts.carryover[k]
        profile = np.exp(-((before + after) ** 2)) * P.FULL_CONTACT_LEVEL
        seg = values[lo:hi]
        seg[:, p] = np.maximum(seg[:, p], profile)
        if p == CLOSURE:
            seg[:, OPEN] = seg[:, OPEN] * (1.0 - profile)
            seg[:, TEETH] = seg[:, TEETH] * (1.0 - profile)
        # the frame nearest to the centre shows the full contact, however short the phone
        centre = 0.5 * (s + e)
        j = int(np.argmin(np.abs(times - centre)))
        if abs(times[j] - centre) <= half_frame + 0.5 * (e - s) + 1e-9:
            values[j, p] = max(values[j, p], P.FULL_CONTACT_LEVEL)
            if p == CLOSURE:
                values[j, OPEN] = min(values[j, OPEN], P.CONTACT_OPEN_MAX)
                values[j, TEETH] = 0.0


def mouth_values(segments: Sequence[PhoneSegment], times: np.ndarray, fps: float) -> np.ndarray:
    """Mouth parameters at ``times`` (float64 (N,) s) from phone segments: float32 (N, P).

    Values are clipped to the ranges documented in :data:`MOUTH_PARAMS`.
    """
    times = np.asarray(times, dtype=np.float64)
    if times.shape[0] == 0:
        return np.zeros((0, _N_PARAMS), dtype=np.float32)
    return parts_values(build_parts(segments), times, fps)


def parts_values(
    parts: Parts,
    times: np.ndarray,
    fps: float,
    open_spread: float = 0.0,
    open_reach: float = math.inf,
) -> np.ndarray:
    """:func:`mouth_values` from parts built once (:func:`build_parts`): a stream asks for a few
    frames at a time, and building the parts of a whole speech costs time and memory in
    proportion to its length (10 minutes: 6000 phones). ``open_spread`` (s): the blended
    ``open`` is a Gaussian-weighted mean over that standard deviation of time (before the
    contacts are imposed, so closures stay as sharp), out to two of them on each side, or to
    ``open_reach`` (s) where that is nearer (live speech known only so far ahead)."""
    times = np.asarray(times, dtype=np.float64)
    if times.shape[0] == 0:
        return np.zeros((0, _N_PARAMS), dtype=np.float32)
    values = blend(parts, times)
    if open_spread > 0.0:
        offsets = np.linspace(-2.0, 2.0, 9)
        weights = np.exp(-0.5 * offsets**2)
        kept = np.abs(offsets * open_spread) <= open_reach + 1e-9
        offsets, weights = offsets[kept], weights[kept] / weights[kept].sum()
        spread = np.zeros(times.shape[0])
        for off, w in zip(offsets * open_spread, weights, strict=True):
            shifted = values if off == 0.0 else blend(parts, times + off)
            spread += w * shifted[:, OPEN]
        values[:, OPEN] = spread
    enforce_contact(parts, times, values, fps)
    lo = np.zeros(_N_PARAMS, dtype=np.float32)
    lo[MOUTH_PARAMS.index("width")] = -1.0
    return np.clip(values, lo, 1.0).astype(np.float32)
